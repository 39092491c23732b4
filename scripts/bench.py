"""`make bench`: the book's speed and weight figures, with the Jupyter Book template measured alongside.

Prints: cold build and no-change rebuild times (for this book and for `jupyter-book create`'s template,
both built here in temporary copies), each notebook's execution time, the bytes each page loads by kind
(HTML, JS, CSS, data/JSON, fonts, other) with the ratio to the template's intro page, the time until all
charts on a page are painted, and the time to validate and load the whole data package.
Figures are wall-clock on a shared machine: compare ratios measured in the same run.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from conftest import CHROMIUM, CHROMIUM_ARGS, site_pages  # noqa: E402


def sh(cmd, cwd) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return time.perf_counter() - t


def copy_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for f in files:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)
    return dest


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


KINDS = {".html": "html", ".js": "js", ".css": "css", ".json": "data", ".csv": "data",
         ".woff": "font", ".woff2": "font", ".ttf": "font"}


# Put in every page before its own scripts: the page's clock (milliseconds since navigation started) when the last of
# its charts has its SVG, and at the next animation frame, when the browser paints it.
PAINT_PROBE = """
(() => {
  const charts = () => document.querySelectorAll("[id^='altair-viz-']").length;
  const drawn = () => document.querySelectorAll("[id^='altair-viz-'] svg.marks").length;
  const check = () => {
    if (window.__drawn != null || document.readyState === "loading" || !charts() || drawn() < charts()) return;
    window.__drawn = performance.now();
    requestAnimationFrame(() => { window.__painted = performance.now(); });
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", check);
})();
"""


def weigh(browser, url: str) -> dict:
    """The bytes ``url`` loads, by kind, and any request to another host (blocked)."""
    ctx = browser.new_context()
    page = ctx.new_page()
    sizes: dict[str, int] = {}
    external = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", None):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    def on_response(resp):
        try:
            n = len(resp.body())
        except Exception:
            return
        kind = KINDS.get(Path(urlparse(resp.url).path).suffix, "other")
        sizes[kind] = sizes.get(kind, 0) + n

    page.route("**/*", route)
    page.on("response", on_response)
    page.goto(url, wait_until="load")
    n = page.locator("[id^='altair-viz-']").count()
    page.wait_for_load_state("networkidle")
    ctx.close()
    return {"sizes": sizes, "total": sum(sizes.values()), "charts": n, "external": external}


def compare_paint(browser, pairs: list[tuple[str, str, str]], runs: int = 7) -> None:
    """Paint times of pages of this build against another build (``--against DIR``), loads interleaved in one run so
    the machine's load falls on both alike: ``pairs`` holds (label, this build's URL, the other build's URL or "")."""
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(runs):
        for label, *urls in pairs:
            for k, url in enumerate(urls):
                if url:
                    times.setdefault((label, k), []).extend(paint_times(browser, url, runs=1))
    print(f"against    paint times, this build vs --against, {runs} interleaved loads each (median; slowest):")
    for label, *_ in pairs:
        new, old = (sorted(times.get((label, k), [])) for k in (0, 1))
        med = lambda v: v[len(v) // 2]  # noqa: E731
        this = f"{med(new):.2f} s ({new[-1]:.2f})" if new else "-"
        other = f"   against {med(old):.2f} s ({old[-1]:.2f})" if old else ""
        ratio = f"   ratio {med(new) / med(old):.2f}" if new and old else ""
        print(f"           {label:46} {this}{other}{ratio}")


def paint_times(browser, url: str, runs: int = 3) -> list[float]:
    """Seconds from navigation until every chart on ``url`` is painted, by the page's own clock, one fresh load each.

    Measured apart from ``weigh``: fetching every response body through Playwright while the page loads slows the
    page down (pages without a chart took 0.5-0.6 s to load with it)."""
    out = []
    for _ in range(runs):
        ctx = browser.new_context()
        ctx.add_init_script(PAINT_PROBE)
        page = ctx.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_function("() => window.__painted != null", timeout=20000)
        out.append(page.evaluate("() => window.__painted") / 1000)
        ctx.close()
    return out


def bench_pages(html: Path, tmp: Path, against: Path | None = None) -> None:
    """Bytes each page of ``html`` loads and when its charts are painted, against the template's intro page; with
    ``against`` (another build's html folder), the chart pages' paint times of both builds, interleaved."""
    from playwright.sync_api import sync_playwright

    jb = str(BIN / "jupyter-book")
    sh([jb, "create", str(tmp / "template")], tmp)
    # the template's notebook page needs matplotlib, which the book does not install: build its intro only
    (tmp / "template" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: markdown\n")
    sh([jb, "build", "."], tmp / "template")
    book_httpd, book_url = serve(html)
    tpl_httpd, tpl_url = serve(tmp / "template" / "_build" / "html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        base = weigh(browser, f"{tpl_url}/intro.html")
        print(f"pages      bytes loaded (raw, uncompressed); template intro.html = {base['total']:,} B"
              f" (it tried {len(base['external'])} external request(s), blocked); goals: chapter pages <= x0.80,"
              f" every chart painted <= 1.0 s after navigation (the page's clock, a load of its own)")
        for rel in site_pages(html):
            w = weigh(browser, f"{book_url}/{rel}")
            parts = " ".join(f"{k}={v:,}" for k, v in sorted(w["sizes"].items()))
            paint = ""
            if w["charts"]:
                times = sorted(paint_times(browser, f"{book_url}/{rel}"))
                paint = (f"  charts={w['charts']} all painted {times[len(times) // 2]:.2f} s after navigation"
                         f" (median of {len(times)} loads; slowest {times[-1]:.2f} s)")
            print(f"           {rel:34} {w['total']:>10,} B  x{w['total'] / base['total']:.2f} template{paint}  [{parts}]")
        if against is not None:
            other_httpd, other_url = serve(against)
            pairs = [(rel, f"{book_url}/{rel}", f"{other_url}/{rel}" if (against / rel).is_file() else "")
                     for rel in site_pages(html) if "altair-viz-" in (html / rel).read_text(encoding="utf-8")]
            pairs += [(f"{rel} (only --against)", "", f"{other_url}/{rel}") for rel in site_pages(against)
                      if not (html / rel).is_file() and "altair-viz-" in (against / rel).read_text(encoding="utf-8")]
            compare_paint(browser, pairs)
            other_httpd.shutdown()
        browser.close()
    book_httpd.shutdown()
    tpl_httpd.shutdown()


def bench_tests() -> None:
    """Wall time of `make check` with every notebook (its slowest case) and of the whole suite as `make test` runs it
    (after `make book`: the site and the assignments are built)."""
    check = [sys.executable, "scripts/check.py", "--all"]
    t = time.perf_counter()
    proc = subprocess.run(check, cwd=ROOT, capture_output=True, text=True)
    t_check = time.perf_counter() - t
    print(f"tests      make check, every notebook (CHECK=--all): {t_check:.0f} s"
          f" ({'green' if proc.returncode == 0 else 'FAILED'}; goal <= 60 s)")
    suite = ["make", "--no-print-directory", "test"]   # the README's test command itself, not a copy of it
    t = time.perf_counter()
    proc = subprocess.run(suite, cwd=ROOT, capture_output=True, text=True)
    t_suite = time.perf_counter() - t
    lines = proc.stdout.splitlines()
    start = next((i for i, ln in enumerate(lines) if "time per test group" in ln), len(lines))
    end = next((i for i in range(len(lines) - 1, -1, -1) if re.search(r"\d+ (passed|failed)", lines[i])), len(lines))
    summary = lines[end].strip("= ") if end < len(lines) else "no pytest summary"
    print(f"           the whole suite, make test: {t_suite:.0f} s ({summary}; goal <= 300 s)")
    for ln in lines[start:end]:
        print("           " + ln)
    if proc.returncode != 0:
        print("           (the suite is not green: see the FAILED lines above)")


def main() -> None:
    import bench_grading

    if "--only-grading" in sys.argv:
        return bench_grading.main()
    if "--only-tests" in sys.argv:
        return bench_tests()
    if "--only-pages" in sys.argv:   # the site as built by `make book`
        if not (ROOT / "_build" / "html" / "intro.html").is_file():
            raise SystemExit("bench --only-pages weighs _build/html: run `make book` first")
        against = None
        if "--against" in sys.argv:   # another build's html folder, e.g. of an earlier commit
            against = Path(sys.argv[sys.argv.index("--against") + 1]).resolve()
            if not (against / "intro.html").is_file():
                raise SystemExit(f"bench --against {against}: not a built site (no intro.html)")
        with tempfile.TemporaryDirectory() as tmp:
            return bench_pages(ROOT / "_build" / "html", Path(tmp), against)
    jb = str(BIN / "jupyter-book")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = copy_repo(tmp / "book")
        cold = sh([jb, "build", ".", "-W", "-n", "--keep-going"], book)
        warm = sh([jb, "build", ".", "-W", "-n", "--keep-going"], book)
        twin = copy_repo(tmp / "twin")
        sh([jb, "build", ".", "-W", "-n", "--keep-going"], twin)
        a_html, b_html = book / "_build" / "html", twin / "_build" / "html"
        pages = sorted(p.relative_to(a_html) for p in a_html.rglob("*.html"))
        differ = [str(p) for p in pages if not (b_html / p).is_file() or (a_html / p).read_bytes() != (b_html / p).read_bytes()]
        print(f"reproducible: two cold builds of this commit give {len(pages) - len(differ)} of {len(pages)} HTML pages "
              f"byte-identical" + (f"; differing: {', '.join(differ[:8])}" if differ else " (no build-time stamps)"))
        sh([jb, "create", str(tmp / "template0")], tmp)
        (tmp / "template0" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: markdown\n")
        t_cold = sh([jb, "build", "."], tmp / "template0")
        t_warm = sh([jb, "build", "."], tmp / "template0")
        print(f"build      cold {cold:6.1f} s   no-change rebuild {warm:5.1f} s"
              f"   | template cold {t_cold:5.1f} s, rebuild {t_warm:5.1f} s"
              f"   (goals: cold <= 60 s, rebuild <= 5 s)")

        print("notebooks  execution time (fresh kernel each):")
        sys.path.insert(0, str(ROOT / "scripts"))
        import nbformat
        from execute_notebooks import toc_notebooks
        from nbclient import NotebookClient

        for nb_path in toc_notebooks():
            nb = nbformat.read(nb_path, as_version=4)
            t = time.perf_counter()
            NotebookClient(nb, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(nb_path.parent)}}).execute()
            print(f"           {nb_path.relative_to(ROOT)!s:40} {time.perf_counter() - t:5.1f} s")

        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from standoff import data\nfor n in data.table_names(): data.load(n)"],
                       cwd=ROOT, check=True)
        total_load = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas"], check=True)
        pandas_only = time.perf_counter() - t
        print(f"data       validate + load every table: {total_load - pandas_only:.2f} s beyond importing pandas "
              f"({total_load:.2f} s in a fresh process; goal <= 1 s)")

        bench_pages(book / "_build" / "html", tmp)
    bench_grading.main()
    bench_tests()


if __name__ == "__main__":
    main()
