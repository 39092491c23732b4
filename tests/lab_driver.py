"""Drive a running JupyterLab as a student would (run by tests/test_kit.py in its own process).

Usage: python tests/lab_driver.py BASE_URL NOTEBOOK CHROMIUM

Opens BASE_URL/lab/tree/NOTEBOOK in headless chromium with every request to a host other than
127.0.0.1/localhost blocked, waits for the kernel, uses Kernel -> Restart Kernel and Run All Cells...,
waits until every code cell has run, then File -> Save Notebook. Prints one JSON line: the blocked
requests. A separate process, because a sync Playwright session cannot start while another (the browser
tests' session fixture) is running in the same process.
"""

import json
import sys
import time
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(base: str, notebook: str, chromium: str) -> int:
    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", None):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
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
        time.sleep(1)
        browser.close()
    print(json.dumps({"external": external}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
