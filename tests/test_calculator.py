"""Unit tests for standoff.calculator (hand-computed cases)."""

import json
import math

import pandas as pd
import pytest

from standoff import calculator as calc

FLOWS = pd.DataFrame({"year": [2024], "us_exports_bn": [100.0], "us_imports_bn": [400.0],
                      "source_id": ["elpais-2025-04-11-five-charts"]})


def test_zero_elasticity_leaves_imports_unchanged():
    for rate in (0, 10, 145, 1000):
        out = calc.tariff_effect(400.0, rate, 0.0)
        assert out["new_imports_bn"] == pytest.approx(400.0)
        assert out["change_bn"] == pytest.approx(0.0)


def test_revenue_is_rate_times_new_imports():
    out = calc.tariff_effect(400.0, 25, 2.0)
    assert out["revenue_bn"] == pytest.approx(0.25 * out["new_imports_bn"])


def test_hand_computed_case():
    # 100 % tariff, elasticity 1, complete pass-through: price doubles, imports halve.
    out = calc.tariff_effect(400.0, 100, 1.0, 1.0)
    assert out["new_imports_bn"] == pytest.approx(200.0)
    assert out["change_pct"] == pytest.approx(-50.0)
    assert out["revenue_bn"] == pytest.approx(200.0)
    # Half pass-through: price rises 50 %, imports = 400 / 1.5.
    assert calc.tariff_effect(400.0, 100, 1.0, 0.5)["new_imports_bn"] == pytest.approx(400 / 1.5)
    # Zero pass-through: nothing reaches the price.
    assert calc.tariff_effect(400.0, 100, 3.0, 0.0)["new_imports_bn"] == pytest.approx(400.0)


def test_zero_rate_means_no_change_and_no_revenue():
    out = calc.tariff_effect(400.0, 0, 5.0)
    assert out["new_imports_bn"] == pytest.approx(400.0)
    assert out["revenue_bn"] == 0.0


def test_calculate_both_sides_from_base_year():
    res = calc.calculate(100, 1.0, flows=FLOWS).set_index("side")
    assert res.loc["US", "base_bn"] == 400.0          # US imports from China
    assert res.loc["China", "base_bn"] == 100.0       # China's imports from the US (US exports)
    assert res.loc["China", "new_imports_bn"] == pytest.approx(50.0)
    assert "US imports from China" in calc.describe(res.reset_index())


def test_grid_bounds_and_size():
    g = calc.grid(FLOWS)
    assert len(g) == len(calc.GRID_RATES) * len(calc.GRID_ELASTICITIES) * 2
    assert g["r"].min() == 0 and g["r"].max() == 150
    assert g["e"].min() == 0 and g["e"].max() == 6
    # at rate 0 nothing changes and nothing is collected, whatever the elasticity
    zero = g[g["r"] == 0]
    assert set(zero["v"]) == {0.0}
    assert set(zero[zero["s"] == "US"]["m"]) == {400.0}
    # at elasticity 0 imports never change
    assert set(g[(g["e"] == 0) & (g["s"] == "China")]["m"]) == {100.0}
    # top corner: 150 %, elasticity 6: 400 * 2.5**-6
    top = g[(g["r"] == 150) & (g["e"] == 6) & (g["s"] == "US")].iloc[0]
    assert top["m"] == pytest.approx(round(400 * 2.5 ** -6, 1))
    assert top["v"] == pytest.approx(round(1.5 * 400 * 2.5 ** -6, 1))
    assert calc.grid_json_bytes(g) < 200_000
    assert json.loads(g.to_json(orient="records"))[0].keys() == {"r", "e", "s", "m", "v"}


def test_bounds_are_allowed():
    calc.check_inputs(0, 0, 0)
    calc.check_inputs(calc.RATE_MAX, calc.ELASTICITY_RANGE[1], 1)
    calc.check_inputs("25%", "1.5", 0.5)  # numeric strings, as typed in a text box


@pytest.mark.parametrize("args, words", [
    ((-5, 1), "Tariff rate must be between 0"),
    ((1001, 1), "Tariff rate must be between 0"),
    ((None, 1), "Tariff rate is missing"),
    (("", 1), "Tariff rate is missing"),
    (("ten", 1), "Tariff rate must be a number"),
    ((float("nan"), 1), "Tariff rate is not a number (NaN)"),
    ((math.inf, 1), "Tariff rate must be finite"),
    ((True, 1), "Tariff rate must be a number"),
    (([10], 1), "Tariff rate must be a number"),
    ((10, -1), "Import demand elasticity must be between 0 and 10"),
    ((10, 10.5), "Import demand elasticity must be between 0 and 10"),
    ((10, None), "Import demand elasticity is missing"),
    ((10, float("nan")), "Import demand elasticity is not a number"),
    ((10, 1, 1.5), "Pass-through must be between 0 and 1"),
    ((10, 1, -0.1), "Pass-through must be between 0 and 1"),
    ((10, 1, "abc"), "Pass-through must be a number"),
])
def test_bad_inputs_raise_clear_value_errors(args, words):
    with pytest.raises(ValueError) as e:
        calc.check_inputs(*args)
    assert words in str(e.value)
    with pytest.raises(ValueError):
        calc.calculate(*args, flows=FLOWS)


def test_missing_base_year_is_a_clear_error():
    with pytest.raises(ValueError, match="no row for 2030"):
        calc.calculate(10, 1, flows=FLOWS, year=2030)


def test_chart_has_named_sliders():
    spec = calc.calculator_chart(calc.grid(FLOWS), FLOWS).to_dict()
    names = {p["name"] for p in spec["params"]}
    assert {"calc_rate", "calc_elasticity"} <= names
    assert spec["description"]
