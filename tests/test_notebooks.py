"""The notebook check (nbval, run by `make test` over every notebook) is able to fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_nbval_fails_when_a_stored_output_is_stale(tmp_path: Path):
    nb = json.loads((ROOT / "chapters" / "escalation.ipynb").read_text())
    # change one stored glue value: a number the prose shows
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime, value in data.items():
                if mime.endswith("text/plain") and value == "145" or value == ["145"]:
                    data[mime] = "146"
                    break
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
    assert "files/_static/vendor/vega-offline.js" in html  # local notebooks load the vendored copy
    assert "</script><b>" not in html and html.count("</script>") == 1
    assert '"actions": false' in html
