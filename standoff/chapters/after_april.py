"""What happened next, April 2025-2026 (chapters/after_april.ipynb): its tables, chart and facts.

Pure functions over ``tariff_actions``, ``tariff_averages``, ``contacts``, ``history_events`` and
``rare_earth_controls``; ``after_facts`` gives the names the chapter's prose cites with {eval}.
Nothing here types a number.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from .. import tariffs
from ..charts import SIDE_LABELS, side_color
from ..data import sourced as _sourced
from ..fmt import day as _day
from ..fmt import day_short as _short_day
from ..fmt import iso as _iso
from ..fmt import num as _num
from ..tariffs import STATUS_LABELS
from ..theme import SIDE_COLORS, WIDTH

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


LABEL_NEAR_DAYS, LABEL_CLOSE_DAYS, LABEL_CHAR_PX = 25, 15, 6  # see after_chart
AFTER_HEIGHT, AFTER_Y_MAX = 360, 150  # plot height (px) and top of the rate axis (%)
# a label's glyphs lie within about 12 px beside its line: on a phone (plot ~280 px for ~16 months) about this many days
LABEL_SPAN_DAYS, LINE_CLEAR_PX, THREAT_CLEAR_PX = 20, 5, 10


def _px(pct: float) -> float:
    """Pixels from the top of the plot to ``pct`` on the rate axis."""
    return (AFTER_Y_MAX - pct) / AFTER_Y_MAX * AFTER_HEIGHT


def _obstacles(steps: pd.DataFrame, thr: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp,
               at: pd.Timestamp) -> list[tuple[float, float]]:
    """The (top, bottom) px spans that the rate lines, their steps and the threat mark take between ``lo`` and ``hi``
    beside the line of an event on ``at``. The threat's own label runs beside its dashed bar: only its symbol is in
    the way."""
    spans = []
    for _, s in steps.groupby("actor"):
        s = s.sort_values("date")
        before = s[s["date"] <= lo]
        rates = ([before["rate_pct"].iloc[-1]] if len(before) else []) + list(s[(s["date"] > lo) & (s["date"] <= hi)]["rate_pct"])
        spans += [(_px(v) - LINE_CLEAR_PX, _px(v) + LINE_CLEAR_PX) for v in rates]
        spans += [(_px(max(a, b)), _px(min(a, b))) for a, b in zip(rates[:-1], rates[1:], strict=True)]  # each step
    for _, t in thr[(thr["date"] >= lo) & (thr["date"] <= hi)].iterrows():
        spans.append((_px(t["to_pct"]) - THREAT_CLEAR_PX,
                      _px(t["to_pct"]) + THREAT_CLEAR_PX if t["date"] == at else _px(t["from_pct"])))
    return sorted(spans)


def label_tops(ann: pd.DataFrame, steps: pd.DataFrame, thr: pd.DataFrame) -> pd.Series:
    """Where each event's label (and its dashed line) starts, px from the top: at the top, or below the label before
    when the two events are close (``ann["top"]`` px below its start: see after_chart); then, if it would cross a rate
    line, a step or the threat mark beside its line, in the first gap below them long enough for it."""
    tops = []
    for _, r in ann.iterrows():
        lo, hi = (r["date"], r["date"] + pd.Timedelta(days=LABEL_SPAN_DAYS)) if r["right"] else \
            (r["date"] - pd.Timedelta(days=LABEL_SPAN_DAYS), r["date"])
        top, length = (tops[-1] + r["top"] if r["top"] else 0.0), len(r["label"]) * LABEL_CHAR_PX + 4
        for a, b in _obstacles(steps, thr, lo, hi, r["date"]):
            if top + length > a and top < b:   # the label would reach this span: start below it
                top = b + 2
        tops.append(top)
    return pd.Series(tops, index=ann.index)


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
    y = alt.Y("rate_pct:Q", title="Headline additional tariff (%)", scale=alt.Scale(domain=[0, AFTER_Y_MAX]))
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
    rules = alt.Chart(ann).mark_rule(strokeDash=[3, 3], color="#7a7a7a", opacity=0.8,
                                     y=alt.ExprRef("datum.top"), y2=alt.ExprRef("height")).encode(
        x=x, tooltip=ann_tt, href="source_url:N")
    # each label runs up the left of its line from the top; on a phone close events would collide, so a label within
    # LABEL_NEAR_DAYS of the one before runs up the right of its line, and within LABEL_CLOSE_DAYS also starts below it
    gap = ann["date"].diff()
    ann["right"] = gap < pd.Timedelta(days=LABEL_NEAR_DAYS)
    ann["top"] = (ann["label"].shift().str.len() * LABEL_CHAR_PX + 12).where(gap < pd.Timedelta(days=LABEL_CLOSE_DAYS), 0)
    # no label crosses a rate line or the threat mark: it starts below them (label_tops), and so does its dashed line,
    # which keeps the line of a close event clear of the label before
    ann["top"] = label_tops(ann, steps, thr)
    texts = alt.Chart(ann).mark_text(angle=270, align="right", baseline=alt.ExprRef("datum.right ? 'top' : 'bottom'"),
                                     dx=-4, dy=alt.ExprRef("datum.right ? 2 : -2"), y=alt.ExprRef("datum.top"),
                                     fontSize=10, color="#7a7a7a").encode(x=x, text="label:N")
    thr_x = alt.X("date:T", scale=alt.Scale(domain=domain))
    thr_rule = alt.Chart(thr).transform_filter("after_side != 'China'").mark_rule(
        strokeDash=[6, 4], strokeWidth=2, color=SIDE_COLORS["US"]).encode(
        x=thr_x, y=alt.Y("from_pct:Q", scale=alt.Scale(domain=[0, AFTER_Y_MAX])), y2="to_pct:Q")
    thr_pt = alt.Chart(thr).transform_filter("after_side != 'China'").mark_point(
        shape="triangle-up", filled=False, size=120, strokeWidth=2, color=SIDE_COLORS["US"]).encode(
        x=thr_x, y=alt.Y("to_pct:Q", scale=alt.Scale(domain=[0, AFTER_Y_MAX])), href="source_url:N",
        tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("planned_label:N", title="Was due"),
                 alt.Tooltip("to_pct:Q", title="Headline if applied (%)", format=".0f"),
                 alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("source_label:N", title="Source")])
    return alt.layer(rules, texts, thr_rule, thr_pt, line, pts).add_params(side).properties(
        width=WIDTH, height=AFTER_HEIGHT,
        description=("Step chart of the headline additional tariff each side applied to all of the other's goods, "
                     f"{_day(AFTER_START)} to {_day(end)}, with a dashed line at each event: "
                     + "; ".join(f"{r.label.replace(';', ',')} ({r.date_label})" for r in ann.itertuples())
                     + ". The threat is drawn as a dashed bar. A radio control picks the side."))


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
        "cranes_rate": _num(a.loc["us-2026-11-10-s301-cranes-chassis", "rate_change_pp"]),
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
