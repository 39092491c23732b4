"""The student kit: one zip per assignment that a student can install and run without the repository.

The book's repository is public and holds the otter master notebooks (solutions, hidden tests,
rubrics), so students get a kit, not the repository. ``make assignments`` builds, for each
assignment, ``_build/assignments/<name>/kit/<name>-kit.zip`` (and copies it to
``_build/html/assignments/``). The zip holds one folder ``<name>-kit/`` with:

- ``<name>.ipynb``: the student notebook from ``otter assign`` (no solutions, public checks only);
- ``data/``: the dataset the notebook reads (the copy ``otter assign`` puts next to it);
- ``standoff-<version>-py3-none-any.whl``: the book's package, with the dataset as package data in
  ``standoff/_data/`` so ``standoff.data.load()`` works when it is installed outside the repository;
- ``requirements-student.txt``: exact pins of what the notebook and otter's checks need (no book
  builder, browser tests or linters);
- ``README.md``: install and run steps for Linux, macOS and Windows, and how to check the work.

:func:`kit_leaks` scans a built kit (every file, and every file inside the wheel) for solution
lines, hidden tests, rubrics and otter's markers; the build fails if it finds any.

Pure functions (tested without building): :func:`student_requirements`, :func:`readme`,
:func:`kit_leaks`, :func:`solution_texts`. Drivers: :func:`build_wheel`, :func:`make_kit`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a student's environment needs: the notebook's imports (standoff's own imports included) and
# otter's checks, plus JupyterLab to open the notebook. Versions come from requirements.txt (the
# book's pins) or, for packages the book only gets indirectly, from the environment that builds the kit.
STUDENT_PACKAGES = ("otter-grader", "jupyterlab", "ipykernel", "ipywidgets", "pandas", "numpy", "altair",
                    "nbformat", "nbclient", "pyyaml", "jsonschema")
# jsonschema is pinned for speed, not for an import of the notebook's: requirements.txt explains why (every kernel
# and JupyterLab start imports it through altair and nbformat).

WHEEL_NAME = re.compile(r"^standoff-[^-]+-py3-none-any\.whl$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def student_requirements(requirements_txt: str, installed=metadata.version) -> str:
    """The text of ``requirements-student.txt``: one exact pin per :data:`STUDENT_PACKAGES` entry.

    A package pinned in ``requirements_txt`` keeps that pin; any other takes the version that
    ``installed(name)`` reports (the environment that builds the kit, which `make` built from
    requirements.txt). Raises ValueError if a package has no version either way.
    """
    pins = {}
    for line in requirements_txt.splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    lines = ["# What the assignment notebook and its checks need, pinned exactly (the book's versions).",
             "# Install with the package wheel in this folder; see README.md."]
    for name in STUDENT_PACKAGES:
        version = pins.get(_norm(name))
        if version is None:
            try:
                version = installed(name)
            except metadata.PackageNotFoundError:
                version = None
        if not version:
            raise ValueError(f"no version for {name}: pin it in requirements.txt")
        lines.append(f"{name}=={version}")
    return "\n".join(lines) + "\n"


def readme(name: str, title: str, chapters: str, wheel: str) -> str:
    """The kit's README.md: what is in the kit, install steps for each system, how to check before handing in."""
    kit = f"{name}-kit"
    return f"""# {title}: assignment kit

Classroom assignment `{name}` of the book *Who Blinks First?* (chapters: {chapters}).

This folder is all you need to do the assignment on your own computer, offline once installed:

| file | what it is |
|---|---|
| `{name}.ipynb` | the assignment notebook: answer here and hand this file in |
| `data/` | the book's dataset, which the notebook reads |
| `{wheel}` | the book's Python package `standoff` (its data loader, models and the dataset) |
| `requirements-student.txt` | the exact versions of pandas, JupyterLab, otter-grader and the rest |

**The book's chapters are not in this kit.** The notebook names the chapters it practises by their
titles and by their page in the book's site (for example `chapters/channels.html`); read them in
the book: the address your teacher gives you, or `_build/html/index.html` in a built copy of the
book.

## Install (once)

You need Python 3.11 or newer (from python.org, your system's packages or conda; the kit is tested
with Python 3.11) and about 700 MB of disk space for the environment; the install downloads the
packages once. Unzip the kit, open a terminal in the unzipped folder
`{kit}`, and run the commands for your system. They create a private environment in `.venv`
inside this folder and install everything into it; nothing else on your computer changes.

Linux and macOS (Terminal):

```bash
python3 -m venv .venv
.venv/bin/python -m pip install -r requirements-student.txt {wheel}
```

Windows (PowerShell or Command Prompt; if `py` is missing, use `python`):

```bat
py -m venv .venv
.venv\\Scripts\\python -m pip install -r requirements-student.txt {wheel}
```

## Work on the assignment

Start JupyterLab from this folder (it opens in your browser; stop it with Ctrl+C in the terminal):

- Linux and macOS: `.venv/bin/jupyter lab {name}.ipynb`
- Windows: `.venv\\Scripts\\jupyter lab {name}.ipynb`

Run the cells from the top. Answer each question by replacing the `...` in its answer cell; the
`grader.check(...)` cell under it runs the *public* checks. Your teacher also runs *hidden*
checks, so passing every public check does not guarantee full marks. Write the answer to the
question marked **graded by hand** in the markdown cell under it.

## Check your work before handing in

1. **Kernel → Restart Kernel and Run All Cells…** (JupyterLab 4). Every cell must run without an
   error: your teacher's grader runs the notebook from the top in the same way.
2. Read the output of the last cell, `grader.check_all()`: it runs every public check again.
3. Save: **File → Save Notebook** (Ctrl+S, or Cmd+S on a Mac).
4. Hand in the file `{name}.ipynb` only, under the name your teacher asks for.

Do not edit or delete the `grader.check` cells, and do not read the CSV files yourself: the
notebook loads the data through the package (`standoff.data.load`).

## Licences

The `standoff` package is MIT-licensed (its licence is in the wheel). The dataset in `data/` (and
inside the wheel) is a compilation under CC BY 4.0 by the authors of *Who Blinks First?*; the
underlying facts and quotes remain their publishers', named row by row in `data/sources.csv`.
"""


