"""Charts, grids, tables and glued facts for the chapter "The logic of the standoff".

The models live in :mod:`standoff.games`; this module only feeds them data, solves them over small
grids for the static site (Vega-Lite params pick a row of the grid) and draws the results.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .. import data, games, tariffs
from ..charts import narrow_param
from ..fmt import day as _day
from ..theme import KIND_COLORS, SIDE_COLORS, WIDTH
from ..widgets import live_form

# ---- model defaults (assumptions, stated in the chapter; the reader can change them) ----------
TRADE_YEAR = 2024            # the last full year of trade before the standoff (trade_flows)
CHICKEN_VALUES = [4, 8, 12, 16, 20]
CHICKEN_STEPS = [0, 4, 8, 12, 16, 20]          # costs of mutual escalation and face costs
CHICKEN_DEFAULT = {"v": 8, "c": 16, "fu": 4, "fc": 8}
AUDIENCE_FACE_CN = 0         # China's face cost in the audience-cost chart (only the US face cost varies)
COST_MULTIPLIERS = [0, 50, 100, 150, 200, 250, 300]   # weekly cost, % of the data default
PRIZES = [25, 50, 100, 200, 400]                      # USD bn
DEFAULT_PRIZE = 100
WEEKS_SHOWN = 26

MODEL_NOTE = "Model output (standoff.games), not data"
FEARON = "fearon-1994-audience-costs"
SCHELLING = "schelling-1960-strategy-of-conflict"
HWW = "hendricks-weiss-wilson-1988-war-of-attrition"
OUTCOME_COLORS = {"US prevails (China concedes)": SIDE_COLORS["US"],
                  "China prevails (US concedes)": SIDE_COLORS["China"],
                  "Both hold (collision)": KIND_COLORS["summit"],
                  "Both concede": KIND_COLORS["envoy"]}
WOA_HEIGHT = 300  # px: the war-of-attrition chart's plot height


def _source(source_id: str) -> tuple[str, str]:
    s = data.with_sources(pd.DataFrame({"source_id": [source_id]})).iloc[0]
    return str(s["source_label"]), str(s["source_url"])


def _js(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---- facts --------------------------------------------------------------------------------

def standoff_timeline(actions: pd.DataFrame, contacts: pd.DataFrame) -> dict:
    """Peak tariffs, the Geneva talks and the first leader call, from tariff_actions and contacts."""
    us_peak, cn_peak = tariffs.peak(actions, "US"), tariffs.peak(actions, "China")
    both_from = max(us_peak["date"], cn_peak["date"])
    talks = contacts[(contacts["kind"] == "ministerial") & (contacts["start_date"] > both_from)].sort_values("start_date")
    geneva = talks.iloc[0]
    calls = contacts[(contacts["kind"] == "call") & (contacts["level"] == "leader")
                     & (contacts["start_date"] > both_from)].sort_values("start_date")
    call = calls.iloc[0]
    steps = tariffs.headline_steps(actions)
    cut = steps[(steps["actor"] == "US") & (steps["date"] > us_peak["date"]) & (steps["change_pp"] < 0)].iloc[0]
    days = int((geneva["start_date"] - both_from).days)
    return {
        "us_peak": us_peak, "cn_peak": cn_peak, "both_from": both_from, "geneva": geneva, "call": call,
        "cut_date": cut["date"], "days_to_talks": days, "weeks_to_talks": days / 7,
    }


def chapter_facts(actions: pd.DataFrame, contacts: pd.DataFrame, flows: pd.DataFrame) -> dict:
    """Every number and date the chapter's prose uses, computed from the data and the models."""
    t = standoff_timeline(actions, contacts)
    g, call = t["geneva"], t["call"]
    exp = games.weekly_exposure(flows, TRADE_YEAR)
    row = flows[flows["year"] == TRADE_YEAR].iloc[0]
    base = games.attrition(exp["US"], DEFAULT_PRIZE, exp["China"], DEFAULT_PRIZE)
    dear = games.attrition(2 * exp["US"], DEFAULT_PRIZE, exp["China"], DEFAULT_PRIZE)
    d = CHICKEN_DEFAULT
    ch = games.chicken(d["v"], d["c"], d["fu"], d["v"], d["c"], d["fc"])
    sym = games.chicken(d["v"], d["c"], 0)
    g_start, g_end = g["start_date"], g["end_date"]
    return {
        "us_peak_rate": int(t["us_peak"]["rate_pct"]), "us_peak_date": _day(t["us_peak"]["date"]),
        "cn_peak_rate": int(t["cn_peak"]["rate_pct"]), "cn_peak_date": _day(t["cn_peak"]["date"]),
        "geneva_dates": f"{g_start:%-d}–{_day(g_end)}" if g_start.month == g_end.month else
                        f"{_day(g_start)} – {_day(g_end)}",
        "geneva_place": str(g["location"]).split(",")[0],
        "cut_date": _day(t["cut_date"]),
        "call_date": _day(call["start_date"]),
        "call_initiator": str(call["initiated_by"]),
        "days_to_talks": t["days_to_talks"], "weeks_to_talks": t["weeks_to_talks"],
        "trade_year": TRADE_YEAR,
        "us_exports": float(row["us_exports_bn"]), "us_imports": float(row["us_imports_bn"]),
        "cost_us_week": exp["US"], "cost_cn_week": exp["China"],
        "prize": DEFAULT_PRIZE,
        "h_us_pct": 100 * base.hazard_us, "h_cn_pct": 100 * base.hazard_china,
        "expected_weeks": base.expected_weeks, "median_weeks": base.median_weeks,
        "p_us_first_pct": 100 * base.p_us_first,
        "dear_h_cn_pct": 100 * dear.hazard_china, "dear_expected_weeks": dear.expected_weeks,
        "dear_p_us_first_pct": 100 * dear.p_us_first,
        "prize_matching": games.prize_for_duration(exp["US"], exp["China"], t["weeks_to_talks"]),
        "aud_fc": AUDIENCE_FACE_CN,
        "ch_v": d["v"], "ch_c": d["c"], "ch_fu": d["fu"], "ch_fc": d["fc"],
        "ch_p_us_pct": 100 * ch.p_us_hold, "ch_p_cn_pct": 100 * ch.p_china_hold,
        "ch_collision_pct": 100 * ch.outcomes[(games.HOLD, games.HOLD)],
        "sym_p_pct": 100 * sym.p_us_hold, "sym_collision_pct": 100 * sym.outcomes[(games.HOLD, games.HOLD)],
    }


