"""Glossary terms in the chapters' prose: find each term's first use and link it with MyST's ``{term}`` role.

The terms and the wordings that count as a use come from the ``glossary`` table (``term`` and
``aliases``). A use is a whole-word match in a markdown cell's prose, outside code (fenced blocks
and inline code), other roles, link targets, labels and directive options. A ``{term}`` role counts
as a use of the term it links. ``first_uses`` reports, for every term a notebook uses, whether its
first use is linked; ``link_first_uses`` rewrites the first plain use into a ``{term}`` role
(``scripts/link_terms.py``), and a test fails when a chapter's first use of a term is not linked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

TERM_ROLE = re.compile(r"\{term\}`([^`<]*?)(?:\s*<([^`>]+)>)?`")
# spans where a word is not prose: code fences (not MyST directives), inline code, other roles, link targets,
# labels such as (name)= and directive options such as :label: x
_PROTECT = re.compile(
    r"(?ms)^(`{3,}|~{3,})(?:python|bash|text|console|sh)?[ \t]*\n.*?^\1[ \t]*$"  # a code fence (not a directive)
    r"|\{(?!term\})[\w:-]+\}`[^`]*`"                    # another role, e.g. {eval}`x`, {ref}`y`
    r"|``[^`]*``|`[^`\n]*`"                               # inline code
    r"|\[[^\]\n]*\]\([^)]*\)"                               # a whole Markdown link (text and target)
    r"|^\([\w-]+\)=[ \t]*$"                              # a label line
    r"|^:[\w-]+:[^\n]*$"                                  # a directive option line
    r"|<[^>\n]+>"                                         # an HTML tag
    r"|^#{1,6} [^\n]*$"                                   # a heading (never linked)
)


@dataclass(frozen=True)
class Use:
    term: str
    cell: int
    start: int
    end: int
    linked: bool
    text: str


def wordings(glossary: pd.DataFrame) -> dict[str, str]:
    """Every wording that counts as a use -> the glossary term it stands for (longest wordings first)."""
    out: dict[str, str] = {}
    for _, r in glossary.iterrows():
        names = [r["term"]] + ([a.strip() for a in str(r["aliases"]).split(";")]
                               if isinstance(r["aliases"], str) and r["aliases"] else [])
        for n in names:
            if n and n not in out:
                out[n] = r["term"]
    return dict(sorted(out.items(), key=lambda kv: -len(kv[0])))


def _pattern(words: dict[str, str]) -> re.Pattern:
    alts = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w-])({alts})(?![\w-])")


def _cell_source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def uses(cells: list[dict], glossary: pd.DataFrame) -> list[Use]:
    """Every use of a glossary term in the markdown cells, in reading order."""
    words = wordings(glossary)
    terms = set(glossary["term"])
    pat = _pattern(words)
    found: list[Use] = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        text = _cell_source(cell)
        spans = [(m.start(), m.end()) for m in _PROTECT.finditer(text)]
        for m in TERM_ROLE.finditer(text):
            target = (m.group(2) or m.group(1)).strip()
            if target in terms:
                found.append(Use(target, i, m.start(), m.end(), True, m.group(0)))
            spans.append((m.start(), m.end()))
        for m in pat.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            found.append(Use(words[m.group(1)], i, m.start(), m.end(), False, m.group(1)))
    return sorted(found, key=lambda u: (u.cell, u.start))


def first_uses(cells: list[dict], glossary: pd.DataFrame) -> dict[str, Use]:
    """Each term's first use in the notebook."""
    out: dict[str, Use] = {}
    for u in uses(cells, glossary):
        out.setdefault(u.term, u)
    return out


def link_first_uses(cells: list[dict], glossary: pd.DataFrame) -> int:
    """Rewrite each term's first use, where it is plain text, into a ``{term}`` role. Returns the count."""
    firsts = [u for u in first_uses(cells, glossary).values() if not u.linked]
    by_cell: dict[int, list[Use]] = {}
    for u in firsts:
        by_cell.setdefault(u.cell, []).append(u)
    for i, us in by_cell.items():
        text = _cell_source(cells[i])
        for u in sorted(us, key=lambda u: -u.start):
            role = f"{{term}}`{u.text}`" if u.text == u.term else f"{{term}}`{u.text} <{u.term}>`"
            text = text[:u.start] + role + text[u.end:]
        lines = text.split("\n")
        cells[i]["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return len(firsts)
