"""Classroom tools: build the otter-grader assignments and grade a folder of submissions offline.

The assignments live in ``assignments/<name>.ipynb`` as otter-grader master notebooks (otter's
"v1" format: raw cells ``# BEGIN QUESTION`` ... ``# END QUESTION``). Building one means:

1. copy the master and the book's ``data/`` folder into ``_build/assignments/<name>/source/``;
2. execute the master there (otter takes the expected test outputs from the stored outputs);
3. run ``otter assign`` into ``_build/assignments/<name>/``, which writes ``student/<name>.ipynb``
   (no solutions, public tests only, plus the ``data/`` folder) and ``autograder/<name>-autograder_*.zip``;
4. check the student notebook holds no solution and no hidden test;
5. zip the student kit ``kit/<name>-kit.zip`` (notebook, data, the package's wheel, pinned requirements,
   README; see ``standoff/kit.py``) and check it holds no solution, hidden test or rubric either.

Grading runs ``otter run`` (no Docker, no network; the kernel needs only the loopback interface) once per
submission and turns each ``results.json`` into one gradebook row. A submission that cannot be graded
(not valid JSON, not a notebook, missing, a syntax error, timed out, otter crashed) gets a row with score 0
and the reason (for a syntax error, also what the cells that do run would have scored);
the run never stops at a bad submission.

Pure functions (tested without otter): :func:`questions`, :func:`data_dir`, :func:`check_notebook`,
:func:`rows_from_results`, :func:`error_row`, :func:`gradebook_columns`. Drivers: :func:`build`,
:func:`grade_one`, :func:`grade_folder`, :func:`write_gradebook`. CLI: ``python -m standoff.classroom``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
BUILD = ROOT / "_build" / "assignments"
HTML = ROOT / "_build" / "html"
NAMES = ("standoff", "strategy", "first_trade_war")
TIMEOUT = 300  # seconds for one otter run


# --------------------------------------------------------------------------------------------
# Pure functions
# --------------------------------------------------------------------------------------------

def data_dir(cwd: Path | str | None = None) -> Path | None:
    """The ``data/`` folder shipped next to a student notebook, if there is one; else None.

    ``standoff.data.load(name, data_dir())`` then reads the shipped copy when the notebook was handed
    out as a folder, and the book's own ``data/`` (the package default) when it runs inside the repo.
    """
    d = Path(cwd or os.getcwd()) / "data"
    return d if (d / "datapackage.json").is_file() else None


def _source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def questions(nb: dict) -> list[dict]:
    """The questions of an otter master notebook, in order: ``name``, ``points`` and ``manual``.

    Reads the YAML after ``# BEGIN QUESTION`` in raw cells. ``points`` may be a number or a list (one
    value per test case), which is summed. Raises ValueError on a question without a name or points.
    """
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "raw":
            continue
        src = _source(cell).strip()
        if not src.upper().startswith("# BEGIN QUESTION"):
            continue
        cfg = yaml.safe_load(src.split("\n", 1)[1]) if "\n" in src else {}
        cfg = cfg or {}
        if "name" not in cfg or "points" not in cfg:
            raise ValueError(f"question config needs a name and points: {src!r}")
        pts = cfg["points"]
        pts = sum(pts) if isinstance(pts, list) else pts
        out.append({"name": str(cfg["name"]), "points": float(pts), "manual": bool(cfg.get("manual", False))})
    return out


def check_notebook(path: Path | str) -> str | None:
    """Why ``path`` cannot be graded (a sentence), or None if it is a readable notebook.

    Catches: missing file, not valid JSON, JSON that is not a notebook. Syntax errors are found by
    :func:`syntax_errors` (such a notebook is graded, then scored 0 with the reason).
    """
    p = Path(path)
    if not p.is_file():
        return "file missing"
    try:
        nb = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "not a notebook: the file is not UTF-8 text"
    except json.JSONDecodeError as e:
        return f"not a notebook: invalid JSON (line {e.lineno}, column {e.colno})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or "nbformat" not in nb:
        return "not a notebook: JSON without 'cells' and 'nbformat'"
    return None


def syntax_errors(nb: dict) -> list[str]:
    """One message per code cell that does not compile (IPython magics and ``!`` lines are allowed)."""
    from IPython.core.inputtransformer2 import TransformerManager

    tm = TransformerManager()
    out, n = [], 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        n += 1
        src = _source(cell)
        try:
            compile(tm.transform_cell(src), f"cell {n}", "exec")
        except SyntaxError as e:
            out.append(f"syntax error in code cell {n}, line {e.lineno}: {e.msg}")
    return out


def gradebook_columns(qs: list[dict]) -> list[str]:
    """Gradebook header: submission, status, one column per question, total, possible, note."""
    cols = ["submission", "status"]
    for q in qs:
        cols.append(f"{q['name']} (manual)" if q["manual"] else q["name"])
    return cols + ["total", "possible", "note"]


def _autograded_possible(qs: list[dict]) -> float:
    return float(sum(q["points"] for q in qs if not q["manual"]))


def rows_from_results(results: dict, qs: list[dict], submission: str, note: str = "") -> dict:
    """One gradebook row from otter's ``results.json`` (Gradescope format: ``tests`` with name and score).

    Autograded questions take the summed score of their test entries (a question otter did not
    report scores 0); manual questions stay empty for the teacher to fill in. ``total`` is the sum
    of the autograded scores, ``possible`` the autograded points.
    """
    scores: dict[str, float] = {}
    for t in results.get("tests", []):
        name = str(t.get("name", "")).split(" - ")[0].strip()
        scores[name] = scores.get(name, 0.0) + float(t.get("score") or 0.0)
    row = {"submission": submission, "status": "graded"}
    total = 0.0
    for q in qs:
        if q["manual"]:
            row[f"{q['name']} (manual)"] = ""
        else:
            s = round(scores.get(q["name"], 0.0), 4)
            row[q["name"]] = s
            total += s
    row.update(total=round(total, 4), possible=_autograded_possible(qs), note=note)
    return row


def error_row(qs: list[dict], submission: str, reason: str) -> dict:
    """A gradebook row for a submission that could not be graded: every autograded question 0."""
    row = {"submission": submission, "status": "error"}
    for q in qs:
        row[f"{q['name']} (manual)" if q["manual"] else q["name"]] = "" if q["manual"] else 0.0
    row.update(total=0.0, possible=_autograded_possible(qs), note=reason)
    return row


def write_gradebook(rows: list[dict], qs: list[dict], path: Path | str) -> Path:
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=gradebook_columns(qs))
        w.writeheader()
        w.writerows(rows)
    return path


# --------------------------------------------------------------------------------------------
# For the teacher guide
# --------------------------------------------------------------------------------------------

ASSIGNMENT_INFO = {  # name: (title, chapters it practises)
    "standoff": ("Channels and leverage", "Channels; Leverage"),
    "strategy": ("Chicken and the war of attrition", "The logic of the standoff"),
    "first_trade_war": ("The first trade war and Phase One", "The first trade war; Phase One"),
}


def assignment_summary(masters: dict[str, dict]) -> pd.DataFrame:
    """One row per assignment: title, chapters, number of autograded / hand-graded questions and their points.

    ``masters`` maps an assignment name to its master notebook (parsed JSON).
    """
    rows = []
    for name, nb in masters.items():
        qs = questions(nb)
        title, chapters = ASSIGNMENT_INFO.get(name, (name, ""))
        auto = [q for q in qs if not q["manual"]]
        manual = [q for q in qs if q["manual"]]
        rows.append({"name": name, "title": title, "chapters": chapters,
                     "n_auto": len(auto), "auto_points": _num(sum(q["points"] for q in auto)),
                     "n_manual": len(manual), "manual_points": _num(sum(q["points"] for q in manual))})
    return pd.DataFrame(rows)


def load_masters(names=NAMES) -> dict[str, dict]:
    return {n: json.loads((ASSIGNMENTS / f"{n}.ipynb").read_text()) for n in names}


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def statement_counts(statements: pd.DataFrame) -> dict:
    """Counts of the two-voices table: quotes, events, quotes per side, and events with both sides quoted."""
    per_event = statements.groupby("event_id")["side"].nunique()
    sides = statements["side"].value_counts()
    return {"n_statements": int(len(statements)), "n_events": int(statements["event_id"].nunique()),
            "n_us": int(sides.get("US", 0)), "n_china": int(sides.get("China", 0)),
            "n_paired": int((per_event == 2).sum())}


def statement_events(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per event of the two-voices table: date, label, quotes by the US and by China, in date order."""
    g = statements.groupby(["event_id", "event_label"], as_index=False).agg(
        date=("date", "min"),
        us=("side", lambda s: int((s == "US").sum())),
        china=("side", lambda s: int((s == "China").sum())))
    return g.sort_values(["date", "event_id"]).reset_index(drop=True)[["date", "event_id", "event_label", "us", "china"]]


