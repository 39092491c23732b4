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
from altair.utils.display import HTMLRenderer
from altair.utils.mimebundle import spec_to_mimebundle

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


class StableHTMLRenderer(HTMLRenderer):
    """Altair's HTML renderer with a div id derived from the chart, not a random uuid4.

    The same notebook then gives byte-identical outputs on every run, so nbval compares the
    real output and two builds of one commit give identical HTML. A chart shown twice in one
    kernel gets a different id the second time (a per-kernel count of that spec).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: dict[str, int] = {}

    def __call__(self, spec: dict, **metadata) -> dict:
        key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
        n = self._shown[key] = self._shown.get(key, 0) + 1
        div = "altair-viz-" + hashlib.sha256(f"{key}:{n}".encode()).hexdigest()[:32]
        kwargs = {**self.kwargs, **metadata, "output_div": div}
        return spec_to_mimebundle(spec, format="html", **kwargs)


alt.renderers.register("standoff", StableHTMLRenderer(
    mode="vega-lite", template="universal", vega_version=alt.VEGA_VERSION,
    vegaembed_version=alt.VEGAEMBED_VERSION, vegalite_version=alt.VEGALITE_VERSION))


def setup() -> None:
    """Apply the book's chart theme, renderer and embed options (call once per notebook)."""
    alt.theme.enable("standoff")
    # The "..." actions menu has no accessible name (axe: summary-name) and offers editors
    # that need the internet; the book links each chart to its data instead.
    alt.renderers.enable("standoff", embed_options={"actions": False})
