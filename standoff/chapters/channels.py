"""Channels between Washington and Beijing: who talked to whom, when, and who called first.

Pure functions over three tables of the dataset:

- ``channels``: the channels named in April 2025, each with a US end, a Chinese end, a level and
  a status (active, refused, unproductive, disputed);
- ``contacts``: calls, meetings, summits, visits, envoy trips and ministerial rounds, 2017-2026;
- ``statements``: short paired quotes from each side about the same events.

The chart functions return Altair charts that work in the static site (Vega params only); the
one ipywidgets helper (:func:`statements_widget`) is for local notebooks.
"""

from __future__ import annotations

import html
import textwrap

import altair as alt
import pandas as pd

from .. import data
from ..charts import narrow_param
from ..fmt import day as _day
from ..theme import KIND_COLORS, SIDE_COLORS, WIDTH

LEVELS = ("leader", "minister", "working", "intermediary")
LEVEL_LABELS = {
    "leader": "Leaders",
    "minister": "Ministers and envoys",
    "working": "Working level and embassies",
    "intermediary": "Go-betweens",
}
STATUSES = ("active", "refused", "unproductive", "disputed")
# Same luminance band as theme.KIND_COLORS (>= 3:1 against white and against #121212).
STATUS_COLORS = {"active": "#2e8a57", "refused": "#c8553d", "unproductive": "#7a7a7a", "disputed": "#b8860b"}
LEVEL_DASH = {"leader": [1, 0], "minister": [8, 4], "working": [3, 3], "intermediary": [1, 4]}
SIDE_NAMES = {"US": "Washington", "China": "Beijing"}
PHONE_TITLE_CHARS = 30  # characters a line of a bold 14 px title on a phone
KIND_ORDER = ("call", "meeting", "summit", "visit", "envoy", "ministerial")
ALL = "All"
PERIODS = {  # label: (first year, last year); the 2025 row includes the transition call of 17 Jan 2025
    "2017-2020 (first term)": (2016, 2020),  # with the president-elect call of Nov 2016
    "2021-2024 (Biden)": (2021, 2024),
    "2025-2026 (second term)": (2025, 2026),
}




# --------------------------------------------------------------------------------------------
# Channel map: nodes, layout, edges
# --------------------------------------------------------------------------------------------

def channel_nodes(channels: pd.DataFrame) -> pd.DataFrame:
    """One row per actor at either end of a channel: ``node_id, side, name, level, n_channels``.

    Nodes keep the order in which they first appear in ``channels`` (US ends before Chinese ends
    within a row), so the layout is stable for a given table.
    """
    rows = []
    for side, col in (("US", "us_actor"), ("China", "china_actor")):
        for _, r in channels.iterrows():
            rows.append({"side": side, "name": r[col], "level": r[col + "_level"]})
    nodes = pd.DataFrame(rows, columns=["side", "name", "level"])
    clash = nodes.groupby(["side", "name"])["level"].nunique()
    if (clash > 1).any():
        side, name = clash[clash > 1].index[0]
        raise ValueError(f"channels: actor {name!r} ({side}) is given more than one level")
    counts = nodes.groupby(["side", "name"]).size().rename("n_channels")
    nodes = nodes.drop_duplicates(["side", "name"]).join(counts, on=["side", "name"])
    nodes["node_id"] = nodes["side"] + ":" + nodes["name"]
    return nodes[["node_id", "side", "name", "level", "n_channels"]].reset_index(drop=True)


