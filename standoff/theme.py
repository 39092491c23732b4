"""The book's chart look, shared by every chapter.

``setup()`` is the one call a chapter's hidden first cell makes. Colours were chosen to keep at
least 3:1 contrast for marks against both the light page (white) and the dark page (#121212);
text colour in dark mode is switched by ``_static/standoff.css``, because the site's theme
switch happens in the browser after the chart is drawn.
"""

from __future__ import annotations

import altair as alt

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


def setup() -> None:
    """Apply the book's chart theme and embed options (call once per notebook)."""
    alt.theme.enable("standoff")
    # The "..." actions menu has no accessible name (axe: summary-name) and offers editors
    # that need the internet; the book links each chart to its data instead.
    alt.renderers.set_embed_options(actions=False)
