"""Browser test over the built site: no chart text is drawn across a data line, rule or symbol.

``TEXT_ON_MARKS`` runs on every chart page at a phone's width (375 px) and at desktop width (1280 px), its charts in
their initial state, in the page loads test_browser.py already makes (``visits`` at 1280 px, the phone test at
375 px); the test here shows that it flags a label drawn on a line and passes the same label moved off it. For every visible text of every chart (axis titles and labels, legend text, text-mark labels) the test samples
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

playwright_sync = pytest.importorskip("playwright.sync_api")


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


def _label_chart(label_y: float) -> dict:
    """A Vega spec: a horizontal line at y = 50 and a text label at ``label_y`` (data units), compiled from Vega-Lite."""
    import vl_convert

    line = {"mark": "line", "data": {"values": [{"x": 0, "y": 50}, {"x": 100, "y": 50}]},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative",
                                                                           "scale": {"domain": [0, 100]}}}}
    text = {"mark": {"type": "text", "fontSize": 14}, "data": {"values": [{"x": 50, "y": label_y}]},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                         "text": {"value": "a label"}}}
    return vl_convert.vegalite_to_vega({"width": 300, "height": 200, "layer": [line, text]})


def test_text_on_marks_flags_a_label_on_a_line_and_not_one_beside_it(browser, server):
    ctx = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = ctx.new_page()
        page.goto(f"{server}/_static/vendor/VERSIONS.txt")   # any page of the site: the same origin as the script
        page.set_content(f'<script src="{server}/_static/vendor/vega-offline.js"></script>'
                         '<div id="altair-viz-on"></div><div id="altair-viz-off"></div>')
        page.wait_for_function("() => typeof vegaEmbed === 'function'")
        page.evaluate("""async ([on, off]) => {
            await vegaEmbed('#altair-viz-on', on, {mode: 'vega', actions: false, renderer: 'svg'});
            await vegaEmbed('#altair-viz-off', off, {mode: 'vega', actions: false, renderer: 'svg'});
            document.querySelectorAll('svg.marks').forEach((s, i) => s.setAttribute('aria-label', ['on', 'off'][i]));
        }""", [_label_chart(50), _label_chart(80)])
        problems = page.evaluate(TEXT_ON_MARKS)
    finally:
        ctx.close()
    assert problems == ['chart "on": text "a label" crosses a line mark'], problems


# Each axis's visible labels, for every chart drawn in a container ``w`` px wide; repeated ones listed.
REPEATED_LABELS = """async ([specs, w]) => {
  const out = [];
  for (const [where, spec] of specs) {
    const el = document.createElement('div');
    el.style.width = w + 'px';
    document.body.appendChild(el);
    await vegaEmbed(el, spec, {mode: 'vega', actions: false, renderer: 'svg'});
    el.querySelectorAll('g.role-axis').forEach(ax => {
      const l = Array.from(ax.querySelectorAll('g.role-axis-label text'))
        .filter(t => t.getAttribute('opacity') !== '0').map(t => t.textContent);
      const again = [...new Set(l.filter((x, k) => l.indexOf(x) !== k))];
      if (again.length) out.push(`${where} "${(spec.description || '').slice(0, 40)}": axis labels repeat: ${again}`);
    });
    el.remove();
  }
  return out;
}"""


def test_no_axis_repeats_a_label_in_a_wide_container(browser, server):
    """Every chart of the site drawn 950 px wide (a JupyterLab notebook's width; the site's column is narrower): no
    axis shows a label twice (a month axis with half-month ticks did: standoff.charts.month_axis)."""
    import json
    import re

    from conftest import HTML, site_pages

    chart = re.compile(r'<script type="application/json" data-standoff-chart="vega">(.*?)</script>', re.S)
    specs = [[rel, json.loads(m.group(1))] for rel in site_pages(HTML)
             for m in chart.finditer((HTML / rel).read_text(encoding="utf-8"))]
    assert len(specs) > 20
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(f"{server}/_static/vendor/VERSIONS.txt")
        page.set_content(f'<script src="{server}/_static/vendor/vega-offline.js"></script>')
        page.wait_for_function("() => typeof vegaEmbed === 'function'")
        problems = page.evaluate(REPEATED_LABELS, [specs, 950])
    finally:
        ctx.close()
    assert problems == [], "\n".join(problems)
