"""Altair charts for the book. Each function takes validated DataFrames and returns a chart.

Conventions every chart follows:
- a Vega-Lite ``description`` (the text alternative screen readers announce);
- tooltips that name the source of each mark, and ``href`` to the source's URL;
- width ``container`` so the chart fits the column on a phone;
- named params only (auto-named params would change the notebook output on re-run).
"""

from __future__ import annotations

import html

import altair as alt
import numpy as np
import pandas as pd

from . import data
from .theme import SIDE_COLORS, WIDTH

SIDE_LABELS = {"US": "US tariff on goods from China", "China": "China's tariff on goods from the US"}


def side_color(field: str = "side_label:N", title: str | None = None) -> alt.Color:
    """Colour by side (US / China) with the book's side colours and an untruncated legend."""
    return alt.Color(field, title=title,
                     scale=alt.Scale(domain=list(SIDE_LABELS.values()), range=list(SIDE_COLORS.values())),
                     legend=alt.Legend(orient="top", direction="vertical", labelLimit=0))


PHONE_WIDTH = 500  # px: a chart whose container is narrower than this is on a phone


def narrow_param(name: str, below: int = PHONE_WIDTH) -> alt.Parameter:
    """A named param, true while the chart's container is narrower than ``below`` px (a phone): charts switch labels,
    legends or layout on it. "width > 0" makes Vega re-read the container when the window is resized."""
    return alt.param(name=name, expr=f"width > 0 && containerSize()[0] < {below}")


# Charts with a row per item (the leverage chapters) name each row on a line of text above its marks
# (``row_labels``) instead of on a y-axis at the left, which on a phone left the marks a few pixels. Rows are
# ROW_STEP px high; marks sit ROW_DROP px below the row's middle (mark property yOffset), the name just above it.
# These charts switch on the plot's own width (Vega's ``width``) at PLOT_NARROW px, about the container width
# where ``narrow_param`` switches plus the y axis they do not have.
ROW_STEP, ROW_DROP = 38, 8
PLOT_NARROW = 600
SOURCE_TIP = alt.Tooltip("source_label:N", title="Source")


def top_legend(stack: bool = False, **kw) -> alt.Legend:
    """A legend above the chart with labels never cut short; ``stack``: one entry per line on a phone (a row of
    them would run off the screen)."""
    columns = alt.ExprRef(f"width < {PLOT_NARROW} ? 1 : 0") if stack else alt.Undefined
    return alt.Legend(orient="top", labelLimit=0, columns=columns, **kw)


def mapped_color(field: str, mapping: dict, title=None, legend=True, stack=False) -> alt.Color:
    """Colour ``field`` by ``mapping`` (category -> colour), with ``top_legend``."""
    return alt.Color(field, title=title, scale=alt.Scale(domain=list(mapping), range=list(mapping.values())),
                     legend=top_legend(stack) if legend else None)


def row_y(field: str, order: list) -> alt.Y:
    """The rows' y position, in ``order``, with no axis (``row_labels`` names the rows)."""
    return alt.Y(field, title=None, sort=order, axis=None)


def row_labels(rows: pd.DataFrame, y: alt.Y, text: str, **encode) -> alt.Chart:
    """One name per row of ``rows`` (one row each), left-aligned at the chart's left edge above the row's marks;
    11 px on a phone, so a name of 57 characters fits a 375 px screen."""
    size = alt.ExprRef(f"width < {PLOT_NARROW} ? 11 : 12")
    return alt.Chart(rows).mark_text(align="left", baseline="bottom", dy=-1, fontSize=size).encode(
        x=alt.value(0), y=y, text=text, **encode)


def month_axis(dates: pd.Series, **kw) -> alt.Axis:
    """A time axis labelled by month ("%b %Y") whose ticks are never closer than a month: on a wide chart over a few
    months (JupyterLab's ~950 px) Vega picked half-month ticks and a month's label repeated. At most one tick per
    90 px of width and per month that ``dates`` span."""
    lo, hi = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    return alt.Axis(format="%b %Y", labelAngle=0, tickCount=alt.ExprRef(f"min(ceil(width / 90), {months})"), **kw)


