"""Feedback pages written by ``make grade``, all self-contained HTML (no request to any host):

- ``feedback/<submission>.html``: for one student, per question: the score, which public and hidden checks
  passed, and the failure message of each public check that failed (hidden checks show only passed/failed);
  hand-graded questions show the mark once the teacher has entered it;
- ``summary.html``: for the teacher, a chart of the score distribution per question (Altair, drawn by the
  vendored Vega bundle inlined into the page) above the gradebook table;
- ``answers/<question>.html``: one page per hand-graded question with every student's answer in turn,
  anonymised (``Answer 1``, ``Answer 2`` ... in a shuffled order; ``answers/key.csv`` maps numbers to
  submissions) unless ``show_names``.

Student text is escaped, and Markdown answers are rendered with raw HTML disabled, so a submission cannot put
a script into the teacher's pages.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the summary page carries its chart library inline (it is opened from disk): Vega and vega-embed, and the Vega-Lite
# compiler, since its chart spec is Vega-Lite
VEGA = (ROOT / "_static" / "vendor" / "vega-offline.js", ROOT / "_static" / "vendor" / "vega-lite-offline.js")

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.pass { color: #1d6b37; font-weight: 600; } .fail { color: #a3261b; font-weight: 600; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; font-size: 0.85rem; }
.answer { border-left: 4px solid #3a76c4; padding: 0.2rem 1rem; margin: 1.2rem 0; background: #fafafa; }
.note { color: #555; }
@media (prefers-color-scheme: dark) {
  body { background: #121212; color: #e8e8e8; } th { background: #2a2a2a; } pre, .answer { background: #1e1e1e; }
  .pass { color: #5fc27e; } .fail { color: #ff7b6b; } .note { color: #aaa; } }
"""


def page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style>{head}</head>\n<body>\n{body}\n</body></html>\n")


def _e(x) -> str:
    return html.escape(str(x))


def _num(x) -> str:
    try:
        return f"{float(x):g}"
    except (TypeError, ValueError):
        return ""


def _qcol(q: dict) -> str:
    return f"{q['name']} (manual)" if q["manual"] else q["name"]


def _passed(cases: list[dict], ran: bool) -> str:
    """``2 of 3`` (green when all passed), ``none`` when the question has no such checks, ``not run``."""
    if not cases:
        return "none" if ran else "not run"
    ok = sum(c["passed"] for c in cases)
    return f"<span class=\"{'pass' if ok == len(cases) else 'fail'}\">{ok} of {len(cases)}</span>"


def student_page(assignment: str, qs: list[dict], row: dict, tests: list[dict]) -> str:
    """The feedback page of one submission (see the module docstring)."""
    by_name: dict[str, list[dict]] = {}
    for t in tests:
        by_name.setdefault(str(t["name"]).split(" - ")[0].strip(), []).extend(t.get("cases", []))
    parts = [f"<h1>Feedback: {_e(assignment)}</h1>",
             (f"<p>Submission <strong>{_e(row['submission'])}</strong>. Status: <strong>{_e(row['status'])}</strong>. "
              f"Score so far: <strong>{_num(row['total'])} of {_num(row['possible'])}</strong> points.</p>")]
    if row.get("note"):
        parts.append(f"<p class=\"note\">Note: {_e(row['note'])}</p>")
    parts.append("<table><thead><tr><th scope=\"col\">Question</th><th scope=\"col\">Score</th>"
                 "<th scope=\"col\">Public checks passed</th><th scope=\"col\">Hidden checks passed</th></tr></thead><tbody>")
    details = []
    for q in qs:
        val = row.get(_qcol(q), "")
        if q["manual"]:
            score = f"{_num(val)} / {q['points']:g}" if str(val).strip() else f"not marked yet / {q['points']:g}"
            parts.append(f"<tr><td>{_e(q['name'])} (graded by hand)</td><td>{score}</td><td>—</td><td>—</td></tr>")
            continue
        cases = by_name.get(q["name"], [])
        pub = [c for c in cases if not c["hidden"]]
        hid = [c for c in cases if c["hidden"]]

        parts.append(f"<tr><td>{_e(q['name'])}</td><td>{_num(val) or 0} / {q['points']:g}</td>"
                     f"<td>{_passed(pub, bool(cases))}</td><td>{_passed(hid, bool(cases))}</td></tr>")
        failed = [c for c in pub if not c["passed"]]
        if failed:
            details.append(f"<h2>{_e(q['name'])}: public checks that failed</h2>")
            for c in failed:
                details.append(f"<p>{_e(c['name'])}</p><pre>{_e((c.get('message') or '').strip()[:2000])}</pre>")
        if hid and not all(c["passed"] for c in hid):
            details.append(f"<p class=\"note\">{_e(q['name'])}: {sum(not c['passed'] for c in hid)} hidden check(s) "
                           f"failed. Hidden checks are not shown; re-read the question and test your answer "
                           f"on other values.</p>")
    parts.append("</tbody></table>")
    parts += details
    return page(f"Feedback: {assignment}, {row['submission']}", "\n".join(parts))