# ---- chicken ------------------------------------------------------------------------------

def chicken_site_grid() -> pd.DataFrame:
    """The grid the site's chicken chart filters (one compact row per slider combination)."""
    return games.chicken_grid(CHICKEN_VALUES, CHICKEN_STEPS, CHICKEN_STEPS)


def chicken_chart(grid: pd.DataFrame | None = None) -> alt.LayerChart:
    """The 2x2 chicken game with four sliders (Vega params ``chicken_*``) over a precomputed grid.

    Each cell shows the chance of that outcome in the equilibrium read by :func:`games.chicken`
    (shading) and both payoffs; a gold frame marks a pure-strategy equilibrium.
    """
    grid = chicken_site_grid() if grid is None else grid
    d = CHICKEN_DEFAULT
    rng = lambda name, label, steps, value: alt.param(  # noqa: E731
        name=name, value=value, bind=alt.binding_range(min=min(steps), max=max(steps), step=steps[1] - steps[0],
                                                       name=label))
    pv = rng("chicken_value", "Value of prevailing ", CHICKEN_VALUES, d["v"])
    pc = rng("chicken_cost", "Cost of mutual escalation ", CHICKEN_STEPS, d["c"])
    pfu = rng("chicken_face_us", "US face cost of conceding first ", CHICKEN_STEPS, d["fu"])
    pfc = rng("chicken_face_cn", "China's face cost of conceding first ", CHICKEN_STEPS, d["fc"])
    label, url = _source(SCHELLING)
    us_h = "substring(datum.cell, 0, 1) == 'h'"
    cn_h = "substring(datum.cell, 1, 2) == 'h'"
    base = alt.Chart(grid).transform_filter(
        "datum.v == chicken_value && datum.c == chicken_cost && datum.fu == chicken_face_us "
        "&& datum.fc == chicken_face_cn"
    ).transform_fold(["hh", "hc", "ch", "cc"], as_=["cell", "eq"]).transform_calculate(
        us_move=f"{us_h} ? 'US holds' : 'US concedes'",
        cn_move=f"{cn_h} ? 'China holds' : 'China concedes'",
        us_p=f"{us_h} ? datum.pu : 1 - datum.pu",
        cn_p=f"{cn_h} ? datum.pc : 1 - datum.pc",
    ).transform_calculate(
        us_label="datum.us_move + ' (' + format(datum.us_p, '.0%') + ')'",
        cn_label="datum.cn_move + ' (' + format(datum.cn_p, '.0%') + ')'",
        prob="datum.us_p * datum.cn_p",
        us_pay=f"{us_h} ? ({cn_h} ? -datum.c : datum.v) : ({cn_h} ? -datum.fu : 0)",
        cn_pay=f"{cn_h} ? ({us_h} ? -datum.c : datum.v) : ({us_h} ? -datum.fc : 0)",
        us_order=f"{us_h} ? 0 : 1", cn_order=f"{cn_h} ? 0 : 1",
        eq_text="datum.eq == 1 ? 'pure equilibrium' : ''",
        reading="datum.mixed == 1 ? 'mixed equilibrium' : 'the unique (or first) pure equilibrium'",
        source_label=_js(f"{MODEL_NOTE}; chicken game after {label}"),
        source_url=_js(url),
    ).transform_calculate(
        pay_text="'US ' + format(datum.us_pay, '+d') + '\\n' + 'China ' + format(datum.cn_pay, '+d')",
    )
    # move and chance on two lines ("China holds" / "(40%)"), so both columns fit a phone
    two_lines = "split(datum.label, ' (', 2)[0], '(' + split(datum.label, ' (', 2)[1]"
    x = alt.X("cn_label:N", title="China", sort=alt.EncodingSortField("cn_order"),
              axis=alt.Axis(orient="top", labelAngle=0, labelLimit=220, labelExpr=f"[{two_lines}]",
                            labelPadding=18))
    y = alt.Y("us_label:N", title="US", sort=alt.EncodingSortField("us_order"),
              axis=alt.Axis(labelLimit=160, labelExpr=f"[{two_lines}]"))
    tooltip = [alt.Tooltip("us_move:N", title="US"), alt.Tooltip("cn_move:N", title="China"),
               alt.Tooltip("prob:Q", title="Chance of this outcome", format=".0%"),
               alt.Tooltip("us_pay:Q", title="US payoff"), alt.Tooltip("cn_pay:Q", title="China's payoff"),
               alt.Tooltip("eq_text:N", title="Pure equilibrium?"),
               alt.Tooltip("reading:N", title="Chances from"),
               alt.Tooltip("source_label:N", title="Source")]
    cells = base.mark_rect(color=KIND_COLORS["summit"], stroke=KIND_COLORS["ministerial"]).encode(
        x=x, y=y, fillOpacity=alt.FillOpacity("prob:Q", scale=alt.Scale(domain=[0, 1], range=[0.04, 0.75]),
                                               legend=None),
        strokeWidth=alt.condition("datum.eq == 1", alt.value(5), alt.value(0)),
        tooltip=tooltip, href="source_url:N")
    big = base.mark_text(fontSize=22, fontWeight="bold", dy=-24).encode(
        x=x, y=y, text=alt.Text("prob:Q", format=".0%"), tooltip=tooltip)
    pay = base.mark_text(fontSize=12, dy=6, lineBreak="\n", lineHeight=15).encode(
        x=x, y=y, text="pay_text:N", tooltip=tooltip)
    eq = base.mark_text(fontSize=11, dy=38, fontStyle="italic").encode(x=x, y=y, text="eq_text:N")
    return alt.layer(cells, big, pay, eq).add_params(pv, pc, pfu, pfc).properties(
        width=WIDTH, height=260,
        description=("Two-by-two chicken game between the US (rows) and China (columns), each choosing to hold or "
                     "concede. Each cell shows the chance of that outcome in equilibrium and both payoffs; gold "
                     "frames mark pure-strategy equilibria. Four sliders set the value of prevailing, the cost of "
                     "mutual escalation and each side's face cost of conceding first."))