# --------------------------------------------------------------------------------------------
# Leak check
# --------------------------------------------------------------------------------------------

MARKERS = ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "# HIDDEN", "BEGIN TESTS", "END TESTS",
           '"hidden": true', "Rubric")


def _source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def solution_texts(master_nb: dict) -> dict[str, list[str]]:
    """What must never reach a student, read from an otter master notebook.

    ``solution``: each solution code line's right-hand side of ``=`` (or the whole line if it is not
    an assignment), without otter's ``# SOLUTION`` marker; ``hidden``: each line of the hidden test
    cells; ``rubric``: the first line of every markdown cell inside a solution block (the rubrics).
    Lines shorter than 12 characters are left out (they are too common to mean a leak).
    """
    out: dict[str, list[str]] = {"solution": [], "hidden": [], "rubric": []}
    in_solution = in_tests = False
    for cell in master_nb.get("cells", []):
        src = _source(cell)
        head = src.strip().upper()
        if cell.get("cell_type") == "raw":
            in_solution = head.startswith("# BEGIN SOLUTION") or (in_solution and not head.startswith("# END SOLUTION"))
            in_tests = head.startswith("# BEGIN TESTS") or (in_tests and not head.startswith("# END TESTS"))
            continue
        lines = [ln.strip() for ln in src.splitlines() if ln.strip()]
        if in_solution and cell.get("cell_type") == "markdown" and lines:
            out["rubric"].append(lines[0][:80])
        elif in_solution:
            for ln in lines:
                if not re.search(r"#\s*SOLUTION\s*$", ln):
                    continue
                code = re.sub(r"#\s*SOLUTION\s*$", "", ln).strip()
                rhs = code.split(" = ", 1)[1].strip() if " = " in code else code
                if len(rhs) >= 12:
                    out["solution"].append(rhs)
        elif in_tests and lines and lines[0].upper().startswith("# HIDDEN"):
            out["hidden"] += [ln for ln in lines[1:] if len(ln) >= 12 and not ln.startswith(("from ", "import "))]
    return out