# --------------------------------------------------------------------------------------------
# Drivers (otter)
# --------------------------------------------------------------------------------------------

def _otter() -> list[str]:
    exe = Path(sys.executable).parent / "otter"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]


def execute(path: Path, timeout: int = 120) -> None:
    """Execute a notebook in place in its own folder (stores the outputs otter reads)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def student_leaks(student_nb: dict, master_nb: dict) -> list[str]:
    """Solution or hidden-test text that made it into a student notebook (should be empty).

    Looks for otter's solution markers, every line of the master's solution blocks, and the hidden
    test cells' code (which otter keeps in the master only).
    """
    text = json.dumps(student_nb)
    leaks = [m for m in ("# SOLUTION", "BEGIN SOLUTION", "# HIDDEN", "BEGIN TESTS", '\\"hidden\\": true', '"hidden": true')
             if m in text]
    in_solution = False
    in_tests = False
    for cell in master_nb["cells"]:
        src = _source(cell)
        head = src.strip().upper()
        if cell["cell_type"] == "raw":
            in_solution = head.startswith("# BEGIN SOLUTION") or (in_solution and not head.startswith("# END SOLUTION"))
            in_tests = head.startswith("# BEGIN TESTS") or (in_tests and not head.startswith("# END TESTS"))
            continue
        lines = [ln.strip() for ln in src.splitlines()]
        if in_solution:  # an assignment whose right-hand side the student must not see
            for ln in lines:
                code_ = re.sub(r"#\s*SOLUTION\s*$", "", ln).strip()
                if " = " in code_ and code_.split(" = ", 1)[1].strip() not in ("...", "") \
                        and json.dumps(code_)[1:-1] in text:
                    leaks.append(f"solution line: {code_}")
        if in_tests and lines and lines[0].upper().startswith("# HIDDEN"):
            for ln in lines[1:]:
                if len(ln) > 12 and json.dumps(ln)[1:-1] in text:
                    leaks.append(f"hidden test line: {ln}")
    return leaks


def build(name: str, out: Path | str | None = None, html: Path | str | None = None, run_tests: bool = True) -> dict:
    """Build one assignment into ``out`` (default ``_build/assignments/<name>``); returns its paths.

    Raises RuntimeError if otter assign fails or the student notebook or the student kit leaks a
    solution, a hidden test or a rubric. Builds the student kit (``standoff/kit.py``) into
    ``out/kit/<name>-kit.zip``. With ``html``, copies the student notebook to
    ``<html>/assignments/<name>.ipynb`` and the kit to ``<html>/assignments/<name>-kit.zip`` for the
    site's download links.
    """
    master = ASSIGNMENTS / f"{name}.ipynb"
    out = Path(out) if out else BUILD / name
    if out.exists():
        shutil.rmtree(out)
    src = out / "source"
    src.mkdir(parents=True)
    shutil.copy(master, src / master.name)
    shutil.copytree(ROOT / "data", src / "data", ignore=shutil.ignore_patterns("notes", "README.md"))
    execute(src / master.name)
    cmd = [*_otter(), "assign", "-v", master.name, str(out.resolve())]
    if not run_tests:
        cmd.insert(-2, "--no-run-tests")
    proc = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"otter assign {name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    student = out / "student" / master.name
    zips = sorted((out / "autograder").glob("*.zip"))
    if not student.is_file() or not zips:
        raise RuntimeError(f"otter assign {name}: no student notebook or autograder zip in {out}")
    leaks = student_leaks(json.loads(student.read_text()), json.loads((src / master.name).read_text()))
    if leaks:
        raise RuntimeError(f"student notebook of {name} leaks: {leaks[:5]}")
    from . import kit

    title, chapters = ASSIGNMENT_INFO.get(name, (name, ""))
    kit_zip = kit.make_kit(name, student.parent, out / "kit", json.loads((src / master.name).read_text()),
                           title=title, chapters=chapters)  # raises if the kit leaks
    result = {"name": name, "student": student, "autograder": zips[-1], "kit": kit_zip,
              "log": proc.stdout + proc.stderr}
    if html:
        dest = Path(html) / "assignments"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(student, dest / f"{name}.ipynb")
        shutil.copy(kit_zip, dest / kit_zip.name)
        result["html"] = dest / f"{name}.ipynb"
        result["html_kit"] = dest / kit_zip.name
    return result


def autograder_zip(name: str, root: Path | str | None = None) -> Path | None:
    zips = sorted((Path(root) if root else BUILD / name).glob("autograder/*.zip"))
    return zips[-1] if zips else None


def grade_one(nb_path: Path | str, autograder: Path | str, qs: list[dict], timeout: int = TIMEOUT) -> dict:
    """Grade one submission with ``otter run`` and return its gradebook row (never raises for bad input)."""
    nb_path = Path(nb_path)
    label = nb_path.name
    reason = check_notebook(nb_path)
    if reason:
        return error_row(qs, label, reason)
    broken = syntax_errors(json.loads(nb_path.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
        sub = Path(tmp) / "submission"
        sub.mkdir()
        # grade a copy, so otter never writes next to the student's file
        shutil.copy(nb_path, sub / nb_path.name)
        res_dir = Path(tmp) / "results"
        res_dir.mkdir()
        try:
            proc = subprocess.run([*_otter(), "run", "--no-logo", "-a", str(Path(autograder).resolve()),
                                   "-o", str(res_dir), str(sub / nb_path.name)],
                                  cwd=tmp, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return error_row(qs, label, f"timed out after {timeout} s")
        res = res_dir / "results.json"
        if proc.returncode != 0 or not res.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()
            return error_row(qs, label, "otter could not grade it: " + (tail[-1] if tail else f"exit {proc.returncode}"))
        try:
            results = json.loads(res.read_text())
        except json.JSONDecodeError:
            return error_row(qs, label, "otter wrote an unreadable results.json")
    row = rows_from_results(results, qs, label)
    if broken:  # a notebook that does not run top to bottom scores 0; say what the cells that run would get
        return error_row(qs, label, "; ".join(broken) + f"; not scored (the cells that run would score "
                                                        f"{row['total']:g} of {row['possible']:g})")
    return row


def submissions(folder: Path | str) -> list[Path]:
    """The notebooks to grade in ``folder`` (``*.ipynb``, not checkpoints), by name."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def grade_folder(name: str, folder: Path | str, autograder: Path | str | None = None,
                 master: Path | str | None = None, out: Path | str | None = None, jobs: int = 1) -> Path:
    """Grade every notebook in ``folder`` for assignment ``name``; writes and returns the gradebook CSV.

    ``jobs`` otter runs go at once (one kernel each); rows keep the order of the file names.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    autograder = Path(autograder) if autograder else autograder_zip(name)
    if autograder is None or not Path(autograder).is_file():
        raise FileNotFoundError(f"no autograder zip for {name!r}: run `make assignments` first")
    qs = questions(json.loads(Path(master or ASSIGNMENTS / f"{name}.ipynb").read_text()))

    def one(nb: Path) -> dict:
        t0 = time.perf_counter()
        row = grade_one(nb, autograder, qs)
        print(f"  {nb.name}: {row['status']}, {row['total']:g} / {row['possible']:g}"
              f"{' (' + row['note'] + ')' if row['note'] else ''}  [{time.perf_counter() - t0:.1f} s]", flush=True)
        return row

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # each otter run is its own process
        rows = list(pool.map(one, submissions(folder)))
    return write_gradebook(rows, qs, Path(out) if out else folder / "gradebook.csv")


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m standoff.classroom", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build assignments into _build/assignments (and copy to _build/html)")
    b.add_argument("names", nargs="*", default=list(NAMES))
    b.add_argument("--no-html", action="store_true", help="do not copy student notebooks into _build/html")
    g = sub.add_parser("grade", help="grade every notebook in a folder; writes <folder>/gradebook.csv")
    g.add_argument("name", choices=NAMES)
    g.add_argument("folder")
    g.add_argument("--out", help="gradebook path (default <folder>/gradebook.csv)")
    g.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    a = ap.parse_args(argv)
    if a.cmd == "build":
        for n in a.names:
            t0 = time.perf_counter()
            r = build(n, html=None if a.no_html else HTML)
            print(f"{n}: student {r['student'].relative_to(ROOT)}, autograder {r['autograder'].relative_to(ROOT)}"
                  f"  [{time.perf_counter() - t0:.1f} s]", flush=True)
        if not a.no_html:
            print(f"student notebooks copied to {(HTML / 'assignments').relative_to(ROOT)}/")
        return 0
    if autograder_zip(a.name) is None:
        print(f"building {a.name} first (no autograder zip yet)", flush=True)
        build(a.name, html=HTML if HTML.is_dir() else None)
    print(f"grading {a.name}: {len(submissions(a.folder))} notebook(s) in {a.folder}", flush=True)
    path = grade_folder(a.name, a.folder, out=a.out, jobs=a.jobs)
    print(f"gradebook: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
