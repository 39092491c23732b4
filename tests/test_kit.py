"""The student kit: what is in it, that nothing secret is, and that it works as a student uses it.

The slow part unpacks the kits in a temporary folder outside the repository, runs the kit README's
Linux/macOS install commands there (a fresh venv, ``pip install`` of the local wheel and
``requirements-student.txt``; ONE install per test session, shared by the tests), then runs each
blank student notebook with the kit venv's kernel (the first kit's in the kit's own JupyterLab, as a student
does; the others with ``jupyter nbconvert --execute`` from the kit venv): every cell runs, the blank
notebook's public checks fail and it scores 0, the reference solution
scores full marks in the kit's environment, and the kernel imports ``standoff`` and its data from the kit
venv, never from the repository.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from standoff import classroom as cl
from standoff import data, kit

ROOT = Path(__file__).resolve().parent.parent
NAMES = cl.NAMES


# ------------------------------------------------------------------------------------------ pure functions

def test_student_requirements_pins_exactly_and_leaves_book_tools_out():
    req = "jupyter-book==1.0.4.post1\npandas==3.1.1\nnumpy==2.4.6\notter-grader==7.0.0\nplaywright==1.65.2\n-e .\n"
    text = kit.student_requirements(req, installed=lambda name: "9.9.9")
    pins = dict(ln.split("==") for ln in text.splitlines() if ln and not ln.startswith("#"))
    assert pins["pandas"] == "3.1.1" and pins["otter-grader"] == "7.0.0"   # the book's pins win
    assert pins["pyyaml"] == "9.9.9"                                        # else the building environment's
    assert set(pins) == set(kit.STUDENT_PACKAGES)
    assert not {"jupyter-book", "playwright", "ruff", "nbval", "pytest", "sphinx"} & set(pins)


def test_student_requirements_from_the_repository_pins():
    reqs = (ROOT / "requirements.txt").read_text()
    text = kit.student_requirements(reqs)
    lines = [ln.split("#")[0].strip() for ln in reqs.splitlines()]
    pinned = {ln.split("==")[0].lower(): ln for ln in lines if "==" in ln}
    assert pinned["jupyterlab"] in text.splitlines() and pinned["otter-grader"] in text.splitlines()
    assert all("==" in ln for ln in text.splitlines() if ln and not ln.startswith("#"))


def test_no_slow_iri_parser_at_import_in_the_book_or_the_kit():
    """jsonschema 4.25+ imports rfc3987-syntax, which builds its Lark parsers at import (1.3-1.8 s in every kernel,
    nbconvert, otter and JupyterLab process). requirements.txt pins a jsonschema without it, and the kit gets the
    same pin; this fails when an upgrade brings it back."""
    reqs = (ROOT / "requirements.txt").read_text()
    pin = re.search(r"^jsonschema==(\S+)", reqs, re.M)
    assert pin, "requirements.txt: pin jsonschema (see the comment there)"
    assert f"jsonschema=={pin.group(1)}" in kit.student_requirements(reqs).splitlines()
    proc = subprocess.run([sys.executable, "-c", "import sys, altair, nbformat, otter\n"
                           "print(sorted(m for m in sys.modules if m in ('rfc3987_syntax', 'lark')))"],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", f"imported at start-up: {proc.stdout.strip()}"


def test_readme_covers_every_system_and_checking():
    text = kit.readme("strategy", "Chicken", "The logic of the standoff", "standoff-0.1.0-py3-none-any.whl")
    for needle in ("python3 -m venv .venv", "py -m venv .venv", r".venv\Scripts\python -m pip install",
                   ".venv/bin/python -m pip install -r requirements-student.txt standoff-0.1.0-py3-none-any.whl",
                   ".venv/bin/jupyter lab strategy.ipynb", "Restart Kernel and Run All Cells", "grader.check_all()",
                   "Save Notebook", "not in this kit"):
        assert needle in text, needle
    assert text.index("Restart Kernel") < text.index("check_all") < text.index("Save Notebook")


MASTER = {"cells": [
    {"cell_type": "raw", "source": "# BEGIN SOLUTION"},
    {"cell_type": "code", "source": "answer = secret_function(3) + 1  # SOLUTION\nanswer"},
    {"cell_type": "raw", "source": "# END SOLUTION"},
    {"cell_type": "raw", "source": "# BEGIN TESTS"},
    {"cell_type": "code", "source": "# HIDDEN\nfrom x import y\nbool(answer == another_secret(3))"},
    {"cell_type": "raw", "source": "# END TESTS"},
    {"cell_type": "raw", "source": "# BEGIN SOLUTION"},
    {"cell_type": "markdown", "source": "*Rubric (3 points).* 1 point: says who blinked."},
    {"cell_type": "raw", "source": "# END SOLUTION"}]}


def _zip(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_solution_texts():
    s = kit.solution_texts(MASTER)
    assert s == {"solution": ["secret_function(3) + 1"], "hidden": ["bool(answer == another_secret(3))"],
                 "rubric": ["*Rubric (3 points).* 1 point: says who blinked."]}


def test_kit_leaks_scans_files_and_the_wheel_inside():
    clean_nb = json.dumps({"cells": [{"cell_type": "code", "source": ["answer = ...\n"]}]})
    wheel = _zip({"standoff/classroom.py": 'MARKERS = ("# HIDDEN", "BEGIN SOLUTION")\n'})  # markers in .py are fine
    assert kit.kit_leaks(_zip({"k/a.ipynb": clean_nb, "k/s.whl": wheel, "k/README.md": "hi"}), MASTER) == []
    leaky_wheel = _zip({"standoff/x.py": "def f():\n    return bool(answer == another_secret(3))\n"})
    leaky_nb = json.dumps({"cells": [{"cell_type": "code", "source": ["answer = secret_function(3) + 1  # SOLUTION"]}]})
    found = kit.kit_leaks(_zip({"k/a.ipynb": leaky_nb, "k/s.whl": leaky_wheel,
                                "k/README.md": "*Rubric (3 points).* 1 point: says who blinked.",
                                "k/tests/q1.py": "test = {}"}), MASTER)
    text = "\n".join(found)
    assert "k/s.whl!/standoff/x.py: hidden line" in text
    assert "k/a.ipynb: solution line" in text and "k/a.ipynb: marker '# SOLUTION'" in text
    assert "k/README.md: rubric line" in text and "k/tests/q1.py: a teacher-only file" in text


def test_data_dir_is_the_repository_data_here():
    """In the repository the loader reads data/ (the packaged copy exists only inside the kit's wheel)."""
    assert data.default_data_dir() == ROOT / "data" == data.DATA_DIR
    assert not (ROOT / "standoff" / data.PACKAGED).exists()


# ------------------------------------------------------------------------------------------ built kits (slow)

@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_kit_holds_notebook_data_wheel_requirements_readme_and_no_secrets(built, name):
    b = built[name]
    z = zipfile.ZipFile(b["kit"])
    names = set(z.namelist())
    top = f"{name}-kit/"
    wheels = [n for n in names if kit.WHEEL_NAME.match(n.removeprefix(top))]
    assert {top + f"{name}.ipynb", top + "data/datapackage.json", top + "requirements-student.txt",
            top + "README.md"} <= names and len(wheels) == 1, sorted(names)
    with zipfile.ZipFile(io.BytesIO(z.read(wheels[0]))) as w:
        assert "standoff/_data/datapackage.json" in w.namelist() and "standoff/data.py" in w.namelist()
        assert not [n for n in w.namelist() if n.endswith(".ipynb")], "no notebook (master or other) in the wheel"
    assert z.read(top + f"{name}.ipynb") == b["student"].read_bytes()
    master = json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text())
    assert kit.kit_leaks(b["kit"], master) == []
    # the site copy: the teacher guide links ../assignments/<name>-kit.zip from classroom/teacher_guide.html
    assert b["html_kit"].read_bytes() == b["kit"].read_bytes()
    assert b["html_kit"].relative_to(b["html_kit"].parent.parent).as_posix() == f"assignments/{name}-kit.zip"


