"""Classroom: the otter-grader assignments build, grade as expected, and the gradebook driver never crashes.

The three assignments are built once per session into a temporary folder (the `built` fixture in conftest.py:
execute master + otter assign + student kit).
Each is then graded (otter run, offline, no Docker) on its reference solution, its unmodified student
notebook and a partly-right fixture (question 1 filled in from the master's solution). The gradebook test
also feeds a broken (not JSON) and a syntax-error notebook.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile

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
    assert row == {"submission": "a.ipynb", "status": "graded", "q1": 1.0, "q2 (manual)": "", "q3": 1.0,
                   "total": 2.0, "possible": 3.0, "note": ""}
    # a question otter did not report scores 0
    assert cl.rows_from_results({"tests": []}, QS, "b")["total"] == 0.0


def test_error_row_and_gradebook_columns(tmp_path):
    row = cl.error_row(QS, "bad.ipynb", "not a notebook")
    assert row["status"] == "error" and row["total"] == 0.0 and row["q1"] == 0.0 and row["note"] == "not a notebook"
    assert cl.gradebook_columns(QS) == ["submission", "status", "q1", "q2 (manual)", "q3", "total", "possible", "note"]
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
        path = cl.grade_folder(name, folder, autograder=b["autograder"], jobs=2)
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
    assert float(sol["total"]) == possible == float(sol["possible"]), sol
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
    assert lines[0] == "submission,status,q1,q2,q3,q4,q5 (manual),total,possible,note"
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
    ev = cl.statement_events(st)
    assert list(ev["event_id"]) == ["b", "a", "c"]
    assert list(ev["us"]) == [0, 1, 0] and list(ev["china"]) == [1, 1, 2]


def test_assignment_summary_counts_points():
    nb = _nb(_cell("raw", "# BEGIN QUESTION\nname: q1\npoints: 2"), _cell("raw", "# BEGIN QUESTION\nname: q2\npoints: 1.5"),
             _cell("raw", "# BEGIN QUESTION\nname: q3\npoints: 3\nmanual: true"))
    row = cl.assignment_summary({"strategy": nb}).iloc[0]
    assert (row["n_auto"], row["auto_points"], row["n_manual"], row["manual_points"]) == (2, 3.5, 1, 3)
    assert row["title"] == "Chicken and the war of attrition"
