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

Grading (``make grade``) runs every submission in its own bubblewrap sandbox (:mod:`standoff.sandbox`: read-only
root, hidden home and /tmp, no network, own PIDs, limits on CPU, memory, file size and processes, a wall-clock
timeout) with a light runner (:mod:`standoff.grade_runner`) that executes the cells in-process and scores them
with otter's own checks; as many sandboxes run at once as the machine has CPUs. Each result is kept in
``.grading/`` next to the gradebook, so an interrupted run resumes. A submission that cannot be graded (not a
notebook, a syntax error, timed out, crashed) gets a row with status ``error`` or ``timed out``, score 0 for
what it lost and the reason; the run never stops at a bad submission. Re-grading merges into the gradebook
and keeps the teacher's hand-graded marks; :mod:`standoff.feedback` writes the feedback pages.

Pure functions (tested without otter): :func:`questions`, :func:`data_dir`, :func:`check_notebook`,
:func:`rows_from_results`, :func:`error_row`, :func:`gradebook_columns`, :func:`merge_rows`, :func:`total_row`.
Drivers: :func:`build`, :func:`grade_one`, :func:`grade_folder`, :func:`write_gradebook`. CLI:
``python -m standoff.classroom``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
BUILD = ROOT / "_build" / "assignments"
HTML = ROOT / "_build" / "html"
NAMES = ("standoff", "strategy", "first_trade_war")


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


STATUSES = ("graded", "error", "timed out", "unsafe")


def qcol(q: dict) -> str:
    """A question's gradebook column: its name, with `` (manual)`` for a hand-graded question."""
    return f"{q['name']} (manual)" if q["manual"] else q["name"]


def gradebook_columns(qs: list[dict]) -> list[str]:
    """Gradebook header: submission, status, flag, one column per question, total, possible, note.

    ``status`` is one of :data:`STATUSES`; ``flag`` names the subfolder a submission came from (``late``),
    empty for the main folder.
    """
    return ["submission", "status", "flag", *(qcol(q) for q in qs), "total", "possible", "note"]


def _possible(qs: list[dict]) -> float:
    return float(sum(q["points"] for q in qs))


def _autograded_possible(qs: list[dict]) -> float:
    return float(sum(q["points"] for q in qs if not q["manual"]))


def _to_float(v) -> float | None:
    if v is None:
        return None
    try:
        return float(v) if str(v).strip() != "" else None
    except ValueError:
        return None


def total_row(row: dict, qs: list[dict]) -> dict:
    """Set ``total`` (autograded scores plus the manual marks entered so far) and ``possible`` (every point of
    the assignment, autograded and manual)."""
    total = sum(_to_float(row.get(qcol(q))) or 0.0 for q in qs)
    row["total"] = round(total, 4)
    row["possible"] = _possible(qs)
    return row


def rows_from_results(results: dict, qs: list[dict], submission: str, note: str = "") -> dict:
    """One gradebook row from grading results (``tests`` with name and score, as in otter's results.json).

    Autograded questions take the summed score of their test entries (a question not reported scores 0);
    manual questions stay empty for the teacher to fill in. ``total`` sums the row's scores and marks,
    ``possible`` is the assignment's full points (see :func:`total_row`).
    """
    scores: dict[str, float] = {}
    for t in results.get("tests", []):
        name = str(t.get("name", "")).split(" - ")[0].strip()
        scores[name] = scores.get(name, 0.0) + float(t.get("score") or 0.0)
    row = {"submission": submission, "status": "graded", "flag": ""}
    for q in qs:
        row[qcol(q)] = "" if q["manual"] else round(scores.get(q["name"], 0.0), 4)
    row.update(note=note)
    return total_row(row, qs)


def error_row(qs: list[dict], submission: str, reason: str, status: str = "error") -> dict:
    """A gradebook row for a submission that could not be graded: every autograded question 0."""
    row = {"submission": submission, "status": status, "flag": ""}
    for q in qs:
        row[qcol(q)] = "" if q["manual"] else 0.0
    row.update(note=reason)
    return total_row(row, qs)