@pytest.mark.slow
def test_kits_share_one_wheel(built):
    digests = set()
    for b in built.values():
        with zipfile.ZipFile(b["kit"]) as z:
            digests |= {hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if n.endswith(".whl")}
    assert len(digests) == 1


def test_teacher_guide_links_each_kit():
    guide = json.dumps(json.loads((ROOT / "classroom" / "teacher_guide.ipynb").read_text()))
    for name in NAMES:
        assert f'href=\\"../assignments/{name}-kit.zip\\"' in guide, name


@pytest.mark.slow
@pytest.mark.build
def test_built_teacher_guide_links_resolve_to_the_kits(site, built):
    """Each kit link of the built teacher guide resolves to the file `make assignments` copies into the site."""
    from posixpath import normpath
    from urllib.parse import urljoin

    html = (site / "classroom" / "teacher_guide.html").read_text()
    hrefs = set(re.findall(r'href="([^"]+-kit\.zip)"', html))
    assert len(hrefs) == len(NAMES), hrefs
    for href in hrefs:
        target = normpath(urljoin("classroom/teacher_guide.html", href))
        name = Path(target).name.removesuffix("-kit.zip")
        b = built[name]
        site_root = b["html_kit"].parent.parent     # the site folder the build copied into
        assert (site_root / target).is_file() and (site_root / target).read_bytes() == b["kit"].read_bytes()