def chicken_default_table() -> pd.DataFrame:
    d = CHICKEN_DEFAULT
    r = games.chicken(d["v"], d["c"], d["fu"], d["v"], d["c"], d["fc"])
    t = games.chicken_table(r)
    t["probability_pct"] = (100 * t["probability"]).round(1)
    t["pure_equilibrium"] = t["pure_equilibrium"].map({True: "yes", False: "no"})
    return t


# ---- audience costs -------------------------------------------------------------------------

def audience_curve(step: float = 0.25) -> pd.DataFrame:
    """Outcome chances as the US face cost rises (tidy).

    Value and cost of escalation are the chicken defaults; China's face cost is ``AUDIENCE_FACE_CN``.
    """
    d = CHICKEN_DEFAULT
    rows = []
    n = int(round(1.5 * d["c"] / step))
    for i in range(n + 1):
        f = i * step
        r = games.chicken(d["v"], d["c"], f, d["v"], d["c"], AUDIENCE_FACE_CN)
        o = r.outcomes
        named = {"US prevails (China concedes)": o[(games.HOLD, games.CONCEDE)],
                 "China prevails (US concedes)": o[(games.CONCEDE, games.HOLD)],
                 "Both hold (collision)": o[(games.HOLD, games.HOLD)],
                 "Both concede": o[(games.CONCEDE, games.CONCEDE)]}
        for outcome, p in named.items():
            rows.append({"face_us": f, "outcome": outcome, "probability": p, "reading": r.reading,
                         "p_us_hold": r.p_us_hold, "p_cn_hold": r.p_china_hold})
    return pd.DataFrame(rows)


