"""The notebook check (nbval, run by `make test` over every notebook) is able to fail."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_nbval_fails_when_a_stored_output_is_stale(tmp_path: Path):
    nb = json.loads((ROOT / "chapters" / "escalation.ipynb").read_text())
    # change one stored number in a data table's HTML (the prose's numbers are checked below)
    done = False
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            text = "".join(html) if isinstance(html, list) else html
            if not done and text and "<table" in text and ">145.0<" in text:
                out["data"]["text/html"] = text.replace(">145.0<", ">146.0<", 1)
                done = True
    stale = tmp_path / "stale.ipynb"
    stale.write_text(json.dumps(nb))
    assert "146" in stale.read_text(), "fixture did not change a stored output"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                           "--nbval-current-env", str(stale)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "146" in proc.stdout or "145" in proc.stdout


def test_chart_ids_are_stable_across_kernels_and_unique_within_one():
    import re

    import altair as alt

    from standoff.theme import StableHTMLRenderer

    spec = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q").to_dict()
    ids = lambda bundle: re.findall(r"altair-viz-[0-9a-f]{32}", bundle["text/html"])  # noqa: E731
    first, second = StableHTMLRenderer(), StableHTMLRenderer()
    a = ids(first(spec))
    assert a and a == ids(second(spec))  # a new kernel renders the same id
    assert ids(first(spec))[0] != a[0]  # the same chart shown again gets its own div


def test_chart_html_names_no_other_host_and_escapes_script_ends():
    import altair as alt

    from standoff.theme import StableHTMLRenderer

    spec = alt.Chart(alt.Data(values=[{"a": "</script><b>"}])).mark_point().encode(x="a:N").to_dict()
    html = StableHTMLRenderer()(spec, embed_options={"actions": False})["text/html"]
    for host in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert host not in html, f"chart HTML names {host}"
    # local notebooks load the vendored copies (Vega, and the Vega-Lite compiler for an uncompiled spec)
    assert '"files/_static/vendor/" + file' in html
    assert '"vega-offline.js"' in html and '"vega-lite-offline.js"' in html
    # the spec is JSON in its own script element, every "<" escaped: no label can end or open an element
    assert "</script><b>" not in html and "<b>" not in html and html.count("</script>") == 2
    assert '"actions":false' in html


# --- numbers in prose: {eval} roles and their stored values ------------------------------------

def _toc_notebooks() -> list[Path]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from execute_notebooks import toc_notebooks

    return toc_notebooks()


NOTEBOOKS = _toc_notebooks()
LEFTOVER_MARKUP = re.compile(r"\{glue(:[a-z]+)?\}`|```\{(solution|exercise)-(start|end)\}")


def _fresh_namespace(path: Path) -> dict:
    """Run the notebook's code cells up to its last ``book.bind`` call in a fresh namespace (in this process)."""
    import contextlib
    import os

    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    last = max((i for i, c in enumerate(code) if "book.bind(" in c), default=-1)
    ns: dict = {"__name__": "__main__"}
    cwd = os.getcwd()
    try:
        os.chdir(path.parent)
        for src in code[: last + 1]:
            with contextlib.redirect_stdout(None):
                exec(compile(src, str(path), "exec"), ns)
    finally:
        os.chdir(cwd)
    return ns


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_prose_values_are_stored_and_fresh(path: Path):
    """Every {eval} in the prose has its value stored in the notebook, equal to a fresh computation.

    The stored values (markdown cell metadata ``user_expressions``, as jupyterlab-myst writes
    it) make a notebook read correctly on opening; `make outputs` refreshes them.
    """
    from execute_notebooks import eval_names

    from standoff.book import Prose

    nb = json.loads(path.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    for c in cells:
        assert not LEFTOVER_MARKUP.search("".join(c["source"])), \
            f"{path.name}: glue or gated markup left (run scripts/migrate_eval.py)"
    wanted = [(i, eval_names("".join(c["source"]))) for i, c in enumerate(cells)]
    if not any(names for _, names in wanted):
        return
    ns = _fresh_namespace(path)
    stale = []
    for i, names in wanted:
        stored = cells[i].get("metadata", {}).get("user_expressions", [])
        assert [s["expression"] for s in stored] == names, \
            f"{path.name}: markdown cell {i} stores values for {[s['expression'] for s in stored]}, prose has {names}: run make outputs"
        for s in stored:
            name = s["expression"]
            assert name in ns, f"{path.name}: {{eval}}`{name}` is not bound by the setup cell"
            assert isinstance(ns[name], Prose), f"{path.name}: {name} is not a book.Prose (a str would show quotes)"
            if s["result"]["data"].get("text/plain") != repr(ns[name]):
                stale.append(f"{name}: stored {s['result']['data'].get('text/plain')!r}, fresh {repr(ns[name])!r}")
    assert not stale, f"{path.name}: stale prose values (run make outputs):\n" + "\n".join(stale)


def test_stale_prose_value_fails(tmp_path: Path):
    """The check above fails when one stored value differs from the freshly computed one."""
    src = ROOT / "chapters" / "escalation.ipynb"
    nb = json.loads(src.read_text())
    for c in nb["cells"]:
        for s in c.get("metadata", {}).get("user_expressions", []):
            s["result"]["data"]["text/plain"] = "999"
            break
    stale = src.parent / "_stale_test_copy.ipynb"  # next to the chapter: same relative paths
    stale.write_text(json.dumps(nb))
    try:
        with pytest.raises(AssertionError, match="stale prose values"):
            test_prose_values_are_stored_and_fresh(stale)
    finally:
        stale.unlink()


def test_migration_is_done_and_idempotent():
    """scripts/migrate_eval.py has nothing left to change in any notebook (re-run it after a merge)."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "migrate_eval.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_prose_value_type():
    from standoff.book import Prose, bind, fmt

    assert repr(fmt(145)) == "145" and repr(fmt("10 April 2025")) == "10 April 2025"
    assert repr(fmt(0.5833, ".1f")) == "0.6" and repr(fmt(58, "g")) == "58"
    ns = {"actions": object()}
    bind(ns, {"peak": 145}, formats={"peak": ".0f"})
    assert isinstance(ns["peak"], Prose) and repr(ns["peak"]) == "145"
    with pytest.raises(NameError):
        bind(ns, {"actions": 1})
    with pytest.raises(KeyError):
        bind(ns, {"a": 1}, formats={"b": ".1f"})