def read_gradebook(path: Path | str) -> tuple[list[str], dict[str, dict]]:
    """The header and the rows (by submission) of an existing gradebook; empty if there is none."""
    path = Path(path)
    if not path.is_file():
        return [], {}
    with path.open(newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), {row["submission"]: row for row in r if row.get("submission")}


def merge_rows(old: dict[str, dict], new: dict[str, dict], qs: list[dict]) -> dict[str, dict]:
    """The gradebook after (re)grading: ``new`` rows replace the autograded part of their ``old`` rows; the
    teacher's marks in manual columns (and any column the teacher added) are kept; rows of submissions not
    graded this time stay as they were. Totals are recomputed with the marks."""
    std = set(gradebook_columns(qs))
    merged = {k: dict(v) for k, v in old.items()}
    for key, row in new.items():
        prev = old.get(key, {})
        out = dict(row)
        for col, val in prev.items():
            if col is None or val is None:
                continue
            if col not in std or (col.endswith(" (manual)") and str(val).strip() != ""):
                out[col] = val
        merged[key] = out
    for row in merged.values():
        total_row(row, qs)
    return merged


def write_gradebook(rows: list[dict], qs: list[dict], path: Path | str, extra: list[str] = ()) -> Path:
    """Write the gradebook CSV atomically (a crash never leaves half a gradebook)."""
    path = Path(path)
    cols = gradebook_columns(qs) + [c for c in extra if c not in gradebook_columns(qs)]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return path


def append_history(path: Path | str, rows: list[dict], qs: list[dict], reason: str) -> None:
    """Append replaced gradebook rows to the history file, with the time and why they were replaced."""
    if not rows:
        return
    path = Path(path)
    cols = ["replaced_at", "reason", *gradebook_columns(qs)]
    new = not path.is_file()
    with path.open("a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        if new:
            w.writeheader()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        for r in rows:
            w.writerow({**r, "replaced_at": stamp, "reason": reason})


# --------------------------------------------------------------------------------------------
# For the teacher guide
# --------------------------------------------------------------------------------------------

ASSIGNMENT_INFO = {  # name: (title, chapters it practises)
    "standoff": ("Channels and leverage", "Channels; both leverage chapters"),
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
    import pandas as pd  # imported here: `make grade` does not need pandas in the grading process

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
    digest = inputs_digest()
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
    kit.make_kit(name, student.parent, out / "kit", json.loads((src / master.name).read_text()),
                  title=title, chapters=chapters)  # raises if the kit leaks
    (out / INPUTS).write_text(digest + "\n")
    return _result(name, out, html, proc.stdout + proc.stderr)


INPUTS = "inputs.sha256"   # in each built assignment: the digest of what it was built from (inputs_digest)


def inputs_digest() -> str:
    """A digest of everything an assignment build reads: the masters, the package, the data, the pins."""
    files = [*ASSIGNMENTS.rglob("*"), *(ROOT / "standoff").rglob("*.py"), *(ROOT / "data").rglob("*"),
             ROOT / "requirements.txt", ROOT / "pyproject.toml", ROOT / "LICENSE"]
    h = hashlib.sha256()
    for p in sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts):
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def reuse(name: str, out: Path | str, html: Path | str | None = None) -> dict | None:
    """A copy in ``out`` of ``_build/assignments/<name>`` (``make book``'s build), if that was built from the
    current inputs (``inputs_digest``); else None. The tests use it to skip a second ``otter assign`` of an
    unchanged assignment; the copy keeps ``make book``'s output untouched."""
    src = BUILD / name
    stamp = src / INPUTS
    if not stamp.is_file() or stamp.read_text().strip() != inputs_digest():
        return None
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out)
    return _result(name, out, html, f"reused {src} (built from the same inputs)")


