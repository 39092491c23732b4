"""Unit tests for the history chapters (standoff.chapters.first_trade_war, phase_one, after_april): hand-computed cases on small frames, plus the real tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from standoff import data
from standoff.chapters import after_april as aa
from standoff.chapters import first_trade_war as ftw
from standoff.chapters import phase_one as p1c


@pytest.fixture(scope="module")
def tables():
    return {n: data.load(n) for n in ("tariff_actions", "tariff_averages", "phase_one", "contacts", "history_events")}


def _p1(rows):
    cols = ["row_id", "category", "period", "measure", "value", "unit", "snapshot", "derived", "derived_method",
            "source_id", "source_id_2", "note"]
    out = []
    for i, (cat, period, measure, value) in enumerate(rows):
        out.append({"row_id": f"r{i}", "category": cat, "period": period, "measure": measure, "value": value,
                    "unit": "USD bn", "snapshot": "test", "derived": False, "derived_method": None,
                    "source_id": "s", "source_id_2": None, "note": None})
    return pd.DataFrame(out, columns=cols)


def _commitments(total_2021=6.0):
    rows = []
    # 2020: 1+2+3+4 = 10; 2021: 2+... = total; two-year printed values
    vals = {"manufactured_goods": (1.0, 1.5), "agriculture": (2.0, 1.5), "energy": (3.0, 1.5), "services": (4.0, 1.5)}
    for c, (a, b) in vals.items():
        rows += [(c, "2020", "additional_commitment", a), (c, "2021", "additional_commitment", b),
                 (c, "2020-21", "additional_commitment", a + b)]
    rows += [("total", "2020", "additional_commitment", 10.0), ("total", "2021", "additional_commitment", total_2021),
             ("total", "2020-21", "additional_commitment", 16.0),
             ("total", "2020", "total_target", 30.0), ("total", "2021", "total_target", 36.0),
             ("total", "2020-21", "total_target", 66.0)]
    return _p1(rows)


# ---- Phase One arithmetic ------------------------------------------------------------------

def test_shortfall_hand_computed():
    s = p1c.shortfall(target_bn=502.4, actual_bn=288.8, baseline_per_year_bn=151.2)
    assert s["shortfall_bn"] == pytest.approx(213.6)
    assert s["share_pct"] == pytest.approx(57.5)
    assert s["baseline_total_bn"] == pytest.approx(302.4)
    assert s["above_baseline_bn"] == pytest.approx(-13.6)  # below simply repeating 2017 twice


def test_shortfall_simple_and_rejects_zero_target():
    assert p1c.shortfall(100, 75) == {"shortfall_bn": 25, "share_pct": 75}
    with pytest.raises(ValueError):
        p1c.shortfall(0, 10)


def test_commitment_checks_pass_on_consistent_table():
    checks = p1c.commitment_checks(_commitments())
    assert checks["holds"].all()
    assert len(checks) == 9


def test_commitment_checks_catch_a_wrong_total():
    checks = p1c.commitment_checks(_commitments(total_2021=7.0)).set_index("check")
    assert not checks.loc["categories sum to total, 2021", "holds"]
    assert checks.loc["categories sum to total, 2021", "left"] == pytest.approx(6.0)
    assert not checks.loc["2020 + 2021 = 2020-21, total", "holds"]


def test_p1_value_missing_and_ambiguous():
    p1 = _p1([("total", "2020-21", "share_of_commitment", 57.0), ("total", "2020-21", "share_of_commitment", 58.0)])
    assert p1c.p1_value(p1, "energy", "2020-21", "actual_purchases") is None
    with pytest.raises(ValueError):
        p1c.p1_value(p1, "total", "2020-21", "share_of_commitment")


def test_real_phase_one_sums(tables):
    p1 = tables["phase_one"]
    checks = p1c.commitment_checks(p1)
    assert checks["holds"].all(), checks[~checks["holds"]]
    # categories sum to the total; 2020 + 2021 = two-year amount (hand-checked against the AFP table)
    assert sum(p1c.p1_value(p1, c, "2020-21", "additional_commitment") for c in p1c.CATEGORIES) == pytest.approx(200.0)
    assert (p1c.p1_value(p1, "energy", "2020", "additional_commitment")
            + p1c.p1_value(p1, "energy", "2021", "additional_commitment")) == pytest.approx(52.4)


def test_energy_outcome_is_missing_not_zero(tables):
    out = p1c.category_outcomes(tables["phase_one"]).set_index("category")
    assert pd.isna(out.loc["energy", "share_pct"])
    assert out.loc["energy", "share_text"] == "outcome not sourced"
    assert out.loc["agriculture", "share_pct"] == 83


def test_phase_one_facts_keep_snapshots_apart(tables):
    f = p1c.phase_one_facts(tables["phase_one"], tables["history_events"])
    assert (f["share_original"], f["share_revised"], f["share_derived"]) == (57, 58, 57.5)
    assert f["shortfall_bn"] == pytest.approx(213.6)
    assert f["below_baseline_bn"] == pytest.approx(13.6)
    assert f["n_checks_hold"] == f["n_checks"]


def test_phase_one_bars_views(tables):
    bars, labels = p1c.phase_one_bars(tables["phase_one"])
    total = bars[bars["view"] == p1c.VIEW_TOTAL]
    target = total[total["bar"] == "Target, 2020-21"]["value"].sum()
    assert target == pytest.approx(502.4)  # 2 x 151.2 + 200
    cat = bars[bars["view"] == p1c.VIEW_CATEGORY]
    assert cat["value"].sum() == pytest.approx(200.0)
    assert labels[labels["missing"]]["bar"].tolist() == ["Energy"]


# ---- First trade war -----------------------------------------------------------------------

def test_first_term_rounds(tables):
    r = ftw.first_term_rounds(tables["tariff_actions"])
    assert r["date"].min() >= pd.Timestamp("2018-01-01") and r["date"].max() <= pd.Timestamp("2020-12-31")
    # steps with neither an effective nor a planned date cannot be placed and are left out
    undated = tables["tariff_actions"]
    undated = undated[undated["effective_date"].isna() & undated["planned_date"].isna()]["action_id"]
    assert not set(undated) & set(r["action_id"])
    assert r["name"].str.len().max() <= 40  # every step has a short chart name
    never = set(r.loc[~r["applied"], "action_id"])
    assert never == {"us-2019-01-01-list3-rise-postponed", "us-2019-10-15-lists1-3-to-30",
                     "us-2019-12-15-list4b", "cn-2019-12-15-tranche"}
    # never-applied steps are placed at their planned date
    assert r.set_index("action_id").loc["us-2019-12-15-list4b", "date"] == pd.Timestamp("2019-12-15")
    assert r["source_label"].notna().all()


def test_first_term_facts(tables):
    f = ftw.first_term_facts(tables["tariff_actions"], tables["tariff_averages"], tables["contacts"])
    assert f["us_applied_bn"] == 34 + 16 + 200 + 120
    assert f["avg_us_rise_first_term"] == pytest.approx(16.3)
    assert f["n_never_applied"] == 4


def test_truces_come_from_contacts(tables):
    t = ftw.truces(tables["contacts"])
    assert t["label"].tolist() == ["Buenos Aires truce", "Osaka truce", "Phase One signed"]


def test_first_term_averages_one_line_point_per_date(tables):
    a = ftw.first_term_averages(tables["tariff_averages"])
    line = a[a["on_line"]]
    assert not line.duplicated(["actor", "as_of"]).any()
    assert (a["kind"] == "planned").sum() == 3
    # both China snapshots for 14 Feb 2020 are kept as points
    assert len(a[(a["actor"] == "China") & (a["as_of"] == pd.Timestamp("2020-02-14"))]) == 2


# ---- After April ---------------------------------------------------------------------------

def test_after_facts(tables):
    t = tables
    f = aa.after_facts(t["tariff_actions"], t["tariff_averages"], t["contacts"], t["history_events"], "2026-05-15")
    assert (f["us_peak_rate"], f["us_after_geneva"], f["us_after_nov"], f["us_after_ruling"]) == (145, 30, 20, 10)
    assert f["threat_headline"] == 130 and f["us_before_threat"] == 30
    assert f["s122_days"] == 150
    assert f["us_drop_from_peak"] == 135
    assert f["threat_to_busan_days"] == 20


def test_annotations_stop_at_end(tables):
    t = tables
    ann = aa.annotations(t["tariff_actions"], t["contacts"], t["history_events"], "2026-01-01")
    assert ann["date"].max() < pd.Timestamp("2026-01-01")
    assert "Beijing visit" not in set(ann["label"])
    full = aa.annotations(t["tariff_actions"], t["contacts"], t["history_events"], "2026-05-15")
    assert {"Geneva talks", "London talks", "Busan meeting", "Beijing visit"} <= set(full["label"])


def test_threat_never_in_headline(tables):
    s = aa.after_steps(tables["tariff_actions"], "2026-05-15")
    assert s["rate_pct"].max() == 145
    assert s[(s["actor"] == "US") & (s["date"] == pd.Timestamp("2025-11-01"))].empty


def test_charts_have_named_params_and_descriptions(tables):
    t = tables
    charts = [ftw.rounds_chart(t["tariff_actions"], t["contacts"]),
              ftw.first_term_averages_chart(t["tariff_averages"]),
              ftw.contacts_chart(t["contacts"]),
              p1c.phase_one_chart(t["phase_one"]),
              aa.after_chart(t["tariff_actions"], t["contacts"], t["history_events"], "2026-05-15")]
    for c in charts:
        spec = c.to_dict()
        assert spec.get("description")
        names = [p["name"] for p in spec.get("params", [])]
        assert names and not any(n.startswith("param_") or n.startswith("selector") for n in names)
        assert "source_label" in json.dumps(spec)


def test_rare_earth_pause_hand_made():
    controls = pd.DataFrame({
        "category": ["rare_earth", "suspension"], "status": ["suspended", "in force"],
        "announced_date": pd.to_datetime(["2025-10-09", "2025-11-07"]),
        "suspended_until": pd.to_datetime(["2026-11-10", "2026-11-10"]),
    })
    assert aa.rare_earth_pause(controls) == {"re_widened": "9 October 2025", "re_suspended": "7 November 2025",
                                            "re_suspended_until": "10 November 2026"}
