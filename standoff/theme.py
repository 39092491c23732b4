"""The book's chart look, shared by every chapter.

``setup()`` is the one call a chapter's hidden first cell makes. Colours were chosen to keep at
least 3:1 contrast for marks against both the light page (white) and the dark page (#121212);
text colour in dark mode is switched by ``_static/standoff.css``, because the site's theme
switch happens in the browser after the chart is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

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


# One chart's output: its container, its spec (JSON, read with JSON.parse, which is faster than a script literal
# for specs this size) and a script that queues the chart. The first chart script on a page defines
# window.standoffCharts, which draws every queued chart in one batch (after the page is parsed, or in the next
# task in JupyterLab): it measures every container's width in one pass, so drawing one chart does not force the
# browser to lay the page out again for the next (Vega's containerSize() reads each container's width), then
# hands each spec to vega-embed. A spec marked "vega" was compiled from Vega-Lite when the site was built
# (standoff.sphinxext); one marked "vega-lite" (a local notebook) is compiled in the browser by the vendored
# Vega-Lite, loaded only then. Nothing is ever fetched from another host.
_CHART_HTML = """<style>
  #{div}.vega-embed {{ width: 100%; display: flex; }}
  #{div}.vega-embed details, #{div}.vega-embed details summary {{ position: relative; }}
</style>
<div id="{div}"></div>
<script type="application/json" data-standoff-chart="vega-lite">{spec}</script>
<script type="text/javascript">
(function (div, embedOpt) {{
  var S = window.standoffCharts;
  if (!S) {{
    S = window.standoffCharts = {{queue: [], widths: new Map(), libs: {{}}}};
    S.fail = function (el, msg) {{ el.innerHTML = "<p>" + msg + "</p>"; }};
    /* In the site the page loads _static/vendor/vega-offline.js. In a local Jupyter session the same files come
       from this repository through the Jupyter server: never from a CDN. */
    S.load = function (file, ready) {{
      if (ready()) {{ return Promise.resolve(); }}
      var cfg = document.getElementById("jupyter-config-data");
      if (!cfg) {{ return Promise.reject(file === "vega-offline.js" ? "The chart library did not load."
        : "Open this notebook in JupyterLab started from the repository root to see the chart."); }}
      var src = (JSON.parse(cfg.textContent).baseUrl || "/") + "files/_static/vendor/" + file;
      return S.libs[file] = S.libs[file] || new Promise(function (ok, no) {{
        var s = document.createElement("script"); s.src = src; s.onload = ok;
        s.onerror = function () {{ no("Could not load " + src + ": start JupyterLab from the repository root (see README)."); }};
        document.head.appendChild(s);
      }});
    }};
    S.patch = function () {{
      if (S.patched) {{ return; }}
      S.patched = true;
      vega.expressionFunction("containerSize", function () {{
        var view = this.context.dataflow, el = view.container && view.container();
        return el ? S.widths.get(el) || [el.clientWidth, el.clientHeight] : [undefined, undefined];
      }});
      window.addEventListener("resize", function () {{ S.widths.clear(); }}, true);
    }};
    S.draw = function (c) {{
      var spec = JSON.parse(c.json.textContent);
      if (c.json.getAttribute("data-standoff-chart") !== "vega") {{ spec = vegaLite.compile(spec).spec; }}
      var opt = Object.assign({{}}, c.opt, {{mode: "vega"}});
      return vegaEmbed(c.el, spec, opt).then(function () {{
        /* the chart's text alternative: its description, read out for the whole SVG */
        var svg = c.el.querySelector("svg");
        if (svg && spec.description) {{ svg.setAttribute("role", "graphics-document document"); svg.setAttribute("aria-label", spec.description); }}
      }}).catch(function (err) {{ S.fail(c.el, "Chart error: " + err); }});
    }};
    S.flush = function () {{
      var batch = S.queue; S.queue = []; S.timer = null;
      var lite = batch.some(function (c) {{ return c.json.getAttribute("data-standoff-chart") !== "vega"; }});
      S.load("vega-offline.js", function () {{ return typeof vegaEmbed === "function"; }}).then(function () {{
        return lite && S.load("vega-lite-offline.js", function () {{ return typeof vegaLite === "object"; }});
      }}).then(function () {{
        S.patch();
        batch.forEach(function (c) {{ S.widths.set(c.el, [c.el.clientWidth, c.el.clientHeight]); }});
        return Promise.all(batch.map(S.draw)).then(function () {{
          batch.forEach(function (c) {{ S.widths.delete(c.el); }});
        }});
      }}, function (msg) {{ batch.forEach(function (c) {{ S.fail(c.el, msg); }}); }});
    }};
  }}
  var json = document.currentScript && document.currentScript.previousElementSibling;
  var el = json && json.previousElementSibling;
  if (!el || el.id !== div) {{ el = document.getElementById(div); json = el.nextElementSibling; }}
  S.queue.push({{el: el, json: json, opt: embedOpt}});
  if (!S.timer) {{
    S.timer = true;
    /* Draw once the page is parsed: readyState turns "interactive" before the theme's deferred scripts run, and
       DOMContentLoaded only after them (about 0.1 s later on the book's pages). In JupyterLab: on the next tick. */
    if (document.readyState === "loading") {{
      document.addEventListener("readystatechange", function parsed() {{
        if (document.readyState === "loading") {{ return; }}
        document.removeEventListener("readystatechange", parsed);
        S.flush();
      }});
    }} else {{ setTimeout(S.flush); }}
  }}
}})("{div}", {opts});
</script>"""


def inline_json(obj) -> str:
    """Compact JSON that is safe inside a <script> element: every "<" is written "\\u003c" (still the same
    JSON), so no "</script" or "<!--" in a label or tooltip can end or change the element."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


