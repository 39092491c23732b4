"""Reader pages read as a book: each chart's caption names the function that draws it, and the built pages
carry no placeholder titles, research-process notes, raw True/False cells or data-row ids as table cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = [ROOT / "intro.ipynb"] + sorted((ROOT / "chapters").glob("*.ipynb"))
ALIASES = {"channels": "standoff.chapters.channels", "first_trade_war": "standoff.chapters.first_trade_war",
           "leverage": "standoff.chapters.leverage", "beyond_tariffs": "standoff.chapters.beyond_tariffs",
           "calculator": "standoff.calculator",
           "phase_one": "standoff.chapters.phase_one", "after_april": "standoff.chapters.after_april",
           "escalation": "standoff.chapters.escalation", "sc": "standoff.chapters.strategy", "charts": "standoff.charts"}
# phrases that belong in a research brief or a draft, not on a reader's page
NOT_FOR_READERS = ["headline not captured", "url slug", "research for this chapter", "bytes of data",
                   "live version below", "your fragment", "the lead merges", "not cross-checked", "todo", "fixme"]


def _src(cell) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chart_caption_names_its_drawing_function(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    missing = []
    for i, c in enumerate(cells):
        if c["cell_type"] != "code" or not any("altair-viz" in json.dumps(o) for o in c.get("outputs", [])):
            continue
        m = re.match(r"\s*(\w+)\.(\w+)\(", _src(c).strip().split("\n")[-1])
        assert m, f"{path.name} cell {i}: a chart cell should end with one call to the function that draws it"
        full = f"{ALIASES.get(m.group(1), m.group(1))}.{m.group(2)}"
        caption = next(_src(d) for d in cells[i + 1:] if d["cell_type"] == "markdown")
        if f"`{full}`" not in caption.split("\n\n")[0]:
            missing.append(f"cell {i}: {full}")
    assert missing == [], f"{path.name}: captions that do not name their chart's function: {missing}"


def test_built_pages_have_no_placeholders_process_notes_or_raw_booleans(site):
    from conftest import site_pages

    problems = []
    for page in site_pages(site):
        html = (site / page).read_text(encoding="utf-8")
        text = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S).lower()
        problems += [f"{page}: '{p}'" for p in NOT_FOR_READERS if p in text]
        cells = re.findall(r"<td>\s*(True|False|nan|None|&lt;NA&gt;)\s*</td>", html)
        if cells:
            problems.append(f"{page}: raw cells {sorted(set(cells))} in a reader table")
        ids = [c for c in re.findall(r"<td>([a-z0-9]+(?:-[a-z0-9]+){2,})</td>", html) if re.search("[a-z]", c)]
        if ids:
            problems.append(f"{page}: data-row ids shown as table cells (put them behind the source link): {ids[:3]}")
    assert problems == [], "\n".join(problems)
