"""Live ipywidgets forms for local notebooks (the site shows each model's Vega twin instead).

``live_form`` wires input widgets to a render function and shows a bad input as a short message,
never a traceback: every model raises ``ValueError`` with a plain-words message for bad input.
"""

from __future__ import annotations

import html
from collections.abc import Callable


def error_html(err: Exception, what: str = "Cannot compute") -> str:
    return f"<p style='color:#c8553d'><b>{html.escape(what)}:</b> {html.escape(str(err))}</p>"


def live_form(controls: dict, render: Callable[[dict], str], rows: list[list[str]] | None = None,
              what: str = "Cannot compute"):
    """A VBox of ``controls`` (name -> widget) over an HTML output that ``render(values)`` fills.

    ``render`` gets ``{name: widget.value}`` and returns HTML; it is called once now and again on
    every change. A ``ValueError`` from it is shown as a message. ``rows`` groups control names
    into horizontal rows (default: one column).
    """
    import ipywidgets as w

    for c in controls.values():
        c.style = {"description_width": "initial"}
    out = w.HTML()

    def redraw(*_):
        try:
            out.value = render({k: c.value for k, c in controls.items()})
        except ValueError as err:
            out.value = error_html(err, what)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    layout = [w.HBox([controls[n] for n in row]) for row in rows] if rows else list(controls.values())
    return w.VBox([*layout, out])