def _texts(zip_bytes: bytes, prefix: str = "") -> dict[str, str]:
    """Every text file in a zip (and in any wheel inside it), by path."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            raw = z.read(info)
            path = prefix + info.filename
            if info.filename.endswith((".whl", ".zip")):
                out.update(_texts(raw, path + "!/"))
                continue
            try:
                out[path] = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return out


def kit_leaks(kit_zip: Path | str | bytes, master_nb: dict) -> list[str]:
    """Everything in a kit that a student must not get (should be empty).

    Scans every text file of the zip and of the wheel inside it for the master's solution lines,
    hidden test lines and rubric lines (:func:`solution_texts`), for otter's markers (in every file
    but the package's Python sources, which name the markers to look for them), and for files that
    only the teacher's side has (master notebooks, the autograder's tests, otter_config.json).
    """
    raw = kit_zip if isinstance(kit_zip, bytes) else Path(kit_zip).read_bytes()
    texts = _texts(raw)
    secrets = solution_texts(master_nb)
    leaks = []
    for path, text in texts.items():
        base = path.rsplit("/", 1)[-1]
        if base == "otter_config.json" or re.search(r"(^|/)tests/q\w*\.py$", path) or "/assignments/" in path \
                or "-autograder" in base:
            leaks.append(f"{path}: a teacher-only file")
        notebook = path.endswith(".ipynb")
        if notebook:  # compare in the notebook's JSON escaping
            text = json.dumps(json.loads(text))
        if not path.endswith(".py"):
            leaks += [f"{path}: marker {m!r}" for m in MARKERS if m in text]
        for kind, items in secrets.items():
            leaks += [f"{path}: {kind} line {s!r}" for s in items
                      if (json.dumps(s)[1:-1] if notebook else s) in text]
    return leaks


# --------------------------------------------------------------------------------------------
# Drivers
# --------------------------------------------------------------------------------------------

def _package_fingerprint() -> str:
    h = hashlib.sha256()
    for p in sorted([*(ROOT / "standoff").rglob("*.py"), *(ROOT / "data").glob("*.*"), ROOT / "pyproject.toml"]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


_WHEELS: dict[str, tuple[str, bytes]] = {}  # package fingerprint -> (wheel file name, wheel bytes)


def build_wheel(out_dir: Path | str) -> Path:
    """Build the ``standoff`` wheel with the dataset as package data; returns its path in ``out_dir``.

    Builds from a staged copy (pyproject.toml, LICENSE, ``standoff/``, ``data/`` copied to
    ``standoff/_data/``) in a temporary folder, so the repository never holds a second copy of the
    data. Offline: uses the build environment's setuptools (``--no-build-isolation``). One build per
    process and package state, so every kit of one build holds the same wheel.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = _package_fingerprint()
    if key not in _WHEELS:
        with tempfile.TemporaryDirectory(prefix="standoff-wheel-") as tmp:
            stage = Path(tmp) / "src"
            stage.mkdir()
            for f in ("pyproject.toml", "LICENSE"):
                shutil.copy(ROOT / f, stage / f)
            shutil.copytree(ROOT / "standoff", stage / "standoff",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_data"))
            shutil.copytree(ROOT / "data", stage / "standoff" / "_data", ignore=shutil.ignore_patterns("notes"))
            dist = Path(tmp) / "dist"
            proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                                   "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(stage)],
                                  capture_output=True, text=True, timeout=300)
            wheels = sorted(dist.glob("standoff-*.whl"))
            if proc.returncode != 0 or len(wheels) != 1:
                raise RuntimeError(f"building the standoff wheel failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
            with zipfile.ZipFile(wheels[0]) as z:
                if "standoff/_data/datapackage.json" not in z.namelist():
                    raise RuntimeError("the standoff wheel has no standoff/_data/datapackage.json")
            _WHEELS[key] = (wheels[0].name, wheels[0].read_bytes())
    filename, content = _WHEELS[key]
    dest = out_dir / filename
    dest.write_bytes(content)
    return dest


def make_kit(name: str, student_dir: Path | str, out_dir: Path | str, master_nb: dict,
             title: str = "", chapters: str = "") -> Path:
    """Zip the student kit for ``name`` into ``out_dir/<name>-kit.zip``; returns the zip's path.

    ``student_dir`` is otter's student folder (``<name>.ipynb`` and ``data/``). Raises RuntimeError
    if :func:`kit_leaks` finds anything of ``master_nb``'s solutions in the kit.
    """
    student_dir, out_dir = Path(student_dir), Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    folder = out_dir / f"{name}-kit"
    shutil.copytree(student_dir, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    wheel = build_wheel(folder)
    req = student_requirements((ROOT / "requirements.txt").read_text())
    (folder / "requirements-student.txt").write_text(req)
    (folder / "README.md").write_text(readme(name, title or name, chapters or "see the notebook", wheel.name))
    zpath = out_dir / f"{name}-kit.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(out_dir).as_posix())
    leaks = kit_leaks(zpath, master_nb)
    if leaks:
        zpath.unlink()
        raise RuntimeError(f"the kit of {name} leaks: {leaks[:5]}")
    return zpath