# ------------------------------------------------------------------------------------------ as a student (slow)

def _clean_env() -> dict:
    """The environment of a student's terminal: no virtualenv of the repository on PATH, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not Path(p).resolve().is_relative_to(ROOT))
    return env


def _readme_block(readme: str, heading: str) -> list[str]:
    """The commands of the first fenced block after ``heading`` in the kit README."""
    after = readme[readme.index(heading):]
    block = re.search(r"```\w*\n(.*?)```", after, re.S).group(1)
    return [ln for ln in block.splitlines() if ln.strip()]


@pytest.fixture(scope="session")
def student(built, tmp_path_factory, worker_id):
    """Every kit unpacked outside the repository, and ONE venv installed per the first kit's README (once per
    run, shared by the xdist workers)."""
    from conftest import shared

    return shared(tmp_path_factory, worker_id, "student", functools.partial(_install_kits, built))


def _install_kits(built, root: Path) -> dict:
    assert not root.resolve().is_relative_to(ROOT)
    kits = {}
    for name, b in built.items():
        with zipfile.ZipFile(b["kit"]) as z:
            z.extractall(root)
        kits[name] = root / f"{name}-kit"
    first = kits[NAMES[0]]
    commands = _readme_block((first / "README.md").read_text(), "Linux and macOS (Terminal):")
    script = "set -eu\n" + "\n".join(commands) + "\n"
    proc = subprocess.run(["bash", "-c", script], cwd=first, env=_clean_env(), capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, f"the README's install commands failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    venv = first / ".venv"
    return {"kits": kits, "venv": venv, "bin": venv / "bin", "env": _clean_env(), "install_log": proc.stdout + proc.stderr}


PROBE = """import json, sys
import standoff, standoff.data
print("PROBE " + json.dumps({"executable": sys.executable, "standoff": standoff.__file__, "path": sys.path,
                            "data_dir": str(standoff.data.DATA_DIR), "contacts": len(standoff.data.load("contacts"))}))