def layout_nodes(nodes: pd.DataFrame, x_us: float = 0.0, x_china: float = 1.0, spread: float = 0.4,
                 label_width: int = 17) -> pd.DataFrame:
    """A fixed layered layout: US actors in one column, Chinese in the other, one row per level.

    ``y`` is the level's index in :data:`LEVELS` (0 = leader at the top); ``k`` actors sharing a
    side and level are spaced evenly over ``spread`` around that row, in their order in ``nodes``.
    Returns ``nodes`` with ``x``, ``y``, ``label_align`` (labels point away from the middle) and
    ``label`` (the name wrapped at ``label_width`` characters, so the map fits a phone).
    """
    unknown = set(nodes["level"]) - set(LEVELS)
    if unknown:
        raise ValueError(f"unknown level(s): {sorted(unknown)}")
    out = nodes.copy()
    out["x"] = out["side"].map({"US": x_us, "China": x_china})
    if out["x"].isna().any():
        raise ValueError("every node's side must be 'US' or 'China'")
    out["y"] = 0.0
    for (_, level), grp in out.groupby(["side", "level"], sort=False):
        k = len(grp)
        offsets = [0.0] if k == 1 else [-spread / 2 + spread * i / (k - 1) for i in range(k)]
        out.loc[grp.index, "y"] = [LEVELS.index(level) + o for o in offsets]
    out["label_align"] = out["side"].map({"US": "right", "China": "left"})
    out["label"] = ["\n".join(wrap(n, label_width)) for n in out["name"]]
    return out


def channel_edges(channels: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Each channel as an edge from its US end (x, y) to its Chinese end (x2, y2), sources joined."""
    pos = nodes.set_index("node_id")
    e = data.with_sources(channels)
    us = pos.loc["US:" + e["us_actor"], ["x", "y"]].to_numpy()
    cn = pos.loc["China:" + e["china_actor"], ["x", "y"]].to_numpy()
    e["x"], e["y"], e["x2"], e["y2"] = us[:, 0], us[:, 1], cn[:, 0], cn[:, 1]
    e["status"] = e["status_april_2025"]
    e["level_label"] = e["level"].map(LEVEL_LABELS)
    arrows = {("US", "China"): "Washington to Beijing", ("China", "US"): "Beijing to Washington"}
    e["direction"] = [arrows.get((a, b), "two-way or not stated") for a, b in zip(e["from_actor"], e["to_actor"], strict=True)]
    return e


def channel_map_data(channels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes with positions, edges with coordinates) for :func:`channel_map_chart`."""
    nodes = layout_nodes(channel_nodes(channels))
    return nodes, channel_edges(channels, nodes)


def channel_map_chart(channels: pd.DataFrame) -> alt.LayerChart:
    """The channels of April 2025 as a graph: Washington's actors left, Beijing's right.

    Rows are levels (leaders at the top). Each edge is a channel: colour = status, dash = level.
    A click on the status legend (Vega selection ``status_pick``) highlights one status.
    """
    nodes, edges = channel_map_data(channels)
    pick = alt.selection_point(name="status_pick", fields=["status"], bind="legend")
    x_scale = alt.Scale(domain=[-1.4, 2.4])
    y_scale = alt.Scale(domain=[-0.75, len(LEVELS) - 0.5], reverse=True)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    status_color = alt.Color("status:N", title="Status in April 2025 (click to highlight)",
                             scale=alt.Scale(domain=list(STATUSES), range=[STATUS_COLORS[s] for s in STATUSES]),
                             legend=alt.Legend(orient="top", symbolType="stroke", symbolStrokeWidth=3,
                                                titleLimit=500, columns=2))
    dash = alt.StrokeDash("level_label:N", title="Level of the channel",
                          scale=alt.Scale(domain=[LEVEL_LABELS[lv] for lv in LEVELS],
                                          range=[LEVEL_DASH[lv] for lv in LEVELS]),
                          legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5, labelLimit=300, columns=1))
    tooltip = [
        alt.Tooltip("channel_id:N", title="Channel"),
        alt.Tooltip("status:N", title="Status, April 2025"),
        alt.Tooltip("level_label:N", title="Level"),
        alt.Tooltip("direction:N", title="Sought by"),
        alt.Tooltip("evidence:N", title="Evidence"),
        alt.Tooltip("source_label:N", title="Source"),
    ]
    rules = alt.Chart(edges).mark_rule(strokeWidth=3.5).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", color=status_color, strokeDash=dash,
        opacity=alt.condition(pick, alt.value(0.95), alt.value(0.12)),
        tooltip=tooltip, href="source_url:N").add_params(pick)
    node_tooltip = [alt.Tooltip("name:N", title="Actor"), alt.Tooltip("side:N", title="Side"),
                    alt.Tooltip("level:N", title="Level"), alt.Tooltip("n_channels:Q", title="Channels drawn")]
    side_color = alt.Color("side:N", scale=alt.Scale(domain=list(SIDE_COLORS), range=list(SIDE_COLORS.values())),
                           legend=None)
    points = alt.Chart(nodes).mark_point(filled=True, size=160, opacity=1).encode(
        x=x, y=y, color=side_color, tooltip=node_tooltip)
    label_us = alt.Chart(nodes).transform_filter("datum.side == 'US'").mark_text(
        align="right", dx=-10, fontSize=11, lineBreak="\n", lineHeight=13).encode(
        x=x, y=y, text="label:N", tooltip=node_tooltip)
    label_cn = alt.Chart(nodes).transform_filter("datum.side == 'China'").mark_text(
        align="left", dx=10, fontSize=11, lineBreak="\n", lineHeight=13).encode(
        x=x, y=y, text="label:N", tooltip=node_tooltip)
    heads = pd.DataFrame({"x": [0.0, 1.0], "y": [-0.6, -0.6], "text": ["Washington", "Beijing"],
                          "side": ["US", "China"]})
    # Headers keep the page's text colour: the side colours are for marks (3:1), not text (4.5:1).
    header = alt.Chart(heads).mark_text(fontSize=14, fontWeight="bold").encode(x=x, y=y, text="text:N")
    # each row's name starts at the left edge, above Washington's actors: between the columns it was crossed by the
    # channels that run from one row to another
    rows = pd.DataFrame({"x": [x_scale.domain[0]] * len(LEVELS), "y": [i - 0.42 for i in range(len(LEVELS))],
                         "text": [LEVEL_LABELS[lv] for lv in LEVELS]})
    row_labels = alt.Chart(rows).mark_text(align="left", fontSize=11, fontStyle="italic", color="#6b6b6b").encode(
        x=x, y=y, text="text:N")
    return alt.layer(rules, points, label_us, label_cn, header, row_labels).resolve_scale(color="independent").properties(
        width=WIDTH, height=430,
        description=(
            f"Network diagram of the {len(edges)} channels between Washington (left column) and Beijing (right "
            "column) named in April 2025, with leaders in the top row, then ministers and envoys, the working "
            "level and embassies, and go-betweens. Edge colour shows each channel's status (active, refused, "
            "unproductive or disputed) and the dash pattern its level. "
            + "; ".join(f"{r.us_actor} to {r.china_actor}: {r.status}" for r in edges.itertuples()) + "."),
    )


