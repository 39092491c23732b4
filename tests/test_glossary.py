"""The glossary: every chapter links a listed term where it first uses it; the matcher itself is tested."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from standoff import data, glossary

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "intro.ipynb"] + sorted((ROOT / "chapters").glob("*.ipynb"))
TOY = pd.DataFrame([
    {"term": "Section 301", "aliases": "Section 301 tariffs"},
    {"term": "USTR", "aliases": "US Trade Representative"},
])


def _md(*texts):
    return [{"cell_type": "markdown", "source": t} for t in texts]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_term_is_linked_at_its_first_use(page):
    cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
    unlinked = [f"{u.term!r} (first used as {u.text!r}, cell {u.cell})"
                for u in glossary.first_uses(cells, data.load("glossary")).values() if not u.linked]
    assert unlinked == [], f"{page.relative_to(ROOT)}: link these with {{term}} (scripts/link_terms.py): {unlinked}"


def test_first_use_matching_skips_code_roles_and_headings():
    cells = _md("## Section 301 in a heading\n\nSome `Section 301` code and {eval}`Section_301`.\n\n"
                "```python\nSection 301\n```\n\nThe Section 301 tariffs began in 2018. Section 301 again.")
    first = glossary.first_uses(cells, TOY)
    assert list(first) == ["Section 301"] and first["Section 301"].text == "Section 301 tariffs"
    assert not first["Section 301"].linked


def test_linking_rewrites_only_the_first_plain_use_and_is_idempotent():
    cells = _md("The US Trade Representative acted under Section 301.", "Section 301 again; USTR again.")
    assert glossary.link_first_uses(cells, TOY) == 2
    text = "".join(cells[0]["source"]) + "".join(cells[1]["source"])
    assert "{term}`US Trade Representative <USTR>`" in text and "{term}`Section 301`" in text
    assert text.count("{term}") == 2
    assert glossary.link_first_uses(cells, TOY) == 0
    assert all(u.linked for u in glossary.first_uses(cells, TOY).values())


def test_a_role_linking_a_term_counts_as_its_use():
    cells = _md("See {term}`the trade law <Section 301>`. Later, Section 301 plain.")
    assert glossary.first_uses(cells, TOY)["Section 301"].linked