def audience_chart(curve: pd.DataFrame | None = None) -> alt.LayerChart:
    """Chance of each outcome as the US face (audience) cost rises; a legend click highlights one."""
    curve = audience_curve() if curve is None else curve
    d = CHICKEN_DEFAULT
    label, url = _source(FEARON)
    pick = alt.selection_point(name="audience_pick", fields=["outcome"], bind="legend")
    color = alt.Color("outcome:N", title=None, scale=alt.Scale(domain=list(OUTCOME_COLORS),
                                                                range=list(OUTCOME_COLORS.values())),
                      legend=alt.Legend(orient="top", columns=alt.ExprRef("audience_narrow ? 1 : 2"), labelLimit=0))
    x = alt.X("face_us:Q", title=["US face cost of conceding first", "(same units as the payoffs)"])
    y = alt.Y("probability:Q", title="Chance of the outcome", axis=alt.Axis(format=".0%"),
              scale=alt.Scale(domain=[0, 1]))
    fade = alt.condition(pick, alt.value(1), alt.value(0.15))
    line = alt.Chart(curve).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=color, opacity=fade)
    pts = alt.Chart(curve).transform_calculate(
        source_label=_js(f"{MODEL_NOTE}; audience costs after {label}"), source_url=_js(url)
    ).transform_filter("datum.face_us % 2 == 0").mark_point(filled=True, size=25).encode(
        x=x, y=y, color=color, opacity=fade, href="source_url:N",
        tooltip=[alt.Tooltip("face_us:Q", title="US face cost"), alt.Tooltip("outcome:N", title="Outcome"),
                 alt.Tooltip("probability:Q", title="Chance", format=".0%"),
                 alt.Tooltip("p_us_hold:Q", title="P(US holds)", format=".0%"),
                 alt.Tooltip("p_cn_hold:Q", title="P(China holds)", format=".0%"),
                 alt.Tooltip("reading:N", title="Equilibrium"), alt.Tooltip("source_label:N", title="Source")])
    rule = alt.Chart(pd.DataFrame({"c": [d["c"]], "label": ["face cost = cost of escalation"]})).mark_rule(
        strokeDash=[4, 4], color=KIND_COLORS["envoy"]).encode(x="c:Q")
    rule_text = alt.Chart(pd.DataFrame({"c": [d["c"]], "label": ["face cost = escalation cost"]})).mark_text(
        align="right", dx=-4, y=8, fontSize=11).encode(x="c:Q", text="label:N")
    return alt.layer(line, pts, rule, rule_text).add_params(pick, narrow_param("audience_narrow")).properties(
        width=WIDTH, height=280,
        description=("Line chart of the chance of each outcome of the chicken game (US prevails, China prevails, "
                     "both hold, both concede) as the US face cost of conceding first rises from zero, with the "
                     "other payoffs fixed. The outcome jumps to 'US prevails' once the face cost reaches the cost "
                     "of mutual escalation."))