# A chart's spec in the renderer's output (see _CHART_HTML), and the Vega-Lite version the browser would compile it
# with: the one altair writes (and make vendor vendors).
_SPEC = re.compile(r'<script type="application/json" data-standoff-chart="vega-lite">(.*?)</script>', re.S)
VEGALITE_MINOR = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def compile_charts(html: str, where: str = "") -> tuple[str, int]:
    """``html`` with every chart spec of the renderer compiled from Vega-Lite to Vega, and the number compiled.

    The site build calls this (standoff.sphinxext), so a reader's browser only draws: it neither loads the
    Vega-Lite compiler nor runs it. The compiler is Vega-Lite itself, run by vl-convert; the Vega spec keeps
    the chart's description (its text alternative). A spec that does not compile stops the build with
    ``where`` and the chart's position in the message."""
    n = 0

    def one(m: re.Match) -> str:
        nonlocal n
        n += 1
        try:
            return f'<script type="application/json" data-standoff-chart="vega">{_to_vega(m.group(1))}</script>'
        except Exception as err:  # vl-convert raises ValueError with Vega-Lite's message
            raise ValueError(f"{where}: chart {n} does not compile to Vega: {err}") from err

    return _SPEC.sub(one, html), n


@functools.lru_cache(maxsize=256)
def _to_vega(vegalite: str) -> str:
    import vl_convert

    return inline_json(vl_convert.vegalite_to_vega(json.loads(vegalite), vl_version=VEGALITE_MINOR))


class StableHTMLRenderer:
    """Renders an Altair chart as HTML that never names a CDN, with a div id derived from the chart.

    - In the built site the vendored ``vega-offline.js`` is already on the page and the spec has been
      compiled to Vega (standoff.sphinxext). In a local JupyterLab started from the repository root, the
      output loads the same file, and the Vega-Lite compiler ``vega-lite-offline.js``, through the Jupyter
      server. No request ever goes to another host.
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
        opts = {**metadata.get("embed_options", {})}
        return {"text/html": _CHART_HTML.format(div=div, spec=inline_json(spec), opts=inline_json(opts))}


alt.renderers.register("standoff", StableHTMLRenderer())


def setup() -> None:
    """Apply the book's chart theme, renderer and embed options (call once per notebook)."""
    alt.theme.enable("standoff")
    # The "..." actions menu has no accessible name (axe: summary-name) and offers editors
    # that need the internet; the book links each chart to its data instead.
    alt.renderers.enable("standoff", embed_options={"actions": False})
