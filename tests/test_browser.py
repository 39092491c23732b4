"""Browser tests over the built site, served on 127.0.0.1 and opened in Debian's chromium.

Every page: no request to any other host, no failed request, no console error, every Altair chart
drawn as SVG, every Vega control changes its chart, 0 serious/critical axe violations, no sideways
scrolling at 375 px, and chart text readable (>= 4.5:1) in dark mode.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from conftest import HTML, site_pages
from test_text_marks import TEXT_ON_MARKS

playwright_sync = pytest.importorskip("playwright.sync_api")

PAGES = site_pages(HTML) if (HTML.parent.parent / "_toc.yml").exists() else []
# Console messages we allow, and why. Everything else at level "error" fails the test.
ALLOWED_CONSOLE = [
    # none: the duplicate THEBE_JS_URL declaration is removed by standoff.sphinxext
]


def _open(browser, url: str, **context_kw):
    ctx = browser.new_context(**context_kw)
    page = ctx.new_page()
    log = {"external": [], "failed": [], "console": [], "errors": [], "requests": []}

    def route(r):
        log["requests"].append(r.request.url)
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", None):
            r.continue_()
        else:
            log["external"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda req: log["failed"].append(f"{req.url} {req.failure}"))
    page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.goto(url, wait_until="load")
    _wait_for_charts(page)
    return ctx, page, log


def _wait_for_charts(page) -> None:
    n = page.locator("[id^='altair-viz-']").count()
    if n:
        page.wait_for_function(
            "n => document.querySelectorAll(\"[id^='altair-viz-'] svg.marks, [id^='altair-viz-'] canvas.marks\").length >= n",
            arg=n, timeout=15000)
    page.wait_for_timeout(200)


CHART_PAGES = [p for p in PAGES if p.startswith("chapters/") or p == "intro.html"]
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@pytest.fixture(scope="module")
def visits(browser, server):
    """Every page opened ONCE at desktop width; every desktop check runs on that one load, in this order: first the
    read-only ones (requests and console, charts drawn, axe, text alternatives, chart text contrast in light then
    dark mode), then those that change the page (every Vega control, each set back after; the keyboard; and, for
    chapters, printing). The tests below assert on what was recorded. The phone checks open their own pages."""
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright")
    out = {}
    for rel in PAGES:
        ctx, page, live = _open(browser, f"{server}/{rel}")
        # what the page itself requested and logged up to now; axe's own stylesheet fetches come after (it asks for
        # /basic.css, a path no page uses) and are not the page's
        log = {k: list(v) for k, v in live.items()}
        try:
            log["charts"] = page.locator("[id^='altair-viz-']").count()
            log["drawn"] = page.locator("[id^='altair-viz-'] svg.marks, [id^='altair-viz-'] canvas.marks").count()
            log["vega_errors"] = page.locator(".vega-embed .error, [id^='altair-viz-'] .error").count()
            log["html"] = (HTML / rel).read_text()
            # search boxes a reader sees (the sidebar's; the theme's header bar added a second one above it)
            log["search_boxes"] = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.search-button-field, form.bd-search')).filter(e => !e.closest('dialog') && e.getClientRects().length
                && getComputedStyle(e).visibility !== 'hidden').length""")
            result = axe_mod.Axe().run(page)
            log["axe"] = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]
                          if v["impact"] in ("serious", "critical")]
            if rel in CHART_PAGES:
                log["text_fit"] = page.evaluate(TEXT_FIT)
                log["text_marks"] = page.evaluate(TEXT_ON_MARKS)
                log["labels"] = page.evaluate("""() => Array.from(document.querySelectorAll("[id^='altair-viz-'] svg.marks"))
                    .map(s => s.getAttribute('aria-label') || '')""")
                log["tables"] = page.locator("details.standoff-data table").count()
                theme = page.evaluate("() => [document.documentElement.dataset.theme, document.documentElement.dataset.mode]")
                for mode in ("light", "dark"):
                    page.evaluate("m => { document.documentElement.dataset.theme = m; document.documentElement.dataset.mode = m; }", mode)
                    page.wait_for_timeout(200)
                    log[f"contrast {mode}"] = page.evaluate(CONTRAST)
                page.evaluate("([t, m]) => { document.documentElement.dataset.theme = t; document.documentElement.dataset.mode = m; }", theme)
            # then the checks that change the page: every Vega control (each set back after), the keyboard, printing
            text: list[str] = []
            log["controls"] = _control_failures(page, rel, text)
            log["text after controls"] = text
            log["keyboard"] = _keyboard_failures(page, rel)
            if rel in CHAPTERS:
                log["print"] = _print_check(page)
        finally:
            ctx.close()
        out[rel] = log
    return out