def status_counts(channels: pd.DataFrame) -> dict[str, int]:
    """Number of channels in each April 2025 status (every status present, zero if none)."""
    c = channels["status_april_2025"].value_counts()
    return {s: int(c.get(s, 0)) for s in STATUSES}


# --------------------------------------------------------------------------------------------
# Contacts: gaps between leader contacts, who initiated, timeline
# --------------------------------------------------------------------------------------------

def leader_contacts(contacts: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Leader-level contacts with an exact day (month-precision rows are left out), in date order."""
    c = contacts[(contacts["level"] == "leader") & (contacts["date_precision"] == "day")]
    if start is not None:
        c = c[c["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        c = c[c["start_date"] <= pd.Timestamp(end)]
    return c.sort_values(["start_date", "contact_id"]).reset_index(drop=True)


def contact_gaps(contacts: pd.DataFrame) -> pd.DataFrame:
    """Days between one contact's last day and the next contact's first day, in date order.

    ``contacts`` is usually :func:`leader_contacts`. Returns ``from_id, to_id, from_kind, to_kind,
    from_date, to_date, days``; ``from_date`` is the earlier contact's end date (its start date if
    it has none). Overlapping contacts give 0, never a negative gap.
    """
    c = contacts.sort_values(["start_date", "contact_id"]).reset_index(drop=True)
    ends = c["end_date"].fillna(c["start_date"])
    rows = []
    for i in range(1, len(c)):
        days = max(0, (c.loc[i, "start_date"] - ends.iloc[i - 1]).days)
        rows.append({"from_id": c.loc[i - 1, "contact_id"], "to_id": c.loc[i, "contact_id"],
                     "from_kind": c.loc[i - 1, "kind"], "to_kind": c.loc[i, "kind"],
                     "from_date": ends.iloc[i - 1], "to_date": c.loc[i, "start_date"], "days": days})
    return pd.DataFrame(rows, columns=["from_id", "to_id", "from_kind", "to_kind", "from_date", "to_date", "days"])


def longest_gap(gaps: pd.DataFrame) -> pd.Series:
    """The row of :func:`contact_gaps` with the most days (the earliest if tied)."""
    if gaps.empty:
        raise ValueError("no gaps: fewer than two contacts")
    return gaps.loc[gaps["days"].idxmax()]


FIRST_TERM = ("2016-11-01", "2020-12-31")  # with the president-elect call of November 2016
SECOND_TERM = ("2025-01-01", None)  # with the president-elect call of January 2025


def initiator_counts(contacts: pd.DataFrame, kind: str = "call", level: str = "leader",
                     start: str | None = None, end: str | None = None) -> dict[str, int]:
    """How many contacts of ``kind`` at ``level`` (from ``start`` to ``end``) each side initiated, where a source says so.

    Keys are always ``US``, ``China`` and ``unknown``; announcing a call first is not initiating it
    (see the ``contacts`` table description).
    """
    c = contacts[(contacts["kind"] == kind) & (contacts["level"] == level)]
    if start is not None:
        c = c[c["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        c = c[c["start_date"] <= pd.Timestamp(end)]
    counts = c["initiated_by"].value_counts()
    return {k: int(counts.get(k, 0)) for k in ("US", "China", "unknown")}


def period_of(ts) -> str:
    """The :data:`PERIODS` label whose years contain ``ts``."""
    year = pd.Timestamp(ts).year
    for label, (first, last) in PERIODS.items():
        if first <= year <= last:
            return label
    raise ValueError(f"{ts} is outside every period")


def timeline_data(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts with the columns the timeline chart and its table need (period, labels, sources)."""
    t = data.with_sources(contacts)
    t["period"] = t["start_date"].map(period_of)
    t["date_label"] = t["start_date"].dt.strftime("%-d %b %Y")
    month = t["date_precision"] == "month"
    t.loc[month, "date_label"] = t.loc[month, "start_date"].dt.strftime("%b %Y") + " (day not sourced)"
    multi = t["end_date"].notna() & (t["end_date"] > t["start_date"])
    t.loc[multi, "date_label"] = t.loc[multi, "date_label"] + " to " + t.loc[multi, "end_date"].dt.strftime("%-d %b %Y")
    t["who"] = t["us_participants"].fillna("") + " | " + t["china_participants"].fillna("")
    t["initiated"] = t["initiated_by"].where(t["initiated_by"] != "unknown", "not stated in the sources")
    t["level_label"] = t["level"].map({"leader": "Leaders", "minister": "Ministers / envoys"}).fillna(t["level"])
    return t


