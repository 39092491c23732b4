"""The appendix pages (Data, Sources), generated from ``data/`` so they can never drift from it."""

from __future__ import annotations

import html

from . import data

DATA_URL = "../_data/"  # where standoff.sphinxext copies the CSVs in the built site


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def citing_tables() -> dict[str, list[str]]:
    """source_id -> the tables whose rows cite it."""
    _, tables = data.package()
    out: dict[str, list[str]] = {}
    for t in tables.values():
        for fk in t.foreign_keys:
            if fk["reference"]["resource"] != "sources":
                continue
            for r in t.rows:
                sid = r[fk["fields"][0]]
                if sid is not None and t.name not in out.setdefault(sid, []):
                    out[sid].append(t.name)
    return out


def tables_html() -> str:
    """One section per table: description, row count, download link and field list."""
    _, tables = data.package()
    parts = []
    for t in tables.values():
        rows = []
        for f in t.fields:
            c = f.get("constraints", {})
            rules = []
            if c.get("required"):
                rules.append("required")
            if "enum" in c:
                rules.append("one of: " + ", ".join(map(str, c["enum"])))
            if "minimum" in c or "maximum" in c:
                rules.append(f"range {c.get('minimum', '…')} to {c.get('maximum', '…')}")
            pk = " (key)" if f["name"] in t.primary_key else ""
            rows.append(f"<tr><td><code>{_e(f['name'])}</code>{pk}</td><td>{_e(f.get('type'))}</td>"
                        f"<td>{_e(f.get('unit', ''))}</td><td>{_e(f.get('description'))}"
                        f"{'<br><small>' + _e('; '.join(rules)) + '</small>' if rules else ''}</td></tr>")
        parts.append(
            f"<section class='standoff-dataset' id='table-{_e(t.name)}'><h3><code>{_e(t.name)}</code>: {_e(t.title)}</h3>"
            f"<p>{_e(t.description)}</p>"
            f"<p><strong>{len(t.rows)}</strong> rows · <a href='{DATA_URL}{_e(t.path)}' download>Download {_e(t.path)}</a></p>"
            f"<details class='standoff-data'><summary>Fields of {_e(t.name)}</summary><div class='standoff-table-wrap'><table>"
            "<thead><tr><th scope='col'>Field</th><th scope='col'>Type</th><th scope='col'>Unit</th>"
            f"<th scope='col'>Meaning</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></details></section>")
    return "".join(parts)


def sources_html() -> str:
    """Every source, with publisher, title, date, kind, link, note and the tables citing it."""
    cites = citing_tables()
    src = data.load("sources")
    parts = []
    for kind, heading, intro in (
            ("primary", "Primary sources",
             "Documents of governments, courts and statistical agencies, and companies' own filings."),
            ("secondary", "Secondary sources", "News reports, analysis and commentary.")):
        sub = src[src["kind"] == kind]
        parts.append(f"<h3 id='sources-{kind}'>{heading} ({len(sub)})</h3><p>{intro}</p>" + _source_list(sub, cites))
    return "".join(parts)


def _source_list(src, cites) -> str:
    items = []
    for _, r in src.iterrows():
        used = ", ".join(f"<a href='data.html#table-{_e(t)}'><code>{_e(t)}</code></a>" for t in cites.get(r["source_id"], []))
        date = _e(r["date"]) if r["date"] is not None and str(r["date"]) != "<NA>" else "undated"
        note = "" if str(r["note"]) in ("<NA>", "None") else f" <small>{_e(r['note'])}</small>"
        items.append(
            f"<li id='src-{_e(r['source_id'])}'><strong>{_e(r['publisher'])}</strong>, "
            f"<a href='{_e(r['url'])}'>{_e(r['title'])}</a> ({date}; {_e(r['kind'])}).{note}"
            f"<br><small>Cited by: {used or 'none'} · id <code>{_e(r['source_id'])}</code></small></li>")
    return "<ol class='standoff-sources'>" + "".join(items) + "</ol>"


GLOSSARY_PAGE = "appendix/glossary.md"
CATEGORY_TITLES = {"law": "Laws and legal provisions", "agency": "Agencies", "list": "Lists",
                   "measure": "Measures", "court": "Courts and rulings", "economics": "Economics",
                   "strategy": "Strategy"}


def glossary_markdown() -> str:
    """The Glossary appendix page (MyST), generated from the ``glossary`` table.

    One ``{glossary}`` directive per category, so chapters can link a term with the ``{term}`` role; each
    definition ends with a link to its source. ``scripts/glossary.py`` writes it to ``appendix/glossary.md``
    (``make outputs`` runs it) and a test fails when the file differs from what the data gives.
    """
    g = data.load("glossary")
    src = data.sources()
    out = ["(glossary)=", "# Glossary", "",
           "The terms this book uses, each defined in a sentence or two and linked to a source that supports the "
           "definition. Chapters link a term where they first use it. The definitions come from the `glossary` "
           "table in the [book's dataset](data.ipynb).", ""]
    for cat, title in CATEGORY_TITLES.items():
        rows = g[g["category"] == cat].sort_values("term", key=lambda s: s.str.lower())
        if rows.empty:
            continue
        out += [f"## {title}", "", "```{glossary}"]
        for _, r in rows.iterrows():
            s = src.loc[r["source_id"]]
            esc = lambda x: str(x).replace("$", "\\$")  # noqa: E731  (a dollar sign is not maths here)
            out += [esc(r["term"]),
                    f"  {esc(r['definition'])} Source: [{esc(s['publisher'])}, {esc(s['title'])}]({s['url']})."]
            if isinstance(r["aliases"], str) and r["aliases"]:
                out += ["", f"  Also written: {esc(', '.join(a.strip() for a in r['aliases'].split(';')))}."]
            out += [""]
        out[-1:] = ["```", ""]
    return "\n".join(out).rstrip("\n") + "\n"
