"""A deliberately simple tariff calculator: what an all-goods tariff does to imports and revenue.

The model (constant elasticity, partial equilibrium, one aggregate good per direction)::

    new_imports = base * (1 + pass_through * t) ** (-elasticity)
    revenue     = t * new_imports

where ``t`` is the additional tariff as a fraction (``rate_pct / 100``), ``base`` the imports of
the base year at pre-tariff prices, ``pass_through`` the share of the tariff that reaches the
duty-inclusive price paid by the importer (1 = complete, as Fajgelbaum et al. 2020 and Amiti,
Redding and Weinstein 2019 found for the 2018 tariffs) and ``elasticity`` the absolute import
demand elasticity. Revenue is the additional duty only, levied on the customs (pre-tariff) value.

What the model leaves out, on purpose: exemptions and older tariffs, re-routing through third
countries, exchange rates, retaliation, inventories and time (the literature's estimates are
for about a year of adjustment), and general-equilibrium effects. It is a calculator for "how
much, roughly, under these assumptions", not a forecast.

Inputs are checked: a bad one raises ``ValueError`` with a message that names it and the
allowed range, so a widget can show the message instead of a traceback.
"""

from __future__ import annotations

import json
import math
import numbers

import altair as alt
import pandas as pd

from . import data
from .theme import SIDE_COLORS, WIDTH

RATE_MAX = 1000.0           # percent; anything above is almost certainly a typo
ELASTICITY_RANGE = (0.0, 10.0)
PASS_THROUGH_RANGE = (0.0, 1.0)
BASE_YEAR = 2024

# The two directions of trade. US imports from China are Census general imports; China's imports
# from the US are proxied by US exports to China (Census), the mirror flow.
DIRECTIONS = {
    "US": {"label": "US imports from China (US tariff)", "column": "us_imports_bn"},
    "China": {"label": "China's imports from the US (China's tariff)", "column": "us_exports_bn"},
}

# The site's grid: rates 0..150 % in steps of 5, elasticities 0..6 in steps of 0.25 (6 is the
# upper estimate of Amiti, Redding and Weinstein), complete pass-through.
GRID_RATES = tuple(range(0, 151, 5))
GRID_ELASTICITIES = tuple(i / 4 for i in range(0, 25))