def derived_notes(df: pd.DataFrame) -> pd.Series:
    """Per row: "" for a value the source states, "Derived: <how>" for one the book computed (``derived``)."""
    return df["derived"].fillna(False).map({True: "Derived: ", False: ""}) + df["derived_method"].fillna("")


def _fmt_dates(df: pd.DataFrame, col: str, out: str) -> pd.DataFrame:
    df[out] = df[col].dt.strftime("%-d %b %Y")
    return df


def table_html(df: pd.DataFrame, summary: str, columns: dict[str, str] | None = None,
               row_id: str | None = None) -> str:
    """A collapsed HTML table of a chart's numbers: the chart's text alternative for its data.

    Where the frame has ``source_url`` (see ``data.with_sources``), the source column links to the source, one
    click away; ``row_id`` names the column whose data-row ids go behind that link (its title), so readers see
    words and maintainers still find the row.
    """
    cols = columns or {c: c for c in df.columns}
    head = "".join(f"<th scope='col'>{html.escape(label)}</th>" for label in cols.values())
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, pd.Timestamp):
                v = v.strftime("%Y-%m-%d")
            elif isinstance(v, (bool, np.bool_)):
                v = "yes" if v else "no"  # readers see words, not Python's True/False
            text = "" if pd.isna(v) else html.escape(str(v))
            url = r.get("source_url") if c == "source_label" else None
            if text and isinstance(url, str) and url:
                rid = r.get(row_id) if row_id else None
                title = f" title='data row: {html.escape(str(rid))}'" if isinstance(rid, str) and rid else ""
                text = f"<a href='{html.escape(url)}'{title}>{text}</a>"
            cells.append("<td>" + text + "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<details class='standoff-data'><summary>{html.escape(summary)}</summary>"
            f"<div class='standoff-table-wrap'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div></details>")


def averages_chart(averages: pd.DataFrame) -> alt.LayerChart:
    """PIIE's trade-weighted average tariffs both ways, at every dated point in the data.

    Only points PIIE states (or that we derived and flag) are drawn; lines join them, so the
    chart makes no claim about the path between points. A legend click (Vega selection
    ``side_pick``) highlights one side.
    """
    avg = averages[averages["kind"] == "actual"].copy()
    avg = data.with_sources(avg.rename(columns={"imposer": "actor"}))
    avg["side_label"] = avg["actor"].map(SIDE_LABELS)
    avg = _fmt_dates(avg, "as_of", "date_label")
    avg.loc[avg["date_precision"] != "day", "date_label"] = avg["as_of"].dt.strftime("%b %Y") + " (no exact day stated)"
    avg["derived_text"] = derived_notes(avg)
    # One point per side and date (PIIE revised some figures; keep the later snapshot for the line).
    line_data = avg.sort_values(["actor", "as_of"]).drop_duplicates(["actor", "as_of"], keep="last")
    pick = alt.selection_point(name="side_pick", fields=["side_label"], bind="legend")
    x = alt.X("as_of:T", title=None, axis=alt.Axis(format="%Y", tickCount=8, labelAngle=0))
    y = alt.Y("avg_tariff_pct:Q", title="Average tariff (%)")
    color = side_color(title=None)
    fade = alt.condition(pick, alt.value(1), alt.value(0.2))
    line = alt.Chart(line_data).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, opacity=fade)
    pts = alt.Chart(avg).mark_point(filled=True, size=60).encode(
        x=x, y=y, color=color, opacity=fade, href="source_url:N",
        tooltip=[alt.Tooltip("side_label:N", title="Side"), alt.Tooltip("date_label:N", title="As of"),
                 alt.Tooltip("avg_tariff_pct:Q", title="Average tariff (%)", format=".1f"),
                 alt.Tooltip("snapshot:N", title="PIIE snapshot"), alt.Tooltip("derived_text:N", title="Note"),
                 alt.Tooltip("source_label:N", title="Source")])
    return alt.layer(line, pts).add_params(pick).properties(
        width=WIDTH, height=300,
        description=("Line chart of PIIE's trade-weighted average tariffs: the US on goods from China and China "
                     "on goods from the US, at each dated point PIIE states, " +
                     f"{avg['as_of'].min():%B %Y} to {avg['as_of'].max():%B %Y}."))