def gap_band(contacts: pd.DataFrame, start: str = "2025-01-01") -> pd.DataFrame:
    """One row: the longest gap between leader contacts since ``start``, for the timeline band."""
    g = longest_gap(contact_gaps(leader_contacts(contacts, start=start)))
    return pd.DataFrame([{
        "from_date": g["from_date"], "to_date": g["to_date"], "days": int(g["days"]),
        "period": period_of(g["to_date"]), "label": f"{int(g['days'])} days with no leader contact",
        "mid_date": g["from_date"] + (g["to_date"] - g["from_date"]) / 2,
        "short_label": f"{int(g['days'])} days with\nno leader contact",
        "from_label": _day(g["from_date"]), "to_label": _day(g["to_date"]),
    }])


def timeline_chart(contacts: pd.DataFrame) -> alt.LayerChart:
    """Every contact 2017-2026 as a dot on its kind's row, coloured by kind.

    Two Vega controls filter the dots: ``kind_pick`` (radio: all kinds or one) and ``period_pick``
    (select: all years or one period). A shaded band marks the longest 2025 gap between leader
    contacts, with its length in days.
    """
    t = timeline_data(contacts)
    band = gap_band(contacts)
    kinds = [k for k in KIND_ORDER if k in set(t["kind"])]
    kind_pick = alt.param(name="kind_pick", value=ALL,
                          bind=alt.binding_radio(options=[ALL, *kinds], name="Kind of contact: "))
    period_pick = alt.param(name="period_pick", value=ALL,
                            bind=alt.binding_select(options=[ALL, *PERIODS], name="Period: "))
    in_period = f"period_pick == '{ALL}' || datum.period == period_pick"
    in_kind = f"kind_pick == '{ALL}' || datum.kind == kind_pick"
    # No fixed format: Vega's multi-scale time format shows years on the full range, months when filtered.
    x = alt.X("start_date:T", title=None, axis=alt.Axis(labelAngle=0, tickCount=8))
    color = alt.Color("kind:N", title="Kind", scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
                      legend=alt.Legend(orient="top", columns=3))
    tooltip = [
        alt.Tooltip("date_label:N", title="Date"),
        alt.Tooltip("kind:N", title="Kind"),
        alt.Tooltip("level_label:N", title="Level"),
        alt.Tooltip("who:N", title="US | China"),
        alt.Tooltip("location:N", title="Where"),
        alt.Tooltip("initiated:N", title="Requested by"),
        alt.Tooltip("outcome:N", title="Outcome"),
        alt.Tooltip("source_label:N", title="Source"),
    ]
    shade = alt.Chart(band).transform_filter(in_period).mark_rect(color="#8a62b8", opacity=0.18).encode(
        x="from_date:T", x2="to_date:T",
        tooltip=[alt.Tooltip("label:N", title="Gap"), alt.Tooltip("from_label:N", title="From"),
                 alt.Tooltip("to_label:N", title="To")])
    # on all years the band is near the right end: the note ends at its right edge and runs left, over years with no
    # call, so it stays inside on a phone; when the period filter shows the band's period the band starts near the
    # left axis, so the note starts at its left edge and runs right
    note_style = dict(baseline="top", dy=2, fontSize=12, fontWeight="bold", lineBreak="\n")
    own_period = "period_pick == datum.period"
    note = alt.Chart(band).transform_filter(in_period).transform_filter(f"!({own_period})").mark_text(
        align="right", dx=-3, **note_style).encode(x="to_date:T", y=alt.value(0), text="short_label:N")
    note_in_period = alt.Chart(band).transform_filter(own_period).mark_text(
        align="left", dx=3, **note_style).encode(x="from_date:T", y=alt.value(0), text="short_label:N")
    dots = alt.Chart(t).transform_filter(in_period).transform_filter(in_kind).mark_point(
        filled=True, size=110, opacity=0.9).encode(
        x=x, y=alt.Y("kind:N", title=None, sort=kinds, scale=alt.Scale(domain=kinds, padding=1.3)),
        color=color, shape=alt.Shape("level_label:N", title="Level", legend=alt.Legend(orient="bottom")),
        tooltip=tooltip, href="source_url:N")
    first, last = t["start_date"].min(), t["start_date"].max()
    return alt.layer(shade, note, note_in_period, dots).add_params(kind_pick, period_pick).properties(
        width=WIDTH, height=300,
        description=(
            f"Timeline of {len(t)} US-China contacts from {first:%B %Y} to {last:%B %Y}, one row per kind "
            "(call, meeting, summit, visit, envoy trip, ministerial round), coloured by kind. A shaded band marks "
            f"the {band['days'].iloc[0]} days between the leaders' call of {band['from_label'].iloc[0]} and their call "
            f"of {band['to_label'].iloc[0]}. Controls filter by kind and by period."),
    )


