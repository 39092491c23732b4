"""Phase One: promises vs purchases (chapters/phase_one.ipynb): its tables, chart and facts.

Pure functions over ``phase_one`` and ``history_events``; ``phase_one_facts`` gives the names the
chapter's prose cites with {eval}. Nothing here types a number.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from .. import data
from ..charts import narrow_param
from ..data import sourced as _sourced
from ..fmt import day as _day
from ..fmt import day_short as _short_day
from ..fmt import num as _num
from ..theme import SIDE_COLORS, WIDTH

CATEGORY_LABELS = {
    "manufactured_goods": "Manufactured goods",
    "agriculture": "Agriculture",
    "energy": "Energy",
    "services": "Services",
    "total": "Total",
}
CATEGORIES = ("manufactured_goods", "agriculture", "energy", "services")


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
PHONE_LABEL_CHARS = 10  # see phase_one_chart
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
    # on a phone each bar's name takes a line a word ("Manufactured" / "goods"), in a smaller font; "width > 0"
    # re-reads the container's width when the chart is resized
    narrow = narrow_param("p1_narrow")
    x = alt.X("bar:N", title=None, sort=None, axis=alt.Axis(
        labelAngle=0, labelExpr="p1_narrow ? split(datum.label, ' ') : datum.label",
        labelFontSize=alt.ExprRef("p1_narrow ? 11 : 12")))
    color = alt.Color("part:N", title=None, scale=alt.Scale(domain=list(PART_COLORS), range=list(PART_COLORS.values())),
                      legend=alt.Legend(orient="top", direction="vertical", labelLimit=0))
    bar = alt.Chart(bars).transform_filter(flt).mark_bar(size=48).encode(
        x=x, y=alt.Y("sum(value):Q", title="USD bn", stack="zero"), color=color,
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("bar:N", title="Bar"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("value:Q", title="USD bn", format=".1f"), alt.Tooltip("note:N", title="Note"),
                 alt.Tooltip("source_label:N", title="Source")],
        href="source_url:N")
    # on a phone a long label takes a line a part ("$289bn:" / "57 % (original)" / ...), lifted by its extra lines
    labels["phone_text"] = labels["text"].str.replace(": ", ":\n").str.replace(" / ", "\n")
    # and a category's share ("59 %" / "bought") a line of at most PHONE_LABEL_CHARS, inside its bar's slot: the first
    # slot begins at the y axis, which a one-line label centred on its bar crossed
    cat = labels["view"] == VIEW_CATEGORY
    labels.loc[cat, "phone_text"] = labels.loc[cat, "text"].map(lambda t: "\n".join(textwrap.wrap(t, PHONE_LABEL_CHARS)))
    labels["phone_dy"] = -8 - 13 * labels["phone_text"].str.count("\n")
    text = alt.Chart(labels).transform_filter(flt).transform_calculate(
        shown="p1_narrow ? datum.phone_text : datum.text").mark_text(
        fontSize=11, lineBreak="\n", lineHeight=13, dy=alt.ExprRef("p1_narrow ? datum.phone_dy : -8")).encode(
        x=x, y=alt.Y("top:Q"), text="shown:N",
        color=alt.condition("datum.missing", alt.value("#c8553d"), alt.value("#555555")))
    # resize: the y axis's labels widen when the radio control switches to the totals (hundreds of billions); Vega lays
    # the chart out again so its title stays inside the chart
    return alt.layer(bar, text).add_params(view, narrow).properties(
        width=WIDTH, height=320, autosize=alt.AutoSizeParams(type="fit-x", contains="padding", resize=True),
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