@pytest.mark.parametrize("rel", PAGES)
def test_page_is_offline_clean(visits, rel):
    v = visits[rel]
    assert v["external"] == [], f"{rel} requested other hosts: {v['external']}"
    assert v["failed"] == [], f"{rel} failed requests: {v['failed']}"
    console = [c for c in v["console"] if not any(a in c for a in ALLOWED_CONSOLE)]
    assert console == [], f"{rel} console errors: {console}"
    assert v["errors"] == [], f"{rel} page errors: {v['errors']}"


@pytest.mark.parametrize("rel", PAGES)
def test_every_chart_renders(visits, rel):
    v = visits[rel]
    assert v["charts"] == v["html"].count('<div id="altair-viz-'), rel
    assert v["drawn"] == v["charts"], f"{rel}: {v['drawn']} of {v['charts']} charts drawn"
    assert v["vega_errors"] == 0


def test_chapters_have_charts(visits):
    for rel, v in visits.items():
        if rel.startswith("chapters/"):
            assert v["charts"] >= 1, f"{rel} has no chart"


def test_vega_is_loaded_only_where_charts_are(visits):
    for rel, v in visits.items():
        has_vega = "vendor/vega-offline.js" in v["html"]
        assert has_vega == (v["charts"] > 0), rel
        # the site's charts were compiled to Vega when the book was built: no page loads or runs Vega-Lite
        assert v["html"].count('data-standoff-chart="vega"') == v["charts"], rel
        assert 'data-standoff-chart="vega-lite"' not in v["html"], rel
        assert v["requests"] and not any("vega-lite" in r for r in v["requests"]), f"{rel} loaded Vega-Lite"
        assert "html-manager/embed.js" not in v["html"] or "widget-view+json" in v["html"], rel


CHANGE_CONTROL = """
async (el) => {
  const fire = (t) => { t.dispatchEvent(new Event('input', {bubbles: true})); t.dispatchEvent(new Event('change', {bubbles: true})); };
  if (el.type === 'radio') { el.click(); return el.value; }
  if (el.type === 'checkbox') { el.click(); return String(el.checked); }
  if (el.tagName === 'SELECT') { el.selectedIndex = (el.selectedIndex + 1) % el.options.length; fire(el); return el.value; }
  if (el.type === 'range') {
    const min = +el.min, max = +el.max, v = +el.value;
    el.value = (v - min) > (max - min) / 2 ? min : max; fire(el); return el.value; }
  el.value = 'x'; fire(el); return el.value;
}
"""
# The state a control's chart was in before the control changed: for a radio, the radio that was checked.
CONTROL_STATE = """
(el) => el.type === 'radio' ? Array.from(el.closest('.vega-bind').querySelectorAll('input[type=radio]')).findIndex(r => r.checked)
      : el.type === 'checkbox' ? el.checked : el.tagName === 'SELECT' ? el.selectedIndex : el.value
"""
# Set a control back to that state, as a reader would: click the radio or box, pick the option, move the slider.
RESTORE_CONTROL = """
([el, state]) => {
  const fire = (t) => { t.dispatchEvent(new Event('input', {bubbles: true})); t.dispatchEvent(new Event('change', {bubbles: true})); };
  if (el.type === 'radio') { el.closest('.vega-bind').querySelectorAll('input[type=radio]')[state].click(); return; }
  if (el.type === 'checkbox') { if (el.checked !== state) el.click(); return; }
  if (el.tagName === 'SELECT') { el.selectedIndex = state; fire(el); return; }
  el.value = state; fire(el);
}
"""


def _controls(page):
    """(chart index, control handle, description) for every Vega binding that can change state."""
    found = []
    embeds = page.locator("[id^='altair-viz-']")
    for i in range(embeds.count()):
        inputs = embeds.nth(i).locator(".vega-bindings input, .vega-bindings select")
        for j in range(inputs.count()):
            el = inputs.nth(j)
            if el.get_attribute("type") == "radio" and el.is_checked():
                continue  # clicking the checked radio changes nothing; the others are tested
            found.append((i, el, f"chart {i} control {j} ({el.get_attribute('name') or el.get_attribute('type')})"))
    return found


