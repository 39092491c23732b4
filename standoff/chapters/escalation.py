"""The 2025 escalation (chapters/escalation.ipynb): its chart, the tables behind it and its facts.

``escalation_chart`` draws both sides' headline all-goods tariffs with PIIE's trade-weighted
averages; ``escalation_facts`` gives the names the chapter's prose cites with {eval}. Nothing here
types a number: every figure comes from ``tariff_actions`` and ``tariff_averages``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .. import data, tariffs
from ..charts import SIDE_LABELS, _fmt_dates, side_color
from ..fmt import day as _day
from ..tariffs import headline_steps, peak, rate_on
from ..theme import WIDTH

SHOW_BOTH = "Both"
SHOW_HEADLINE = "Headline rate (statutory)"
SHOW_AVERAGE = "Average (PIIE, trade-weighted)"


def escalation_steps(actions: pd.DataFrame, averages: pd.DataFrame, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tidy tables behind :func:`escalation_chart` (steps, averages), sources joined."""
    steps = data.with_sources(tariffs.headline_steps(actions, start, end))
    steps["side_label"] = steps["actor"].map(SIDE_LABELS)
    steps["series"] = SHOW_HEADLINE
    steps = _fmt_dates(steps, "date", "date_label")
    avg = averages[(averages["kind"] == "actual")
                   & (averages["as_of"] >= pd.Timestamp(start)) & (averages["as_of"] <= pd.Timestamp(end))]
    avg = data.with_sources(avg.rename(columns={"imposer": "actor"}))
    avg["date"] = avg["as_of"]
    avg["side_label"] = avg["actor"].map(SIDE_LABELS)
    avg["series"] = SHOW_AVERAGE
    avg = _fmt_dates(avg, "as_of", "date_label")
    avg.loc[avg["date_precision"] != "day", "date_label"] = (
        avg["as_of"].dt.strftime("%b %Y") + " (no exact day stated)")
    avg["derived_text"] = avg["derived"].map({True: "Derived: ", False: ""}) + avg["derived_method"].fillna("")
    return steps, avg


def escalation_chart(actions: pd.DataFrame, averages: pd.DataFrame,
                     start: str = "2025-01-20", end: str = "2025-06-30") -> alt.LayerChart:
    """Step chart of each side's headline all-goods tariff, with PIIE's trade-weighted averages.

    A radio control (Vega param ``show``) switches between the statutory headline rate, the
    trade-weighted average, or both; it works in the static site with no kernel.
    """
    steps, avg = escalation_steps(actions, averages, start, end)
    show = alt.param(name="show", value=SHOW_BOTH,
                     bind=alt.binding_radio(options=[SHOW_BOTH, SHOW_HEADLINE, SHOW_AVERAGE], name="Show: "))
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%-d %b", labelAngle=0, tickCount=6),
              scale=alt.Scale(domain=[pd.Timestamp(start).isoformat(), pd.Timestamp(end).isoformat()]))
    y = alt.Y("rate_pct:Q", title="Additional tariff (%)", scale=alt.Scale(domain=[0, 150]))
    not_avg = f"show != '{SHOW_AVERAGE}'"
    not_head = f"show != '{SHOW_HEADLINE}'"
    base = alt.Chart(steps).transform_filter(not_avg)
    line = base.mark_line(interpolate="step-after", strokeWidth=2.5).encode(x=x, y=y, color=side_color(title=None),
                                                                            detail="actor:N")
    step_tooltip = [
        alt.Tooltip("side_label:N", title="Side"),
        alt.Tooltip("date_label:N", title="Effective"),
        alt.Tooltip("rate_pct:Q", title="Headline rate (%)", format=".0f"),
        alt.Tooltip("change_pp:Q", title="Change (points)", format="+.0f"),
        alt.Tooltip("measures:N", title="Measure"),
        alt.Tooltip("source_label:N", title="Source"),
    ]
    points = base.transform_filter("datum.change_pp != 0").mark_point(filled=True, size=70).encode(
        x=x, y=y, color=side_color(title=None), tooltip=step_tooltip, href="source_url:N")
    avg_y = alt.Y("avg_tariff_pct:Q", title="Additional tariff (%)")
    avg_tooltip = [
        alt.Tooltip("side_label:N", title="Side"),
        alt.Tooltip("date_label:N", title="As of"),
        alt.Tooltip("avg_tariff_pct:Q", title="Average tariff (%)", format=".1f"),
        alt.Tooltip("snapshot:N", title="PIIE snapshot"),
        alt.Tooltip("derived_text:N", title="Note"),
        alt.Tooltip("source_label:N", title="Source"),
    ]
    averages_layer = alt.Chart(avg).transform_filter(not_head).mark_point(
        shape="diamond", filled=False, size=150, strokeWidth=2.5).encode(
        x=x, y=avg_y, color=side_color(title=None), tooltip=avg_tooltip, href="source_url:N")
    return alt.layer(line, points, averages_layer).add_params(show).properties(
        width=WIDTH, height=320,
        description=(
            "Step chart of the additional tariff each side applied to all of the other's goods, "
            f"{pd.Timestamp(start):%-d %B %Y} to {pd.Timestamp(end):%-d %B %Y}: lines are headline statutory "
            "rates, diamonds are PIIE trade-weighted averages. A radio control chooses which to show."),
    )