def _result(name: str, out: Path, html: Path | str | None, log: str) -> dict:
    student = out / "student" / f"{name}.ipynb"
    zips = sorted((out / "autograder").glob("*.zip"))
    kit_zip = out / "kit" / f"{name}-kit.zip"
    if not student.is_file() or not zips or not kit_zip.is_file():
        raise RuntimeError(f"assignment {name}: no student notebook, autograder zip or kit in {out}")
    result = {"name": name, "student": student, "autograder": zips[-1], "kit": kit_zip, "log": log}
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


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _slug(label: str) -> str:
    """A file name for a submission's feedback page: ``late/ann.ipynb`` -> ``late--ann``."""
    stem = label[:-6] if label.endswith(".ipynb") else label
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem.replace("/", "--")) or "submission"


def grade_one(nb_path: Path | str, ag_dir: Path, qs: list[dict], name: str, limits=None, sandbox: bool = True,
              label: str | None = None, hide: list[Path] = (), slot: int = 0, home: Path | None = None) -> dict:
    """Grade one submission in a sandbox; returns ``{"row": gradebook row, "tests": per-question checks,
    "seconds": ...}`` and never raises for bad input.

    ``ag_dir`` is the unpacked autograder zip (``tests/`` and ``files/data``). The notebook is copied into a
    fresh scratch folder as ``<name>.ipynb`` (the name its otter init cell expects); ``data/`` and
    ``tests/`` are bound there read-only. See :mod:`standoff.sandbox` for what the sandbox allows.
    """
    from standoff import sandbox as sb

    limits = limits or sb.Limits()
    nb_path = Path(nb_path)
    label = label or nb_path.name
    t0 = time.perf_counter()

    def done(row: dict, tests: list | None = None, **kw) -> dict:
        if not sandbox and row["status"] == "graded":
            row["status"] = "unsafe"
        if not sandbox:
            row["note"] = "; ".join(x for x in (row["note"], "graded WITHOUT the sandbox (UNSAFE)") if x)
        return {"row": row, "tests": tests or [], "seconds": round(time.perf_counter() - t0, 3), **kw}

    reason = check_notebook(nb_path)
    if reason:
        return done(error_row(qs, label, reason))
    broken = syntax_errors(json.loads(nb_path.read_text(encoding="utf-8")))
    scratch = Path(tempfile.mkdtemp(prefix="standoff-grade-"))
    try:
        shutil.copy(nb_path, scratch / f"{name}.ipynb")  # grade a copy: nothing is written next to the student's file
        binds = {"tests": Path(ag_dir) / "tests"}
        if (Path(ag_dir) / "files" / "data").is_dir():
            binds["data"] = Path(ag_dir) / "files" / "data"
        run = sb.run(scratch, f"{name}.ipynb", binds, limits, hide=list(hide), sandbox=sandbox, slot=slot, home=home)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    res = run["results"]
    if res is None:
        if run["status"] == "timed out":
            why = run["detail"] or f"stopped after the {limits.timeout:g} s time limit"
            return done(error_row(qs, label, f"timed out: {why}", status="timed out"))
        return done(error_row(qs, label, f"could not be graded: {run['detail']}"))
    notes = []
    status = "graded"
    if res.get("timed_out_cells"):
        status = "timed out"
        what = res["timed_out_cells"]
        notes.append(f"{', '.join(str(w) for w in what)} ran longer than {limits.cell_timeout:g} s and "
                     f"{'was' if len(what) == 1 else 'were'} stopped; the questions were graded on what ran")
    errs = [e for e in res.get("cell_errors", []) if "CellTimeout" not in e["error"]]
    if errs:
        first = errs[0]
        where = f"code cell {first['cell']}" if first["cell"] else "grading"
        more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
        notes.append(f"{where}: {first['error'][:160]}{more}")
    if res.get("output_bytes", 0) > sb.OUTPUT_CAP:
        notes.append(f"printed {res['output_bytes'] / sb.MB:.0f} MB of output; kept the first "
                     f"{sb.OUTPUT_CAP // sb.MB} MB")
    row = rows_from_results(res, qs, label, note="; ".join(notes))
    row["status"] = status
    if broken:  # a notebook that does not run top to bottom scores 0; say what the cells that run would get
        row = error_row(qs, label, "; ".join(broken) + f"; not scored (the cells that run would score "
                                                       f"{row['total']:g} of {_autograded_possible(qs):g})")
    return done(row, res.get("tests", []), timings=res.get("timings", {}))