def _keyboard_failures(page, rel) -> list[str]:
    """Each chart's first control: it has a visible label, takes focus, and an arrow key changes the chart."""
    bad = []
    embeds = page.locator("[id^='altair-viz-']")
    for i in range(embeds.count()):
        controls = embeds.nth(i).locator(".vega-bindings input, .vega-bindings select")
        if controls.count() == 0:
            continue
        el = controls.first
        if el.get_attribute("type") == "radio":  # arrow keys move from the checked radio to the next
            el = embeds.nth(i).locator(".vega-bindings input[type=radio]:checked").first
        label = el.evaluate("e => (e.closest('.vega-bind')?.querySelector('.vega-bind-name')?.textContent || '').trim()")
        if not label:
            bad.append(f"{rel}: chart {i} has a control without a label")
        svg = embeds.nth(i).locator("svg.marks")
        before = svg.inner_html()
        el.focus()
        if not el.evaluate("e => document.activeElement === e"):
            bad.append(f"{rel}: chart {i} control cannot take focus")
            continue
        kind = el.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "range":
            is_max = el.evaluate("e => +e.value >= +e.max")
            page.keyboard.press("ArrowLeft" if is_max else "ArrowRight")
        else:
            page.keyboard.press({"select": "ArrowDown", "checkbox": "Space"}.get(kind, "ArrowRight"))
        page.wait_for_timeout(250)
        if svg.inner_html() == before:
            bad.append(f"{rel}: chart {i}'s {kind} control did not respond to the keyboard")
    return bad


def _svg_parts(svg: str) -> list[str]:
    """An SVG's elements, sorted: the same chart drawn again may list equal axis ticks in another order."""
    return sorted(svg.replace("><", ">\n<").splitlines())


def _control_failures(page, rel, text: list[str]) -> list[str]:
    """Every Vega control, one at a time: changing it changes its chart, and setting it back brings the chart back
    exactly as it was (so each control starts from the page's first state, as after a reload, and a reader can undo
    what they did). Appends to ``text`` what TEXT_FIT and TEXT_ON_MARKS find in the state each control leaves."""
    bad = []
    embeds = page.locator("[id^='altair-viz-']")
    for i, el, what in _controls(page):
        svg = embeds.nth(i).locator("svg.marks")
        before = svg.inner_html()
        el.scroll_into_view_if_needed()
        state = el.evaluate(CONTROL_STATE)
        el.evaluate(CHANGE_CONTROL)
        page.wait_for_timeout(250)
        if svg.inner_html() == before:
            bad.append(f"{rel}: {what} did not change the chart")
        # the chart as the control left it: its text still inside it, clear of other text and of the data's marks
        text.extend(f"after {what}: {p}" for p in page.evaluate(TEXT_FIT) + page.evaluate(TEXT_ON_MARKS))
        page.evaluate(RESTORE_CONTROL, [el.element_handle(), state])
        page.wait_for_timeout(250)
        if _svg_parts(svg.inner_html()) != _svg_parts(before):
            bad.append(f"{rel}: {what} set back did not bring the chart back to its first state")
    return bad


@pytest.mark.parametrize("rel", PAGES)
def test_every_vega_control_changes_its_chart(visits, rel):
    bad = visits[rel]["controls"]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rel", CHART_PAGES)
def test_chart_text_fits_after_each_control_on_desktop(visits, rel):
    """The text checks of the first state (TEXT_FIT, TEXT_ON_MARKS) in the state each control leaves its chart in."""
    problems = visits[rel]["text after controls"]
    assert problems == [], f"{rel} at 1280 px:\n" + "\n".join(problems)


def test_one_search_box_per_page_at_desktop_width(visits):
    extra = {rel: v["search_boxes"] for rel, v in visits.items() if v["search_boxes"] != 1}
    assert extra == {}, f"pages with other than one visible search box (the sidebar's): {extra}"


@pytest.mark.parametrize("rel", PAGES)
def test_no_serious_accessibility_violations(visits, rel):
    assert visits[rel]["axe"] == [], f"{rel}: {visits[rel]['axe']}"


