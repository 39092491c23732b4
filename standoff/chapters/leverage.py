"""Leverage I: who buys more from whom. Tidy tables, charts and facts for the leverage chapter: the trade
imbalance, the room left to tariff, the tariff calculator's figures and soybeans.

Each ``*_data`` function returns the tidy table behind one chart (sources joined, so the page's
data table and the chart show the same rows); each ``*_chart`` takes that table and returns an
Altair chart with a text alternative, tooltips naming the source and ``href`` to it.
``leverage_facts`` computes every number the chapter's prose uses. The levers beyond trade and the
scorecard are in ``standoff.chapters.beyond_tariffs``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .. import calculator, data, tariffs
from ..charts import ROW_DROP, ROW_STEP, SOURCE_TIP, mapped_color, month_axis, row_labels, row_y, top_legend
from ..fmt import day as _day
from ..theme import SIDE_COLORS, WIDTH

# --------------------------------------------------------------------------------------------
# 1. Trade asymmetry
# --------------------------------------------------------------------------------------------
TRADE_SERIES = {"us_exports_bn": "US exports to China", "us_imports_bn": "US imports from China",
                "balance_bn": "US balance (exports − imports)"}
TRADE_COLORS = {"US exports to China": SIDE_COLORS["US"], "US imports from China": SIDE_COLORS["China"],
                "US balance (exports − imports)": "#7a7a7a"}


def trade_data(flows: pd.DataFrame) -> pd.DataFrame:
    """One row per year: exports, imports, balance, imports/exports ratio and the row's source."""
    df = data.with_sources(flows.sort_values("year"))
    df["ratio"] = (df["us_imports_bn"] / df["us_exports_bn"]).round(2)
    df["derived_text"] = df["derived"].map({True: "Derived: ", False: ""}).astype("string") + df["derived_method"].fillna("")
    return df.reset_index(drop=True)


def trade_chart(trade: pd.DataFrame) -> alt.LayerChart:
    """Lines of US exports to and imports from China and the balance, by year."""
    long = trade.melt(id_vars=["year", "ratio", "vintage", "source_label", "source_url", "derived_text"],
                      value_vars=list(TRADE_SERIES), var_name="col", value_name="usd_bn")
    long["series"] = long["col"].map(TRADE_SERIES)
    pick = alt.selection_point(name="trade_pick", fields=["series"], bind="legend")
    # on a phone the years would touch: every other one is shown
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True, labelSeparation=6))
    y = alt.Y("usd_bn:Q", title="USD bn (goods, Census basis)")
    color = mapped_color("series:N", TRADE_COLORS, stack=True)
    fade = alt.condition(pick, alt.value(1), alt.value(0.2))
    tip = [alt.Tooltip("year:O", title="Year"), alt.Tooltip("series:N", title="Series"),
           alt.Tooltip("usd_bn:Q", title="USD bn", format=",.1f"),
           alt.Tooltip("ratio:Q", title="Imports ÷ exports", format=".2f"),
           alt.Tooltip("vintage:N", title="Vintage"), alt.Tooltip("derived_text:N", title="Note"), SOURCE_TIP]
    line = alt.Chart(long).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, opacity=fade)
    pts = alt.Chart(long).mark_point(filled=True, size=60).encode(
        x=x, y=y, color=color, opacity=fade, tooltip=tip, href="source_url:N")
    zero = alt.Chart(pd.DataFrame({"z": [0]})).mark_rule(color="#7a7a7a").encode(y="z:Q")
    return alt.layer(zero, line, pts).add_params(pick).properties(
        width=WIDTH, height=300,
        description=(f"Line chart of US goods trade with China, {trade['year'].min()}–{trade['year'].max()}: "
                     "US exports to China, US imports from China and the balance (negative = US deficit), "
                     "USD bn. Click a legend entry to highlight a series."))


