"""The first trade war, 2017-2020 (chapters/first_trade_war.ipynb): its tables, charts and facts.

Pure functions over validated tables (``tariff_actions``, ``tariff_averages``, ``contacts``): tidy frames
for charts, the charts themselves (Altair, Vega-Lite params only, so they work in the static site), and
``first_term_facts``, the names the chapter's prose cites with {eval}. Nothing here types a number.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from ..charts import SIDE_LABELS, narrow_param, side_color
from ..data import sourced as _sourced
from ..fmt import day as _day
from ..fmt import day_short as _short_day
from ..fmt import num as _num
from ..tariffs import NEVER_APPLIED, STATUS_LABELS
from ..theme import KIND_COLORS, WIDTH
from .channels import FIRST_TERM as CONTACTS_FIRST_TERM

FIRST_TERM = ("2018-01-01", "2020-12-31")
SHOW_ALL = "All measures"
SHOW_APPLIED = "Applied only"
SHOW_NEVER = "Never applied"

# Short names for the first-term rounds (names, not numbers: the numbers come from the rows).
ROUND_NAMES = {
    "us-2018-03-s232-steel-aluminium": "Steel/aluminium (all countries)",
    "us-2018-03-23-s232-steel-aluminium": "Steel/aluminium (all countries)",
    "cn-2018-04-02-s232-retaliation": "Steel/aluminium reply",
    "us-2018-07-06-list1": "List 1",
    "cn-2018-07-06-list1-reply": "Reply to List 1",
    "us-2018-08-23-list2": "List 2",
    "cn-2018-08-23-list2-reply": "Reply to List 2",
    "us-2018-09-24-list3": "List 3",
    "cn-2018-09-24-list3-reply": "Reply to List 3",
    "us-2019-01-01-list3-rise-postponed": "List 3 rise held back",
    "us-2019-05-10-list3-25": "List 3 raised",
    "cn-2019-06-01-list3-reply-raised": "Reply raised",
    "us-2019-09-01-list4a": "List 4A",
    "cn-2019-09-01-75bn-first-batch": "$75bn list, batch 1",
    "us-2019-10-15-lists1-3-to-30": "Lists 1-3 rise",
    "us-2019-12-15-list4b": "List 4B",
    "cn-2019-12-15-tranche": "Dec 2019 tranche",
    "us-2020-02-14-list4a-cut": "List 4A cut",
    "cn-2020-02-14-halved": "Sep 2019 tariffs halved",
}


def first_term_rounds(actions: pd.DataFrame) -> pd.DataFrame:
    """Every 2018-2020 tariff step by either side that has a date (effective, or planned if it never applied).

    Adds ``date`` (effective date, else planned date), ``name``, ``side_label``, ``status_label``,
    ``applied`` and ``trade_text``. Steps with neither date (the global Section 232 tariffs, whose
    effective date is not sourced) are left out.
    """
    a = actions.copy()
    a["date"] = a["effective_date"].fillna(a["planned_date"])
    a = a[a["date"].notna() & (a["date"] >= pd.Timestamp(FIRST_TERM[0])) & (a["date"] <= pd.Timestamp(FIRST_TERM[1]))]
    a = a.sort_values(["date", "actor"], kind="stable").reset_index(drop=True)
    a["name"] = a["action_id"].map(ROUND_NAMES).fillna(a["measure"])
    a["side_label"] = a["actor"].map(SIDE_LABELS)
    a["status_label"] = a["status"].map(STATUS_LABELS)
    a["applied"] = a["status"] == "applied"
    a["trade_text"] = a["trade_covered_bn"].map(lambda v: "not stated" if pd.isna(v) else f"${_num(v)}bn")
    a["date_label"] = a["date"].map(_short_day)
    a["date_kind"] = a["effective_date"].notna().map({True: "Effective", False: "Was due"})
    return _sourced(a)


def truces(contacts: pd.DataFrame) -> pd.DataFrame:
    """The leader meetings that paused the first trade war, and the Phase One signing (from ``contacts``)."""
    ids = {"2018-12-01-buenos-aires-dinner": "Buenos Aires truce",
           "2019-06-29-osaka-meeting": "Osaka truce",
           "2020-01-15-phase-one-signing": "Phase One signed"}
    t = contacts[contacts["contact_id"].isin(ids)].copy()
    t["label"] = t["contact_id"].map(ids)
    t["date"] = t["start_date"]
    t["date_label"] = t["date"].map(_short_day)
    return _sourced(t.reset_index(drop=True))


def _short_rate(row) -> str:
    if pd.isna(row["resulting_rate_pct"]):
        return ""
    several = row["rate_detail"].lower().startswith("up to") or " and " in row["rate_detail"]
    return ("up to " if several else "") + f"{_num(row['resulting_rate_pct'])}%"


ROUNDS_DOMAIN = ("2018-03-01", "2020-03-31")
ROUNDS_Y, ROUNDS_HEIGHT = (0.35, 2.8), 340
# Labels are placed in px, for the narrowest plot of each layout: wide (a container of PHONE_CONTAINER px or more, its
# plot at least WIDE_PX) and phone (plot at least PHONE_PX). A wider plot only moves marks apart, so what is clear at
# these widths stays clear. Each label sits on a row above or below its side's lane (ROW_PX: px from the lane, nearest
# first), right of its mark or left of it, joined to it by a thin leader line; the first place where it is clear of
# every other label, leader line and mark wins, so no text crosses a line or a symbol. On a phone a label takes a line
# for the step's name and one for its rate. The truce lines break where a label crosses them.
PHONE_CONTAINER = 700  # px: a chart narrower than this (its plot under ~600 px) gets the phone layout
WIDE_PX, PHONE_PX, CHAR_PX, LINE_PX, GAP_PX = 590, 240, 6, 12, 3
ROW_PX = (22, 35, 48, 61, 74, 87)
TRUCE_TOP_PX = {"wide": 14, "phone": 27}  # the truce names' one (two on a phone) lines at the top


def _lane_px(lane: float) -> float:
    return (ROUNDS_Y[1] - lane) / (ROUNDS_Y[1] - ROUNDS_Y[0]) * ROUNDS_HEIGHT


def _place(r: pd.DataFrame, lines: pd.Series, plot_px: int, top_px: int) -> tuple[pd.Series, pd.Series]:
    """Each label's row (in lane units; NaN where no place is clear: the tooltip names it) and whether it sits left of
    its mark, for a plot ``plot_px`` wide whose top ``top_px`` px hold the truce names."""
    d0, d1 = (pd.Timestamp(d) for d in ROUNDS_DOMAIN)
    x = (r["date"] - d0).dt.days * plot_px / (d1 - d0).days
    lane = r["lane"].map(_lane_px)
    w = lines.map(lambda ls: max(map(len, ls)) * CHAR_PX)
    h = lines.map(len) * LINE_PX
    half = r["trade_covered_bn"].map(lambda v: (30 + 870 * v / 250 if pd.notna(v) else 50) ** 0.5 / 2 + 2)
    boxes = [(x[i] - half[i], x[i] + half[i], lane[i] - half[i], lane[i] + half[i]) for i in r.index]  # the marks
    ticks: list[tuple[float, float, float]] = []   # leader lines: x, y from, y to
    placed: list[tuple[float, float, float, float]] = []
    y = pd.Series(float("nan"), index=r.index)
    left = pd.Series(False, index=r.index)
    outward = r["actor"].map({"US": -1, "China": 1})   # px direction away from the other lane
    wants_left = x + 3 + w > plot_px

    def clear(i, yc, on_left) -> bool:
        t, b = yc - h[i] / 2, yc + h[i] / 2
        x0, x1 = (x[i] - 3 - w[i], x[i] - 3) if on_left else (x[i] + 3, x[i] + 3 + w[i])
        if t < top_px or b > ROUNDS_HEIGHT - 2 or x0 < 0 or x1 > plot_px:
            return False
        r0, r1, r2, r3 = x0 - GAP_PX, x1 + GAP_PX, t - 1, b + 1
        lo, hi = sorted((lane[i], yc))
        return not (any(o[0] < r1 and o[1] > r0 and o[2] < r3 and o[3] > r2 for o in boxes + placed)
                    or any(r0 < tx < r1 and min(a, c) < r3 and max(a, c) > r2 for tx, a, c in ticks)
                    or any(o[0] - 1 < x[i] < o[1] + 1 and o[2] < hi and o[3] > lo for o in placed))

    # like stairs: labels right of their mark from the last to the first, so an earlier step's leader line passes left
    # of the later labels; then those left of their mark (near the right edge) from the first to the last
    order = list(reversed(r.index[~wants_left])) + list(r.index[wants_left])
    for i in order:
        pref = (bool(wants_left[i]), not wants_left[i])
        dirs = (-outward[i], outward[i]) if wants_left[i] else (outward[i], -outward[i])
        spot = next(((lane[i] + d * row, on_left) for on_left in pref for d in dirs for row in ROW_PX
                     if clear(i, lane[i] + d * row, on_left)), None)
        if spot is None:
            continue
        yc, on_left = spot
        x0, x1 = (x[i] - 3 - w[i], x[i] - 3) if on_left else (x[i] + 3, x[i] + 3 + w[i])
        placed.append((x0, x1, yc - h[i] / 2, yc + h[i] / 2))
        ticks.append((x[i], lane[i], yc))
        y[i], left[i] = _lane_of(yc), on_left
    return y, left


def _lane_of(px: float) -> float:
    return ROUNDS_Y[1] - px / ROUNDS_HEIGHT * (ROUNDS_Y[1] - ROUNDS_Y[0])


def _label_lines(r: pd.DataFrame, phone: bool) -> pd.Series:
    """A label's lines: one (name and rate), or on a phone the name in lines of at most 16 characters, then the rate."""
    if not phone:
        return r["label"].map(lambda t: [t])
    return r.apply(lambda row: textwrap.wrap(row["name"], 16) + ([_short_rate(row)] if _short_rate(row) else []), axis=1)