def _number(name: str, value, lo: float, hi: float, hint: str = "") -> float:
    """Return ``value`` as a float in [lo, hi] or raise a ValueError that says what is wrong."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise ValueError(f"{name} is missing: enter a number between {lo:g} and {hi:g}{hint}.")
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not {value!r}.")
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%").strip())
        except ValueError:
            raise ValueError(f"{name} must be a number; {value!r} is not one.") from None
    if not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number; got {type(value).__name__}.")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{name} is not a number (NaN): enter a number between {lo:g} and {hi:g}{hint}.")
    if math.isinf(v):
        raise ValueError(f"{name} must be finite, between {lo:g} and {hi:g}{hint}.")
    if v < lo or v > hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}{hint}; got {v:g}.")
    return v


def check_inputs(rate_pct, elasticity, pass_through=1.0) -> tuple[float, float, float]:
    """Validate the three inputs; return them as floats (rate still in percent)."""
    rate = _number("Tariff rate", rate_pct, 0.0, RATE_MAX, " percent (it cannot be negative)")
    eps = _number("Import demand elasticity", elasticity, *ELASTICITY_RANGE,
                  " (give its absolute value, e.g. 1.3)")
    pt = _number("Pass-through", pass_through, *PASS_THROUGH_RANGE, " (1 = the whole tariff reaches the price)")
    return rate, eps, pt


def tariff_effect(base_bn, rate_pct, elasticity, pass_through=1.0) -> dict:
    """Imports and revenue after an additional tariff of ``rate_pct`` on ``base_bn`` of imports.

    Returns ``base_bn, new_imports_bn, change_bn, change_pct, revenue_bn`` (USD bn, percent).
    """
    base = _number("Base imports", base_bn, 0.0, 1e6, " USD bn")
    rate, eps, pt = check_inputs(rate_pct, elasticity, pass_through)
    t = rate / 100.0
    new = base * (1.0 + pt * t) ** (-eps)
    return {
        "base_bn": base,
        "new_imports_bn": new,
        "change_bn": new - base,
        "change_pct": (new / base - 1.0) * 100.0 if base > 0 else 0.0,
        "revenue_bn": t * new,
    }


def base_trade(flows: pd.DataFrame, year: int = BASE_YEAR) -> dict:
    """The base-year imports of each direction (USD bn) and the source of the row."""
    row = flows[flows["year"] == year]
    if row.empty:
        raise ValueError(f"trade_flows has no row for {year}; years available: "
                         f"{', '.join(str(y) for y in flows['year'])}.")
    r = row.iloc[0]
    return {"year": int(year), "source_id": str(r["source_id"]),
            **{side: float(r[d["column"]]) for side, d in DIRECTIONS.items()}}


def calculate(rate_pct, elasticity, pass_through=1.0, flows: pd.DataFrame | None = None,
              year: int = BASE_YEAR) -> pd.DataFrame:
    """The model for both directions at once: one row per side (the side that sets the tariff)."""
    check_inputs(rate_pct, elasticity, pass_through)
    flows = data.load("trade_flows") if flows is None else flows
    base = base_trade(flows, year)
    rows = []
    for side, d in DIRECTIONS.items():
        eff = tariff_effect(base[side], rate_pct, elasticity, pass_through)
        rows.append({"side": side, "direction": d["label"], "base_year": base["year"], **eff,
                     "rate_pct": float(rate_pct), "elasticity": float(elasticity),
                     "pass_through": float(pass_through), "source_id": base["source_id"]})
    return pd.DataFrame(rows)


def describe(result: pd.DataFrame) -> str:
    """One plain-text sentence per side, for the widget and for the page."""
    parts = []
    for _, r in result.iterrows():
        parts.append(f"{r['direction']}: {r['base_bn']:.1f} bn in {r['base_year']} → "
                     f"{r['new_imports_bn']:.1f} bn ({r['change_pct']:+.1f} %), "
                     f"tariff revenue {r['revenue_bn']:.1f} bn.")
    return "\n".join(parts)


def grid(flows: pd.DataFrame | None = None, rates=GRID_RATES, elasticities=GRID_ELASTICITIES,
         pass_through: float = 1.0, year: int = BASE_YEAR) -> pd.DataFrame:
    """The model over a grid of rates and elasticities, both sides: a compact tidy table for Vega.

    Columns: ``r`` (rate, %), ``e`` (elasticity), ``s`` (side: US or China), ``m`` (imports after
    the tariff, USD bn), ``v`` (tariff revenue, USD bn). Short names keep the page's JSON small;
    the chart derives the rest.
    """
    flows = data.load("trade_flows") if flows is None else flows
    base = base_trade(flows, year)
    rows = []
    for side in DIRECTIONS:
        for r in rates:
            for e in elasticities:
                eff = tariff_effect(base[side], r, e, pass_through)
                rows.append({"r": int(r) if float(r).is_integer() else float(r), "e": float(e), "s": side,
                             "m": round(eff["new_imports_bn"], 1), "v": round(eff["revenue_bn"], 1)})
    return pd.DataFrame(rows)


def grid_json_bytes(g: pd.DataFrame) -> int:
    """Size in bytes of the grid as the compact JSON records the chart embeds."""
    return len(g.to_json(orient="records").encode("utf-8"))


def calculator_chart(g: pd.DataFrame, flows: pd.DataFrame, year: int = BASE_YEAR,
                     start_rate: int = 125, start_elasticity: float = 1.25) -> alt.LayerChart:
    """Bars of imports before/after and tariff revenue for both sides, driven by two sliders.

    The sliders (params ``calc_rate`` and ``calc_elasticity``) pick one point of the precomputed
    grid; the grey tick marks base-year imports, the coloured bar imports after the tariff, the
    hatched-looking light bar the tariff revenue.
    """
    base = base_trade(flows, year)
    src = data.sources().loc[base["source_id"]]
    label = f"{src['publisher']}, {src['title']} ({src['date']})"
    rate = alt.param(name="calc_rate", value=start_rate,
                     bind=alt.binding_range(min=min(GRID_RATES), max=max(GRID_RATES), step=5,
                                            name="Additional tariff (%) "))
    eps = alt.param(name="calc_elasticity", value=start_elasticity,
                    bind=alt.binding_range(min=min(GRID_ELASTICITIES), max=max(GRID_ELASTICITIES), step=0.25,
                                           name="Import demand elasticity "))
    lab_us, lab_cn = DIRECTIONS["US"]["label"], DIRECTIONS["China"]["label"]
    side_domain = [lab_us, lab_cn]
    base_chart = alt.Chart(g).transform_filter(
        "datum.r == calc_rate && abs(datum.e - calc_elasticity) < 1e-9"
    ).transform_calculate(
        direction=f"datum.s == 'US' ? {json.dumps(lab_us)} : {json.dumps(lab_cn)}",
        base=f"datum.s == 'US' ? {base['US']} : {base['China']}",
        change_pct="(datum.m / datum.base - 1) * 100",
        source_label=json.dumps(label),
        source_url=json.dumps(str(src["url"])),
    )
    # each label on two lines ("US imports from China" / "(US tariff)"), so the bars keep room on a phone
    y = alt.Y("direction:N", title=None, sort=side_domain, axis=alt.Axis(
        labelLimit=200, labelExpr="[slice(datum.label, 0, indexof(datum.label, ' (')), "
                                  "slice(datum.label, indexof(datum.label, ' (') + 1)]"))
    color = alt.Color("s:N", title=None, legend=None,
                      scale=alt.Scale(domain=list(SIDE_COLORS), range=list(SIDE_COLORS.values())))
    tooltip = [alt.Tooltip("direction:N", title="Trade"),
               alt.Tooltip("base:Q", title=f"Imports {year} (USD bn)", format=".1f"),
               alt.Tooltip("m:Q", title="Imports after the tariff (USD bn)", format=".1f"),
               alt.Tooltip("change_pct:Q", title="Change in imports (%)", format="+.1f"),
               alt.Tooltip("v:Q", title="Tariff revenue (USD bn)", format=".1f"),
               alt.Tooltip("source_label:N", title="Base-year source")]
    x = alt.X("m:Q", title=["USD bn a year", "(base-year imports,", "imports after the tariff)"],   # short lines fit a phone
              scale=alt.Scale(domain=[0, max(base["US"], base["China"]) * 1.05]))
    bars = base_chart.mark_bar(height=26).encode(x=x, y=y, color=color, tooltip=tooltip, href="source_url:N")
    base_tick = base_chart.mark_tick(color="#7a7a7a", thickness=3, size=40).encode(
        x="base:Q", y=y, tooltip=tooltip)
    revenue = base_chart.mark_bar(height=10, color="#b8860b", yOffset=22).encode(
        x="v:Q", y=y, tooltip=tooltip)
    # two short lines above each bar, so the text stays inside a phone-width chart
    text = base_chart.transform_calculate(
        msg="'Imports ' + format(datum.change_pct, '+.0f') + ' % to ' + format(datum.m, '.0f') + ' bn'"
            " + '\\n' + 'revenue ' + format(datum.v, '.0f') + ' bn'"
    ).mark_text(align="left", baseline="bottom", dx=6, dy=-18, fontSize=12, lineBreak="\n").encode(
        x=alt.value(0), y=y, text="msg:N")
    return alt.layer(bars, base_tick, revenue, text).add_params(rate, eps).properties(
        width=WIDTH, height=220,
        description=("Bar chart from a constant-elasticity tariff model: for US imports from China and China's "
                     f"imports from the US ({year} values), base imports (grey tick), imports after the "
                     "chosen additional tariff (coloured bar) and the tariff revenue (thin gold bar). Two "
                     "sliders set the tariff rate and the import demand elasticity; pass-through is complete."),
    )


def widget(flows: pd.DataFrame, rate: float = 145, elasticity: float = 1.3, pass_through: float = 1.0):
    """Live calculator for local notebooks: any inputs; a bad input shows a message, not a traceback."""
    import html

    import ipywidgets as w

    from .widgets import live_form

    controls = {
        "rate": w.FloatText(value=rate, description="Tariff (%)"),
        "elasticity": w.FloatText(value=elasticity, description="Elasticity"),
        "pass_through": w.FloatSlider(value=pass_through, min=0, max=1, step=0.05, description="Pass-through"),
    }

    def render(v: dict) -> str:
        text = describe(calculate(v["rate"], v["elasticity"], v["pass_through"], flows))
        return f"<pre>{html.escape(text)}</pre>"

    return live_form(controls, render, what="Cannot calculate")