def room_data(actions: pd.DataFrame, flows: pd.DataFrame, start: str = "2025-01-20", end: str = "2026-05-15",
              year: int = calculator.BASE_YEAR) -> pd.DataFrame:
    """How much of the other side's goods (at ``year`` values) each side could still tariff more.

    Our mapping, stated on the page: with an all-goods tariff in force, every good is covered,
    so 'not yet covered' is the whole base before the first all-goods step and zero after it;
    'below the 2025 peak' is the whole base while the side's headline rate is under its 2025
    peak. Targeted lists (China's February and March tariffs, Section 301) and exemptions are
    not in the headline rate and so not in this measure.
    """
    base = calculator.base_trade(flows, year)
    steps = tariffs.headline_steps(actions, start, end)
    peaks = {s: float(steps[(steps["actor"] == s) & (steps["date"] <= pd.Timestamp("2025-12-31"))]["rate_pct"].max())
             for s in tariffs.SIDES}
    rows = []
    for _, r in steps.iterrows():
        side, b = r["actor"], base[r["actor"]]
        common = {"date": r["date"], "actor": side, "rate_pct": r["rate_pct"], "peak_pct": peaks[side],
                  "base_bn": b, "source_id": r["source_id"] if pd.notna(r["source_id"]) else base["source_id"],
                  "measures": r["measures"]}
        rows.append({**common, "measure": ROOM_MEASURES[0], "room_bn": b if r["rate_pct"] == 0 else 0.0})
        rows.append({**common, "measure": ROOM_MEASURES[1], "room_bn": b if r["rate_pct"] < peaks[side] else 0.0})
    df = data.with_sources(pd.DataFrame(rows))
    df["side_label"] = df["actor"].map(ROOM_SIDES)
    df["date_label"] = df["date"].dt.strftime("%-d %b %Y")
    return df


ROOM_MEASURES = ("Not yet under an all-goods tariff", "Facing less than the side's 2025 peak rate")
ROOM_SIDES = {"US": "Imports from China (US tariff)", "China": "Imports from the US (China's tariff)"}


def room_chart(room: pd.DataFrame) -> alt.LayerChart:
    """Step lines: the other side's goods (2024 values) each side could still tariff more, in 2025–26."""
    pick = alt.param(name="room_measure", value=ROOM_MEASURES[1],
                     bind=alt.binding_radio(options=list(ROOM_MEASURES), name="Room measured as: "))
    x = alt.X("date:T", title=None, axis=month_axis(room["date"]))
    y = alt.Y("room_bn:Q", title="USD bn of 2024 trade")
    color = alt.Color("side_label:N", title=None,
                      scale=alt.Scale(domain=list(ROOM_SIDES.values()), range=list(SIDE_COLORS.values())),
                      legend=top_legend(direction="vertical"))
    tip = [alt.Tooltip("side_label:N", title="Trade"), alt.Tooltip("date_label:N", title="From"),
           alt.Tooltip("rate_pct:Q", title="Headline rate (%)"), alt.Tooltip("peak_pct:Q", title="2025 peak (%)"),
           alt.Tooltip("room_bn:Q", title="Room (USD bn)", format=",.1f"),
           alt.Tooltip("measures:N", title="Step"), SOURCE_TIP]
    base = alt.Chart(room).transform_filter("datum.measure == room_measure")
    line = base.mark_line(interpolate="step-after", strokeWidth=2.5).encode(x=x, y=y, color=color)
    pts = base.mark_point(filled=True, size=60).encode(x=x, y=y, color=color, tooltip=tip, href="source_url:N")
    return alt.layer(line, pts).add_params(pick).properties(
        width=WIDTH, height=280,
        description=("Step chart, January 2025 to May 2026: for each side, the value of the other side's goods "
                     "(2024 trade) it could still tariff more, measured either as goods not yet under an "
                     "all-goods tariff or as goods facing less than that side's 2025 peak headline rate. "
                     "A radio control switches the measure."))