def rounds_layout(actions: pd.DataFrame) -> pd.DataFrame:
    """:func:`first_term_rounds` plus chart positions: a lane per side (``lane``) and each label's place in the wide
    layout (``label_y``, ``label_right``: left of its mark) and on a phone (``phone_y``, ``phone_right``,
    ``phone_label`` in lines); a ``*_y`` is empty where no place is clear (see :func:`_place`)."""
    r = first_term_rounds(actions)
    r["lane"] = r["actor"].map({"US": 2.0, "China": 1.0})
    r["label"] = (r["name"] + " " + r.apply(_short_rate, axis=1)).str.strip()
    r["label_y"], r["label_right"] = _place(r, _label_lines(r, False), WIDE_PX, TRUCE_TOP_PX["wide"])
    phone_lines = _label_lines(r, True)
    r["phone_y"], r["phone_right"] = _place(r, phone_lines, PHONE_PX, TRUCE_TOP_PX["phone"])
    r["phone_label"] = phone_lines.str.join("\n")
    return r


def truce_segments(tr: pd.DataFrame, r: pd.DataFrame) -> pd.DataFrame:
    """Each truce's dashed line as segments (``y``, ``y2`` in lane units; ``layout`` wide or phone) that leave out the
    rows where a label crosses the truce's date."""
    d0, d1 = (pd.Timestamp(d) for d in ROUNDS_DOMAIN)
    out = []
    for layout, plot_px, col, right_col, lines in (("wide", WIDE_PX, "label_y", "label_right", _label_lines(r, False)),
                                                   ("phone", PHONE_PX, "phone_y", "phone_right", _label_lines(r, True))):
        x = (r["date"] - d0).dt.days * plot_px / (d1 - d0).days
        w = lines.map(lambda ls: max(map(len, ls)) * CHAR_PX)
        h = lines.map(len) * LINE_PX
        for _, t in tr.iterrows():
            xt = (t["date"] - d0).days * plot_px / (d1 - d0).days
            gaps = []
            for i in r.index[r[col].notna()]:
                x0, x1 = (x[i] - 3 - w[i], x[i] - 3) if r.at[i, right_col] else (x[i] + 3, x[i] + 3 + w[i])
                if x0 - GAP_PX <= xt <= x1 + GAP_PX:
                    yc = _lane_px(r.at[i, col])
                    gaps.append((yc - h[i] / 2 - 2, yc + h[i] / 2 + 2))
            top = 0.0
            for a, b in sorted(gaps) + [(ROUNDS_HEIGHT, ROUNDS_HEIGHT)]:
                if a > top:
                    out.append(t.to_dict() | {"layout": layout, "y": _lane_of(top), "y2": _lane_of(a)})
                top = max(top, b)
    return pd.DataFrame(out)


