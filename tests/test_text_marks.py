"""Browser test over the built site: no chart text is drawn across a data line, rule or symbol.

Every chart page is opened at a phone's width (375 px) and at desktop width (1280 px), its charts in their initial
state. For every visible text of every chart (axis titles and labels, legend text, text-mark labels) the test samples
points inside the text's own box (in the text's coordinates, so rotated labels are sampled along their glyphs, the
box's top and bottom fifth left out: the space above capitals and below the baseline) and asks each data mark's SVG
element whether the point is on its stroke or in its fill (``SVGGeometryElement.isPointInStroke`` /
``isPointInFill``, the point mapped into the element's coordinates with ``getScreenCTM``). Data marks are the
elements of Vega's ``mark-line``, ``mark-rule`` and ``mark-symbol`` groups of role ``mark`` (Vega-Lite's line, rule
and point marks); gridlines, axis domains and ticks and legend symbols have other roles and are not checked.
A crossing is never allowed, not even a label on the line it names: the layout moves the label instead.
"""

from __future__ import annotations

import pytest
from conftest import HTML, site_pages

playwright_sync = pytest.importorskip("playwright.sync_api")

PAGES = site_pages(HTML) if (HTML.parent.parent / "_toc.yml").exists() else []
CHART_PAGES = [p for p in PAGES if p.startswith("chapters/") or p == "intro.html"]
WIDTHS = {"phone": 375, "desktop": 1280}

# [problem, ...] for every chart of the page: "chart "<aria-label start>": text "<text>" crosses a <mark> mark".
TEXT_ON_MARKS = """
() => {
  const STEP = 1.5, INSET = 0.2;   // px between sample points; share of the text box's height left out top and bottom
  const shown = (el, svg) => {
    for (let e = el; e && e !== svg; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || +s.opacity === 0) return false;
    }
    return true;
  };
  const paints = (paint, opacity) => paint && paint !== 'none' && !paint.startsWith('rgba(0, 0, 0, 0)') && +opacity > 0;
  // the clip rectangle of the nearest clipped group (Vega clips a view's marks to its plot area), in screen space
  const clipOf = (el, svg) => {
    for (let g = el.parentElement; g && g !== svg; g = g.parentElement) {
      const ref = g.getAttribute('clip-path');
      if (!ref) continue;
      const id = ref.match(/url\\(["']?#([^"')]+)/);
      const shape = id && svg.ownerDocument.getElementById(id[1])?.querySelector('rect, path');
      return shape ? {g, shape} : null;
    }
    return null;
  };
  const svgs = Array.from(document.querySelectorAll("[id^='altair-viz-'] svg.marks"));
  return svgs.flatMap((svg, i) => {
    const name = (svg.getAttribute('aria-label') || `chart ${i + 1}`).slice(0, 50);
    const marks = Array.from(svg.querySelectorAll(
      "g.role-mark.mark-line > path, g.role-mark.mark-rule > line, g.role-mark.mark-rule > path, g.role-mark.mark-symbol > path"))
      .filter(el => shown(el, svg))
      .map(el => {
        const s = getComputedStyle(el);
        const stroke = paints(s.stroke, s.strokeOpacity) && parseFloat(s.strokeWidth) > 0;
        const fill = el.tagName !== 'line' && paints(s.fill, s.fillOpacity);
        const r = el.getBoundingClientRect(), pad = (parseFloat(s.strokeWidth) || 0) + 1;
        return {el, stroke, fill, ctm: el.getScreenCTM().inverse(), clip: clipOf(el, svg),
                kind: el.closest('g.role-mark').classList[0].replace('mark-', ''),
                l: r.left - pad, r: r.right + pad, t: r.top - pad, b: r.bottom + pad};
      })
      .filter(m => m.stroke || m.fill);
    const inClip = (m, p) => {
      if (!m.clip) return true;
      const q = p.matrixTransform(m.clip.g.getScreenCTM().inverse());
      return m.clip.shape.isPointInFill(q);
    };
    const out = [];
    svg.querySelectorAll('text').forEach(t => {
      const label = t.textContent.trim();
      if (!label || !shown(t, svg) || +getComputedStyle(t).fillOpacity === 0) return;
      const bb = t.getBBox();
      if (bb.width <= 0 || bb.height <= 0) return;
      const ctm = t.getScreenCTM();
      const toScreen = (x, y) => { const p = svg.createSVGPoint(); p.x = x; p.y = y; return p.matrixTransform(ctm); };
      const y0 = bb.y + bb.height * INSET, y1 = bb.y + bb.height * (1 - INSET);
      const corners = [toScreen(bb.x, y0), toScreen(bb.x + bb.width, y0), toScreen(bb.x, y1), toScreen(bb.x + bb.width, y1)];
      const L = Math.min(...corners.map(c => c.x)), R = Math.max(...corners.map(c => c.x));
      const T = Math.min(...corners.map(c => c.y)), B = Math.max(...corners.map(c => c.y));
      const near = marks.filter(m => m.l < R && m.r > L && m.t < B && m.b > T);
      if (!near.length) return;
      const hit = new Set();
      for (let x = bb.x + 1; x <= bb.x + bb.width - 1; x += STEP) {
        for (let y = y0; y <= y1; y += STEP) {
          const p = toScreen(x, y);
          for (const m of near) {
            if (hit.has(m.kind)) continue;
            const q = p.matrixTransform(m.ctm);
            if (((m.stroke && m.el.isPointInStroke(q)) || (m.fill && m.el.isPointInFill(q))) && inClip(m, p)) hit.add(m.kind);
          }
        }
      }
      hit.forEach(kind => out.push(`chart "${name}": text "${label.slice(0, 40)}" crosses a ${kind} mark`));
    });
    return out;
  });
}
"""


def _wait_for_charts(page) -> None:
    n = page.locator("[id^='altair-viz-']").count()
    if n:
        page.wait_for_function(
            "n => document.querySelectorAll(\"[id^='altair-viz-'] svg.marks\").length >= n", arg=n, timeout=15000)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("rel", CHART_PAGES)
def test_chart_text_does_not_cross_data_marks(browser, server, rel, width):
    """Every chart of the page, as first drawn at this width: no text drawn over a data line, rule or symbol."""
    ctx = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = ctx.new_page()
        # the site serves everything it needs; nothing else is fetched (as in test_browser.py)
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("data:", "blob:", server))
                   else r.abort())
        page.goto(f"{server}/{rel}", wait_until="load")
        _wait_for_charts(page)
        problems = page.evaluate(TEXT_ON_MARKS)
    finally:
        ctx.close()
    assert problems == [], f"{rel} at {WIDTHS[width]} px:\n" + "\n".join(problems)
