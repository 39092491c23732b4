"""Unit tests for standoff.games against hand-computed, analytic results."""

import math

import pytest

from standoff import games
from standoff.games import CONCEDE, HOLD
from standoff.widgets import error_html

# ---------- chicken ----------

def test_symmetric_mixed_probability_matches_closed_form():
    # V=4, C=10, F=2: V/(V+C-F) = 4/12 = 1/3
    assert games.symmetric_hold_probability(4, 10, 2) == pytest.approx(1 / 3)
    r = games.chicken(4, 10, 2)
    assert r.mixed == pytest.approx((1 / 3, 1 / 3))
    assert (r.p_us_hold, r.p_china_hold) == pytest.approx((1 / 3, 1 / 3))


@pytest.mark.parametrize("v,c", [(1, 1), (2, 8), (10, 3), (0.5, 100)])
def test_classic_chicken_without_face_cost(v, c):
    # F = 0: the textbook V/(V+C)
    assert games.symmetric_hold_probability(v, c) == pytest.approx(v / (v + c))


def test_mixed_probability_makes_the_other_side_indifferent():
    us, cn = games.Side(6, 9, 3), games.Side(2, 7, 1)
    p_us, p_cn = games.mixed_equilibrium(us, cn)
    pay = games.payoffs(us, cn)
    us_hold = p_cn * pay[(HOLD, HOLD)][0] + (1 - p_cn) * pay[(HOLD, CONCEDE)][0]
    us_concede = p_cn * pay[(CONCEDE, HOLD)][0] + (1 - p_cn) * pay[(CONCEDE, CONCEDE)][0]
    cn_hold = p_us * pay[(HOLD, HOLD)][1] + (1 - p_us) * pay[(CONCEDE, HOLD)][1]
    cn_concede = p_us * pay[(HOLD, CONCEDE)][1] + (1 - p_us) * pay[(CONCEDE, CONCEDE)][1]
    assert us_hold == pytest.approx(us_concede)
    assert cn_hold == pytest.approx(cn_concede)
    # hand-computed: China holds with 6/(6+9-3) = 0.5; the US with 2/(2+7-1) = 0.25
    assert (p_us, p_cn) == pytest.approx((0.25, 0.5))


def test_classic_chicken_has_two_pure_equilibria():
    r = games.chicken(4, 10, 2)
    assert sorted(r.pure) == sorted([(HOLD, CONCEDE), (CONCEDE, HOLD)])
    assert sum(r.outcomes.values()) == pytest.approx(1)
    assert r.outcomes[(HOLD, HOLD)] == pytest.approx(1 / 9)


def test_face_cost_at_or_above_escalation_cost_makes_holding_dominant():
    assert games.hold_is_dominant(5, 10, 10)       # tie: weakly dominant
    assert games.hold_is_dominant(5, 10, 12)
    assert not games.hold_is_dominant(5, 10, 9.99)
    # US face cost above its escalation cost, China's below: unique equilibrium, the US prevails
    r = games.chicken(5, 10, 12, 5, 10, 2)
    assert r.pure == [(HOLD, CONCEDE)]
    assert r.mixed is None
    assert (r.p_us_hold, r.p_china_hold) == (1.0, 0.0)
    assert "unique" in r.reading


def test_both_committed_collide():
    r = games.chicken(5, 4, 6)
    assert r.pure == [(HOLD, HOLD)]
    assert r.outcomes[(HOLD, HOLD)] == 1.0


def test_zero_escalation_cost_means_holding_is_weakly_dominant():
    assert games.hold_is_dominant(3, 0, 0)
    r = games.chicken(3, 0, 0)
    assert r.mixed is None
    assert (HOLD, HOLD) in r.pure


def test_zero_value_means_conceding_weakly_dominates():
    r = games.chicken(0, 5, 1)
    assert r.mixed is None
    assert (CONCEDE, CONCEDE) in r.pure
    assert (HOLD, HOLD) not in r.pure
    with pytest.raises(ValueError, match="no mixed equilibrium"):
        games.symmetric_hold_probability(0, 5, 1)


def test_all_payoffs_equal_every_cell_is_an_equilibrium():
    r = games.chicken(0, 0, 0)
    assert len(r.pure) == 4
    assert r.mixed is None
    assert "tie" in r.reading


@pytest.mark.parametrize("args,msg", [
    ((-1, 5, 0), "US value of prevailing must be zero or more"),
    ((1, float("nan"), 0), "finite"),
    ((1, 5, "high"), "must be a number"),
    ((1, 5, True), "must be a number"),
    ((1, 5, None), "must be a number"),
])
def test_bad_chicken_inputs_raise_clear_value_errors(args, msg):
    with pytest.raises(ValueError, match=msg):
        games.chicken(*args)


def test_bad_china_input_names_china():
    with pytest.raises(ValueError, match="China cost of mutual escalation"):
        games.chicken(1, 2, 0, 1, -2, 0)


def test_chicken_grid_rows_and_flags():
    g = games.chicken_grid([4], [10], [2, 12])
    assert len(g) == 4
    row = g[(g["fu"] == 2) & (g["fc"] == 2)].iloc[0]
    assert row["pu"] == pytest.approx(1 / 3, abs=1e-4) and row["mixed"] == 1
    assert (row["hc"], row["ch"], row["hh"], row["cc"]) == (1, 1, 0, 0)
    row = g[(g["fu"] == 12) & (g["fc"] == 2)].iloc[0]
    assert (row["pu"], row["pc"], row["hc"], row["mixed"]) == (1.0, 0.0, 1, 0)


