"""Classroom: the otter-grader assignments build, grade as expected, and the gradebook driver never crashes.

The three assignments are built once per session into a temporary folder (the `built` fixture in conftest.py:
execute master + otter assign + student kit).
Each is then graded (in the bubblewrap sandbox, offline, no Docker) on its reference solution, its unmodified
student notebook and a partly-right fixture (question 1 filled in from the master's solution). The gradebook
test also feeds a broken (not JSON) and a syntax-error notebook. The hostile fixtures (one module-scoped
graded folder) each attack the teacher's machine in one way, in place of question 1's answer; the rest of
each notebook is the reference solution, so the other questions must still score full marks.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest

from standoff import classroom as cl

NAMES = cl.NAMES


# ------------------------------------------------------------------------------------------ pure functions

def _nb(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def _cell(kind, src):
    return {"cell_type": kind, "source": src, "metadata": {}}


QS = [{"name": "q1", "points": 2.0, "manual": False}, {"name": "q2", "points": 3.0, "manual": True},
      {"name": "q3", "points": 1.0, "manual": False}]


def test_questions_reads_master_config():
    nb = _nb(_cell("raw", "# ASSIGNMENT CONFIG\nname: x"),
             _cell("raw", "# BEGIN QUESTION\nname: q1\npoints: 2"),
             _cell("markdown", "# BEGIN QUESTION\nname: nope\npoints: 9"),   # markdown: not a config
             _cell("raw", "# BEGIN QUESTION\nname: q2\npoints: 3\nmanual: true"),
             _cell("raw", ["# BEGIN QUESTION\n", "name: q3\n", "points: [0.5, 0.5]"]))
    assert cl.questions(nb) == QS


def test_questions_needs_name_and_points():
    with pytest.raises(ValueError, match="name and points"):
        cl.questions(_nb(_cell("raw", "# BEGIN QUESTION\nname: q1")))


def test_every_master_has_public_and_hidden_tests_and_a_manual_question():
    for name in NAMES:
        nb = json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())
        qs = cl.questions(nb)
        auto = [q for q in qs if not q["manual"]]
        assert len(auto) >= 3 and any(q["manual"] for q in qs), name
        text = json.dumps(nb)
        assert text.count("# HIDDEN") >= len(auto), name
        manual_prompts = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "graded by hand" in "".join(c["source"])]
        assert manual_prompts, f"{name}: the manual question must say it is graded by hand"
        assert "read_csv" not in text and ".csv" not in text.replace("datapackage", ""), f"{name} reads a CSV itself"


def _question_blocks(nb: dict) -> dict[str, dict]:
    """Per question of a master: its prompt (markdown) and the variables its solution lines assign."""
    out: dict[str, dict] = {}
    q = None
    in_sol = False
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        head = src.strip()
        if cell["cell_type"] == "raw":
            if head.startswith("# BEGIN QUESTION"):
                q = re.search(r"name:\s*(\S+)", head).group(1)
                out[q] = {"prompt": "", "answers": [], "solution": ""}
            elif head.startswith("# END QUESTION"):
                q = None
            in_sol = head.startswith("# BEGIN SOLUTION") or (in_sol and not head.startswith("# END SOLUTION"))
        elif q and cell["cell_type"] == "markdown" and not in_sol:
            out[q]["prompt"] += src
        elif q and in_sol and cell["cell_type"] == "code":
            out[q]["solution"] += src
            out[q]["answers"] += [ln.split(" = ")[0].strip() for ln in src.splitlines() if ln.endswith("# SOLUTION")]
    return out


def test_every_answer_variable_is_named_by_its_question():
    """The student sees `name = ...` for each solution line: the question must ask for that name."""
    for name in NAMES:
        for q, block in _question_blocks(json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())).items():
            for var in block["answers"]:
                assert f"`{var}`" in block["prompt"], f"{name} {q}: the answer cell sets `{var}`, the question never names it"


COMBINING = re.compile(r"\bfor\b| [-+*/] |==|!=|>=|<=|\.groupby\(|\.shift\(|\.idxmax\(|\.idxmin\(|\bmin\(|\bmax\(|\bset\(")


def test_questions_make_students_combine_not_recall():
    """At least two autograded questions per assignment, worth at least half the autograded points, ask for more than
    calling the function the prompt names: the solution loops, compares, does arithmetic, groups or searches
    (or calls a package function the prompt does not spell out)."""
    for name in NAMES:
        nb = json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())
        qs = {q["name"]: q for q in cl.questions(nb)}
        combining = []
        for q, block in _question_blocks(nb).items():
            if qs[q]["manual"]:
                continue
            assert "does exactly this" not in block["prompt"], (name, q)
            named = set(re.findall(r"`\w+\.(\w+)\(", block["prompt"]))
            calls = set(re.findall(r"\b(?:channels|calculator|tariffs|games|history|data)\.(\w+)\(", block["solution"]))
            if COMBINING.search(block["solution"]) or calls - named:
                combining.append(q)
        auto = sum(q["points"] for q in qs.values() if not q["manual"])
        assert len(combining) >= 2 and sum(qs[q]["points"] for q in combining) >= auto / 2, (name, combining)


def test_student_facing_text_has_no_broken_links_and_current_menu_names():
    for name in NAMES:
        text = json.dumps(json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text()))
        assert "](../" not in text and "](./" not in text, f"{name}: a relative link breaks in the handed-out kit"
        assert "Restart & Run All" not in text, name
        assert "Restart Kernel and Run All Cells" in text, name   # JupyterLab 4's Kernel menu
        done = text[text.index("Before you hand in"):]
        assert done.index("Restart Kernel") < done.index("cell below") < done.index("Save"), \
            f"{name}: run the checks first, then save"


def test_rows_from_results_sums_per_question_and_leaves_manual_blank():
    results = {"tests": [{"name": "q1", "score": 1.0, "max_score": 2.0},
                         {"name": "q3 - 1", "score": 1.0, "max_score": 1.0}]}
    row = cl.rows_from_results(results, QS, "a.ipynb")
    assert row == {"submission": "a.ipynb", "status": "graded", "flag": "", "q1": 1.0, "q2 (manual)": "", "q3": 1.0,
                   "total": 2.0, "possible": 6.0, "note": ""}
    # a question otter did not report scores 0
    assert cl.rows_from_results({"tests": []}, QS, "b")["total"] == 0.0


def test_error_row_and_gradebook_columns(tmp_path):
    row = cl.error_row(QS, "bad.ipynb", "not a notebook")
    assert row["status"] == "error" and row["total"] == 0.0 and row["q1"] == 0.0 and row["note"] == "not a notebook"
    assert cl.gradebook_columns(QS) == ["submission", "status", "flag", "q1", "q2 (manual)", "q3", "total", "possible",
                                        "note"]
    assert row["possible"] == 6.0  # every point of the assignment, hand-graded ones included
    path = cl.write_gradebook([row], QS, tmp_path / "g.csv")
    assert list(csv.DictReader(path.open()))[0]["note"] == "not a notebook"


def test_check_notebook_reasons(tmp_path):
    assert cl.check_notebook(tmp_path / "missing.ipynb") == "file missing"
    (tmp_path / "a.ipynb").write_text("{nope")
    assert cl.check_notebook(tmp_path / "a.ipynb").startswith("not a notebook: invalid JSON")
    (tmp_path / "b.ipynb").write_text("[1, 2]")
    assert "not a notebook" in cl.check_notebook(tmp_path / "b.ipynb")
    (tmp_path / "c.ipynb").write_bytes(b"\xff\xfe\x00")
    assert "not a notebook" in cl.check_notebook(tmp_path / "c.ipynb")
    (tmp_path / "d.ipynb").write_text(json.dumps(_nb()))
    assert cl.check_notebook(tmp_path / "d.ipynb") is None


def test_syntax_errors_allows_magics():
    nb = _nb(_cell("code", "%matplotlib inline\n!ls\nx = 1"), _cell("markdown", "("), _cell("code", "y = (1,"))
    errs = cl.syntax_errors(nb)
    assert len(errs) == 1 and errs[0].startswith("syntax error in code cell 2")


def test_data_dir(tmp_path):
    assert cl.data_dir(tmp_path) is None
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "datapackage.json").write_text("{}")
    assert cl.data_dir(tmp_path) == tmp_path / "data"


def test_student_leaks_finds_solutions_and_hidden_tests():
    master = _nb(_cell("raw", "# BEGIN SOLUTION"), _cell("code", "x = secret_function(3)  # SOLUTION"),
                 _cell("raw", "# END SOLUTION"), _cell("raw", "# BEGIN TESTS"),
                 _cell("code", "# HIDDEN\nbool(x == another_secret(3))"), _cell("raw", "# END TESTS"))
    clean = _nb(_cell("code", "x = ...\nx"))
    assert cl.student_leaks(clean, master) == []
    leaky = _nb(_cell("code", "x = secret_function(3)"), _cell("code", "bool(x == another_secret(3))"))
    found = cl.student_leaks(leaky, master)
    assert any("solution line" in f for f in found) and any("hidden test" in f for f in found)


# ------------------------------------------------------------------------------------------ otter (slow)

def _solution_code(master: dict, qname: str) -> str:
    """The master's solution code for one question, without otter's markers."""
    in_q = in_sol = False
    for cell in master["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            head = src.strip()
            if head.startswith("# BEGIN QUESTION"):
                in_q = re.search(r"name:\s*(\S+)", head).group(1) == qname
            in_sol = in_q and head.startswith("# BEGIN SOLUTION") or (in_sol and not head.startswith("# END SOLUTION"))
        elif in_sol and cell["cell_type"] == "code":
            return re.sub(r"\s*# SOLUTION", "", src)
    raise KeyError(qname)


def _partly_right(student: dict, master: dict, qname: str = "q1") -> dict:
    """The student notebook with question ``qname`` answered (the cell before its grader.check)."""
    nb = json.loads(json.dumps(student))
    cells = nb["cells"]
    i = next(i for i, c in enumerate(cells) if "".join(c["source"]).strip() == f'grader.check("{qname}")')
    cells[i - 1]["source"] = _solution_code(master, qname)
    return nb


@pytest.fixture(scope="session")
def graded(built, tmp_path_factory):
    """Per assignment: the gradebook rows for the solution, the blank student notebook and a partly-right one."""
    out = {}
    for name, b in built.items():
        folder = tmp_path_factory.mktemp(f"subs-{name}")
        solution = json.loads(b["autograder"].parent.joinpath(f"{name}.ipynb").read_text())  # otter's solutions nb
        master = json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())
        student = json.loads(b["student"].read_text())
        (folder / "1-solution.ipynb").write_text(json.dumps(solution))
        (folder / "2-blank.ipynb").write_text(json.dumps(student))
        (folder / "3-partly.ipynb").write_text(json.dumps(_partly_right(student, master)))
        if name == "strategy":  # the gradebook test's bad submissions
            (folder / "4-broken.ipynb").write_text('{"cells": [')
            syntax = _partly_right(student, master)
            syntax["cells"][3]["source"] = "flows = (\n"
            (folder / "5-syntax.ipynb").write_text(json.dumps(syntax))
        path = cl.grade_folder(name, folder, autograder=b["autograder"], jobs=2, progress=False,
                               feedback=name == "strategy")
        out[name] = {"path": path, "rows": {r["submission"]: r for r in csv.DictReader(path.open())},
                     "qs": cl.questions(master)}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_otter_assign_builds_student_notebook_and_autograder(built, name):
    b = built[name]
    assert b["student"].is_file() and b["autograder"].suffix == ".zip"
    assert (b["student"].parent / "data" / "datapackage.json").is_file(), "the data ships with the student notebook"
    with zipfile.ZipFile(b["autograder"]) as z:
        assert "files/data/datapackage.json" in z.namelist()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_has_no_solution_and_no_hidden_test(built, name):
    b = built[name]
    text = b["student"].read_text()
    for marker in ("# SOLUTION", "BEGIN SOLUTION", "# HIDDEN", '"hidden": true'):
        assert marker not in text, (name, marker)
    master = json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())
    n = 0
    for cell in master["cells"]:   # every solution assignment is blanked out in the student notebook
        for line in "".join(cell["source"]).splitlines():
            if line.endswith("# SOLUTION"):
                code = line.replace("# SOLUTION", "").strip()
                assert json.dumps(code)[1:-1] not in text, (name, code)
                assert json.dumps(code.split(" = ")[0] + " = ...")[1:-1] in text, (name, code)
                n += 1
    assert n >= 4, name
    with zipfile.ZipFile(b["autograder"]) as z:   # the hidden cases are in the autograder only
        hidden = []
        for n in z.namelist():
            if n.startswith("tests/"):
                env: dict = {}
                exec(z.read(n).decode(), env)
                hidden += [c["code"] for s in env["test"]["suites"] for c in s["cases"] if c["hidden"]]
    assert hidden, name
    student_tests = json.dumps(json.loads(text)["metadata"]["otter"]["tests"])
    for code in hidden:
        assert json.dumps(code)[1:-1] not in student_tests, (name, code)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_scores_solution_full_blank_zero_partly_between(graded, name):
    g = graded[name]
    rows, qs = g["rows"], g["qs"]
    possible = sum(q["points"] for q in qs if not q["manual"])
    sol, blank, part = rows["1-solution.ipynb"], rows["2-blank.ipynb"], rows["3-partly.ipynb"]
    assert float(sol["total"]) == possible, sol
    assert float(sol["possible"]) == sum(q["points"] for q in qs), "possible counts the hand-graded points too"
    assert float(blank["total"]) == 0.0, blank
    q1 = next(q for q in qs if q["name"] == "q1")["points"]
    assert 0 < float(part["total"]) == q1 < possible, part
    assert float(part["q1"]) == q1
    for r in (sol, blank, part):
        assert r["status"] == "graded" and all(r[f"{q['name']} (manual)"] == "" for q in qs if q["manual"])


@pytest.mark.slow
def test_gradebook_for_good_blank_and_broken_submissions(graded):
    g = graded["strategy"]
    lines = g["path"].read_text().splitlines()
    assert g["path"].name == "gradebook.csv"
    assert lines[0] == "submission,status,flag,q1,q2,q3,q4,q5 (manual),total,possible,note"
    assert [r.split(",")[0] for r in lines[1:]] == ["1-solution.ipynb", "2-blank.ipynb", "3-partly.ipynb",
                                                    "4-broken.ipynb", "5-syntax.ipynb"]
    broken, syntax = g["rows"]["4-broken.ipynb"], g["rows"]["5-syntax.ipynb"]
    assert broken["status"] == "error" and float(broken["total"]) == 0 and "invalid JSON" in broken["note"]
    assert syntax["status"] == "error" and float(syntax["total"]) == 0
    assert "syntax error in code cell" in syntax["note"] and "would score" in syntax["note"]


def test_statement_counts_and_events():
    import pandas as pd

    st = pd.DataFrame({"event_id": ["a", "a", "b", "c", "c"], "event_label": ["A", "A", "B", "C", "C"],
                       "date": pd.to_datetime(["2025-02-01", "2025-02-01", "2025-01-01", "2025-03-01", "2025-03-02"]),
                       "side": ["US", "China", "China", "China", "China"]})
    assert cl.statement_counts(st) == {"n_statements": 5, "n_events": 3, "n_us": 1, "n_china": 4, "n_paired": 1}


def test_assignment_summary_counts_points():
    nb = _nb(_cell("raw", "# BEGIN QUESTION\nname: q1\npoints: 2"), _cell("raw", "# BEGIN QUESTION\nname: q2\npoints: 1.5"),
             _cell("raw", "# BEGIN QUESTION\nname: q3\npoints: 3\nmanual: true"))
    row = cl.assignment_summary({"strategy": nb}).iloc[0]
    assert (row["n_auto"], row["auto_points"], row["n_manual"], row["manual_points"]) == (2, 3.5, 1, 3)
    assert row["title"] == "Chicken and the war of attrition"


# ------------------------------------------------------------------------------------------ gradebook merging

def test_merge_keeps_manual_marks_and_recomputes_totals():
    old = {"a.ipynb": {"submission": "a.ipynb", "status": "graded", "flag": "", "q1": "1.0", "q2 (manual)": "2.5",
                       "q3": "0.0", "total": "1.0", "possible": "6.0", "note": "", "comment": "good"},
           "gone.ipynb": {"submission": "gone.ipynb", "status": "graded", "flag": "", "q1": "2", "q2 (manual)": "1",
                          "q3": "1", "total": "4", "possible": "6.0", "note": ""}}
    new = {"a.ipynb": cl.rows_from_results({"tests": [{"name": "q1", "score": 2.0}, {"name": "q3", "score": 1.0}]},
                                           QS, "a.ipynb")}
    merged = cl.merge_rows(old, new, QS)
    a = merged["a.ipynb"]
    assert (a["q1"], a["q3"], a["q2 (manual)"], a["comment"]) == (2.0, 1.0, "2.5", "good")
    assert a["total"] == 5.5 and a["possible"] == 6.0
    assert merged["gone.ipynb"]["total"] == 4.0   # rows not graded this time stay


def test_history_appends_replaced_rows(tmp_path):
    row = cl.error_row(QS, "a.ipynb", "x")
    cl.append_history(tmp_path / "h.csv", [row], QS, "regrade requested")
    cl.append_history(tmp_path / "h.csv", [row], QS, "regrade requested")
    rows = list(csv.DictReader((tmp_path / "h.csv").open()))
    assert len(rows) == 2 and rows[0]["reason"] == "regrade requested" and rows[0]["replaced_at"]


def test_progress_bar_estimates_time_left():
    import io

    out = io.StringIO()
    p = cl.Progress(4, jobs=2, stream=out)
    assert "estimating" in p.line()
    p.step("a.ipynb: graded")
    assert "1/4" in out.getvalue() and "s left" in out.getvalue()


# ------------------------------------------------------------------------------------------ sandbox (pure)

def test_bwrap_args_hide_home_and_tmp_and_cut_the_network(tmp_path):
    from standoff import sandbox as sb

    home = tmp_path / "home"
    home.mkdir()
    subs = tmp_path / "subs"
    subs.mkdir()
    args = sb.bwrap_args(tmp_path / "scratch", {"data": tmp_path / "d"}, [subs], home=home)
    pairs = list(zip(args, args[1:], strict=False))
    assert ("--ro-bind", "/") in pairs and ("--tmpfs", "/tmp") in pairs
    assert ("--remount-ro", "/tmp") in pairs and ("--clearenv", "--setenv") in pairs
    assert ("--bind", str((tmp_path / "scratch").resolve())) in pairs
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent"):
        assert flag in args
    assert ("--tmpfs", str(cl.ROOT / "assignments")) in pairs   # the masters hold the solutions
    env = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setenv"}
    assert set(env) >= {"PATH", "HOME"} and "scratch" in env["HOME"]
    assert not any(k.startswith(("SSH", "AWS", "GIT")) for k in env)


def test_sandbox_unavailable_says_why_and_how(monkeypatch, capsys):
    from standoff import sandbox as sb

    monkeypatch.setattr(sb.shutil, "which", lambda name: None)
    why = sb.available()
    assert "not installed" in why and "UNSAFE=1" in why and "make bwrap" in why
    assert cl.main(["grade", "strategy", "."]) == 3
    assert "cannot grade safely" in capsys.readouterr().err


def test_grading_refuses_a_folder_that_holds_the_book(tmp_path):
    (tmp_path / "ag.zip").write_bytes(b"")
    with pytest.raises(ValueError, match="folder of their own"):   # the sandbox would hide the book's own code
        cl.grade_folder("strategy", cl.ROOT, autograder=tmp_path / "ag.zip", out=tmp_path / "g.csv", progress=False)


# ------------------------------------------------------------------------------------------ feedback (pure)

def test_student_page_shows_checks_without_hidden_text():
    from standoff import feedback as fb

    row = cl.rows_from_results({"tests": [{"name": "q1", "score": 1.0}]}, QS, "a.ipynb")
    tests = [{"name": "q1", "score": 1.0, "possible": 2.0, "cases": [
        {"name": "q1 - 1", "hidden": False, "passed": False, "points": 1.0, "message": "expected <float>"},
        {"name": "q1 - 2", "hidden": True, "passed": True, "points": 1.0, "message": ""}]}]
    html = fb.student_page("strategy", QS, row, tests)
    assert "expected &lt;float&gt;" in html and "0 of 1" in html and "1 of 1" in html
    assert "not marked yet" in html and "http" not in html


def test_manual_answers_are_found_and_escaped(tmp_path):
    from standoff import feedback as fb

    qs = [{"name": "q1", "points": 1.0, "manual": False}, {"name": "q5", "points": 3.0, "manual": True}]
    nb = _nb(_cell("markdown", "<!-- BEGIN QUESTION -->\n## Q5 prompt"),
             {"cell_type": "markdown", "source": "My answer <script>alert(1)</script> **bold**",
              "metadata": {"tags": ["otter_answer_cell"]}},
             _cell("markdown", "<!-- END QUESTION -->\nDone"))
    assert [c["source"][:9] for c in fb.manual_answers(nb, qs)["q5"]] == ["My answer"]
    (tmp_path / "ann.ipynb").write_text(json.dumps(nb))
    (tmp_path / "bob.ipynb").write_text("not json")
    pages = fb.answers_pages("strategy", qs, {"ann.ipynb": tmp_path / "ann.ipynb", "bob.ipynb": tmp_path / "bob.ipynb"},
                             tmp_path / "answers")
    text = pages[0].read_text()
    assert "<strong>bold</strong>" in text and "<script>" not in text
    assert "ann.ipynb" not in text and "Answer 2" in text       # anonymised by default
    assert "ann.ipynb" in (tmp_path / "answers" / "key.csv").read_text()
    named = fb.answers_pages("strategy", qs, {"ann.ipynb": tmp_path / "ann.ipynb"}, tmp_path / "answers",
                             show_names=True)[0].read_text()
    assert "ann.ipynb" in named and not (tmp_path / "answers" / "key.csv").exists()


# ------------------------------------------------------------------------------------------ feedback (graded)

@pytest.mark.slow
def test_feedback_pages_and_summary_work_offline(graded, browser):
    out = graded["strategy"]["path"].parent
    pages = sorted((out / "feedback").glob("*.html"))
    assert [p.stem for p in pages] == ["1-solution", "2-blank", "3-partly", "4-broken", "5-syntax"]
    part = (out / "feedback" / "3-partly.html").read_text()
    assert "q1" in part and "Hidden checks passed" in part and "not marked yet" in part
    summary = (out / "summary.html").read_text()
    assert "vegaEmbed" in summary and "Score distribution per question" in summary and "1-solution.ipynb" in summary
    for p in [*pages, out / "summary.html", *(out / "answers").glob("*.html")]:
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", p.read_text()), p
    answers = (out / "answers" / "q5.html").read_text()
    assert answers.count('class="answer"') == 5
    # the summary opened from disk draws its chart with the libraries it carries inline, asking no server
    page, problems = browser.new_page(), []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else (problems.append(r.request.url), r.abort()))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto((out / "summary.html").as_uri())
        page.wait_for_selector("[id^='altair-viz-'] svg.marks", timeout=15000)
        assert page.locator("[id^='altair-viz-'] svg.marks").count() == 1
        assert problems == []
    finally:
        page.close()


# ------------------------------------------------------------------------------------------ resume and merge

@pytest.mark.slow
def test_regrading_keeps_manual_marks_and_resumes(built, tmp_path):
    b = built["strategy"]
    folder = tmp_path / "subs"
    (folder / "late").mkdir(parents=True)
    solution = b["autograder"].parent / "strategy.ipynb"
    (folder / "ann.ipynb").write_text(solution.read_text())
    (folder / "late" / "bob.ipynb").write_text(b["student"].read_text())
    kw = dict(autograder=b["autograder"], jobs=2, progress=False, feedback=False)
    path = cl.grade_folder("strategy", folder, **kw)
    _, rows = cl.read_gradebook(path)
    assert list(rows) == ["ann.ipynb"]
    rows["ann.ipynb"]["q5 (manual)"] = "2.5"                     # the teacher marks the written answer
    cl.write_gradebook(list(rows.values()), cl.questions(json.loads((cl.ASSIGNMENTS / "strategy.ipynb").read_text())),
                       path)
    state = {p.name: p.stat().st_mtime_ns for p in (folder / ".grading").iterdir()}
    path = cl.grade_folder("strategy", folder, subfolders=["late"], **kw)   # resumes: ann is not graded again
    _, rows = cl.read_gradebook(path)
    assert {p.name: p.stat().st_mtime_ns for p in (folder / ".grading").iterdir() if p.name in state} == state
    ann, bob = rows["ann.ipynb"], rows["late/bob.ipynb"]
    assert ann["q5 (manual)"] == "2.5" and float(ann["total"]) == 10.5 and float(ann["possible"]) == 11.0
    assert bob["flag"] == "late" and float(bob["total"]) == 0.0
    path = cl.grade_folder("strategy", folder, subfolders=["late"], regrade=True, **kw)
    _, rows = cl.read_gradebook(path)
    assert rows["ann.ipynb"]["q5 (manual)"] == "2.5" and float(rows["ann.ipynb"]["total"]) == 10.5
    history = list(csv.DictReader((folder / "gradebook-history.csv").open()))
    assert {h["submission"] for h in history} == {"ann.ipynb", "late/bob.ipynb"}
    assert all(h["reason"] == "regrade requested" for h in history)


# ------------------------------------------------------------------------------------------ hostile submissions

HOSTILE = {  # name: code put in place of question 1's answer (p_hold, p_collision stay unset)
    "a-read-home": "secret = open({home_secret!r}).read()",
    "a-read-tmp": "secret = open({tmp_secret!r}).read()",
    "a-read-env": "import os\nsecret = os.environ[{env_name!r}]",
    "b-write-outside": (
        "import os, pathlib\nlanded, blocked = [], []\n"
        "for d in [{subs!r}, {home!r}, {tmpdir!r}, {repo!r}, '/var/tmp', '/dev/shm', '/etc']:\n"
        "    try:\n        pathlib.Path(d, 'standoff-evil.txt').write_text('x'); landed.append(d)\n"
        "    except OSError:\n        blocked.append(d)\n"
        "for f in [{home_secret!r}, {tmp_secret!r}, {sibling!r}, {repo_file!r}]:\n"
        "    try:\n        os.remove(f); landed.append(f)\n    except OSError:\n        blocked.append(f)\n"
        "assert not landed, landed\n"
        "raise PermissionError(f'{{len(blocked)}} writes and deletes outside scratch failed')"),
    "c-network": "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'stolen')",
    "d-loop": "while True:\n    pass",
    "e-fork": ("import os, time\nkids = []\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n"
               "        time.sleep(30)\n        os._exit(0)\n    kids.append(pid)"),
    "f-memory": "def grab():\n    blocks = []\n    while True:\n        blocks.append(bytearray(64 * 1024 * 1024))\ngrab()",
    "g-print": "print('x' * 100_000_000)",
    "i-hang-in-checks": ("class Stubborn(float):\n    def __lt__(self, other):\n        while True:\n"
                         "            try:\n                pass\n            except BaseException:\n                pass\n"
                         "    __gt__ = __sub__ = __rsub__ = __eq__ = __lt__\n"
                         "p_hold = p_collision = Stubborn(0.3)"),
}


def _replace_answer(nb: dict, qname: str, code: str) -> dict:
    nb = json.loads(json.dumps(nb))
    cells = nb["cells"]
    i = next(i for i, c in enumerate(cells) if "".join(c["source"]).strip() == f'grader.check("{qname}")')
    cells[i - 1]["source"] = code
    return nb


def _snapshot(*dirs):
    out = {}
    for d in dirs:
        for p in sorted(Path(d).rglob("*")):
            if p.is_file():
                out[str(p)] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def hostile(built, tmp_path_factory):
    """One folder with the solution, every hostile notebook and a non-notebook, graded once with low limits."""
    import socket
    import threading

    from standoff import sandbox as sb

    b = built["strategy"]
    root = tmp_path_factory.mktemp("hostile")
    subs, tmpdir = root / "subs", root / "planted"
    subs.mkdir()
    tmpdir.mkdir()
    home = Path(tempfile.mkdtemp(prefix=".test-home-", dir=cl.ROOT))  # outside /tmp: only the home mask hides it
    (home / "secret.txt").write_text("teacher's secret")
    (tmpdir / "secret.txt").write_text("planted in /tmp")
    repo_file = cl.ROOT / "standoff" / "__init__.py"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                hits.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    solution = json.loads((b["autograder"].parent / "strategy.ipynb").read_text())
    (subs / "0-solution.ipynb").write_text(json.dumps(solution))
    fmt = dict(home_secret=str(home / "secret.txt"), tmp_secret=str(tmpdir / "secret.txt"), env_name="STANDOFF_SECRET",
               subs=str(subs), home=str(home), tmpdir=str(tmpdir), repo=str(cl.ROOT), sibling=str(subs / "0-solution.ipynb"),
               repo_file=str(repo_file), port=listener.getsockname()[1])
    for name, code in HOSTILE.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(_replace_answer(solution, "q1", code.format(**fmt))))
    (subs / "h-not-a-notebook.ipynb").write_bytes(b"\x7fELF\x02\x01 definitely not json")
    before = _snapshot(subs, home, tmpdir) | {str(repo_file): repo_file.read_bytes()}
    os.environ["STANDOFF_SECRET"] = "in the teacher's environment"
    limits = sb.Limits(timeout=60, cell_timeout=4, cpu=30, memory=1024, file_size=5, processes=32)
    try:
        path = cl.grade_folder("strategy", subs, autograder=b["autograder"], jobs=2, limits=limits, home=home,
                               progress=False, feedback=False)
        after = _snapshot(subs, home, tmpdir) | {str(repo_file): repo_file.read_bytes()}
        stop.set()
        t.join()
        listener.close()
        yield {"rows": cl.read_gradebook(path)[1], "before": before, "after": after, "hits": hits,
               "subs": subs, "home": home, "tmpdir": tmpdir, "path": path}
    finally:
        os.environ.pop("STANDOFF_SECRET", None)
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_hostile_submissions_touch_nothing_outside_scratch(hostile):
    h = hostile
    produced = {"gradebook.csv", "gradebook-history.csv"}
    changed = {k for k in set(h["before"]) | set(h["after"])
               if h["before"].get(k) != h["after"].get(k)
               and not (k.startswith(str(h["subs"] / ".grading")) or Path(k).name in produced)}
    assert not changed, changed
    for d in (h["subs"], h["home"], h["tmpdir"], cl.ROOT, Path("/var/tmp")):
        assert not list(Path(d).glob("standoff-evil*")), d
    assert h["hits"] == [], "a submission reached a listener on the host's loopback"


@pytest.mark.slow
@pytest.mark.parametrize("name,status,reason", [
    ("a-read-home", "graded", "FileNotFoundError"),
    ("a-read-tmp", "graded", "FileNotFoundError"),
    ("a-read-env", "graded", "KeyError"),
    ("b-write-outside", "graded", "PermissionError: 11 writes and deletes outside scratch failed"),
    ("c-network", "graded", "ConnectionRefusedError"),
    ("d-loop", "timed out", "ran longer than 4 s"),
    ("e-fork", "graded", "BlockingIOError"),
    ("f-memory", "graded", "MemoryError"),
    ("g-print", "graded", "printed 95 MB of output"),
    ("i-hang-in-checks", "timed out", "ran longer than 4 s"),
])
def test_hostile_submission_is_graded_not_obeyed(hostile, name, status, reason):
    row = hostile["rows"][f"{name}.ipynb"]
    assert row["status"] == status and reason in row["note"], row
    assert float(row["q1"]) == 0.0, row                       # the affected question
    assert [float(row[q]) for q in ("q2", "q3", "q4")] == [2.0, 2.0, 2.0], row   # the others still graded


@pytest.mark.slow
def test_hostile_folder_grades_the_good_and_the_broken(hostile):
    rows = hostile["rows"]
    assert float(rows["0-solution.ipynb"]["total"]) == 8.0 and rows["0-solution.ipynb"]["status"] == "graded"
    bad = rows["h-not-a-notebook.ipynb"]
    assert bad["status"] == "error" and "not a notebook" in bad["note"] and float(bad["total"]) == 0.0


@pytest.mark.slow
def test_unsafe_grading_says_so(built, tmp_path):
    b = built["strategy"]
    (tmp_path / "ann.ipynb").write_text((b["autograder"].parent / "strategy.ipynb").read_text())
    path = cl.grade_folder("strategy", tmp_path, autograder=b["autograder"], jobs=1, sandbox=False, progress=False,
                           feedback=False)
    row = cl.read_gradebook(path)[1]["ann.ipynb"]
    assert row["status"] == "unsafe" and "WITHOUT the sandbox" in row["note"] and float(row["total"]) == 8.0


@pytest.mark.slow
def test_light_runner_scores_like_otter_run(built, graded, tmp_path):
    """The sandboxed runner gives the same per-question scores as `otter run` (otter's own grading, no sandbox)."""
    import subprocess

    b = built["strategy"]
    sub = tmp_path / "strategy.ipynb"
    src = graded["strategy"]["path"].parent / "3-partly.ipynb"
    sub.write_text(src.read_text())
    proc = subprocess.run([*cl._otter(), "run", "--no-logo", "-a", str(b["autograder"]), "-o", str(tmp_path), sub.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    otter_row = cl.rows_from_results(json.loads((tmp_path / "results.json").read_text()), graded["strategy"]["qs"], "x")
    ours = graded["strategy"]["rows"]["3-partly.ipynb"]
    for q in graded["strategy"]["qs"]:
        if not q["manual"]:
            assert float(ours[q["name"]]) == otter_row[q["name"]], q


def test_reuse_copies_a_build_only_when_its_inputs_are_unchanged(tmp_path, monkeypatch):
    """The tests copy make book's assignment build instead of running otter assign again, but only when the
    build's recorded input digest is the current one."""
    built_dir = tmp_path / "built"
    for sub, f in (("student", "a.ipynb"), ("autograder", "a-autograder.zip"), ("kit", "a-kit.zip")):
        (built_dir / "a" / sub).mkdir(parents=True)
        (built_dir / "a" / sub / f).write_text("{}")
    monkeypatch.setattr(cl, "BUILD", built_dir)
    stamp = built_dir / "a" / cl.INPUTS
    stamp.write_text(cl.inputs_digest() + "\n")
    got = cl.reuse("a", tmp_path / "copy", html=tmp_path / "html")
    assert got and got["student"] == tmp_path / "copy" / "student" / "a.ipynb" and got["html_kit"].is_file()
    stamp.write_text("0" * 64 + "\n")          # built from other inputs (a master, the package or the data changed)
    assert cl.reuse("a", tmp_path / "copy2") is None
    stamp.unlink()
    assert cl.reuse("a", tmp_path / "copy3") is None