def submissions(folder: Path | str) -> list[Path]:
    """The notebooks to grade in ``folder`` (``*.ipynb``, not checkpoints), by name."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


class Progress:
    """A one-line progress bar with the time left (on a terminal); one line per submission otherwise."""

    def __init__(self, total: int, jobs: int, stream=None):
        self.total, self.jobs, self.done = total, max(1, jobs), 0
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.perf_counter()

    def eta(self) -> float | None:
        if not self.done:
            return None
        per = (time.perf_counter() - self.t0) / self.done
        return per * (self.total - self.done)

    def line(self, last: str = "") -> str:
        width = 30
        fill = int(width * self.done / max(1, self.total))
        eta = self.eta()
        left = "estimating" if eta is None else (f"{eta / 60:.0f} min left" if eta >= 90 else f"{eta:.0f} s left")
        elapsed = time.perf_counter() - self.t0
        return (f"[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total}  {elapsed:.0f} s, {left}"
                + (f"  {last}" if last else ""))

    def step(self, last: str = "") -> None:
        self.done += 1
        if self.tty:
            self.stream.write("\r\033[K" + self.line(last[:60]))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line(last) + "\n")
        self.stream.flush()


def default_jobs(memory_mb: int = 2048) -> int:
    """As many sandboxes as there are CPUs this process may use, fewer if memory would run short
    (each grading run needs about 300 MB resident)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    try:
        avail = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                     if ln.startswith("MemAvailable")) // 1024
        by_mem = max(1, avail // 400)
    except (OSError, StopIteration):
        by_mem = cpus
    return max(1, min(cpus, by_mem))


def grade_folder(name: str, folder: Path | str, autograder: Path | str | None = None,
                 master: Path | str | None = None, out: Path | str | None = None, jobs: int = 0,
                 limits=None, sandbox: bool = True, regrade: bool = False, subfolders: list[str] = (),
                 show_names: bool = False, home: Path | None = None, progress: bool = True,
                 feedback: bool = True) -> Path:
    """Grade every notebook in ``folder`` (and in each of ``subfolders``, flagged with the subfolder's name)
    for assignment ``name``; writes and returns the gradebook CSV (default ``<folder>/gradebook.csv``).

    Each submission runs in its own sandbox (``sandbox=False`` only for UNSAFE); ``jobs`` at once (0: as many
    as the machine allows, :func:`default_jobs`). Results are kept per submission in ``.grading/`` next to
    the gradebook, so an interrupted run resumes where it stopped; a submission is graded again only if its
    file changed or ``regrade``. Re-grading merges into the existing gradebook (:func:`merge_rows`) and
    records the replaced rows in ``gradebook-history.csv``. Unless ``feedback=False``, also writes the
    students' feedback pages, the class summary and one page per hand-graded question (:mod:`standoff.feedback`).
    Raises :class:`standoff.sandbox.SandboxUnavailable` if the sandbox cannot run.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed
    from queue import Queue

    from standoff import sandbox as sb

    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    autograder = Path(autograder) if autograder else autograder_zip(name)
    if autograder is None or not Path(autograder).is_file():
        raise FileNotFoundError(f"no autograder zip for {name!r}: run `make assignments` first")
    if sandbox:
        why = sb.available()
        if why:
            raise sb.SandboxUnavailable(why)
    limits = limits or sb.Limits()
    qs = questions(json.loads(Path(master or ASSIGNMENTS / f"{name}.ipynb").read_text()))
    path = Path(out).resolve() if out else folder / "gradebook.csv"
    outdir = path.parent
    hide = sorted({folder, outdir})
    for h in hide if sandbox else ():  # the sandbox hides these folders, so they must not hold what it runs
        for keep in (ROOT, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()):
            if keep == h or h in keep.parents:
                raise ValueError(f"{h} contains {keep}, which the sandbox needs; put the submissions (and the "
                                 f"gradebook) in a folder of their own")
    state = outdir / ".grading"
    state.mkdir(parents=True, exist_ok=True)
    ag_digest = file_digest(autograder)

    todo: list[tuple[str, str, Path]] = [("", p.name, p) for p in submissions(folder)]
    for sub in subfolders:
        sub = sub.strip("/")
        todo += [(sub, f"{sub}/{p.name}", p) for p in submissions(folder / sub)]
    cached: dict[str, dict] = {}
    run: list[tuple[str, str, Path, str]] = []
    for flag, label, p in todo:
        digest = file_digest(p)
        f = state / f"{_slug(label)}.json"
        prev = json.loads(f.read_text()) if f.is_file() else None
        same = prev and prev.get("sha256") == digest and prev.get("autograder") == ag_digest \
            and prev.get("sandbox", True) == sandbox
        if same and not regrade:
            cached[label] = prev
        else:
            run.append((flag, label, p, digest))

    old_cols, old_rows = read_gradebook(path)
    bar = Progress(len(run), jobs or 1) if progress and run else None
    print(f"grading {name}: {len(todo)} submission(s), {len(cached)} already graded, {len(run)} to grade"
          f" ({'sandbox: ' + limits.describe() if sandbox else 'UNSAFE: no sandbox'})", flush=True)

    with tempfile.TemporaryDirectory(prefix="standoff-autograder-") as tmp:
        import zipfile

        with zipfile.ZipFile(autograder) as z:
            z.extractall(tmp)
        for d in Path(tmp).rglob("*"):  # readable by the sandbox's unprivileged uid
            d.chmod(0o755 if d.is_dir() else 0o644)
        Path(tmp).chmod(0o755)
        jobs = jobs or default_jobs(limits.memory)
        slots: Queue = Queue()
        for i in range(jobs):
            slots.put(i)

        def one(item):
            flag, label, p, digest = item
            slot = slots.get()
            try:
                r = grade_one(p, Path(tmp), qs, name, limits=limits, sandbox=sandbox, label=label, hide=hide,
                              slot=slot, home=home)
            finally:
                slots.put(slot)
            r["row"]["flag"] = flag
            r.update(submission=label, sha256=digest, autograder=ag_digest, sandbox=sandbox,
                     graded_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
            return r

        replaced = []
        pool = ThreadPoolExecutor(max_workers=jobs)
        futures = [pool.submit(one, item) for item in run]
        try:
            for fut in as_completed(futures):
                r = fut.result()
                label = r["submission"]
                if label in old_rows and old_rows[label].get("status"):
                    replaced.append(old_rows[label])
                (state / f"{_slug(label)}.json").write_text(json.dumps(r))
                cached[label] = r
                row = r["row"]
                if bar:
                    bar.step(f"{label}: {row['status']} {float(row['total']):g}/{float(row['possible']):g}")
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            sb.kill_all()
            print(f"\ninterrupted: {len(cached)} of {len(todo)} submission(s) graded and kept in {state}; "
                  f"run the same command again to grade the rest", file=sys.stderr, flush=True)
            raise
        finally:
            pool.shutdown(wait=True)
    append_history(outdir / "gradebook-history.csv", replaced, qs,
                   "regrade requested" if regrade else "submission changed or first graded in a new run")
    new_rows = {label: r["row"] for label, r in cached.items() if label in {t[1] for t in run} or label not in old_rows}
    merged = merge_rows(old_rows, new_rows, qs)
    order = [t[1] for t in todo] + sorted(k for k in merged if k not in {t[1] for t in todo})
    rows = [merged[k] for k in order if k in merged]
    extra = [c for c in old_cols if c not in gradebook_columns(qs)]
    write_gradebook(rows, qs, path, extra)
    if feedback:
        from standoff import feedback as fb

        fb.write_all(name, qs, rows, {k: v.get("tests", []) for k, v in cached.items()},
                     {label: p for _, label, p in todo}, outdir, show_names=show_names)
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    from standoff import sandbox as sb

    d = sb.Limits()
    ap = argparse.ArgumentParser(prog="python -m standoff.classroom", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build assignments into _build/assignments (and copy to _build/html)")
    b.add_argument("names", nargs="*", default=list(NAMES))
    b.add_argument("--no-html", action="store_true", help="do not copy student notebooks into _build/html")
    g = sub.add_parser("grade", help="grade every notebook in a folder, each in a sandbox; writes <folder>/gradebook.csv")
    g.add_argument("name", choices=NAMES)
    g.add_argument("folder")
    g.add_argument("--out", help="gradebook path (default <folder>/gradebook.csv)")
    g.add_argument("--jobs", type=int, default=0, help="submissions graded at once (default 0: as many as the machine allows)")
    g.add_argument("--timeout", type=float, default=d.timeout, help=f"wall-clock seconds per submission (default {d.timeout:g})")
    g.add_argument("--cell-timeout", type=float, default=d.cell_timeout, help=f"wall-clock seconds per code cell (default {d.cell_timeout:g})")
    g.add_argument("--cpu", type=int, default=d.cpu, help=f"CPU seconds per submission (default {d.cpu})")
    g.add_argument("--memory", type=int, default=d.memory, help=f"memory (address space) in MB (default {d.memory})")
    g.add_argument("--file-size", type=int, default=d.file_size, help=f"largest file a submission may write, MB (default {d.file_size})")
    g.add_argument("--processes", type=int, default=d.processes, help=f"processes per submission (default {d.processes})")
    g.add_argument("--regrade", action="store_true", help="grade again submissions already in the gradebook")
    g.add_argument("--subfolder", action="append", default=[], metavar="NAME",
                   help="also grade <folder>/NAME/*.ipynb into the same gradebook, flagged NAME (e.g. late); repeatable")
    g.add_argument("--show-names", action="store_true", help="show submission names on the hand-grading pages")
    g.add_argument("--unsafe", action="store_true", help="grade WITHOUT the sandbox (only for submissions you trust)")
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
    if not a.unsafe:
        why = sb.available()
        if why:
            print(f"make grade: cannot grade safely: {why}", file=sys.stderr)
            return 3
    else:
        print("WARNING: grading WITHOUT the sandbox (UNSAFE): every submission runs with your permissions.",
              file=sys.stderr, flush=True)
    if autograder_zip(a.name) is None:
        print(f"building {a.name} first (no autograder zip yet)", flush=True)
        build(a.name, html=HTML if HTML.is_dir() else None)
    limits = sb.Limits(timeout=a.timeout, cell_timeout=a.cell_timeout, cpu=a.cpu, memory=a.memory,
                       file_size=a.file_size, processes=a.processes)
    t0 = time.perf_counter()
    try:
        path = grade_folder(a.name, a.folder, out=a.out, jobs=a.jobs, limits=limits, sandbox=not a.unsafe,
                            regrade=a.regrade, subfolders=a.subfolder, show_names=a.show_names)
    except KeyboardInterrupt:
        return 130
    except (FileNotFoundError, ValueError) as e:
        print(f"make grade: {e}", file=sys.stderr)
        return 2
    print(f"gradebook: {path}  [{time.perf_counter() - t0:.1f} s]")
    print(f"feedback: {path.parent / 'feedback'}/ (one page per submission), class summary: "
          f"{path.parent / 'summary.html'}, hand-graded answers: {path.parent / 'answers'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
