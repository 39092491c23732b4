"""The book's chart look, shared by every chapter.

``setup()`` is the one call a chapter's hidden first cell makes. Colours were chosen to keep at
least 3:1 contrast for marks against both the light page (white) and the dark page (#121212);
text colour in dark mode is switched by ``_static/standoff.css``, because the site's theme
switch happens in the browser after the chart is drawn.
"""

from __future__ import annotations

import hashlib
import json

import altair as alt

from .specs import prune

# Relative luminance of each colour lies between 0.13 and 0.30, which keeps >= 3:1 contrast
# against white and against the dark theme's near-black background.
SIDE_COLORS = {"US": "#3a76c4", "China": "#c8553d"}
KIND_COLORS = {
    "call": "#3a76c4",
    "meeting": "#c8553d",
    "summit": "#8a62b8",
    "visit": "#2e8a57",
    "ministerial": "#b8860b",
    "envoy": "#7a7a7a",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
WIDTH = "container"  # charts take the width of the text column, on a phone too


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "background": None,  # transparent: the page colour shows through in light and dark mode
            "font": FONT,
            "view": {"stroke": None, "continuousHeight": 300},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal",
                     "gridOpacity": 0.35},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
            "title": {"fontSize": 14, "anchor": "start", "fontWeight": "bold"},
            "range": {"category": list(SIDE_COLORS.values()) + ["#8a62b8", "#2e8a57", "#b8860b"]},
        }
    }


alt.theme.register("standoff", enable=False)(_theme)


_CHART_HTML = """<style>
  #{div}.vega-embed {{ width: 100%; display: flex; }}
  #{div}.vega-embed details, #{div}.vega-embed details summary {{ position: relative; }}
</style>
<div id="{div}"></div>
<script type="text/javascript">
(function (spec, embedOpt) {{
  var el = document.currentScript && document.currentScript.previousElementSibling;
  if (!el || el.id !== "{div}") {{ el = document.getElementById("{div}"); }}
  function fail(msg) {{ el.innerHTML = "<p>" + msg + "</p>"; }}
  function draw() {{
    if (typeof vegaEmbed !== "function") {{ return fail("The chart library did not load."); }}
    vegaEmbed(el, spec, embedOpt).then(function () {{
      /* the chart's text alternative: its Vega-Lite description, read out for the whole SVG */
      var svg = el.querySelector("svg");
      if (svg && spec.description) {{ svg.setAttribute("role", "graphics-document document"); svg.setAttribute("aria-label", spec.description); }}
    }}).catch(function (err) {{ fail("Chart error: " + err); }});
  }}
  if (typeof vegaEmbed === "function") {{ return draw(); }}
  /* In the built site the page loads _static/vendor/vega-offline.js. In a local Jupyter session,
     load that same file from this repository through the Jupyter server: never from a CDN. */
  var cfg = document.getElementById("jupyter-config-data");
  if (!cfg) {{ return fail("Open this notebook in JupyterLab started from the repository root to see the chart."); }}
  var src = (JSON.parse(cfg.textContent).baseUrl || "/") + "files/_static/vendor/vega-offline.js";
  window.__standoffVega = window.__standoffVega || new Promise(function (ok, no) {{
    var s = document.createElement("script"); s.src = src; s.onload = ok; s.onerror = no; document.head.appendChild(s);
  }});
  window.__standoffVega.then(draw, function () {{
    fail("Could not load " + src + ": start JupyterLab from the repository root (see README).");
  }});
}})({spec}, {opts});
</script>"""


class StableHTMLRenderer:
    """Renders an Altair chart as HTML that never names a CDN, with a div id derived from the chart.

    - In the built site the vendored ``vega-offline.js`` is already on the page (standoff.sphinxext).
      In a local JupyterLab started from the repository root, the output loads the same file
      through the Jupyter server. No request ever goes to another host.
    - The id is a hash of the spec (plus a per-kernel count when one chart is shown again), not a
      random uuid, so notebooks re-run byte-identical (nbval compares outputs exactly) and two
      builds of one commit give identical HTML.
    - The inline data keeps only the columns the chart reads (``specs.prune``), in the site and in
      JupyterLab alike.
    """

    def __init__(self) -> None:
        self._shown: dict[str, int] = {}

    def __call__(self, spec: dict, **metadata) -> dict:
        spec = prune(spec)
        text = json.dumps(spec, sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()
        n = self._shown[key] = self._shown.get(key, 0) + 1
        div = "altair-viz-" + hashlib.sha256(f"{key}:{n}".encode()).hexdigest()[:32]
        opts = {**metadata.get("embed_options", {}), "mode": "vega-lite"}
        # "</" inside a JSON string would end the script element early
        # compact JSON (no spaces after separators): the page carries the spec inline
        safe = lambda obj: json.dumps(obj, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")  # noqa: E731
        return {"text/html": _CHART_HTML.format(div=div, spec=safe(spec), opts=safe(opts))}


alt.renderers.register("standoff", StableHTMLRenderer())


def setup() -> None:
    """Apply the book's chart theme, renderer and embed options (call once per notebook)."""
    alt.theme.enable("standoff")
    # The "..." actions menu has no accessible name (axe: summary-name) and offers editors
    # that need the internet; the book links each chart to its data instead.
    alt.renderers.enable("standoff", embed_options={"actions": False})