# ---------- war of attrition ----------

def test_hazard_is_opponents_cost_over_opponents_prize():
    r = games.attrition(cost_us=2, prize_us=50, cost_china=6, prize_china=120)
    assert r.hazard_us == pytest.approx(6 / 120)     # 0.05 per week
    assert r.hazard_china == pytest.approx(2 / 50)   # 0.04 per week
    assert r.expected_weeks == pytest.approx(1 / 0.09)
    assert r.median_weeks == pytest.approx(math.log(2) / 0.09)
    assert r.p_us_first == pytest.approx(5 / 9)


def test_symmetric_attrition():
    r = games.attrition(1, 10, 1, 10)
    assert r.hazard_us == r.hazard_china == pytest.approx(0.1)
    assert r.expected_weeks == pytest.approx(5)
    assert r.p_us_first == pytest.approx(0.5)


def test_raising_one_sides_cost_speeds_the_other_sides_concession():
    base = games.attrition(2, 100, 8, 100)
    dear = games.attrition(4, 100, 8, 100)
    assert dear.hazard_china == pytest.approx(2 * base.hazard_china)
    assert dear.hazard_us == pytest.approx(base.hazard_us)
    assert dear.expected_weeks < base.expected_weeks
    assert dear.p_us_first < base.p_us_first


def test_zero_cost_corner_cases():
    r = games.attrition(0, 100, 5, 100)   # the US bears no cost: China must concede, the US never does
    assert r.hazard_china == 0 and r.hazard_us == pytest.approx(0.05)
    assert r.p_us_first == 1.0
    r = games.attrition(0, 100, 0, 100)
    assert r.expected_weeks == math.inf and math.isnan(r.p_us_first)


@pytest.mark.parametrize("args,msg", [
    ((1, 0, 1, 10), "US prize must be greater than zero"),
    ((1, 10, 1, -5), "China's prize must be greater than zero"),
    ((-1, 10, 1, 10), "US cost per week must be zero or more"),
    ((1, 10, float("inf"), 10), "finite"),
    (("1", 10, 1, 10), "must be a number"),
])
def test_bad_attrition_inputs_raise_clear_value_errors(args, msg):
    with pytest.raises(ValueError, match=msg):
        games.attrition(*args)


def test_still_standing_sums_to_one_and_decays():
    r = games.attrition(1, 10, 1, 10)
    s = games.still_standing(r, [0, 5, 10])
    assert s["standing"].iloc[0] == 1
    assert s["standing"].iloc[1] == pytest.approx(math.exp(-1))
    assert (s[["standing", "us_conceded", "china_conceded"]].sum(axis=1)).tolist() == pytest.approx([1, 1, 1])


def test_prize_for_duration_inverts_expected_weeks():
    v = games.prize_for_duration(3, 7, 4)
    assert v == pytest.approx(40)
    assert games.attrition(3, v, 7, v).expected_weeks == pytest.approx(4)
    with pytest.raises(ValueError, match="never ends"):
        games.prize_for_duration(0, 0, 4)


def test_weekly_exposure_from_data():
    from standoff import data
    flows = data.load("trade_flows")
    e = games.weekly_exposure(flows, 2024)
    row = flows[flows["year"] == 2024].iloc[0]
    assert e["US"] == pytest.approx(row["us_exports_bn"] / 52)
    assert e["China"] == pytest.approx(row["us_imports_bn"] / 52)
    with pytest.raises(ValueError, match="no row for 1999"):
        games.weekly_exposure(flows, 1999)


def test_attrition_grid_skips_never_ending_corner():
    g = games.attrition_grid(2.0, 8.0, [0, 100], [100])
    assert len(g) == 3
    row = g[(g["ku"] == 100) & (g["kc"] == 100)].iloc[0]
    assert row["hu"] == pytest.approx(0.08) and row["hc"] == pytest.approx(0.02)
    assert row["ew"] == pytest.approx(10)


def test_widgets_show_bad_input_as_a_message_not_a_traceback():
    from standoff import data
    from standoff.chapters import strategy as sc
    w = sc.chicken_widget()
    w.children[0].children[0].value = -3          # US value: would raise ValueError inside games
    w = sc.attrition_widget(data.load("trade_flows"), data.load("tariff_actions"), data.load("contacts"))
    w.children[0].children[1].value = 0           # US prize of zero
    assert "greater than zero" in error_html(ValueError("US prize must be greater than zero, got 0"))


def test_live_forms_show_bad_input_as_a_message():
    from standoff import calculator, data
    from standoff.chapters import strategy as sc

    calc = calculator.widget(data.load("trade_flows"))
    assert "<pre>" in calc.children[-1].value
    calc.children[1].value = -5  # elasticity
    assert "Cannot calculate" in calc.children[-1].value and "Traceback" not in calc.children[-1].value
    chick = sc.chicken_widget()
    row = chick.children[0]
    row.children[0].value = -1  # US value
    assert "Cannot solve" in chick.children[-1].value