# --------------------------------------------------------------------------------------------
# 3a. Soybeans
# --------------------------------------------------------------------------------------------
def soy_exports_data(exports: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(exports[exports["preferred"]].sort_values("year"))
    df["short_label"] = df.apply(lambda r: f"FY{r['year']}" if r["basis"] == "us_fiscal_year" else str(r["year"]), axis=1)
    df["basis_label"] = df["basis"].map({"calendar_year": "Calendar year", "us_fiscal_year": "US fiscal year (Oct–Sep)"})
    df["value_text"] = df.apply(lambda r: ("≈" if r["approximate"] else "") + f"{r['value_bn']:g}", axis=1)
    return df.reset_index(drop=True)


def soy_exports_chart(df: pd.DataFrame) -> alt.LayerChart:
    colors = {"Calendar year": SIDE_COLORS["US"], "US fiscal year (Oct–Sep)": "#8a62b8"}
    x = alt.X("short_label:N", title=None, sort=list(df["short_label"]), axis=alt.Axis(labelAngle=0))
    y = alt.Y("value_bn:Q", title="US soybean exports to China (USD bn)")
    tip = [alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value_text:N", title="USD bn"),
           alt.Tooltip("note:N", title="Note"), SOURCE_TIP]
    bars = alt.Chart(df).mark_bar().encode(x=x, y=y, color=mapped_color("basis_label:N", colors),
                                           tooltip=tip, href="source_url:N")
    text = alt.Chart(df).mark_text(dy=-7).encode(x=x, y=y, text="value_text:N")
    return alt.layer(bars, text).properties(
        width=WIDTH, height=260,
        description=("Bar chart of the value of US soybean exports to China by year, USD bn; one bar is a US "
                     "fiscal year, ≈ marks rounded figures; years without a sourced value are left out."))


def soy_shares_data(imports: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(imports[imports["origin"] != "Total"].copy())
    total = imports[imports["origin"] == "Total"].set_index("year")["volume_mt"]
    df["total_mt"] = df["year"].map(total)
    df["share_text"] = df["share_pct"].map(lambda v: f"{v:g} %")
    return df.reset_index(drop=True)


def soy_shares_chart(df: pd.DataFrame) -> alt.LayerChart:
    colors = {"Brazil": "#2e8a57", "United States": SIDE_COLORS["US"]}
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("share_pct:Q", title="Share of China's soybean imports (%)", scale=alt.Scale(domain=[0, 100]))
    tip = [alt.Tooltip("year:O", title="Year"), alt.Tooltip("origin:N", title="Origin"),
           alt.Tooltip("share_pct:Q", title="Share (%)"), alt.Tooltip("volume_mt:Q", title="Million tonnes"),
           alt.Tooltip("total_mt:Q", title="China's total (Mt)"), SOURCE_TIP]
    bars = alt.Chart(df).mark_bar().encode(x=x, xOffset="origin:N", y=y, color=mapped_color("origin:N", colors),
                                           tooltip=tip, href="source_url:N")
    text = alt.Chart(df).mark_text(dy=-7).encode(x=x, xOffset="origin:N", y=y, text="share_text:N")
    return alt.layer(bars, text).properties(
        width=WIDTH, height=240,
        description=("Grouped bar chart of Brazil's and the United States' shares of China's soybean imports, "
                     f"{df['year'].min()}–{df['year'].max()}, as stated by Reuters from China customs data."))


SOY_EVENT_LABELS = {"tariff_in_force": "China's farm tariffs", "purchase_halt": "Purchases halt",
                    "tariff_level": "Tariff level", "zero_imports": "Zero arrivals",
                    "purchase_resumption_agreed": "Resumption announced", "purchase_commitment_status": "Commitment"}


def soy_events_data(events: pd.DataFrame) -> pd.DataFrame:
    df = data.with_sources(events.sort_values("date"))
    df["label"] = df["event"].map(SOY_EVENT_LABELS)
    df["date_label"] = df.apply(lambda r: r["date"].strftime("%B %Y") + " (month)" if r["date_precision"] == "month"
                                else r["date"].strftime("%-d %b %Y"), axis=1)
    df["value_text"] = df.apply(lambda r: "" if pd.isna(r["value"]) else f"{r['value']:g} {r['unit']}", axis=1)
    return df.reset_index(drop=True)


def soy_events_chart(df: pd.DataFrame) -> alt.LayerChart:
    df = df.assign(name=df["label"] + df["value_text"].map(lambda v: f": {v}" if v else ""))
    x = alt.X("date:T", title=None, axis=month_axis(df["date"]))
    y = row_y("label:N", list(df["label"]))
    tip = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("date_label:N", title="Date"),
           alt.Tooltip("detail:N", title="What happened"), alt.Tooltip("value_text:N", title="Value"),
           alt.Tooltip("note:N", title="Note"), SOURCE_TIP]
    prec = {"day": "#3a76c4", "month": "#7a7a7a"}
    pts = alt.Chart(df).mark_point(filled=True, size=120, yOffset=ROW_DROP).encode(
        x=x, y=y, color=mapped_color("date_precision:N", prec, title="Date known to the"),
        shape=alt.Shape("date_precision:N", legend=None), tooltip=tip, href="source_url:N")
    names = row_labels(df, y, "name:N", tooltip=tip, href="source_url:N")
    ev = df.set_index("event")
    return alt.layer(pts, names).properties(
        width=WIDTH, height=alt.Step(ROW_STEP),
        description=("Timeline of the 2025 soybean standoff, each event named (with its value) above its mark: "
                     "China's farm tariffs, the halt in purchases, zero customs arrivals, Trump's statement on "
                     f"{_day(ev.loc['purchase_resumption_agreed', 'date'])} that China agreed to resume purchases, "
                     f"and the commitment of {ev.loc['purchase_commitment_status', 'value_text']} the US side gave; "
                     "grey marks are known to the month only."))


# --------------------------------------------------------------------------------------------
# Facts for the prose
# --------------------------------------------------------------------------------------------
TABLES = ("trade_flows", "tariff_actions", "soybean_exports", "soybean_imports", "soybean_events",
          "elasticity_estimates")


def load_tables() -> dict:
    return {t: data.load(t) for t in TABLES}


def leverage_facts(t: dict) -> dict:
    """Every number the leverage chapter's prose uses, computed from the data."""
    flows = t["trade_flows"].set_index("year")
    base_year = calculator.BASE_YEAR
    f24 = flows.loc[base_year]
    acts = t["tariff_actions"]
    us_peak, cn_peak = tariffs.peak(acts, "US"), tariffs.peak(acts, "China")
    steps = tariffs.headline_steps(acts)
    first_all = {s: steps[(steps["actor"] == s) & (steps["rate_pct"] > 0)
                          & (steps["date"] >= pd.Timestamp("2025-01-01"))]["date"].min() for s in tariffs.SIDES}
    worst = flows["balance_bn"].idxmin()
    soy_all = t["soybean_exports"].query("basis == 'calendar_year'")
    soy_exp = soy_all.query("preferred").set_index("year")["value_bn"]
    # 2017 against 2018 from one series: the source of the preferred 2018 figure (see soybean_exports notes)
    soy_2018_row = soy_all.query("preferred and year == 2018").iloc[0]
    soy_2017_same = soy_all[(soy_all["year"] == 2017) & (soy_all["source_id"] == soy_2018_row["source_id"])].iloc[0]
    soy_imp = t["soybean_imports"].set_index(["year", "origin"])
    ev = t["soybean_events"].set_index("event_id")
    est = t["elasticity_estimates"].set_index("estimate_id")["value"]
    e_low, e_high = float(est["arw-elasticity-log"]), float(est["arw-elasticity-ihs"])
    calc_us = calculator.calculate(float(us_peak["rate_pct"]), e_low, 1.0, t["trade_flows"]).set_index("side")
    calc_cn = calculator.calculate(float(cn_peak["rate_pct"]), e_low, 1.0, t["trade_flows"]).set_index("side")
    calc_us_hi = calculator.calculate(float(us_peak["rate_pct"]), e_high, 1.0, t["trade_flows"]).set_index("side")
    g = calculator.grid(t["trade_flows"])
    return {
        "base_year": base_year,
        "exports_2024": float(f24["us_exports_bn"]),
        "imports_2024": float(f24["us_imports_bn"]),
        "deficit_2024": float(-f24["balance_bn"]),
        "ratio_2024": float(f24["us_imports_bn"] / f24["us_exports_bn"]),
        "ratio_2024_whole": int(round(f24["us_imports_bn"] / f24["us_exports_bn"])),
        "first_year": int(flows.index.min()),
        "ratio_first": float(flows.iloc[0]["us_imports_bn"] / flows.iloc[0]["us_exports_bn"]),
        "worst_deficit_year": int(worst),
        "worst_deficit": float(-flows.loc[worst, "balance_bn"]),
        "us_peak_rate": int(us_peak["rate_pct"]), "us_peak_date": _day(us_peak["date"]),
        "cn_peak_rate": int(cn_peak["rate_pct"]), "cn_peak_date": _day(cn_peak["date"]),
        "us_first_all_date": _day(first_all["US"]), "cn_first_all_date": _day(first_all["China"]),
        "gap_first_all_days": int((first_all["China"] - first_all["US"]).days),
        "imports_minus_exports": float(f24["us_imports_bn"] - f24["us_exports_bn"]),
        # calculator
        "elasticity_low": e_low, "elasticity_high": e_high,
        "grid_rows": int(len(g)), "grid_bytes": int(calculator.grid_json_bytes(g)),
        "grid_rate_max": int(max(calculator.GRID_RATES)), "grid_elasticity_max": float(max(calculator.GRID_ELASTICITIES)),
        "elasticity_max": float(calculator.ELASTICITY_RANGE[1]),
        "calc_us_change_pct": float(calc_us.loc["US", "change_pct"]),
        "calc_us_fall_pct": float(-calc_us.loc["US", "change_pct"]),
        "calc_cn_fall_pct": float(-calc_cn.loc["China", "change_pct"]),
        "calc_us_fall_pct_hi": float(-calc_us_hi.loc["US", "change_pct"]),
        "calc_us_new": float(calc_us.loc["US", "new_imports_bn"]),
        "calc_us_revenue": float(calc_us.loc["US", "revenue_bn"]),
        "calc_cn_change_pct": float(calc_cn.loc["China", "change_pct"]),
        "calc_cn_new": float(calc_cn.loc["China", "new_imports_bn"]),
        "calc_cn_revenue": float(calc_cn.loc["China", "revenue_bn"]),
        "calc_us_change_pct_hi": float(calc_us_hi.loc["US", "change_pct"]),
        "calc_us_revenue_hi": float(calc_us_hi.loc["US", "revenue_bn"]),
        # soybeans
        "soy_2017": float(soy_2017_same["value_bn"]), "soy_2018": float(soy_2018_row["value_bn"]),
        "soy_2017_ers": float(soy_exp[2017]), "soy_2024": float(soy_exp[2024]),
        "soy_series_publisher": str(data.sources().loc[soy_2018_row["source_id"], "publisher"]),
        "soy_us_share_2024": float(soy_imp.loc[(2024, "United States"), "share_pct"]),
        "soy_us_share_2025": float(soy_imp.loc[(2025, "United States"), "share_pct"]),
        "soy_br_share_2024": float(soy_imp.loc[(2024, "Brazil"), "share_pct"]),
        "soy_br_share_2025": float(soy_imp.loc[(2025, "Brazil"), "share_pct"]),
        "soy_us_mt_2024": float(soy_imp.loc[(2024, "United States"), "volume_mt"]),
        "soy_us_mt_2025": float(soy_imp.loc[(2025, "United States"), "volume_mt"]),
        "soy_total_mt_2025": float(soy_imp.loc[(2025, "Total"), "volume_mt"]),
        "soy_commitment_mt": float(ev.loc["commitment-12mt-2026-01-20", "value"]),
        "soy_resumption_date": _day(ev.loc["resumption-2025-10-30", "date"]),
        "soy_tariff_month": ev.loc["cn-ag-tariffs-2025-03-10", "date"].strftime("%B"),
        "soy_halt_month": ev.loc["purchase-halt-2025-05", "date"].strftime("%B"),
        "soy_zero_from": ev.loc["zero-imports-2025-09", "date"].strftime("%B %Y"),
    }
