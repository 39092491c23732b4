"""Shared fixtures, test groups and the suite's time profile.

Fixtures: the strict build of the book, the assignments (otter assign) and the student kit's venv are made
ONCE per test run, also when pytest-xdist runs the suite in several worker processes (`make test` does): the
first worker that needs one makes it under a file lock and the others load it (`shared`). Each worker has its
own local server and its own chromium (a Playwright browser cannot cross processes).

Groups: every test belongs to one group (data, package, notebooks, build, site browser, JupyterLab browser,
classroom), named by `group_of`. After every run the suite prints each group's time and the 15 slowest tests
(`make test-profile` runs the groups one after another, so each group's time is its own).
"""

from __future__ import annotations

import collections
import fcntl
import functools
import http.server
import os
import pickle
import re
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
JB = [str(Path(sys.executable).parent / "jupyter-book"), "build"]


def run_build(src: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run the book's strict build command on ``src``; returns the completed process (stdout+stderr)."""
    return subprocess.run([*JB, str(src), "-W", "-n", "--keep-going", *extra],
                          cwd=src, capture_output=True, text=True, timeout=1500)


def shared(tmp_path_factory, worker_id: str, name: str, make):
    """``make(folder)`` once per test run: under pytest-xdist the first worker makes it under a lock, the
    others wait and load the pickled result. Without xdist it is simply called."""
    if worker_id == "master":
        return make(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent          # one folder per run, common to its workers
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / f"{name}.pickle"
        if done.exists():
            return pickle.loads(done.read_bytes())
        folder = root / name
        folder.mkdir(exist_ok=True)
        result = make(folder)
        done.write_bytes(pickle.dumps(result))
        return result


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, worker_id):
    """The strict build of this repository into _build/html (incremental if already built), once per run.

    Has ``returncode``, ``stdout`` and ``stderr`` like a CompletedProcess."""
    def make(_folder):
        proc = run_build(ROOT)
        return types.SimpleNamespace(returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)
    return shared(tmp_path_factory, worker_id, "site", make)


@pytest.fixture(scope="session")
def site(built_book) -> Path:
    if built_book.returncode != 0:
        pytest.fail("the book did not build:\n" + built_book.stdout[-4000:] + built_book.stderr[-4000:])
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def site_pages(site: Path) -> list[str]:
    """Every content page of the built book (relative paths), from the toc."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [f + ".html" for f in files]


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# A request to any host but this machine's 127.0.0.1 (for page.route: the browser tests block and count these)
OTHER_HOST = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])(?!data:|blob:|about:)")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def built(tmp_path_factory, worker_id):
    """Every assignment built once per run (execute master + otter assign + student kit) into a temporary folder,
    or copied from ``_build/assignments/`` when ``make book`` built it from the same inputs (classroom.reuse).

    The student notebooks and kits are also copied to a temporary site folder, ``<root>/html/assignments/``,
    as ``make assignments`` copies them to ``_build/html/assignments/``.
    """
    from standoff import classroom as cl

    def make(root):   # make book's build is copied when it was built from the current inputs
        return {name: cl.reuse(name, out=root / name, html=root / "html")
                or cl.build(name, out=root / name, html=root / "html", run_tests=False) for name in cl.NAMES}
    return shared(tmp_path_factory, worker_id, "assignments", make)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the session (Playwright's sync API allows one instance at a time)."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """pytest-xdist's worker name ("gw0", ...), or "master" when the suite runs in one process."""
    worker = getattr(request.config, "workerinput", None)
    return worker["workerid"] if worker else "master"


# ------------------------------------------------------------------------------------------------ test groups

GROUPS = {   # test file -> group; a test file missing here stops the collection (so the profile stays whole)
    "test_data.py": "data", "test_citation.py": "data",
    "test_calculator.py": "package", "test_channels.py": "package", "test_games.py": "package",
    "test_history.py": "package", "test_leverage.py": "package", "test_tariffs.py": "package",
    "test_glossary.py": "package", "test_chart_data.py": "package", "test_check.py": "package",
    "test_notebooks.py": "notebooks",
    "test_build.py": "build", "test_reader_pages.py": "build",
    "test_browser.py": "site browser", "test_text_marks.py": "site browser",
    "test_lab.py": "JupyterLab browser",
    "test_classroom.py": "classroom", "test_kit.py": "classroom",
}
ORDER = ["data", "package", "notebooks", "build", "site browser", "JupyterLab browser", "classroom"]
# Under xdist (`--dist loadfile --no-loadscope-reorder`) each test file (and each notebook) is one unit of work, run
# by one worker in order, so a file's module and session fixtures, a notebook's kernel and the JupyterLab server
# stay in one process. The files that take longest go first, so that the two workers finish together.
FIRST = ["test_browser.py", "test_kit.py", "test_lab.py", "test_classroom.py"]


def group_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "notebooks"
    name = Path(path).name
    if name not in GROUPS:
        raise pytest.UsageError(f"{path}: add this test file to GROUPS in tests/conftest.py (its test group)")
    return GROUPS[name]


def pytest_collection_modifyitems(config, items):
    for item in items:
        group_of(item.nodeid)   # every test file has a group

    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        name = Path(path).name
        if name in FIRST:
            return FIRST.index(name)
        return len(FIRST) + (0 if path.endswith(".ipynb") else 1)   # notebooks (3-8 s each) before the quick files
    items[:] = [it for _, _, it in sorted((rank(it), n, it) for n, it in enumerate(items))]


_TIMES: dict[str, float] = collections.defaultdict(float)
_START = time.perf_counter()


class _Timer:
    """Adds up each test's time. A plugin, not a conftest hook: a conftest's runtest hooks see only the items under
    its folder, so in one process (`make test-profile`) the notebooks outside tests/ went uncounted."""

    def pytest_runtest_logreport(self, report):
        _TIMES[report.nodeid] += report.duration


def pytest_configure(config):
    config.pluginmanager.register(_Timer(), "standoff-test-times")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _TIMES or hasattr(config, "workerinput"):
        return
    groups = collections.defaultdict(lambda: [0.0, 0])
    for nodeid, t in _TIMES.items():
        g = groups[group_of(nodeid)]
        g[0] += t
        g[1] += 1
    tr = terminalreporter
    workers = getattr(config.option, "numprocesses", None)
    tr.section("time per test group (setup + call + teardown)")
    for name in ORDER:
        if name in groups:
            t, n = groups[name]
            tr.write_line(f"{t:8.1f} s  {n:4d} tests  {name}")
    total = sum(t for t, _ in groups.values())
    tr.write_line(f"{total:8.1f} s  sum of all tests; wall clock {time.perf_counter() - _START:.1f} s"
                  + (f" with {workers} workers in parallel" if workers else " in one process"))
    tr.section("15 slowest tests")
    for nodeid, t in sorted(_TIMES.items(), key=lambda kv: -kv[1])[:15]:
        tr.write_line(f"{t:8.1f} s  [{group_of(nodeid)}] {nodeid}")