"""


def _run_notebook(student, name: str, nb: dict, label: str) -> dict:
    """Execute ``nb`` in the kit folder of ``name`` with the kit venv's jupyter and kernel; returns the executed nb."""
    folder = student["kits"][name]
    path = folder / f"{label}.ipynb"
    path.write_text(json.dumps(nb))
    proc = subprocess.run([str(student["bin"] / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                           "--ExecutePreprocessor.timeout=300", "--output", f"{label}-out.ipynb", path.name],
                          cwd=folder, env=student["env"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{name}/{label} did not run:\n{proc.stderr[-4000:]}"
    return json.loads((folder / f"{label}-out.ipynb").read_text())


def _text(cell: dict) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", [])))
        out.append("".join(o.get("data", {}).get("text/plain", "")))
    return "".join(out)


def _otter_totals(student, jobs: list[tuple[str, Path, Path]], tmp: Path) -> list[tuple[float, float]]:
    """Grade each (assignment, notebook, autograder zip) with otter in the kit's environment: one Python process
    of the kit venv calls otter's own `otter run` entry point (otter.run.main) for each notebook in turn, so
    otter is imported once for the lot. Returns (total, possible) per notebook, as the gradebook counts them."""
    script = ("import json, sys\nfrom otter.run import main\n"
              "for sub, ag, out in json.loads(sys.argv[1]):\n    main(sub, autograder=ag, output_dir=out, no_logo=True)\n")
    args = []
    for i, (_name, nb_path, autograder) in enumerate(jobs):
        res = tmp / f"res-{i}-{nb_path.stem}"
        res.mkdir()
        args.append([str(nb_path), str(autograder), str(res)])
    proc = subprocess.run([str(student["bin"] / "python"), "-c", script, json.dumps(args)], cwd=tmp, env=student["env"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = []
    for (name, nb_path, _ag), (_sub, _ag2, res) in zip(jobs, args, strict=True):
        qs = cl.questions(json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text()))
        row = cl.rows_from_results(json.loads((Path(res) / "results.json").read_text()), qs, nb_path.name)
        out.append((float(row["total"]), float(row["possible"])))
    return out


# The first kit's blank notebook is run in the kit's own JupyterLab (test_student_runs_the_notebook_in_the_kits_jupyterlab),
# the student's real client, and graded there; the other kits' blank notebooks are run here with the kit's nbconvert.
BLANK_HERE = NAMES[1:]


@pytest.fixture(scope="module")
def kit_runs(student, built, tmp_path_factory):
    """Each blank student notebook of BLANK_HERE (with a probe cell after otter's init cell) executed in its kit
    with the kit venv's jupyter, then those executed blank notebooks and every kit's reference solution graded in
    the kit's environment (one otter process)."""
    tmp = tmp_path_factory.mktemp("kit-runs")
    runs, jobs = {name: {} for name in NAMES}, []
    for name in BLANK_HERE:
        nb = json.loads((student["kits"][name] / f"{name}.ipynb").read_text())
        nb["cells"].insert(1, _probe_cell("probe-kit"))   # after otter's init cell
        runs[name]["out"] = _run_notebook(student, name, nb, "blank-run")
        jobs.append((name, student["kits"][name] / "blank-run-out.ipynb", built[name]["autograder"]))
    for name in NAMES:
        sub = tmp / f"sub-{name}"
        sub.mkdir()
        solution = built[name]["autograder"].parent / f"{name}.ipynb"
        (sub / f"{name}.ipynb").write_bytes(solution.read_bytes())
        jobs.append((name, sub / f"{name}.ipynb", built[name]["autograder"]))
    scores = _otter_totals(student, jobs, tmp)
    for (name, nb_path, _ag), score in zip(jobs, scores, strict=True):
        runs[name]["blank" if nb_path.name == "blank-run-out.ipynb" else "solution"] = score
    return runs


def _probe_cell(cell_id: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [], "source": PROBE}


def _assert_blank_run_in_the_kit(student, name: str, out: dict, score: tuple[float, float]) -> None:
    """``out``, the blank student notebook of ``name`` with the probe as its second cell, run in the kit: every code
    cell ran without an error in the kit venv's kernel (standoff and its data from the venv, nothing from the
    repository on sys.path), each public check ran and a blank answer passed none, and graded in the kit's
    environment it scores 0."""
    code = [c for c in out["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), f"{name}: not every cell ran"
    assert not [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"], f"{name}: error output"
    line = next(ln for ln in _text(out["cells"][1]).splitlines() if ln.startswith("PROBE "))
    info = json.loads(line[len("PROBE "):])
    venv = student["venv"].resolve().as_posix()
    assert Path(info["executable"]).parent.parent.resolve().as_posix() == venv, info["executable"]
    assert Path(info["standoff"]).resolve().as_posix().startswith(venv), info["standoff"]
    assert Path(info["data_dir"]).resolve().as_posix().startswith(venv) and info["contacts"] > 0
    repo = ROOT.resolve()
    assert not [p for p in info["path"] if p and Path(p).resolve().is_relative_to(repo)], info["path"]
    checks = [c for c in code if "grader.check(" in "".join(c["source"])]
    assert len(checks) == len([q for q in cl.questions(json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text()))
                               if not q["manual"]])
    for c in checks:   # the public checks ran, and a blank answer passes none of them
        text = _text(c)
        assert "results" in text and "passed" not in text.lower().replace("failed", ""), text
    # the unmodified student notebook, executed in the kit, scores 0 (graded in the kit's environment)
    total, possible = score
    assert total == 0 and possible > 0


@pytest.mark.slow
def test_kit_installs_from_its_readme_outside_the_repository(student):
    py = student["bin"] / "python"
    assert py.exists() and student["venv"].resolve().is_relative_to(student["kits"][NAMES[0]].resolve())
    proc = subprocess.run([str(py), "-c", "import standoff, standoff.data as d; print(standoff.__file__); "
                           "print(d.DATA_DIR); print(len(d.load('trade_flows')))"],
                          cwd=student["kits"][NAMES[0]].parent, env=student["env"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    mod, data_dir, n = proc.stdout.split()
    venv = str(student["venv"].resolve())
    assert Path(mod).resolve().as_posix().startswith(venv) and Path(data_dir).resolve().as_posix().startswith(venv)
    assert data_dir.endswith("standoff/_data") and int(n) > 0
    freeze = subprocess.run([str(py), "-m", "pip", "freeze"], env=student["env"], capture_output=True, text=True).stdout
    installed = {re.split(r"[=@ ]", ln, maxsplit=1)[0].lower().replace("_", "-") for ln in freeze.splitlines() if ln}
    assert "standoff" in installed and "otter-grader" in installed and "jupyterlab" in installed
    # the book's builder, test runners and linters stay out (playwright does come in: otter-grader needs nbconvert[webpdf])
    assert not {"jupyter-book", "myst-nb", "nbval", "pytest", "ruff", "axe-playwright-python", "frictionless"} & installed


@pytest.mark.slow
@pytest.mark.parametrize("name", BLANK_HERE)
def test_blank_notebook_runs_in_the_kit_and_scores_zero(student, kit_runs, name):
    _assert_blank_run_in_the_kit(student, name, kit_runs[name]["out"], kit_runs[name]["blank"])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_scores_full_marks_in_the_kit(kit_runs, name):
    """The kit's pinned environment is enough to earn every point (the solution notebook, graded there)."""
    total, possible = kit_runs[name]["solution"]
    qs = cl.questions(json.loads((cl.ASSIGNMENTS / f"{name}.ipynb").read_text()))
    # the gradebook's possible counts the hand-graded question too; with no manual mark entered yet, the
    # reference solution earns every autograded point
    assert total == sum(q["points"] for q in qs if not q["manual"])
    assert possible == sum(q["points"] for q in qs)


# ------------------------------------------------------------------------------------------ in JupyterLab (slow, browser)

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _student_runs_all_and_saves(browser, base: str, notebook: str) -> list[str]:
    """As a student in JupyterLab at ``base``: open ``notebook``, wait for the kernel, Kernel -> Restart Kernel and Run
    All Cells..., wait until every code cell has run, File -> Save Notebook. Returns the requests to other hosts
    (blocked)."""
    from conftest import OTHER_HOST

    external: list[str] = []
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.route(OTHER_HOST, lambda r: (external.append(r.request.url), r.abort()))
        page.goto(f"{base}/lab/tree/{notebook}", wait_until="load")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90000)
        page.wait_for_function("/Idle/.test(document.querySelector('.jp-StatusBar-Widget') ? "
                               "document.body.innerText : '')", timeout=90000)
        page.click("div.lm-MenuBar-itemLabel:text-is('Kernel')")
        page.click("li.lm-Menu-item:has-text('Restart Kernel and Run All Cells')")
        page.click(".jp-Dialog button.jp-mod-accept")
        page.wait_for_function("""() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""", timeout=300000)
        page.click("div.lm-MenuBar-itemLabel:text-is('File')")
        page.click("li.lm-Menu-item:has-text('Save Notebook')")
        page.wait_for_function("!document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=30000)
    finally:
        ctx.close()
    return external


@pytest.mark.slow
@pytest.mark.browser
def test_student_runs_the_notebook_in_the_kits_jupyterlab(student, built, browser, tmp_path):
    """JupyterLab from the kit venv, driven in chromium with every non-localhost request blocked: the student opens
    the notebook, uses Kernel -> Restart Kernel and Run All Cells..., then File -> Save Notebook (the README's
    menu names). The saved notebook passes the blank-run checks of the other kits (this is the first kit's blank run):
    every cell ran in the kit venv's kernel, the public checks ran and passed none, and graded it scores 0."""
    import time
    import urllib.request

    name = NAMES[0]
    folder = student["kits"][name]
    nb = json.loads((folder / f"{name}.ipynb").read_text())
    nb["cells"].insert(1, _probe_cell("probe-lab"))
    (folder / "lab-run.ipynb").write_text(json.dumps(nb))
    env = dict(student["env"])
    jup = tmp_path / "jupyter"   # no settings, workspaces or kernels from the user's home
    env.update(JUPYTER_CONFIG_DIR=str(jup / "config"), JUPYTER_DATA_DIR=str(jup / "data"),
               JUPYTER_RUNTIME_DIR=str(jup / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(jup / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(jup / "workspaces"))
    port = _free_port()
    cmd = [str(student["bin"] / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--IdentityProvider.token=", "--ServerApp.password="]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")
    lab = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(base + "/api/status", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        external = _student_runs_all_and_saves(browser, base, "lab-run.ipynb")
    finally:
        lab.terminate()
        lab.wait(30)
        log.close()
    assert external == [], external
    saved = json.loads((folder / "lab-run.ipynb").read_text())
    score = _otter_totals(student, [(name, folder / "lab-run.ipynb", built[name]["autograder"])], tmp_path)[0]
    # the same checks as for the other kits' blank notebooks run with nbconvert (test_blank_notebook_runs_in_the_kit...)
    _assert_blank_run_in_the_kit(student, name, saved, score)
