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
    versions = {"vega_version": alt.VEGA_VERSION, "vegalite_version": alt.VEGALITE_VERSION,
                "vegaembed_version": alt.VEGAEMBED_VERSION}
    first = StableHTMLRenderer(mode="vega-lite", template="universal", **versions)
    second = StableHTMLRenderer(mode="vega-lite", template="universal", **versions)
    a = ids(first(spec))
    assert a and a == ids(second(spec))  # a new kernel renders the same id
    assert ids(first(spec))[0] != a[0]  # the same chart shown again gets its own div