def escalation_facts(actions: pd.DataFrame, averages: pd.DataFrame) -> dict:
    """Every number the escalation chapter's prose uses, computed from the data."""
    steps = headline_steps(actions)
    s25 = steps[steps["date"] >= pd.Timestamp("2025-01-01")]
    us, cn = s25[s25["actor"] == "US"], s25[s25["actor"] == "China"]
    us_peak, cn_peak = peak(actions, "US"), peak(actions, "China")
    first = lambda df: df.iloc[0]  # noqa: E731
    geneva_us = first(us[us["change_pp"] < 0])
    geneva_cn = first(cn[cn["change_pp"] < 0])
    by_id = actions.set_index("action_id")
    avg = averages.set_index("point_id")
    return {
        "us_first_rate": int(first(us)["rate_pct"]),
        "us_first_date": _day(first(us)["date"]),
        "us_march_rate": int(us[us["date"] == pd.Timestamp("2025-03-04")]["rate_pct"].iloc[0]),
        "us_peak_rate": int(us_peak["rate_pct"]),
        "us_peak_date": _day(us_peak["date"]),
        "us_reciprocal_peak": int(by_id.loc["us-2025-04-10-reciprocal-125", "resulting_rate_pct"]),
        "us_fentanyl_layer": int(by_id.loc["us-2025-03-04-fentanyl-20", "resulting_rate_pct"]),
        "us_announced_china_rate": int(by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]),
        "us_rate_apr9": int(rate_on(actions, "US", "2025-04-09")),
        "us_reciprocal_apr9": int(by_id.loc["us-2025-04-09-reciprocal-84", "resulting_rate_pct"]),
        "us_increase_steps": int((us["change_pp"] > 0).sum()),
        # steps at the border (same-day steps merged): China's announced 34% never applied on its own
        "cn_increase_steps": int((cn["change_pp"] > 0).sum()),
        "us_peak_days": int((geneva_us["date"] - us_peak["date"]).days),
        "cn_peak_days": int((geneva_cn["date"] - cn_peak["date"]).days),
        "cn_first_all_rate": int(by_id.loc["cn-2025-04-10-34", "resulting_rate_pct"]),
        "cn_first_applied_rate": int(first(cn[(cn["change_pp"] > 0) & (cn["date"] >= pd.Timestamp("2025-04-01"))])["rate_pct"]),
        "cn_peak_rate": int(cn_peak["rate_pct"]),
        "cn_peak_date": _day(cn_peak["date"]),
        "cn_peak_announced": _day(by_id.loc["cn-2025-04-12-125", "announced_date"]),
        "geneva_us_rate": int(geneva_us["rate_pct"]),
        "geneva_cn_rate": int(geneva_cn["rate_pct"]),
        "geneva_date": _day(geneva_us["date"]),
        "geneva_announced": _day(by_id.loc["us-2025-05-14-geneva", "announced_date"]),
        "geneva_cut_pp": int(-geneva_us["change_pp"]),
        # Geneva removed the April increases above China's announced 34% country rate for good and suspended
        # the part of that rate above the 10% baseline (derived: 125 - 34 and 34 - 10)
        "geneva_removed_pp": int(by_id.loc["us-2025-04-10-reciprocal-125", "resulting_rate_pct"]
                                 - by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]),
        "geneva_suspended_pp": int(by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]
                                   - by_id.loc["us-2025-05-14-geneva", "resulting_rate_pct"]),
        "geneva_suspension_days": int((by_id.loc["us-2025-08-12-extension", "effective_date"]
                                       - by_id.loc["us-2025-05-14-geneva", "effective_date"]).days),
        "piie_jan_us": float(avg.loc["us-2025-01-20", "avg_tariff_pct"]),
        "piie_april_us": float(avg.loc["us-2025-04", "avg_tariff_pct"]),
        "piie_peak_us": float(avg.loc["us-2025-05-early", "avg_tariff_pct"]),
        "piie_geneva_us": float(avg.loc["us-2025-05-14", "avg_tariff_pct"]),
        "piie_geneva_cn": float(avg.loc["cn-2025-05-14", "avg_tariff_pct"]),
    }
