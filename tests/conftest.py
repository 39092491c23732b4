"""Shared fixtures: the strict build of the book (once per session) and a local server for it."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
JB = [str(Path(sys.executable).parent / "jupyter-book"), "build"]


def run_build(src: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run the book's strict build command on ``src``; returns the completed process (stdout+stderr)."""
    return subprocess.run([*JB, str(src), "-W", "-n", "--keep-going", *extra],
                          cwd=src, capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="session")
def built_book() -> subprocess.CompletedProcess:
    """The strict build of this repository into _build/html (incremental if already built)."""
    proc = run_build(ROOT)
    return proc


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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every assignment built once (execute master + otter assign + student kit) into a temporary folder.

    The student notebooks and kits are also copied to a temporary site folder, ``<root>/html/assignments/``,
    as ``make assignments`` copies them to ``_build/html/assignments/``.
    """
    from standoff import classroom as cl

    root = tmp_path_factory.mktemp("assignments")
    return {name: cl.build(name, out=root / name, html=root / "html", run_tests=False) for name in cl.NAMES}


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the session (Playwright's sync API allows one instance at a time)."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