# Every visible text of every chart (labels, titles, legends, annotations): the ones that run past the chart's edge
# (Vega clips them) and the pairs that overlap by more than 2 px each way (neither can be read).
TEXT_FIT = """
() => Array.from(document.querySelectorAll("[id^='altair-viz-'] svg.marks")).map((svg, i) => {
  const box = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll("text"))
    .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== "0" && getComputedStyle(t).visibility !== "hidden")
    .map(t => { const r = t.getBoundingClientRect(); return {t: t.textContent.slice(0, 40), l: r.left, r: r.right, top: r.top, b: r.bottom}; })
    .filter(r => r.r > r.l);
  const out = texts.filter(r => r.l < box.left - 1 || r.r > box.right + 1).map(r => `chart ${i + 1}: "${r.t}" runs past the chart's edge`);
  for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++) {
    const A = texts[a], B = texts[b];
    if (Math.min(A.r, B.r) - Math.max(A.l, B.l) > 2 && Math.min(A.b, B.b) - Math.max(A.top, B.top) > 2)
      out.push(`chart ${i + 1}: "${A.t}" overlaps "${B.t}"`);
  }
  return out;
}).flat()
"""


@pytest.mark.parametrize("rel", CHART_PAGES)
def test_chart_text_fits_and_does_not_overlap_on_desktop(visits, rel):
    problems = visits[rel]["text_fit"]
    assert problems == [], f"{rel} at 1280 px:\n" + "\n".join(problems)


@pytest.mark.parametrize("rel", CHART_PAGES)
def test_chart_text_does_not_cross_data_marks_on_desktop(visits, rel):
    problems = visits[rel]["text_marks"]
    assert problems == [], f"{rel} at 1280 px:\n" + "\n".join(problems)


@pytest.mark.parametrize("rel", PAGES)
def test_phone_width_has_no_sideways_scroll(browser, server, rel):
    """At a phone's width (375 px): no sideways scroll, every chart inside the screen, and every chart's text inside
    its chart, clear of other text and of the data's lines, rules and symbols (test_text_marks.TEXT_ON_MARKS)."""
    ctx, page, _ = _open(browser, f"{server}/{rel}", viewport={"width": 375, "height": 800})
    try:
        page.wait_for_timeout(300)
        sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sw <= cw + 1, f"{rel}: page is {sw}px wide in a {cw}px viewport"
        widths = page.evaluate("""Array.from(document.querySelectorAll("[id^='altair-viz-'] svg.marks"))
            .map(s => [s.getBoundingClientRect().right, document.documentElement.clientWidth])""")
        for right, width in widths:
            assert right <= width + 1, f"{rel}: a chart ends at {right}px in a {width}px viewport"
        problems = page.evaluate(TEXT_FIT) + page.evaluate(TEXT_ON_MARKS)
        assert problems == [], f"{rel} at 375 px:\n" + "\n".join(problems)
    finally:
        ctx.close()


CONTRAST = """
() => {
  const lum = (c) => { const m = c.match(/\\d+(\\.\\d+)?/g).map(Number);
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
  const bgOf = (el) => { while (el) { const c = getComputedStyle(el).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; el = el.parentElement; }
    return 'rgb(255, 255, 255)'; };
  const out = [];
  document.querySelectorAll("[id^='altair-viz-'] svg.marks text").forEach(t => {
    if (!t.textContent.trim()) return;
    const fill = getComputedStyle(t).fill; if (!fill.startsWith('rgb')) return;
    const L1 = lum(fill), L2 = lum(bgOf(t.closest('svg')));
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    out.push([t.textContent.slice(0, 30), fill, ratio]);
  });
  return out;
}
"""


@pytest.mark.parametrize("rel", CHART_PAGES)
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_chart_text_contrast(visits, rel, mode):
    texts = visits[rel][f"contrast {mode}"]
    low = [t for t in texts if t[2] < 4.5]
    assert texts, f"{rel}: no chart text found"
    assert low == [], f"{rel} ({mode}): low-contrast chart text {low[:5]}"


def _print_check(page) -> dict:
    """Printing a page: is the navigation hidden, and which chart texts are missing from the PDF's text."""
    import io
    import unicodedata

    pypdf = pytest.importorskip("pypdf")
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    hidden = page.evaluate("""() => ['.bd-sidebar-primary', '.bd-header-article', '.prev-next-area']
        .map(s => document.querySelector(s)).filter(Boolean).every(e => getComputedStyle(e).display === 'none')""")
    # one distinctive text per chart: its longest axis or legend title
    titles = page.evaluate("""() => Array.from(document.querySelectorAll("[id^='altair-viz-'] svg.marks"))
        .map(svg => Array.from(svg.querySelectorAll('text')).map(t => t.textContent.trim())
             .filter(t => t.length > 6).sort((a, b) => b.length - a.length)[0]).filter(Boolean)""")
    pdf = page.pdf(format="A4", print_background=False)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    # compare letters and digits only: PDF text has other quotes and line breaks than SVG tspans
    norm = lambda x: "".join(ch for ch in unicodedata.normalize("NFKC", x).lower() if ch.isalnum())  # noqa: E731
    flat = norm(text)
    return {"hidden": hidden, "titles": titles, "missing": [t for t in titles if norm(t) not in flat]}