def rounds_chart(actions: pd.DataFrame, contacts: pd.DataFrame) -> alt.LayerChart:
    """Timeline of the 2018-2020 tariff rounds, a lane per side, with the truces marked.

    Each step is a mark in its side's lane, labelled with its name and rate (on a phone, the labels that fit:
    see :func:`_place`: every label on a wide screen); mark size is the trade the list covered (a fixed small mark where no source
    states it). Hollow marks never applied. A radio control (param ``round_status``) shows all steps, applied
    ones only or never-applied ones only. On a phone the legends stack and the truce names take two lines.
    """
    rounds = rounds_layout(actions)
    tr = truces(contacts)
    # the phone layout, by the container's width ("width > 0" re-reads it when the chart is resized)
    narrow = narrow_param("rounds_narrow", below=PHONE_CONTAINER)
    show = alt.param(name="round_status", value=SHOW_ALL,
                     bind=alt.binding_radio(options=[SHOW_ALL, SHOW_APPLIED, SHOW_NEVER], name="Show: "))
    keep = (f"round_status == '{SHOW_ALL}' || (round_status == '{SHOW_APPLIED}' && datum.applied) "
            f"|| (round_status == '{SHOW_NEVER}' && !datum.applied)")
    domain = list(ROUNDS_DOMAIN)
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=domain),
              axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    yscale = alt.Scale(domain=list(ROUNDS_Y))
    y = alt.Y("lane:Q", title=None, scale=yscale,
              axis=alt.Axis(values=[1, 2], grid=False, labelExpr="datum.value == 2 ? 'US lists' : \"China's replies\""))
    tooltip = [alt.Tooltip("name:N", title="Step"), alt.Tooltip("side_label:N", title="Side"),
               alt.Tooltip("date_kind:N", title="Date is"), alt.Tooltip("date_label:N", title="Date"),
               alt.Tooltip("rate_detail:N", title="Rate"), alt.Tooltip("trade_text:N", title="Trade covered"),
               alt.Tooltip("status_label:N", title="Status"), alt.Tooltip("measure:N", title="Measure"),
               alt.Tooltip("source_label:N", title="Source")]
    shape = alt.Shape("status_label:N", title="Status",
                      scale=alt.Scale(domain=list(STATUS_LABELS.values()),
                                      range=["circle", "triangle-up", "diamond", "cross"]),
                      legend=alt.Legend(orient="top", direction="vertical", labelLimit=0))
    size = alt.Size("trade_covered_bn:Q", title="Trade covered (USD bn)",
                    scale=alt.Scale(domain=[0, 250], range=[30, 900]),
                    legend=alt.Legend(orient="top", values=[16, 60, 200], labelLimit=0))
    color = side_color()
    fill = alt.condition("datum.applied", color, alt.value("transparent"))
    base = alt.Chart(rounds).transform_filter(keep)
    labelled = base.transform_calculate(
        ly="rounds_narrow ? datum.phone_y : datum.label_y", right="rounds_narrow ? datum.phone_right : datum.label_right",
        shown="rounds_narrow ? datum.phone_label : datum.label",
    ).transform_filter("isValid(datum.ly)")
    sized = base.transform_filter("isValid(datum.trade_covered_bn)").mark_point(strokeWidth=2, opacity=0.85).encode(
        x=x, y=y, size=size, shape=shape, color=color, fill=fill, tooltip=tooltip, href="source_url:N")
    unsized = base.transform_filter("!isValid(datum.trade_covered_bn)").mark_point(
        strokeWidth=2, size=50, opacity=0.85).encode(
        x=x, y=y, shape=shape, color=color, fill=fill, tooltip=tooltip, href="source_url:N")
    ticks = labelled.mark_rule(strokeWidth=1, opacity=0.5).encode(
        x=x, y=alt.Y("lane:Q", scale=yscale), y2="ly:Q", color=color)
    labels = labelled.mark_text(fontSize=10, align=alt.ExprRef("datum.right ? 'right' : 'left'"),
                                dx=alt.ExprRef("datum.right ? -3 : 3"), lineBreak="\n", lineHeight=LINE_PX).encode(
        x=x, y=alt.Y("ly:Q", scale=yscale), text="shown:N", color=color)
    # each truce's dashed line, broken where a label crosses it (truce_segments), in this width's layout
    rules = alt.Chart(truce_segments(tr, rounds)).transform_filter(
        "datum.layout == (rounds_narrow ? 'phone' : 'wide')").mark_rule(strokeDash=[4, 3], color="#7a7a7a").encode(
        x=alt.X("date:T", scale=alt.Scale(domain=domain)), y=alt.Y("y:Q", scale=yscale), y2="y2:Q", href="source_url:N",
        tooltip=[alt.Tooltip("label:N", title="Event"), alt.Tooltip("date_label:N", title="Date"),
                 alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("source_label:N", title="Source")])
    tr["label_lines"] = tr["label"].str.rsplit(" ", n=1).str.join("\n")  # "Buenos Aires" / "truce" on a phone
    rule_text = alt.Chart(tr).transform_calculate(text="rounds_narrow ? datum.label_lines : datum.label").mark_text(
        align="right", baseline="top", dx=-4, fontSize=10, lineBreak="\n", color="#7a7a7a").encode(
        x=alt.X("date:T", scale=alt.Scale(domain=domain)), y=alt.datum(ROUNDS_Y[1], scale=yscale), text="text:N")
    stack = alt.ExprRef("{top: {direction: rounds_narrow ? 'vertical' : 'horizontal'}}")  # phone: legends one above another
    return alt.layer(rules, rule_text, ticks, sized, unsized, labels).add_params(show, narrow).properties(
        width=WIDTH, height=ROUNDS_HEIGHT,
        description=("Timeline of the 2018 to early-2020 tariff steps: a lane for the US lists on Chinese goods and "
                     "one for China's replies. Each mark is a step, labelled with its name and rate; its size is the "
                     "trade the list covered; hollow marks never applied. Dashed lines mark the Buenos Aires and "
                     "Osaka truces and the Phase One signing. A radio control filters by status. On a narrow "
                     "screen only the labels that fit are shown; every mark's tooltip names its step."
                     )).configure_legend(layout=stack)