# ---- war of attrition ---------------------------------------------------------------------------

def attrition_site_grid(flows: pd.DataFrame) -> pd.DataFrame:
    """The grid the site's war-of-attrition chart filters; costs are % of the 2024 weekly exposure."""
    exp = games.weekly_exposure(flows, TRADE_YEAR)
    g = games.attrition_grid(exp["US"], exp["China"], COST_MULTIPLIERS, PRIZES)
    return g.drop(columns=["cu", "cc"])


def attrition_chart(flows: pd.DataFrame, actions: pd.DataFrame, contacts: pd.DataFrame,
                    grid: pd.DataFrame | None = None) -> alt.LayerChart:
    """Who has conceded after t weeks (stacked areas) in the stationary war of attrition.

    Sliders (Vega params ``woa_*``) pick each side's weekly cost (as % of the data default) and a
    select picks each side's prize; a dashed rule marks the expected duration, a solid rule the
    weeks from both peak tariffs to the Geneva talks.
    """
    grid = attrition_site_grid(flows) if grid is None else grid
    exp = games.weekly_exposure(flows, TRADE_YEAR)
    t = standoff_timeline(actions, contacts)
    flow_label, flow_url = _source(str(flows[flows["year"] == TRADE_YEAR].iloc[0]["source_id"]))
    hww_label, _ = _source(HWW)
    step = COST_MULTIPLIERS[1] - COST_MULTIPLIERS[0]
    cu = alt.param(name="woa_cost_us", value=100, bind=alt.binding_range(
        min=0, max=max(COST_MULTIPLIERS), step=step, name="US weekly cost (% of the data default) "))
    cc = alt.param(name="woa_cost_cn", value=100, bind=alt.binding_range(
        min=0, max=max(COST_MULTIPLIERS), step=step, name="China's weekly cost (% of the data default) "))
    vu = alt.param(name="woa_prize_us", value=DEFAULT_PRIZE, bind=alt.binding_select(
        options=PRIZES, name="US prize (USD bn) "))
    vc = alt.param(name="woa_prize_cn", value=DEFAULT_PRIZE, bind=alt.binding_select(
        options=PRIZES, name="China's prize (USD bn) "))
    sel = alt.Chart(grid).transform_filter(
        "datum.ku == woa_cost_us && datum.kc == woa_cost_cn && datum.vu == woa_prize_us && datum.vc == woa_prize_cn")
    src = dict(source_label=_js(f"{MODEL_NOTE}; costs from {flow_label}; model after {hww_label}"),
               source_url=_js(flow_url))
    names = {"standing": "Neither has conceded", "us": "The US has conceded", "cn": "China has conceded"}
    colors = {names["us"]: SIDE_COLORS["US"], names["cn"]: SIDE_COLORS["China"], names["standing"]: "#9a9a9a"}
    curve = sel.transform_calculate(week=f"sequence(0, {WEEKS_SHOWN + 1})").transform_flatten(["week"]).transform_calculate(
        total="datum.hu + datum.hc",
        standing="exp(-(datum.hu + datum.hc) * datum.week)",
    ).transform_calculate(
        us="(1 - datum.standing) * datum.hu / datum.total",
        cn="(1 - datum.standing) * datum.hc / datum.total",
        cost_us=f"{exp['US']:.4f} * datum.ku / 100", cost_cn=f"{exp['China']:.4f} * datum.kc / 100", **src,
    ).transform_fold(["us", "standing", "cn"], as_=["key", "share"]).transform_calculate(
        state=" : ".join(f"datum.key == '{k}' ? {_js(v)}" for k, v in names.items()) + " : ''",
        order="indexof(['us', 'standing', 'cn'], datum.key)",
    )
    x = alt.X("week:Q", title="Weeks after both peak tariffs were in force", scale=alt.Scale(domain=[0, WEEKS_SHOWN]))
    area = curve.mark_area(opacity=0.85, interpolate="monotone").encode(
        x=x, y=alt.Y("share:Q", stack="normalize", title="Share of possible outcomes", axis=alt.Axis(format=".0%")),
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                        legend=alt.Legend(orient="top", columns=alt.ExprRef("woa_narrow ? 1 : 0"), offset=24)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("week:Q", title="Week"), alt.Tooltip("state:N", title="State"),
                 alt.Tooltip("share:Q", title="Chance", format=".0%"),
                 alt.Tooltip("hu:Q", title="US hazard of conceding (per week)", format=".1%"),
                 alt.Tooltip("hc:Q", title="China's hazard of conceding (per week)", format=".1%"),
                 alt.Tooltip("ew:Q", title="Expected weeks", format=".1f"),
                 alt.Tooltip("pf:Q", title="Chance the US concedes first", format=".0%"),
                 alt.Tooltip("cost_us:Q", title="US cost (USD bn/week)", format=".2f"),
                 alt.Tooltip("cost_cn:Q", title="China's cost (USD bn/week)", format=".2f"),
                 alt.Tooltip("source_label:N", title="Source")],
        href="source_url:N")
    exp_rule = sel.transform_calculate(label="'expected: ' + format(datum.ew, '.1f') + ' weeks'").transform_filter(
        f"datum.ew <= {WEEKS_SHOWN}")
    erule = exp_rule.mark_rule(strokeDash=[6, 4], strokeWidth=2, color="#222222").encode(x="ew:Q")
    etext = exp_rule.mark_text(align="left", dx=4, y=14, fontSize=12, fontWeight="bold").encode(x="ew:Q", text="label:N")
    obs = pd.DataFrame({"weeks": [t["weeks_to_talks"]],
                        "label": [f"Geneva talks: {t['weeks_to_talks']:.0f} weeks"]})
    # the gold line starts below the row of the expected-duration label, which may sit on either side of it
    orule = alt.Chart(obs).mark_rule(strokeWidth=2, color=KIND_COLORS["ministerial"]).encode(
        x="weeks:Q", y=alt.value(24), y2=alt.value(WOA_HEIGHT))
    otext = alt.Chart(obs).mark_text(align="left", dx=-2, y=-9, fontSize=12).encode(x="weeks:Q", text="label:N")
    return alt.layer(area, erule, etext, orule, otext).add_params(cu, cc, vu, vc, narrow_param("woa_narrow")).properties(
        width=WIDTH, height=WOA_HEIGHT,
        description=("Stacked area chart of the war of attrition: for each week after both peak tariffs were in "
                     "force, the chance that neither side has conceded, that the US has, or that China has. A dashed "
                     "line marks the expected duration and a gold line the weeks until the Geneva talks. Sliders set "
                     "each side's weekly cost; menus set each side's prize."))