@pytest.mark.parametrize("rel", CHAPTERS)
def test_print_gives_vector_charts_without_navigation(visits, rel):
    """Printing a chapter: navigation hidden, every chart's text in the PDF as text (vector, not a bitmap)."""
    p = visits[rel]["print"]
    assert p["hidden"], f"{rel}: navigation is still shown when printing"
    assert p["titles"] and not p["missing"], f"{rel}: chart text missing from the printed PDF: {p['missing'][:3]}"


@pytest.mark.parametrize("rel", PAGES)
def test_vega_controls_work_from_the_keyboard(visits, rel):
    """Each chart's first control: it has a visible label, takes focus, and an arrow key changes the chart."""
    bad = visits[rel]["keyboard"]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rel", CHART_PAGES)
def test_charts_have_text_alternatives_and_readable_numbers(visits, rel):
    """Every chart: an accessible description (Vega-Lite `description` -> aria-label), and the page offers
    its numbers as a table (a collapsed data table) for readers who cannot see the chart."""
    labels = visits[rel]["labels"]
    assert labels and all(len(x) > 20 for x in labels), f"{rel}: charts without a description: {labels}"
    assert visits[rel]["tables"] >= 1, f"{rel}: no data table for its charts"


def test_downloads_resolve(site, server):
    """The Data page's CSV and datapackage.json links, and each chapter's executed .ipynb, are served."""
    import re
    import urllib.request

    data_html = (site / "appendix" / "data.html").read_text()
    links = re.findall(r"href='(\.\./_data/[^']+)' download|href=\"(\.\./_data/[^\"]+)\" download", data_html)
    hrefs = {a or b for a, b in links}
    assert any(h.endswith("datapackage.json") for h in hrefs) and sum(h.endswith(".csv") for h in hrefs) >= 10
    for rel in PAGES:
        if rel.startswith("chapters/"):
            html = (site / rel).read_text()
            nb = re.search(r'href="(\.\./_sources/chapters/[^"]+\.ipynb)"', html)
            assert nb, f"{rel}: no .ipynb download link"
            hrefs.add(nb.group(1))
    for h in sorted(hrefs):
        url = f"{server}/{h.replace('../', '')}"
        with urllib.request.urlopen(url) as r:
            assert r.status == 200 and len(r.read()) > 100, url


def test_downloaded_notebook_is_the_stored_notebook_with_its_values(site, server):
    """The .ipynb each page's download button serves is the repository's notebook, byte for byte: it
    carries the prose's stored values (user_expressions), so it reads like the page when opened in JupyterLab."""
    import re
    import urllib.request

    from conftest import ROOT

    for rel in PAGES:
        if not (ROOT / rel).with_suffix(".ipynb").is_file():
            continue  # a page written in Markdown (the glossary) offers its .md source, not a notebook
        html = (site / rel).read_text()
        m = re.search(r'href="((?:\.\./)*_sources/[^"]+\.ipynb)"', html)
        assert m, f"{rel}: no .ipynb download link"
        url = f"{server}/{rel}".rsplit("/", 1)[0] + "/" + m.group(1)
        with urllib.request.urlopen(url) as r:
            served = r.read()
        stored = (ROOT / rel).with_suffix(".ipynb").read_bytes()
        assert served == stored, f"{rel}: the downloaded notebook differs from {rel[:-5]}.ipynb"
        nb = json.loads(served)
        if any("{eval}`" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"):
            assert any(c.get("metadata", {}).get("user_expressions") for c in nb["cells"]), \
                f"{rel}: the downloaded notebook has no stored values for its prose"


def test_search_works_and_only_the_search_page_loads_the_index(site, browser, server):
    """Search (the search page, where the header's search box leads) finds a term of the book; the other pages
    do not load Sphinx's search index (search-as-you-type is off; _templates/layout.html)."""
    for rel in PAGES:
        assert "searchindex.js" not in (site / rel).read_text(), f"{rel} loads the search index"
    ctx, page, log = _open(browser, f"{server}/search.html?q=soybeans")
    try:
        page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0", timeout=15000)
        hits = page.locator("#search-results li a").all_inner_texts()
        assert any("Leverage" in h or "leverage" in h.lower() for h in hits), hits
        assert log["external"] == [] and log["errors"] == [], log
    finally:
        ctx.close()
