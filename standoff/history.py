"""The history chapters: the first trade war (2018-2020), Phase One, and what happened after April 2025.

Pure functions over validated tables (``tariff_actions``, ``tariff_averages``, ``phase_one``,
``contacts``, ``history_events``): tidy frames for charts, the charts themselves (Altair, Vega-Lite
params only, so they work in the static site), and the ``*_facts`` dicts the chapters glue into prose.
Nothing here types a number: every figure comes from the data or is computed from it.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from . import data, tariffs
from .channels import FIRST_TERM as CONTACTS_FIRST_TERM
from .charts import SIDE_LABELS, side_color
from .theme import KIND_COLORS, SIDE_COLORS, WIDTH
from .fmt import day as _day, day_short as _short_day, iso as _iso, num as _num

# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

FIRST_TERM = ("2018-01-01", "2020-12-31")
STATUS_LABELS = {
    "applied": "Applied",
    "threatened": "Threatened, never applied",
    "suspended": "Scheduled, then suspended",
    "cancelled": "Announced, then cancelled",
}
NEVER_APPLIED = ("threatened", "suspended", "cancelled")
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

CATEGORY_LABELS = {
    "manufactured_goods": "Manufactured goods",
    "agriculture": "Agriculture",
    "energy": "Energy",
    "services": "Services",
    "total": "Total",
}
CATEGORIES = ("manufactured_goods", "agriculture", "energy", "services")












def _sourced(df: pd.DataFrame) -> pd.DataFrame:
    out = data.with_sources(df)
    out["source_label"] = out["source_label"].fillna("No source (computed)")
    return out


# --------------------------------------------------------------------------------------------
# Chapter 1: the first trade war
# --------------------------------------------------------------------------------------------

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


LABEL_OFFSETS = (0.25, -0.25, 0.42, -0.42)  # label heights around a lane, in turn, so neighbours do not collide
LABEL_FLIP = "2019-11-01"  # labels of later steps sit left of their mark, inside the plot


def rounds_layout(actions: pd.DataFrame) -> pd.DataFrame:
    """:func:`first_term_rounds` plus chart positions: a lane per side and labels alternating above and below."""
    r = first_term_rounds(actions)
    r["lane"] = r["actor"].map({"US": 2.0, "China": 1.0})
    r["label"] = (r["name"] + " " + r.apply(_short_rate, axis=1)).str.strip()
    r["label_y"] = r["lane"]
    for side in ("US", "China"):
        idx = r.index[r["actor"] == side]
        r.loc[idx, "label_y"] = r.loc[idx, "lane"] + [LABEL_OFFSETS[i % len(LABEL_OFFSETS)] for i in range(len(idx))]
    r["label_right"] = r["date"] >= pd.Timestamp(LABEL_FLIP)
    return r


def rounds_chart(actions: pd.DataFrame, contacts: pd.DataFrame) -> alt.LayerChart:
    """Timeline of the 2018-2020 tariff rounds, a lane per side, with the truces marked.

    Each step is a mark in its side's lane, labelled with its name and rate; mark size is the trade
    the list covered (a fixed small mark where no source states it). Hollow marks never applied.
    A radio control (param ``round_status``) shows all steps, applied ones only or never-applied ones only.
    """
    rounds = rounds_layout(actions)
    tr = truces(contacts)
    show = alt.param(name="round_status", value=SHOW_ALL,
                     bind=alt.binding_radio(options=[SHOW_ALL, SHOW_APPLIED, SHOW_NEVER], name="Show: "))
    keep = (f"round_status == '{SHOW_ALL}' || (round_status == '{SHOW_APPLIED}' && datum.applied) "
            f"|| (round_status == '{SHOW_NEVER}' && !datum.applied)")
    domain = ["2018-03-01", "2020-03-31"]
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=domain),
              axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    yscale = alt.Scale(domain=[0.35, 2.8])
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
    sized = base.transform_filter("isValid(datum.trade_covered_bn)").mark_point(strokeWidth=2, opacity=0.85).encode(
        x=x, y=y, size=size, shape=shape, color=color, fill=fill, tooltip=tooltip, href="source_url:N")
    unsized = base.transform_filter("!isValid(datum.trade_covered_bn)").mark_point(
        strokeWidth=2, size=50, opacity=0.85).encode(
        x=x, y=y, shape=shape, color=color, fill=fill, tooltip=tooltip, href="source_url:N")
    ticks = base.mark_rule(strokeWidth=1, opacity=0.5).encode(
        x=x, y=alt.Y("lane:Q", scale=yscale), y2="label_y:Q", color=color)
    labels = base.transform_filter("!datum.label_right").mark_text(align="left", dx=3, fontSize=10).encode(
        x=x, y=alt.Y("label_y:Q", scale=yscale), text="label:N", color=color)
    labels_r = base.transform_filter("datum.label_right").mark_text(align="right", dx=-3, fontSize=10).encode(
        x=x, y=alt.Y("label_y:Q", scale=yscale), text="label:N", color=color)
    rules = alt.Chart(tr).mark_rule(strokeDash=[4, 3], color="#7a7a7a").encode(
        x=alt.X("date:T", scale=alt.Scale(domain=domain)), href="source_url:N",
        tooltip=[alt.Tooltip("label:N", title="Event"), alt.Tooltip("date_label:N", title="Date"),
                 alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("source_label:N", title="Source")])
    rule_text = alt.Chart(tr).mark_text(align="right", dx=-4, fontSize=10, color="#7a7a7a").encode(
        x=alt.X("date:T", scale=alt.Scale(domain=domain)), y=alt.datum(2.72, scale=yscale), text="label:N")
    return alt.layer(rules, rule_text, ticks, sized, unsized, labels, labels_r).add_params(show).properties(
        width=WIDTH, height=340,
        description=("Timeline of the 2018 to early-2020 tariff steps: a lane for the US lists on Chinese goods and "
                     "one for China's replies. Each mark is a step, labelled with its name and rate; its size is the "
                     "trade the list covered; hollow marks never applied. Dashed lines mark the Buenos Aires and "
                     "Osaka truces and the Phase One signing. A radio control filters by status."))


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
    # calls are too many to label; meetings carry their place
    text = alt.Chart(c).transform_filter("datum.kind != 'call'").mark_text(align="left", dx=9, dy=-9, fontSize=10).encode(
        x=x, y=y, text="place:N", opacity=fade, color=alt.value("#7a7a7a"))
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


# --------------------------------------------------------------------------------------------
# Chapter 2: Phase One
# --------------------------------------------------------------------------------------------

def p1_value(p1: pd.DataFrame, category: str, period: str, measure: str, snapshot: str | None = None,
             derived: bool | None = None) -> float | None:
    """One value of the ``phase_one`` table, or None if the data has no such row.

    Raises if several rows match (pass ``snapshot`` or ``derived`` to choose between them).
    """
    m = (p1["category"] == category) & (p1["period"] == period) & (p1["measure"] == measure)
    if snapshot is not None:
        m &= p1["snapshot"].str.contains(snapshot, regex=False)
    if derived is not None:
        m &= p1["derived"] == derived
    rows = p1[m]
    if rows.empty:
        return None
    if len(rows) > 1:
        raise ValueError(f"phase_one: {len(rows)} rows for {category}/{period}/{measure}; choose a snapshot")
    return float(rows["value"].iloc[0])


def commitment_checks(p1: pd.DataFrame) -> pd.DataFrame:
    """The table's arithmetic, checked: categories sum to the total (each period) and 2020 + 2021 = 2020-21.

    One row per check with ``check, left, right, holds`` (holds within 0.05, the table's rounding).
    """
    rows = []
    for period in ("2020", "2021", "2020-21"):
        parts = sum(p1_value(p1, c, period, "additional_commitment") for c in CATEGORIES)
        total = p1_value(p1, "total", period, "additional_commitment")
        rows.append({"check": f"categories sum to total, {period}", "left": _num(parts), "right": _num(total)})
    for c in (*CATEGORIES, "total"):
        two = p1_value(p1, c, "2020", "additional_commitment") + p1_value(p1, c, "2021", "additional_commitment")
        rows.append({"check": f"2020 + 2021 = 2020-21, {CATEGORY_LABELS[c].lower()}", "left": _num(two),
                     "right": _num(p1_value(p1, c, "2020-21", "additional_commitment"))})
    t = p1_value(p1, "total", "2020", "total_target") + p1_value(p1, "total", "2021", "total_target")
    rows.append({"check": "2020 + 2021 targets = 2020-21 target", "left": _num(t),
                 "right": _num(p1_value(p1, "total", "2020-21", "total_target"))})
    out = pd.DataFrame(rows)
    out["holds"] = (out["left"] - out["right"]).abs() < 0.05
    return out


def shortfall(target_bn: float, actual_bn: float, baseline_per_year_bn: float | None = None, years: int = 2) -> dict:
    """The Phase One shortfall arithmetic.

    ``shortfall_bn`` = target - actual; ``share_pct`` = actual / target x 100. With a yearly 2017
    baseline, ``above_baseline_bn`` = actual - years x baseline: what China bought beyond simply
    repeating its 2017 purchases (negative means less than the 2017 level).
    """
    if target_bn <= 0:
        raise ValueError("target must be positive")
    out = {"shortfall_bn": _num(target_bn - actual_bn), "share_pct": _num(actual_bn / target_bn * 100)}
    if baseline_per_year_bn is not None:
        out["baseline_total_bn"] = _num(years * baseline_per_year_bn)
        out["above_baseline_bn"] = _num(actual_bn - years * baseline_per_year_bn)
    return out


def category_outcomes(p1: pd.DataFrame) -> pd.DataFrame:
    """One row per category: commitments by year, the sourced 2017 baseline and the share bought.

    Missing values stay missing (NaN): no category has a sourced dollar outcome, and energy has no
    sourced share at all.
    """
    rows = []
    for c in CATEGORIES:
        share = p1[(p1["category"] == c) & (p1["measure"] == "share_of_commitment")]
        rows.append({
            "category": c, "category_label": CATEGORY_LABELS[c],
            "add_2020_bn": p1_value(p1, c, "2020", "additional_commitment"),
            "add_2021_bn": p1_value(p1, c, "2021", "additional_commitment"),
            "add_2020_21_bn": p1_value(p1, c, "2020-21", "additional_commitment"),
            "baseline_2017_bn": p1_value(p1, c, "2017", "baseline_2017"),
            "share_pct": float(share["value"].iloc[0]) if len(share) else float("nan"),
            "share_snapshot": share["snapshot"].iloc[0] if len(share) else "no sourced outcome",
            "source_id": share["source_id"].iloc[0] if len(share) else
            p1[(p1["category"] == c) & (p1["period"] == "2020-21")]["source_id"].iloc[0],
        })
    out = pd.DataFrame(rows)
    out["share_text"] = out["share_pct"].map(lambda v: "outcome not sourced" if pd.isna(v) else f"{_num(v)} % bought")
    return _sourced(out)


VIEW_CATEGORY = "By category"
VIEW_TOTAL = "Total"
PART_COLORS = {
    "2020 additional commitment": SIDE_COLORS["US"],
    "2021 additional commitment": "#8a62b8",
    "2017 level, two years (derived)": "#7a7a7a",
    "Additional commitment, 2020-21": SIDE_COLORS["China"],
    "Actual purchases, 2020-21": "#2e8a57",
}


def phase_one_bars(p1: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy (bars, labels) for :func:`phase_one_chart`: both views in one table, column ``view``."""
    src = data.sources()
    bars, labels = [], []
    for c in CATEGORIES:
        lab = CATEGORY_LABELS[c]
        for year, part in (("2020", "2020 additional commitment"), ("2021", "2021 additional commitment")):
            row = p1[(p1["category"] == c) & (p1["period"] == year) & (p1["measure"] == "additional_commitment")].iloc[0]
            bars.append({"view": VIEW_CATEGORY, "bar": lab, "part": part, "value": row["value"],
                         "order": 0 if year == "2020" else 1, "note": "As printed in the agreement table",
                         "source_id": row["source_id"]})
    outcomes = category_outcomes(p1)
    for _, o in outcomes.iterrows():
        labels.append({"view": VIEW_CATEGORY, "bar": o["category_label"], "top": o["add_2020_21_bn"],
                       "text": o["share_text"], "missing": pd.isna(o["share_pct"])})
    base = p1_value(p1, "total", "2017", "baseline_2017", derived=True)
    target = p1_value(p1, "total", "2020-21", "total_target")
    add = p1_value(p1, "total", "2020-21", "additional_commitment")
    actual = p1_value(p1, "total", "2020-21", "actual_purchases")
    sid = lambda rid: p1.set_index("row_id").loc[rid, "source_id"]  # noqa: E731
    bars += [
        {"view": VIEW_TOTAL, "bar": "Target, 2020-21", "part": "2017 level, two years (derived)", "value": 2 * base,
         "order": 0, "note": "Derived: twice the implied 2017 level of covered purchases",
         "source_id": sid("p1-base-total-covered-2017")},
        {"view": VIEW_TOTAL, "bar": "Target, 2020-21", "part": "Additional commitment, 2020-21", "value": add,
         "order": 1, "note": "As printed in the agreement table", "source_id": sid("p1-add-total-2020-21")},
        {"view": VIEW_TOTAL, "bar": "Actual, 2020-21", "part": "Actual purchases, 2020-21", "value": actual,
         "order": 0, "note": "US exports of covered goods and services (PIIE)", "source_id": sid("p1-actual-total-2020-21")},
    ]
    s_orig = p1_value(p1, "total", "2020-21", "share_of_commitment", snapshot="original")
    s_rev = p1_value(p1, "total", "2020-21", "share_of_commitment", snapshot="revised")
    labels += [
        {"view": VIEW_TOTAL, "bar": "Target, 2020-21", "top": target, "text": f"${_num(target)}bn target", "missing": False},
        {"view": VIEW_TOTAL, "bar": "Actual, 2020-21", "top": actual,
         "text": f"${_num(actual)}bn: {_num(s_orig)} % (original) / {_num(s_rev)} % (revised)", "missing": False},
    ]
    b = pd.DataFrame(bars)
    b["value"] = b["value"].map(_num).astype(float)
    b["source_label"] = b["source_id"].map(lambda s: f"{src.loc[s, 'publisher']}, {src.loc[s, 'title']}")
    b["source_url"] = b["source_id"].map(src["url"])
    return b, pd.DataFrame(labels)


def phase_one_chart(p1: pd.DataFrame) -> alt.LayerChart:
    """Phase One in two views chosen by a radio control (param ``p1_view``).

    "By category": the additional commitments of 2020 and 2021 per category, labelled with the share
    of the full commitment China bought (pre-revision tweets; energy: no sourced outcome).
    "Total": the two-year target (implied 2017 level twice, plus the additional $200bn) against
    actual purchases.
    """
    bars, labels = phase_one_bars(p1)
    view = alt.param(name="p1_view", value=VIEW_CATEGORY,
                     bind=alt.binding_radio(options=[VIEW_CATEGORY, VIEW_TOTAL], name="View: "))
    flt = "datum.view == p1_view"
    x = alt.X("bar:N", title=None, sort=None, axis=alt.Axis(labelAngle=0))
    color = alt.Color("part:N", title=None, scale=alt.Scale(domain=list(PART_COLORS), range=list(PART_COLORS.values())),
                      legend=alt.Legend(orient="top", direction="vertical", labelLimit=0))
    bar = alt.Chart(bars).transform_filter(flt).mark_bar(size=48).encode(
        x=x, y=alt.Y("sum(value):Q", title="USD bn", stack="zero"), color=color,
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("bar:N", title="Bar"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("value:Q", title="USD bn", format=".1f"), alt.Tooltip("note:N", title="Note"),
                 alt.Tooltip("source_label:N", title="Source")],
        href="source_url:N")
    text = alt.Chart(labels).transform_filter(flt).mark_text(dy=-8, fontSize=11).encode(
        x=x, y=alt.Y("top:Q"), text="text:N",
        color=alt.condition("datum.missing", alt.value("#c8553d"), alt.value("#555555")))
    return alt.layer(bar, text).add_params(view).properties(
        width=WIDTH, height=320,
        description=("Bar chart of the Phase One purchase commitments. By category: China's additional "
                     "commitments for 2020 and 2021 in manufactured goods, agriculture, energy and services, each "
                     "labelled with the share bought (energy has no sourced outcome). Total: the two-year target "
                     "against actual purchases. A radio control switches views."))


def phase_one_facts(p1: pd.DataFrame, events: pd.DataFrame) -> dict:
    """Every number the Phase One chapter's prose uses."""
    v = lambda c, p, m, **k: _num(p1_value(p1, c, p, m, **k))  # noqa: E731
    base_cov = p1_value(p1, "total", "2017", "baseline_2017", derived=True)
    target = p1_value(p1, "total", "2020-21", "total_target")
    actual = p1_value(p1, "total", "2020-21", "actual_purchases")
    s = shortfall(target, actual, base_cov)
    checks = commitment_checks(p1)
    ev = events.set_index("event_id")
    f = {
        "add_total": v("total", "2020-21", "additional_commitment"),
        "add_total_2020": v("total", "2020", "additional_commitment"),
        "add_total_2021": v("total", "2021", "additional_commitment"),
        "target_2020": v("total", "2020", "total_target"),
        "target_2021": v("total", "2021", "total_target"),
        "target_total": _num(target),
        "actual_total": _num(actual),
        "baseline_all_2017": v("total", "2017", "baseline_2017", derived=False),
        "baseline_covered_2017": _num(base_cov),
        "baseline_agri_2017": v("agriculture", "2017", "baseline_2017"),
        "baseline_energy_2017": v("energy", "2017", "baseline_2017"),
        "share_original": v("total", "2020-21", "share_of_commitment", snapshot="original"),
        "share_revised": v("total", "2020-21", "share_of_commitment", snapshot="revised"),
        "share_derived": s["share_pct"],
        "shortfall_bn": s["shortfall_bn"],
        "two_year_baseline": s["baseline_total_bn"],
        "below_baseline_bn": _num(-s["above_baseline_bn"]),
        "n_checks": int(len(checks)),
        "n_checks_hold": int(checks["holds"].sum()),
        "ustr_probe_date": _day(ev.loc["2025-10-24-ustr-phase-one-301", "date"]),
        "bessent_hearing_date": _day(ev.loc["2025-01-16-bessent-enforce-purchases", "date"]),
        "trump_less_date": _day(ev.loc["2020-07-23-trump-deal-means-less", "date"]),
        "embassy_date": _day(ev.loc["2025-10-25-china-embassy-phase-one", "date"]),
        "mofcom_pandemic_date": _day(ev.loc["2026-02-25-mofcom-pandemic", "date"]),
    }
    for c in CATEGORIES:
        f[f"add_{c}"] = v(c, "2020-21", "additional_commitment")
        f[f"add_{c}_2020"] = v(c, "2020", "additional_commitment")
        f[f"add_{c}_2021"] = v(c, "2021", "additional_commitment")
    for c in ("manufactured_goods", "agriculture", "services"):
        f[f"share_{c}"] = v(c, "2020-21", "share_of_commitment")
    f["largest_category"] = CATEGORY_LABELS[max(CATEGORIES, key=lambda c: p1_value(p1, c, "2020-21", "additional_commitment"))].lower()
    return f


def quotes(events: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Rows of ``history_events`` (in the order given), sources joined, for a statements table."""
    e = events.set_index("event_id").loc[ids].reset_index()
    e = _sourced(e)
    e["date_label"] = e["date"].map(_short_day)
    e["quote"] = e["quote"].fillna("(paraphrased by the source; no direct quote)")
    return e


# --------------------------------------------------------------------------------------------
# Chapter 3: after April 2025
# --------------------------------------------------------------------------------------------

AFTER_START = "2025-04-01"
SHOW_BOTH = "Both"


def after_steps(actions: pd.DataFrame, end: date | str) -> pd.DataFrame:
    """Headline steps from 1 April 2025 to ``end`` (use ``data.data_as_of()``), sources joined."""
    s = tariffs.headline_steps(actions, AFTER_START, str(end))
    s = _sourced(s)
    s["side_label"] = s["actor"].map(SIDE_LABELS)
    s["side"] = s["actor"]
    s["date_label"] = s["date"].map(_short_day)
    return s


def annotations(actions: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, end: date | str) -> pd.DataFrame:
    """The dated events the after-April chart marks, each built from a data row.

    Columns: ``date, label, kind, detail, source_id`` (+ source fields). ``kind`` is one of talks,
    tariff step, threat, legal.
    """
    a = actions.set_index("action_id")
    c = contacts.set_index("contact_id")
    threat = a.loc["us-2025-11-01-100pct-threat"]
    rows = [
        (c.loc["2025-05-10-geneva-talks", "start_date"], "Geneva talks", "talks",
         c.loc["2025-05-10-geneva-talks", "outcome"], c.loc["2025-05-10-geneva-talks", "source_id"]),
        (c.loc["2025-06-09-london-talks", "start_date"], "London talks", "talks",
         c.loc["2025-06-09-london-talks", "outcome"], c.loc["2025-06-09-london-talks", "source_id"]),
        (a.loc["us-2025-08-12-extension", "effective_date"], "Truce extended", "tariff step",
         a.loc["us-2025-08-12-extension", "measure"], a.loc["us-2025-08-12-extension", "source_id"]),
        (threat["announced_date"], f"{_num(threat['resulting_rate_pct'])} % threat (never applied)", "threat",
         threat["measure"], threat["source_id"]),
        (c.loc["2025-10-30-busan-meeting", "start_date"], "Busan meeting", "talks",
         c.loc["2025-10-30-busan-meeting", "outcome"], c.loc["2025-10-30-busan-meeting", "source_id"]),
        (a.loc["us-2025-11-10-fentanyl-10", "effective_date"],
         f"{_short_day(a.loc['us-2025-11-10-fentanyl-10', 'effective_date'])} changes", "tariff step",
         a.loc["us-2025-11-10-fentanyl-10", "measure"], a.loc["us-2025-11-10-fentanyl-10", "source_id"]),
        (a.loc["us-2026-02-24-reciprocal-ended", "announced_date"], "IEEPA ruling; Section 122", "legal",
         a.loc["us-2026-02-24-reciprocal-ended", "measure"] + " Then: " + a.loc["us-2026-02-24-section-122", "measure"],
         a.loc["us-2026-02-24-reciprocal-ended", "source_id"]),
        (c.loc["2026-05-beijing-state-visit", "start_date"], "Beijing visit", "talks",
         c.loc["2026-05-beijing-state-visit", "outcome"], c.loc["2026-05-beijing-state-visit", "source_id"]),
        (a.loc["us-2026-07-24-section-122-ended", "effective_date"], "Section 122 lapses; Section 301", "legal",
         a.loc["us-2026-07-24-section-122-ended", "measure"] + " Then: " + a.loc["us-2026-07-24-s301-forced-labor", "measure"],
         a.loc["us-2026-07-24-s301-forced-labor", "source_id"]),
    ]
    out = pd.DataFrame(rows, columns=["date", "label", "kind", "detail", "source_id"])
    out = out[out["date"] <= pd.Timestamp(str(end))].reset_index(drop=True)
    out = _sourced(out)
    out["date_label"] = out["date"].map(_short_day)
    return out


def threat_mark(actions: pd.DataFrame) -> pd.DataFrame:
    """The 100 % threat drawn where it would have put the US headline rate (never applied)."""
    t = actions.set_index("action_id").loc["us-2025-11-01-100pct-threat"]
    now = tariffs.rate_on(actions, "US", _iso(t["announced_date"]))
    df = pd.DataFrame([{"date": t["announced_date"], "from_pct": now, "to_pct": now + float(t["resulting_rate_pct"]),
                        "planned_label": _short_day(t["planned_date"]), "measure": t["measure"],
                        "status": STATUS_LABELS[t["status"]], "source_id": t["source_id"]}])
    return _sourced(df)


def after_chart(actions: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, end: date | str) -> alt.LayerChart:
    """Step chart of both headline rates from April 2025 to ``end``, with annotated events.

    A radio control (param ``after_side``) shows both sides or one; the dashed mark is the 100 %
    threat (never applied).
    """
    steps = after_steps(actions, end)
    ann = annotations(actions, contacts, events, end)
    thr = threat_mark(actions)
    side = alt.param(name="after_side", value=SHOW_BOTH,
                     bind=alt.binding_radio(options=[SHOW_BOTH, "US", "China"], name="Side: "))
    keep = f"after_side == '{SHOW_BOTH}' || datum.side == after_side"
    domain = [pd.Timestamp(AFTER_START).isoformat(), pd.Timestamp(str(end)).isoformat()]
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=domain), axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    y = alt.Y("rate_pct:Q", title="Headline additional tariff (%)", scale=alt.Scale(domain=[0, 150]))
    base = alt.Chart(steps).transform_filter(keep)
    line = base.mark_line(interpolate="step-after", strokeWidth=2.5).encode(x=x, y=y, color=side_color(), detail="actor:N")
    pts = base.transform_filter("datum.change_pp != 0").mark_point(filled=True, size=60).encode(
        x=x, y=y, color=side_color(), href="source_url:N",
        tooltip=[alt.Tooltip("side_label:N", title="Side"), alt.Tooltip("date_label:N", title="Effective"),
                 alt.Tooltip("rate_pct:Q", title="Headline rate (%)", format=".0f"),
                 alt.Tooltip("change_pp:Q", title="Change (points)", format="+.0f"),
                 alt.Tooltip("measures:N", title="Measure"), alt.Tooltip("source_label:N", title="Source")])
    ann_tt = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("date_label:N", title="Date"),
              alt.Tooltip("detail:N", title="What"), alt.Tooltip("source_label:N", title="Source")]
    rules = alt.Chart(ann).mark_rule(strokeDash=[3, 3], color="#7a7a7a", opacity=0.8).encode(
        x=x, tooltip=ann_tt, href="source_url:N")
    texts = alt.Chart(ann).mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-2, y=0,
                                     fontSize=10, color="#7a7a7a").encode(x=x, text="label:N")
    thr_x = alt.X("date:T", scale=alt.Scale(domain=domain))
    thr_rule = alt.Chart(thr).transform_filter("after_side != 'China'").mark_rule(
        strokeDash=[6, 4], strokeWidth=2, color=SIDE_COLORS["US"]).encode(
        x=thr_x, y=alt.Y("from_pct:Q", scale=alt.Scale(domain=[0, 150])), y2="to_pct:Q")
    thr_pt = alt.Chart(thr).transform_filter("after_side != 'China'").mark_point(
        shape="triangle-up", filled=False, size=120, strokeWidth=2, color=SIDE_COLORS["US"]).encode(
        x=thr_x, y=alt.Y("to_pct:Q", scale=alt.Scale(domain=[0, 150])), href="source_url:N",
        tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("planned_label:N", title="Was due"),
                 alt.Tooltip("to_pct:Q", title="Headline if applied (%)", format=".0f"),
                 alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("source_label:N", title="Source")])
    return alt.layer(rules, texts, thr_rule, thr_pt, line, pts).add_params(side).properties(
        width=WIDTH, height=360,
        description=("Step chart of the headline additional tariff each side applied to all of the other's goods, "
                     f"1 April 2025 to {_day(end)}, with dashed lines at Geneva, London, the truce extension, the "
                     "100 % threat (drawn as a dashed bar, never applied), Busan, the 10 November 2025 changes, the "
                     "Supreme Court's IEEPA ruling, the Beijing visit, and the lapse of the Section 122 surcharge "
                     "with the switch to a Section 301 tariff in July 2026. A radio control picks the side."))


def rare_earth_pause(controls: pd.DataFrame) -> dict:
    """When China widened its rare-earth controls in October 2025, and when and until when it suspended them.

    Reads the ``rare_earth_controls`` row of kind ``suspension`` and the measures it suspended.
    """
    widened = controls[(controls["status"] == "suspended")]
    # the suspension that covers the October measures: it runs to the same date as they are suspended to
    susp = controls[(controls["category"] == "suspension")
                    & (controls["suspended_until"] == widened["suspended_until"].max())].sort_values("announced_date").iloc[-1]
    return {"re_widened": _day(widened["announced_date"].min()),
            "re_suspended": _day(susp["announced_date"]),
            "re_suspended_until": _day(susp["suspended_until"])}


def scheduled_after(actions: pd.DataFrame, events: pd.DataFrame, controls: pd.DataFrame, nontariff: pd.DataFrame,
                    end: date | str) -> pd.DataFrame:
    """Everything the data calls scheduled for after ``end`` (data as of), with its recorded outcome.

    One row per scheduled date: ``date, what, table, row, outcome, source_id`` (+ source fields), from
    ``tariff_actions`` (status scheduled), ``history_events`` (kind deadline), ``rare_earth_controls``
    (suspended_until) and ``non_tariff_measures`` (scheduled_end).
    """
    endt = pd.Timestamp(str(end))
    parts = []
    a = actions[(actions["status"] == "scheduled") & (actions["planned_date"] > endt)]
    parts.append(pd.DataFrame({"date": a["planned_date"], "what": a["measure"], "table": "tariff_actions",
                               "row": a["action_id"], "outcome": a["outcome"], "source_id": a["source_id"]}))
    e = events[(events["kind"] == "deadline") & (events["date"] > endt)]
    parts.append(pd.DataFrame({"date": e["date"], "what": e["summary"], "table": "history_events",
                               "row": e["event_id"], "outcome": e["outcome"], "source_id": e["source_id"]}))
    r = controls[controls["suspended_until"] > endt]
    parts.append(pd.DataFrame({"date": r["suspended_until"],
                               "what": "End of the suspension: " + r["measure_number"].fillna(r["measure_id"]),
                               "table": "rare_earth_controls", "row": r["measure_id"], "outcome": r["outcome"],
                               "source_id": r["source_id"]}))
    n = nontariff[nontariff["scheduled_end"] > endt]
    parts.append(pd.DataFrame({"date": n["scheduled_end"], "what": "End of the suspension: " + n["targets"],
                               "table": "non_tariff_measures", "row": n["measure_id"], "outcome": n["outcome"],
                               "source_id": n["source_id"]}))
    out = pd.concat(parts, ignore_index=True).sort_values(["date", "table", "row"]).reset_index(drop=True)
    out = _sourced(out)
    out["date_label"] = out["date"].map(_short_day)
    return out


def after_facts(actions: pd.DataFrame, averages: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame,
                end: date | str, controls: pd.DataFrame | None = None, nontariff: pd.DataFrame | None = None) -> dict:
    """Every number and date the after-April chapter's prose uses (``controls``: rare_earth_controls and
    ``nontariff``: non_tariff_measures, both optional)."""
    a = actions.set_index("action_id")
    c = contacts.set_index("contact_id")
    ev = events.set_index("event_id")
    endt = pd.Timestamp(str(end))
    rate = lambda side, day: _num(tariffs.rate_on(actions, side, _iso(day)))  # noqa: E731
    us_peak = tariffs.peak(actions, "US")
    s122_start = a.loc["us-2026-02-24-section-122", "effective_date"]
    s122_end = ev.loc["2026-07-24-section-122-scheduled-end", "date"]
    s122_lapse = a.loc["us-2026-07-24-section-122-ended"]
    fl = a.loc["us-2026-07-24-s301-forced-labor"]
    ntm = nontariff.set_index("measure_id") if nontariff is not None else None
    threat = a.loc["us-2025-11-01-100pct-threat"]
    latest_avg = averages[averages["kind"] == "actual"].sort_values("as_of").iloc[-1]
    dated = pd.concat([actions["effective_date"], actions["announced_date"], contacts["start_date"]]).dropna()
    dated = dated[dated <= endt]
    extra = rare_earth_pause(controls) if controls is not None else {}
    if ntm is not None:
        extra |= {
            "us_1260h_count": int(ntm.loc["us-2026-06-08-1260h", "count"]),
            "us_1260h_date": _day(ntm.loc["us-2026-06-08-1260h", "date"]),
            "cn_ecl_2026_count": int(ntm.loc["cn-2026-06-22-ecl", "count"]),
            "cn_procurement_count": int(ntm.loc["cn-2026-06-22-procurement-ban", "count"]),
            "cn_june_measures_date": _day(ntm.loc["cn-2026-06-22-ecl", "date"]),
        }
    if ntm is not None and controls is not None:
        sched = scheduled_after(actions, events, controls, nontariff, end)
        extra |= {"n_scheduled_after": int(len(sched)),
                  "scheduled_first": _day(sched["date"].min()), "scheduled_last": _day(sched["date"].max())}
    return extra | {
        "data_as_of": _day(end),
        "latest_event": _day(dated.max()),
        "us_peak_rate": _num(us_peak["rate_pct"]),
        "cn_peak_rate": _num(tariffs.peak(actions, "China")["rate_pct"]),
        "geneva_date": _day(a.loc["us-2025-05-14-geneva", "effective_date"]),
        "geneva_talks": _day(c.loc["2025-05-10-geneva-talks", "start_date"]),
        "us_after_geneva": rate("US", a.loc["us-2025-05-14-geneva", "effective_date"]),
        "cn_after_geneva": rate("China", a.loc["cn-2025-05-14-geneva", "effective_date"]),
        "june_call": _day(c.loc["2025-06-05-trump-xi-call", "start_date"]),
        "london_date": _day(c.loc["2025-06-09-london-talks", "start_date"]),
        "stockholm_date": _day(c.loc["2025-07-stockholm-talks", "start_date"]),
        "madrid_month": pd.Timestamp(c.loc["2025-09-madrid-talks", "start_date"]).strftime("%B %Y"),
        "kl_date": _day(c.loc["2025-10-25-kuala-lumpur-talks", "start_date"]),
        "extension_date": _day(a.loc["us-2025-08-12-extension", "effective_date"]),
        "extension_to": _day(a.loc["us-2025-11-10-reciprocal-34-suspended", "planned_date"]),
        "threat_rate": _num(threat["resulting_rate_pct"]),
        "threat_announced": _day(threat["announced_date"]),
        "threat_planned": _day(threat["planned_date"]),
        "threat_headline": _num(tariffs.rate_on(actions, "US", _iso(threat["announced_date"])) + threat["resulting_rate_pct"]),
        "us_before_threat": rate("US", threat["announced_date"]),
        "busan_date": _day(c.loc["2025-10-30-busan-meeting", "start_date"]),
        "threat_to_busan_days": int((c.loc["2025-10-30-busan-meeting", "start_date"] - threat["announced_date"]).days),
        "nov_date": _day(a.loc["us-2025-11-10-fentanyl-10", "effective_date"]),
        "fentanyl_after_busan": _num(a.loc["us-2025-11-10-fentanyl-10", "resulting_rate_pct"]),
        "us_after_nov": rate("US", a.loc["us-2025-11-10-fentanyl-10", "effective_date"]),
        "cn_after_nov": rate("China", a.loc["cn-2025-11-10-extension", "effective_date"]),
        "reciprocal_hold": _num(a.loc["us-2025-11-10-reciprocal-34-suspended", "resulting_rate_pct"]),
        "ruling_date": _day(a.loc["us-2026-02-24-reciprocal-ended", "announced_date"]),
        "ieepa_stop_date": _day(a.loc["us-2026-02-24-reciprocal-ended", "effective_date"]),
        "s122_rate": _num(a.loc["us-2026-02-24-section-122", "resulting_rate_pct"]),
        "s122_cap": _num(ev.loc["2026-02-24-section-122-cap", "value"]),
        "s122_end": _day(s122_end),
        "s122_days": int((s122_end - s122_start).days),
        "us_after_ruling": rate("US", s122_start),
        "cn_at_end": rate("China", endt),
        "us_at_end": rate("US", endt),
        "us_drop_from_peak": _num(us_peak["rate_pct"] - tariffs.rate_on(actions, "US", _iso(endt))),
        "beijing_start": _day(c.loc["2026-05-beijing-state-visit", "start_date"]),
        "beijing_end": _day(c.loc["2026-05-beijing-state-visit", "end_date"]),
        "call_nov_2025": _day(c.loc["2025-11-24-trump-xi-call", "start_date"]),
        "call_feb_2026": _day(c.loc["2026-02-04-trump-xi-call", "start_date"]),
        # summer 2026
        "cit_ruling_date": _day(ev.loc["2026-05-07-cit-section-122-unlawful", "date"]),
        "fedcircuit_stay_date": _day(ev.loc["2026-06-11-fedcircuit-section-122-stay", "date"]),
        "s122_lapse_date": _day(s122_lapse["effective_date"]),
        "s122_ran_days": int((s122_lapse["effective_date"] - s122_start).days),
        "fl_rate": _num(fl["resulting_rate_pct"]),
        "fl_date": _day(fl["effective_date"]),
        "fl_opened": _day(ev.loc["2026-03-12-ustr-forced-labor-301", "date"]),
        "fl_proposed": _day(ev.loc["2026-06-02-ustr-forced-labor-proposal", "date"]),
        "us_after_switch": rate("US", fl["effective_date"]),
        "ccpit_date": _day(ev.loc["2026-06-04-ccpit-condemns-forced-labor-301", "date"]),
        "bot_date": _day(ev.loc["2026-05-20-mofcom-board-of-trade-framework", "date"]),
        "bot_bn": _num(ev.loc["2026-05-20-mofcom-board-of-trade-framework", "value"]),
        "bot_comments_date": _day(ev.loc["2026-06-02-ustr-board-of-trade-comments", "date"]),
        "refund_owed_bn": _num(ev.loc["2026-03-06-cbp-ieepa-refund-total", "value"]),
        "refund_owed_date": _day(ev.loc["2026-03-06-cbp-ieepa-refund-total", "date"]),
        "refund_accepted_bn": _num(ev.loc["2026-06-09-cape-pipeline", "value"]),
        "refund_sent_bn": _num(ev.loc["2026-06-09-cape-sent-to-treasury", "value"]),
        "refund_report_date": _day(ev.loc["2026-06-09-cape-sent-to-treasury", "date"]),
        "piie_latest_date": _day(latest_avg["as_of"]),
        "piie_latest_us": _num(averages[(averages["kind"] == "actual") & (averages["imposer"] == "US")]
                               .sort_values("as_of")["avg_tariff_pct"].iloc[-1]),
        "piie_latest_cn": _num(averages[(averages["kind"] == "actual") & (averages["imposer"] == "China")]
                               .sort_values("as_of")["avg_tariff_pct"].iloc[-1]),
    }