def first_term_averages(averages: pd.DataFrame) -> pd.DataFrame:
    """PIIE average-tariff points dated 2018-2020 (actual and planned), sources joined, labels added."""
    a = averages[(averages["as_of"] >= pd.Timestamp(FIRST_TERM[0])) & (averages["as_of"] <= pd.Timestamp(FIRST_TERM[1]))]
    a = _sourced(a.rename(columns={"imposer": "actor"}).reset_index(drop=True))
    a["side_label"] = a["actor"].map(SIDE_LABELS)
    a["date_label"] = a["as_of"].map(_short_day)
    a.loc[a["date_precision"] != "day", "date_label"] = a["as_of"].dt.strftime("%b %Y") + " (no exact day stated)"
    a["kind_label"] = a["kind"].map({"actual": "In force", "planned": "Planned, never realised"})
    # The line joins one point per side and date: the snapshot published nearest the date (first row).
    a["on_line"] = (a["kind"] == "actual") & ~a.duplicated(["actor", "as_of", "kind"], keep="first")
    return a


def first_term_averages_chart(averages: pd.DataFrame) -> alt.LayerChart:
    """PIIE trade-weighted averages both ways, 2018-2020, with the never-realised December 2019 plans.

    A checkbox (param ``show_plans``) shows or hides the planned levels.
    """
    a = first_term_averages(averages)
    plans = alt.param(name="show_plans", value=True,
                      bind=alt.binding_checkbox(name="Show planned levels that were never reached "))
    x = alt.X("as_of:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8),
              scale=alt.Scale(domain=["2017-12-01", "2020-03-31"]))
    y = alt.Y("avg_tariff_pct:Q", title="Average tariff (%)", scale=alt.Scale(domain=[0, 30]))
    tooltip = [alt.Tooltip("side_label:N", title="Side"), alt.Tooltip("date_label:N", title="As of"),
               alt.Tooltip("avg_tariff_pct:Q", title="Average tariff (%)", format=".1f"),
               alt.Tooltip("kind_label:N", title="Kind"), alt.Tooltip("snapshot:N", title="PIIE snapshot"),
               alt.Tooltip("note:N", title="Note"), alt.Tooltip("source_label:N", title="Source")]
    line = alt.Chart(a[a["on_line"]]).mark_line(strokeWidth=2).encode(x=x, y=y, color=side_color())
    actual = alt.Chart(a[a["kind"] == "actual"]).mark_point(filled=True, size=70).encode(
        x=x, y=y, color=side_color(), tooltip=tooltip, href="source_url:N")
    planned = alt.Chart(a[a["kind"] == "planned"]).transform_filter("show_plans").mark_point(
        shape="diamond", filled=False, size=140, strokeWidth=2).encode(
        x=x, y=y, color=side_color(), tooltip=tooltip, href="source_url:N")
    planned_text = alt.Chart(a[a["kind"] == "planned"]).transform_filter("show_plans").mark_text(
        align="left", dx=9, fontSize=10).encode(x=x, y=y, color=side_color(), text=alt.value("plan"))
    return alt.layer(line, actual, planned, planned_text).add_params(plans).properties(
        width=WIDTH, height=300,
        description=("Line chart of PIIE's trade-weighted average tariffs, 2018 to February 2020: the US on goods "
                     "from China and China on goods from the US. Filled points were in force; hollow diamonds are "
                     "December 2019 levels that plans would have reached but never did. A checkbox hides the plans."))