def _chart_html(qs: list[dict], rows: list[dict]) -> str:
    """The score-distribution chart: one small bar chart per question (count of students per score)."""
    import altair as alt

    from standoff import theme

    recs = []
    for r in rows:
        for q in qs:
            v = str(r.get(_qcol(q), "")).strip()
            if v == "":
                continue
            try:
                recs.append({"question": _qcol(q), "score": float(v), "points": q["points"]})
            except ValueError:
                pass
    if not recs:
        return "<p>No scores yet.</p>"
    order = [_qcol(q) for q in qs]
    # inline values (alt.Data), so the grading process never needs pandas
    chart = alt.Chart(alt.Data(values=recs)).mark_bar().encode(
        x=alt.X("score:O", title="Score", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count():Q", title="Students", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["question:N", "score:Q", "count():Q"],
    ).properties(width=150, height=120).facet(
        facet=alt.Facet("question:N", sort=order, title=None), columns=4
    ).properties(description="Bar charts, one per question: how many students got each score.",
                 title="Score distribution per question")
    spec = chart.to_dict()
    return theme.StableHTMLRenderer()(spec, embed_options={"actions": False})["text/html"]


def summary_page(assignment: str, qs: list[dict], rows: list[dict], columns: list[str]) -> str:
    """The class summary: the chart, then the gradebook table (see the module docstring)."""
    head = "".join("<script>" + f.read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"
                   for f in VEGA if f.is_file())
    graded = [r for r in rows if r.get("status") in ("graded", "unsafe", "timed out")]
    statuses = {}
    for r in rows:
        statuses[r.get("status", "")] = statuses.get(r.get("status", ""), 0) + 1
    parts = [f"<h1>Class summary: {_e(assignment)}</h1>",
             f"<p>{len(rows)} submission(s): " + ", ".join(f"{n} {_e(s)}" for s, n in sorted(statuses.items())) + ".</p>"]
    if graded:
        mean = sum(float(r["total"]) for r in graded) / len(graded)
        parts.append(f"<p>Mean total of the graded submissions: {mean:.2f} of {_num(graded[0]['possible'])}.</p>")
    parts.append(_chart_html(qs, rows))
    parts.append("<h2>Gradebook</h2><table><thead><tr>"
                 + "".join(f"<th scope=\"col\">{_e(c)}</th>" for c in columns) + "</tr></thead><tbody>")
    for r in rows:
        parts.append("<tr>" + "".join(f"<td>{_e(r.get(c, ''))}</td>" for c in columns) + "</tr>")
    parts.append("</tbody></table>")
    return page(f"Class summary: {assignment}", "\n".join(parts), head)


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


def manual_answers(nb: dict, qs: list[dict]) -> dict[str, list[dict]]:
    """The answer cells of each hand-graded question in a student notebook.

    Otter marks a hand-graded question's cells with ``<!-- BEGIN QUESTION -->`` ... ``<!-- END QUESTION -->``;
    the k-th such block belongs to the k-th manual question. Answer cells are the ones tagged
    ``otter_answer_cell`` (or, if the student lost the tags, every cell of the block after the prompt).
    """
    manual = [q["name"] for q in qs if q["manual"]]
    blocks: list[list[dict]] = []
    cur = None
    for cell in nb.get("cells", []):
        text = _src(cell)
        if "<!-- BEGIN QUESTION -->" in text:
            cur = [cell]
            blocks.append(cur)
            continue
        if cur is not None and "<!-- END QUESTION -->" in text:
            cur = None
            continue
        if cur is not None:
            cur.append(cell)
    out = {}
    for name, block in zip(manual, blocks, strict=False):   # a question without a block is left out
        tagged = [c for c in block[1:] if "otter_answer_cell" in ((c.get("metadata") or {}).get("tags") or [])]
        out[name] = tagged or block[1:]
    return out


def render_cell(cell: dict) -> str:
    text = _src(cell)
    if cell.get("cell_type") == "markdown":
        from markdown_it import MarkdownIt

        return MarkdownIt("commonmark", {"html": False}).render(text)
    return f"<pre>{_e(text)}</pre>"


def answers_pages(assignment: str, qs: list[dict], notebooks: dict[str, Path], outdir: Path,
                  show_names: bool = False) -> list[Path]:
    """Write ``answers/<question>.html`` for every hand-graded question (and ``answers/key.csv`` when
    anonymised); returns the pages written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    labels = sorted(notebooks)
    order = labels[:]
    if not show_names:  # a stable shuffle, so the numbers do not follow the alphabet
        random.Random(hashlib.sha256(("|".join(labels) + assignment).encode()).hexdigest()).shuffle(order)
    answers: dict[str, dict[str, list[dict]]] = {}
    for label in labels:
        try:
            nb = json.loads(Path(notebooks[label]).read_text(encoding="utf-8"))
            answers[label] = manual_answers(nb, qs) if isinstance(nb, dict) else {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            answers[label] = {}
    written = []
    for q in (q for q in qs if q["manual"]):
        parts = [f"<h1>{_e(assignment)}: {_e(q['name'])} ({q['points']:g} points, graded by hand)</h1>",
                 "<p>Every submission's answer in turn. "
                 + ("Names shown." if show_names else "Anonymised: the numbers are mapped to submissions in "
                    "<code>key.csv</code> next to this page; open it after marking.")
                 + f" Enter marks in the <code>{_e(_qcol(q))}</code> column of the gradebook, then run "
                   "<code>make grade</code> again to update totals and feedback (nothing is re-graded).</p>"]
        for i, label in enumerate(order, start=1):
            who = label if show_names else f"Answer {i}"
            cells = answers[label].get(q["name"])
            body = "".join(render_cell(c) for c in cells) if cells else "<p class=\"note\">(no answer found)</p>"
            parts.append(f"<section class=\"answer\"><h2>{_e(who)}</h2>{body}</section>")
        p = outdir / f"{q['name']}.html"
        p.write_text(page(f"{assignment}: answers to {q['name']}", "\n".join(parts)), encoding="utf-8")
        written.append(p)
    key = outdir / "key.csv"
    if show_names:
        key.unlink(missing_ok=True)
    elif written:
        with key.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["answer", "submission"])
            w.writerows((i, label) for i, label in enumerate(order, start=1))
    return written


def write_all(assignment: str, qs: list[dict], rows: list[dict], tests: dict[str, list], notebooks: dict[str, Path],
              outdir: Path, show_names: bool = False) -> dict:
    """Write every feedback file next to the gradebook; returns their paths."""
    from standoff.classroom import _slug, gradebook_columns

    outdir = Path(outdir)
    fb = outdir / "feedback"
    fb.mkdir(exist_ok=True)
    pages = []
    for row in rows:
        p = fb / f"{_slug(row['submission'])}.html"
        p.write_text(student_page(assignment, qs, row, tests.get(row["submission"], [])), encoding="utf-8")
        pages.append(p)
    cols = gradebook_columns(qs)
    summary = outdir / "summary.html"
    summary.write_text(summary_page(assignment, qs, rows, cols), encoding="utf-8")
    answers = answers_pages(assignment, qs, {k: v for k, v in notebooks.items()}, outdir / "answers", show_names)
    return {"feedback": pages, "summary": summary, "answers": answers}