def attrition_table(flows: pd.DataFrame, multipliers=(50, 100, 200, 300)) -> pd.DataFrame:
    """How the equilibrium changes as the US weekly cost rises (China's cost and both prizes fixed)."""
    exp = games.weekly_exposure(flows, TRADE_YEAR)
    rows = []
    for k in multipliers:
        r = games.attrition(exp["US"] * k / 100, DEFAULT_PRIZE, exp["China"], DEFAULT_PRIZE)
        rows.append({"US cost (% of default)": k, "US cost (USD bn/week)": round(r.cost_us, 2),
                     "China's cost (USD bn/week)": round(r.cost_china, 2),
                     "US hazard (%/week)": round(100 * r.hazard_us, 1),
                     "China's hazard (%/week)": round(100 * r.hazard_china, 1),
                     "Expected weeks": round(r.expected_weeks, 1),
                     "Chance the US concedes first (%)": round(100 * r.p_us_first)})
    return pd.DataFrame(rows)


def timeline_table(actions: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """The dated events the models are compared with, each with its source."""
    t = standoff_timeline(actions, contacts)
    rows = [
        {"date": t["us_peak"]["date"], "event": f"US headline tariff reaches {t['us_peak']['rate_pct']:.0f} %",
         "table": "tariff_actions", "source_id": t["us_peak"]["source_id"]},
        {"date": t["cn_peak"]["date"], "event": f"China's headline tariff reaches {t['cn_peak']['rate_pct']:.0f} %",
         "table": "tariff_actions", "source_id": t["cn_peak"]["source_id"]},
        {"date": t["geneva"]["start_date"], "event": "Geneva talks begin (ministers)", "table": "contacts",
         "source_id": t["geneva"]["source_id"]},
        {"date": t["call"]["start_date"], "event": "First confirmed leader call after the peak", "table": "contacts",
         "source_id": t["call"]["source_id"]},
    ]
    return data.with_sources(pd.DataFrame(rows))


# ---- statements quoted in the chapter ---------------------------------------------------------

def quote(statements: pd.DataFrame, statement_id: str) -> dict:
    """One row of ``statements`` as glue-ready strings (quote, speaker, role, date)."""
    r = statements.set_index("statement_id").loc[statement_id]
    return {"quote": str(r["quote"]), "speaker": str(r["speaker"]), "role": str(r["role"]), "date": _day(r["date"])}


# ---- live widgets (local notebooks only; the site shows the Vega twins) ---------------------

def chicken_widget():
    """ipywidgets front end: type any payoffs; the chicken game is solved live."""
    import ipywidgets as w

    d = CHICKEN_DEFAULT
    boxes = {
        "v_us": w.FloatText(value=d["v"], description="US value"),
        "c_us": w.FloatText(value=d["c"], description="US collision cost"),
        "f_us": w.FloatText(value=d["fu"], description="US face cost"),
        "v_cn": w.FloatText(value=d["v"], description="China value"),
        "c_cn": w.FloatText(value=d["c"], description="China collision cost"),
        "f_cn": w.FloatText(value=d["fc"], description="China face cost"),
    }

    def render(values: dict) -> str:
        r = games.chicken(**values)
        t = games.chicken_table(r)
        t["probability"] = (100 * t["probability"]).round(1)
        return (f"<p><b>{r.reading}</b>: the US holds with probability {r.p_us_hold:.0%}, "
                f"China with {r.p_china_hold:.0%}. Pure equilibria: "
                f"{'; '.join(games.describe(c) for c in r.pure) or 'none'}.</p>" + t.to_html(index=False))

    return live_form(boxes, render, rows=[["v_us", "c_us", "f_us"], ["v_cn", "c_cn", "f_cn"]], what="Cannot solve")


def attrition_widget(flows: pd.DataFrame, actions: pd.DataFrame, contacts: pd.DataFrame):
    """ipywidgets front end for the war of attrition, starting from the data defaults."""
    import ipywidgets as w

    exp = games.weekly_exposure(flows, TRADE_YEAR)
    observed = standoff_timeline(actions, contacts)["weeks_to_talks"]
    boxes = {
        "cost_us": w.FloatText(value=round(exp["US"], 2), description="US cost (USD bn/week)"),
        "prize_us": w.FloatText(value=DEFAULT_PRIZE, description="US prize (USD bn)"),
        "cost_china": w.FloatText(value=round(exp["China"], 2), description="China's cost (USD bn/week)"),
        "prize_china": w.FloatText(value=DEFAULT_PRIZE, description="China's prize (USD bn)"),
    }

    def render(values: dict) -> str:
        r = games.attrition(**values)
        return (f"<p>The US concedes at {r.hazard_us:.1%} a week, China at {r.hazard_china:.1%}. Expected duration "
                f"{r.expected_weeks:.1f} weeks (median {r.median_weeks:.1f}); chance the US concedes first "
                f"{r.p_us_first:.0%}. From both peaks to the Geneva talks took {observed:.1f} weeks.</p>")

    return live_form(boxes, render, rows=[["cost_us", "prize_us"], ["cost_china", "prize_china"]],
                     what="Cannot solve")