# --------------------------------------------------------------------------------------------
# Two voices: paired statements
# --------------------------------------------------------------------------------------------

def statement_events(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per event, numbered 1.. in order of its earliest statement: ``event_index, event_id,
    event_label, first_date, n_us, n_china``."""
    g = statements.groupby("event_id", sort=False)
    ev = pd.DataFrame({
        "event_label": g["event_label"].first(),
        "first_date": g["date"].min(),
        "n_us": g["side"].apply(lambda s: int((s == "US").sum())),
        "n_china": g["side"].apply(lambda s: int((s == "China").sum())),
    }).reset_index()
    ev = ev.sort_values(["first_date", "event_id"]).reset_index(drop=True)
    ev.insert(0, "event_index", range(1, len(ev) + 1))
    return ev


def wrap(text: str, width: int = 44) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters (words are never broken)."""
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def statement_panels(statements: pd.DataFrame, width: int = 26) -> pd.DataFrame:
    """Text blocks for the side-by-side chart: one row per statement, its quote wrapped into lines.

    ``line`` is the block's first line within its side's column (line 0 is the column header), so
    quotes stack under each other; the attribution (also wrapped) starts at ``attr_line``, and
    ``n_lines`` counts the quote and attribution lines.
    """
    ev = statement_events(statements).set_index("event_id")
    s = data.with_sources(statements)
    s = s.assign(event_index=s["event_id"].map(ev["event_index"])).sort_values(["event_index", "side", "date", "statement_id"])
    rows = []
    for (_, side), grp in s.groupby(["event_index", "side"], sort=False):
        line = 1
        for _, r in grp.iterrows():
            lines = wrap(f"\u201c{r['quote']}\u201d", width)
            attribution = wrap(f"\u2014 {r['speaker']}, {_day(r['date'])}", width)
            rows.append({**r.to_dict(), "line": line, "n_lines": len(lines) + len(attribution),
                         "text": "\n".join(lines), "attribution": "\n".join(attribution),
                         "attr_line": line + len(lines),
                         "col": 0.0 if side == "US" else 1.0})
            line += len(lines) + len(attribution) + 1
    return pd.DataFrame(rows)


def statements_chart(statements: pd.DataFrame, width: int = 26) -> alt.LayerChart:
    """Washington's and Beijing's words on the same event, side by side.

    A select control (Vega param ``event_step``) steps through the events in date order; the
    tooltip of each quote gives speaker, role, date, note and source, and a click opens the source.
    """
    p = statement_panels(statements, width)
    ev = statement_events(statements)
    n_rows = int((p["line"] + p["n_lines"]).max()) + 1
    step = alt.param(name="event_step", value=1, bind=alt.binding_select(
        options=ev["event_index"].tolist(),
        labels=[f"{i}. {lab}" for i, lab in zip(ev["event_index"], ev["event_label"], strict=True)], name="Event: "))
    show = "datum.event_index == event_step"
    # true on a phone ("width > 0" re-reads the container when the chart is resized)
    narrow = narrow_param("statements_narrow")
    x = alt.X("col:Q", scale=alt.Scale(domain=[0, 2]), axis=None)
    y_scale = alt.Scale(domain=[-2.7, n_rows], reverse=True)
    tooltip = [alt.Tooltip("speaker:N", title="Speaker"), alt.Tooltip("role:N", title="Role"),
               alt.Tooltip("date:T", title="Said on", format="%-d %b %Y"),
               alt.Tooltip("note:N", title="Note"), alt.Tooltip("source_label:N", title="Source")]
    base = alt.Chart(p).transform_filter(show)
    quotes = base.mark_text(align="left", baseline="top", lineBreak="\n", lineHeight=18,
                            fontSize=alt.ExprRef("statements_narrow ? 11 : 12")).encode(
        x=x, y=alt.Y("line:Q", scale=y_scale, axis=None), text="text:N", tooltip=tooltip, href="source_url:N")
    attributions = base.mark_text(align="left", baseline="top", fontSize=11, fontStyle="italic", dy=3,
                                  lineBreak="\n", lineHeight=18).encode(
        x=x, y=alt.Y("attr_line:Q", scale=y_scale, axis=None), text="attribution:N", tooltip=tooltip,
        href="source_url:N")
    heads = pd.DataFrame({"col": [0.0, 1.0], "line": [0, 0], "side": ["US", "China"],
                          "text": ["Washington said", "Beijing said"]})
    header = alt.Chart(heads).mark_text(align="left", baseline="top", fontSize=14, fontWeight="bold").encode(
        x=x, y=alt.Y("line:Q", scale=y_scale, axis=None), text="text:N")
    names = [f"{lab} ({d:%-d %B %Y})" for lab, d in zip(ev["event_label"], ev["first_date"], strict=True)]
    # the event's name on at most two lines: across both columns, or (on a phone) in PHONE_TITLE_CHARS a line
    titles = ev.assign(col=0.0, line=-2.6, wide=["\n".join(wrap(n, 2 * width)) for n in names],
                       phone=["\n".join(wrap(n, PHONE_TITLE_CHARS)) for n in names])
    title = alt.Chart(titles).transform_filter(show).transform_calculate(
        title="statements_narrow ? datum.phone : datum.wide").mark_text(
        align="left", baseline="top", fontSize=14, fontWeight="bold", lineBreak="\n", lineHeight=18).encode(
        x=x, y=alt.Y("line:Q", scale=y_scale, axis=None), text="title:N")
    return alt.layer(title, header, quotes, attributions).add_params(step, narrow).properties(
        width=WIDTH, height=int((n_rows + 2.7) * 18),
        description=(
            f"Two columns of text: what Washington said (left) and what Beijing said (right) about the same event, "
            f"for {len(ev)} events from {ev['first_date'].min():%B %Y} to {ev['first_date'].max():%B %Y}; "
            "a select control steps through the events. Every quote is also in the data table below."),
    )


def statement_pair_html(statements: pd.DataFrame, event_id: str) -> str:
    """Two HTML columns (Washington | Beijing) with the quotes of one event, for the local widget."""
    s = data.with_sources(statements[statements["event_id"] == event_id]).sort_values(["date", "statement_id"])
    if s.empty:
        raise KeyError(f"no statements for event {event_id!r}")
    cols = []
    for side in ("US", "China"):
        items = "".join(
            f"<blockquote style='margin:.3rem 0 .8rem'>\u201c{html.escape(r.quote)}\u201d<br>"
            f"<small>\u2014 {html.escape(r.speaker)}, {html.escape(r.role)}, {_day(r.date)} "
            f"(<a href='{html.escape(r.source_url)}'>{html.escape(r.source_publisher)}</a>)</small></blockquote>"
            for r in s[s["side"] == side].itertuples())
        cols.append(f"<div style='flex:1;min-width:14rem'><strong style='color:{SIDE_COLORS[side]}'>"
                    f"What {SIDE_NAMES[side]} said</strong>{items}</div>")
    label = html.escape(s["event_label"].iloc[0])
    return f"<h4>{label}</h4><div style='display:flex;gap:1.5rem;flex-wrap:wrap'>{''.join(cols)}</div>"


def statements_widget(statements: pd.DataFrame):
    """ipywidgets: a dropdown of events and the two voices for the chosen one (local notebooks only)."""
    import ipywidgets as widgets

    ev = statement_events(statements)
    pick = widgets.Dropdown(options=[(f"{r.event_index}. {r.event_label}", r.event_id) for r in ev.itertuples()],
                            description="Event:", layout=widgets.Layout(width="32rem"))
    out = widgets.HTML(statement_pair_html(statements, pick.value))
    pick.observe(lambda change: setattr(out, "value", statement_pair_html(statements, change["new"])), names="value")
    return widgets.VBox([pick, out])


# --------------------------------------------------------------------------------------------
# Facts for the prose
# --------------------------------------------------------------------------------------------

def channels_facts(contacts: pd.DataFrame, channels: pd.DataFrame, statements: pd.DataFrame) -> dict:
    """Every number the channels chapter's prose cites, computed from the three tables."""
    second = leader_contacts(contacts, start="2025-01-01")
    gaps2 = contact_gaps(second)
    g = longest_gap(gaps2)
    after = second[second["start_date"] > g["to_date"]]
    calls = initiator_counts(contacts, start=SECOND_TERM[0])
    ft = initiator_counts(contacts, start=FIRST_TERM[0], end=FIRST_TERM[1])
    ft_calls = contacts[(contacts["kind"] == "call") & (contacts["level"] == "leader")
                        & contacts["start_date"].between(pd.Timestamp(FIRST_TERM[0]), pd.Timestamp(FIRST_TERM[1]))]
    status = status_counts(channels)
    ev = statement_events(statements)
    ministerial_2025 = contacts[(contacts["kind"] == "ministerial") & (contacts["start_date"].dt.year == 2025)]
    ministerial_after = contacts[(contacts["kind"] == "ministerial") & (contacts["start_date"] >= pd.Timestamp("2025-05-01"))]
    busan = contacts.set_index("contact_id").loc["2025-10-30-busan-meeting"]
    beijing = contacts.set_index("contact_id").loc["2026-05-beijing-state-visit"]
    geneva = contacts.set_index("contact_id").loc["2025-05-10-geneva-talks"]
    first_us = second[(second["initiated_by"] == "US") & (second["kind"] == "call")].iloc[0]
    active = channels[channels["status_april_2025"] == "active"]
    second_gaps = gaps2.sort_values("days", ascending=False)
    return {
        "gap_days": int(g["days"]),
        "gap_from": _day(g["from_date"]),
        "gap_to": _day(g["to_date"]),
        "gap_weeks": int(g["days"]) // 7,
        "second_gap_days": int(second_gaps["days"].iloc[1]),
        "second_gap_from": _day(second_gaps["from_date"].iloc[1]),
        "second_gap_to": _day(second_gaps["to_date"].iloc[1]),
        "nov_call": _day(contacts.set_index("contact_id").loc["2025-11-24-trump-xi-call", "start_date"]),
        "n_leader_contacts_2025": len(second),
        "n_leader_after_gap": len(after),
        "n_leader_calls": sum(calls.values()),
        "calls_us": calls["US"],
        "calls_china": calls["China"],
        "calls_unknown": calls["unknown"],
        "first_us_call": _day(first_us["start_date"]),
        "ft_calls": sum(ft.values()),
        "ft_calls_us": ft["US"],
        "ft_calls_china": ft["China"],
        "ft_calls_unknown": ft["unknown"],
        "ft_first_call": _day(ft_calls["start_date"].min()),
        "ft_last_call": _day(ft_calls["start_date"].max()),
        "n_channels": len(channels),
        "n_active": status["active"],
        "n_refused": status["refused"],
        "n_unproductive": status["unproductive"],
        "n_disputed": status["disputed"],
        "active_levels": " and ".join(sorted(set(active["level"]))),
        "n_events": len(ev),
        "n_statements": len(statements),
        "n_contacts": len(contacts),
        "n_ministerial_2025": len(ministerial_2025),
        "n_ministerial_after_may": len(ministerial_after),
        "geneva_date": _day(geneva["start_date"]),
        "busan_date": _day(busan["start_date"]),
        "beijing_visit": _day(beijing["start_date"]),
        "days_call_to_busan": int((busan["start_date"] - g["to_date"]).days),
    }
