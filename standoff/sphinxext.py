"""Sphinx extension for the book (listed in ``_config.yml`` under ``sphinx.extra_extensions``).

1. Light pages. Jupyter Book 1 adds every ``.js`` under ``_static/`` to every page. This moves the
   vendored libraries out of that global list and adds them back only to pages that use them:
   ``vendor/vega-offline.js`` where a page has an Altair chart, the widget manager where a page
   shows a saved ipywidgets view. Every chart's Vega-Lite spec is compiled to Vega here
   (``theme.compile_charts``), so no page loads or runs the Vega-Lite compiler: the leverage page's
   twelve charts are drawn sooner.
2. A clean console. JB1 emits sphinx-thebe's inline ``THEBE_JS_URL`` script twice on every page
   (a redeclaration error in the console) although this book does not use thebe; the duplicate
   is dropped.
   Saved widget state is dropped from pages that show no widget (the widget cells are removed).
3. Fresh static files: a changed ``_static`` file replaces its stale copy in an incremental build.
4. Data downloads. The CSVs and ``datapackage.json`` are copied to ``_data/`` in the site so the
   Data page and every chart can link to them.
5. Dates a reader can use. Every page carries a banner with the dataset's "data as of" date (from
   ``data/datapackage.json``, never typed) linking to the Data page; the theme's "Last updated on"
   build date is dropped, since it says nothing about the facts and makes the HTML depend on the
   day of the build.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

VEGA = "vendor/vega-offline.js"
WIDGETS = "vendor/html-manager/embed.js"
CHART_MARKER = 'id="altair-viz-'
WIDGET_MARKER = "application/vnd.jupyter.widget-view+json"


def _drop_vendor(app, config) -> None:
    config.html_js_files = [
        js for js in config.html_js_files
        if not (isinstance(js, str) and js.startswith("vendor/")) and not (
            isinstance(js, tuple) and str(js[0]).startswith("vendor/"))
    ]


def _data_as_of(app, pagename, templatename, context, doctree) -> None:
    from .data import data_as_of
    from .fmt import day

    context["last_updated"] = None
    pathto = context.get("pathto")
    href = pathto("appendix/data") if pathto else "appendix/data.html"
    context["theme_announcement"] = (
        f'<span class="standoff-as-of">Data as of <strong>{day(data_as_of())}</strong>: every number in this '
        f'book is checked up to that date. <a href="{href}">About the data</a></span>')


DESIGN_CSS, DESIGN_JS = "sphinx-design.min.css", "design-tabs.js"
DESIGN_CLASS = re.compile(r'class="[^"]*\bsd-')


def _asset_name(asset) -> str:
    """The file name of a Sphinx CSS/JS asset (an object with ``filename`` in Sphinx 7.2+, a str before)."""
    return str(getattr(asset, "filename", asset) or "").split("?")[0]


def _page_scripts(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "") or ""
    if CHART_MARKER in body:
        from .theme import compile_charts

        body, _ = compile_charts(body, where=pagename)
        context["body"] = body
        app.add_js_file(VEGA, priority=400)
    if WIDGET_MARKER in body:
        app.add_js_file(WIDGETS, priority=400)
    # Jupyter Book loads sphinx-design (62 KB of CSS and JS) on every page; a page without any of its components
    # (class "sd-...") does not need it
    uses_design = DESIGN_CLASS.search(body) is not None
    scripts = context.get("script_files")
    if scripts:
        seen_thebe = False
        kept = []
        shows_widgets = WIDGET_MARKER in body
        for js in scripts:
            attrs = getattr(js, "attributes", {}) or {}
            text = attrs.get("body", "")
            if not shows_widgets and attrs.get("type") == "application/vnd.jupyter.widget-state+json":
                # kernel widgets are removed from the site (cell tag remove-cell): their saved state is dead weight
                continue
            if "THEBE_JS_URL" in text:
                if seen_thebe:
                    continue
                seen_thebe = True
            if not uses_design and _asset_name(js).endswith(DESIGN_JS):
                continue
            kept.append(js)
        context["script_files"] = kept
    if not uses_design and context.get("css_files"):
        context["css_files"] = [c for c in context["css_files"] if not _asset_name(c).endswith(DESIGN_CSS)]


def _refresh_static(app) -> None:
    """Copy changed ``_static`` files over stale copies in an existing build.

    Sphinx 7.4 neither overwrites a changed static file nor copies anything when no page is out
    of date, so a CSS-only change would otherwise never reach an incremental build.
    """
    src = Path(app.srcdir) / "_static"
    out = Path(app.outdir) / "_static"
    if not src.is_dir() or not out.is_dir():
        return
    for f in src.rglob("*"):
        target = out / f.relative_to(src)
        if f.is_file() and (not target.is_file() or target.read_bytes() != f.read_bytes()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)


def _copy_data(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src = Path(app.srcdir) / "data"
    if not (src / "datapackage.json").is_file():
        return
    out = Path(app.outdir) / "_data"
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.glob("*.csv")) + [src / "datapackage.json"]:
        shutil.copy2(f, out / f.name)


def setup(app):
    app.connect("config-inited", _drop_vendor)
    app.connect("builder-inited", _refresh_static)
    app.connect("html-page-context", _page_scripts)
    app.connect("html-page-context", _data_as_of)
    app.connect("build-finished", _copy_data)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