def first_term_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts of the first term (with the president-elect call of November 2016), sources joined.

    ``asked_by`` says in words who requested each contact where a source says so.
    """
    first, last = CONTACTS_FIRST_TERM
    c = contacts[(contacts["start_date"] >= pd.Timestamp(first)) & (contacts["start_date"] <= pd.Timestamp(last))]
    c = _sourced(c.reset_index(drop=True))
    c["asked_by"] = c["initiated_by"].map(ASKED_BY).fillna("no source says")
    c["date_label"] = c["start_date"].map(_short_day)
    c.loc[c["date_precision"] == "month", "date_label"] = c["start_date"].dt.strftime("%B %Y") + " (day not sourced)"
    c["place"] = c["location"].fillna("phone call").str.split(",").str[0]
    return c


ASKED_BY = {"US": "the US (per the source's readout)", "China": "China (per the source's readout)",
            "unknown": "no source says"}


def first_term_initiators(contacts: pd.DataFrame) -> pd.DataFrame:
    """First-term leader calls and meetings by year and by who asked for them (counts; a tidy table)."""
    c = first_term_contacts(contacts)
    c = c[c["level"] == "leader"].copy()
    c["year"] = c["start_date"].dt.year
    c["what"] = c["kind"].map(lambda k: "calls" if k == "call" else "meetings")
    out = c.groupby(["year", "what", "initiated_by"]).size().unstack("initiated_by", fill_value=0)
    for col in ("US", "China", "unknown"):
        if col not in out.columns:
            out[col] = 0
    out = out[["US", "China", "unknown"]]
    out["total"] = out.sum(axis=1)
    return out.reset_index()


def contacts_chart(contacts: pd.DataFrame) -> alt.LayerChart:
    """Timeline of the first-term contacts; a legend click (selection ``contact_kind``) highlights one kind."""
    c = first_term_contacts(contacts)
    kinds = [k for k in KIND_COLORS if k in set(c["kind"])]
    pick = alt.selection_point(name="contact_kind", fields=["kind"], bind="legend")
    x = alt.X("start_date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8),
              scale=alt.Scale(domain=["2016-11-01", "2020-04-30"]))
    y = alt.Y("kind:N", title=None, sort=kinds)
    color = alt.Color("kind:N", title="Kind of contact",
                      scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
                      legend=alt.Legend(orient="top"))
    fade = alt.condition(pick, alt.value(1.0), alt.value(0.2))
    tooltip = [alt.Tooltip("date_label:N", title="Date"), alt.Tooltip("kind:N", title="Kind"),
               alt.Tooltip("place:N", title="Where"), alt.Tooltip("us_participants:N", title="US"),
               alt.Tooltip("china_participants:N", title="China"), alt.Tooltip("asked_by:N", title="Asked for by"),
               alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("source_label:N", title="Source")]
    pts = alt.Chart(c).mark_point(filled=True, size=140).encode(
        x=x, y=y, color=color, opacity=fade, tooltip=tooltip, href="source_url:N")
    # calls are too many to label; other contacts carry their place (two words on two lines), centred above and
    # below their row in turn (the last one above), so neighbours do not collide on a phone
    labelled = c[c["kind"] != "call"].sort_values("start_date")
    c["label_below"] = (labelled.groupby("kind").cumcount(ascending=False) % 2 == 1).reindex(c.index, fill_value=False)
    c["place_lines"] = c["place"].str.replace(" ", "\n", n=1)
    c["label_dy"] = (-9 - 12 * c["place_lines"].str.count("\n")).where(~c["label_below"], 9)  # above: lift every line
    text = alt.Chart(c).transform_filter("datum.kind != 'call'").mark_text(
        fontSize=10, lineBreak="\n", lineHeight=12, baseline=alt.ExprRef("datum.label_below ? 'top' : 'bottom'"),
        dy=alt.ExprRef("datum.label_dy")).encode(
        x=x, y=y, text="place_lines:N", opacity=fade, color=alt.value("#7a7a7a"))
    return alt.layer(pts, text).add_params(pick).properties(
        width=WIDTH, height=200,
        description=("Timeline of the contacts between the US and Chinese leaders in Trump's first term, from the "
                     "president-elect call of November 2016 to the last call in March 2020, by kind (call, summit, "
                     "visit, meeting), with the Phase One signing. Each tooltip says who asked for the contact where "
                     "a source says so. Clicking a legend entry highlights one kind."))


def first_term_facts(actions: pd.DataFrame, averages: pd.DataFrame, contacts: pd.DataFrame) -> dict:
    """Every number the first-trade-war chapter's prose uses."""
    r = first_term_rounds(actions).set_index("action_id")
    avg = averages.set_index("point_id")
    con = contacts.set_index("contact_id")
    us_applied_lists = ["us-2018-07-06-list1", "us-2018-08-23-list2", "us-2018-09-24-list3", "us-2019-09-01-list4a"]
    never = r[r["status"].isin(NEVER_APPLIED)]
    c = first_term_contacts(contacts)
    calls = c[(c["kind"] == "call") & (c["level"] == "leader")]
    f = {
        "list1_bn": _num(r.loc["us-2018-07-06-list1", "trade_covered_bn"]),
        "list1_rate": _num(r.loc["us-2018-07-06-list1", "resulting_rate_pct"]),
        "list1_date": _day(r.loc["us-2018-07-06-list1", "effective_date"]),
        "list2_bn": _num(r.loc["us-2018-08-23-list2", "trade_covered_bn"]),
        "list2_date": _day(r.loc["us-2018-08-23-list2", "effective_date"]),
        "list3_bn": _num(r.loc["us-2018-09-24-list3", "trade_covered_bn"]),
        "list3_rate": _num(r.loc["us-2018-09-24-list3", "resulting_rate_pct"]),
        "list3_date": _day(r.loc["us-2018-09-24-list3", "effective_date"]),
        "list3_raised_rate": _num(r.loc["us-2019-05-10-list3-25", "resulting_rate_pct"]),
        "list3_raised_date": _day(r.loc["us-2019-05-10-list3-25", "effective_date"]),
        "list4a_bn": _num(r.loc["us-2019-09-01-list4a", "trade_covered_bn"]),
        "list4a_rate": _num(r.loc["us-2019-09-01-list4a", "resulting_rate_pct"]),
        "list4a_date": _day(r.loc["us-2019-09-01-list4a", "effective_date"]),
        "list4a_cut_rate": _num(r.loc["us-2020-02-14-list4a-cut", "resulting_rate_pct"]),
        "list4a_cut_date": _day(r.loc["us-2020-02-14-list4a-cut", "effective_date"]),
        "list4b_bn": _num(r.loc["us-2019-12-15-list4b", "trade_covered_bn"]),
        "threat30_rate": _num(r.loc["us-2019-10-15-lists1-3-to-30", "resulting_rate_pct"]),
        "threat30_bn": _num(r.loc["us-2019-10-15-lists1-3-to-30", "trade_covered_bn"]),
        "us_applied_bn": _num(r.loc[us_applied_lists, "trade_covered_bn"].sum()),
        "cn_s232_bn": _num(r.loc["cn-2018-04-02-s232-retaliation", "trade_covered_bn"]),
        "cn_list3_reply_bn": _num(r.loc["cn-2018-09-24-list3-reply", "trade_covered_bn"]),
        "cn_list3_reply_rate": _num(r.loc["cn-2018-09-24-list3-reply", "resulting_rate_pct"]),
        "cn_reply_raised_rate": _num(r.loc["cn-2019-06-01-list3-reply-raised", "resulting_rate_pct"]),
        "cn_halved_bn": _num(r.loc["cn-2020-02-14-halved", "trade_covered_bn"]),
        "n_rounds": int(len(r)),
        "n_never_applied": int(len(never)),
        "avg_us_2018_01": _num(avg.loc["us-2018-01", "avg_tariff_pct"]),
        "avg_us_2018_07": _num(avg.loc["us-2018-07", "avg_tariff_pct"]),
        "avg_cn_2018_07": _num(avg.loc["cn-2018-07", "avg_tariff_pct"]),
        "avg_us_2018_09": _num(avg.loc["us-2018-09", "avg_tariff_pct"]),
        "avg_cn_2018_09": _num(avg.loc["cn-2018-09", "avg_tariff_pct"]),
        "avg_us_2019_12": _num(avg.loc["us-2019-12-13", "avg_tariff_pct"]),
        "avg_cn_2019_12": _num(avg.loc["cn-2019-12-13", "avg_tariff_pct"]),
        "avg_us_2020_02": _num(avg.loc["us-2020-02-14", "avg_tariff_pct"]),
        "avg_us_2020_02_cover": _num(avg.loc["us-2020-02-14", "coverage_pct"]),
        "avg_cn_2020_02_v2020": _num(avg.loc["cn-2020-02-14-v2020", "avg_tariff_pct"]),
        "avg_cn_2020_02_archived": _num(avg.loc["cn-2020-02-14-archived", "avg_tariff_pct"]),
        "plan_us_sep": _num(avg.loc["us-2019-12-15-plan-sep", "avg_tariff_pct"]),
        "plan_us_oct": _num(avg.loc["us-2019-12-15-plan-oct", "avg_tariff_pct"]),
        "plan_cn": _num(avg.loc["cn-2019-12-15-plan", "avg_tariff_pct"]),
        "avg_us_rise_first_term": _num(avg.loc["us-2020-02-14", "avg_tariff_pct"] - avg.loc["us-2018-01", "avg_tariff_pct"]),
        "buenos_aires_date": _day(con.loc["2018-12-01-buenos-aires-dinner", "start_date"]),
        "osaka_date": _day(con.loc["2019-06-29-osaka-meeting", "start_date"]),
        "phase_one_signed": _day(con.loc["2020-01-15-phase-one-signing", "start_date"]),
        "mar_a_lago_start": _day(con.loc["2017-04-mar-a-lago-summit", "start_date"]),
        "beijing_2017_start": _day(con.loc["2017-11-beijing-state-visit", "start_date"]),
        "beijing_2017_end": _day(con.loc["2017-11-beijing-state-visit", "end_date"]),
        "n_contacts_first_term": int(len(c)),
        "n_leader_contacts_first_term": int((c["level"] == "leader").sum()),
        "ft_calls": int(len(calls)),
        "ft_meetings": int(((c["level"] == "leader") & (c["kind"] != "call")).sum()),
        "ft_calls_us": int((calls["initiated_by"] == "US").sum()),
        "ft_calls_china": int((calls["initiated_by"] == "China").sum()),
        "ft_calls_unknown": int((calls["initiated_by"] == "unknown").sum()),
        "ft_meetings_us": int(((c["level"] == "leader") & (c["kind"] != "call") & (c["initiated_by"] == "US")).sum()),
        "ft_first_contact": _day(c["start_date"].min()),
        "ft_last_call": _day(calls["start_date"].max()),
        "ft_calls_2017": int((calls["start_date"].dt.year == 2017).sum()),
        "ft_calls_after_osaka": int((calls["start_date"] > con.loc["2019-06-29-osaka-meeting", "start_date"]).sum()),
    }
    return f
