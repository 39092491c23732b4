"""Tests for the two leverage chapters (standoff.chapters.leverage and .beyond_tariffs): facts computed from the
data, tidy tables and chart specs."""

import json

import pandas as pd
import pytest

from standoff.chapters import beyond_tariffs as B
from standoff.chapters import leverage as L


@pytest.fixture(scope="module")
def t():
    return B.load_tables()  # every table both chapters read


@pytest.fixture(scope="module")
def facts(t):
    return {**L.leverage_facts(t), **B.beyond_tariffs_facts(t)}


def test_trade_facts_hand_computed(facts):
    assert facts["imports_2024"] == 438.9 and facts["exports_2024"] == 143.5
    assert facts["ratio_2024"] == pytest.approx(438.9 / 143.5)
    assert 2.9 < facts["ratio_2024"] < 3.2  # "roughly three times"
    assert facts["deficit_2024"] == pytest.approx(295.4)


def test_tariff_facts(facts):
    assert facts["us_peak_rate"] == 145 and facts["cn_peak_rate"] == 125
    assert facts["us_first_all_date"] == "4 February 2025" and facts["cn_first_all_date"] == "10 April 2025"
    assert facts["gap_first_all_days"] == 65


def test_calculator_facts_consistent(facts):
    # revenue = rate x imports after the tariff
    assert facts["calc_us_revenue"] == pytest.approx(1.45 * facts["calc_us_new"])
    assert facts["calc_us_new"] == pytest.approx(438.9 * 2.45 ** -1.3)
    assert facts["grid_bytes"] < 200_000


def test_other_facts(facts):
    assert facts["soy_us_share_2025"] < facts["soy_us_share_2024"]
    assert facts["re_october_total"] == 12
    assert facts["tsy_cn_fall_pct"] == pytest.approx((1 - 652.3 / 1316.7) * 100)
    assert facts["tsy_uk_passes_cn"] == "March 2025"
    assert facts["apple_share"] == 17.1
    assert (facts["soy_tariff_month"], facts["soy_halt_month"], facts["soy_zero_from"]) == \
        ("March", "May", "September 2025")


def test_trade_data_ratio(t):
    d = L.trade_data(t["trade_flows"])
    row = d[d["year"] == 2024].iloc[0]
    assert row["ratio"] == pytest.approx(3.06)
    assert d["source_url"].notna().all()


def test_room_all_goods_tariff_leaves_no_uncovered_trade(t):
    room = L.room_data(t["tariff_actions"], t["trade_flows"])
    unc = room[room["measure"] == L.ROOM_MEASURES[0]].set_index(["actor", "date"])["room_bn"]
    assert unc[("US", pd.Timestamp("2025-01-20"))] == pytest.approx(438.9)  # no all-goods tariff yet
    assert unc[("US", pd.Timestamp("2025-02-04"))] == 0.0           # fentanyl layer covers everything
    below = room[room["measure"] == L.ROOM_MEASURES[1]].set_index(["actor", "date"])["room_bn"]
    assert below[("US", pd.Timestamp("2025-04-10"))] == 0.0         # at the 145 % peak
    assert below[("US", pd.Timestamp("2025-05-14"))] == pytest.approx(438.9)  # after Geneva: room again
    assert unc[("China", pd.Timestamp("2025-01-20"))] == pytest.approx(143.5)
    assert unc[("China", pd.Timestamp("2025-04-10"))] == 0.0


def test_company_undisclosed_is_not_zero(t):
    c = B.company_data(t["company_exposure"]).set_index("company")
    assert pd.isna(c.loc["Caterpillar", "share_pct"])
    assert c.loc["Caterpillar", "share_text"] == "not disclosed"
    assert c.loc["Starbucks", "share_text"].startswith("≈")


def test_scorecard_every_cell_links(t):
    card = B.scorecard_data(t)
    assert card["source_url"].notna().all() and (card["source_url"].str.startswith("http")).all()
    assert set(card["column"]) == set(B.SCORE_COLUMNS)
    assert set(card["status_category"]) <= set(B.STATUS_CATEGORIES)
    assert {"used", "threatened", "used, later suspended or eased"} <= set(card["status_category"])
    assert len(card) == 4 * card["lever"].nunique()


def test_rare_earth_controls_end_at_suspension(t):
    rec = B.rare_earth_controls_data(t["rare_earth_controls"]).set_index("measure_id")
    assert rec.loc["cn-2025-10-09-ann57", "end"] == pd.Timestamp("2025-11-07")
    assert rec.loc["cn-2025-04-04-ann18", "status"] == "in force"


@pytest.mark.parametrize("build", [
    lambda t: L.trade_chart(L.trade_data(t["trade_flows"])),
    lambda t: L.room_chart(L.room_data(t["tariff_actions"], t["trade_flows"])),
    lambda t: L.soy_exports_chart(L.soy_exports_data(t["soybean_exports"])),
    lambda t: L.soy_shares_chart(L.soy_shares_data(t["soybean_imports"])),
    lambda t: L.soy_events_chart(L.soy_events_data(t["soybean_events"])),
    lambda t: B.rare_earth_share_chart(B.rare_earth_share_data(t["rare_earth_indicators"])),
    lambda t: B.rare_earth_controls_chart(B.rare_earth_controls_data(t["rare_earth_controls"])),
    lambda t: B.treasury_chart(B.treasury_data(t["treasury_holdings"])),
    lambda t: B.company_chart(B.company_data(t["company_exposure"])),
    lambda t: B.blacklist_chart(B.blacklist_data(t["non_tariff_measures"])),
    lambda t: B.scorecard_chart(B.scorecard_data(t)),
])
def test_charts_follow_conventions(t, build):
    spec = build(t).to_dict()
    text = json.dumps(spec)
    assert spec.get("description"), "every chart needs a text alternative"
    assert spec.get("width") == "container"
    assert '"href"' in text and "source_url" in text
    assert "source_label" in text
    for p in spec.get("params", []):
        assert not p["name"].startswith("param_") and not p["name"].startswith("selector")


def test_list_peak_month_hand_computed(facts):
    # April 2025: export-control list 16 + 12, unreliable entity list 11 + 6 (non_tariff_measures.csv)
    assert (facts["cn_lists_peak_month"], facts["cn_lists_peak_count"], facts["cn_lists_peak_actions"]) == \
        ("April 2025", 45, 4)
    # the second chapter's conclusion recalls the first chapter's facts, not copies of them
    lev = L.leverage_facts(B.load_tables())
    assert all(facts[k] == lev[k] for k in B.RECALLED)


def test_scorecard_dates_and_spans_come_from_the_data(t):
    card = B.scorecard_table(B.scorecard_data(t)).set_index("lever")
    status = card[B.SCORE_COLUMNS[3]]
    # China's 2025 list additions run from the 2 January export-control listing to October
    assert status["Entity blacklists (UEL, export-control list)"] == "used, January–October 2025"
    assert card.index.str.startswith("Further US tariff (threatened 10 October 2025)").any()
    # a suspension whose end lies after the data's date says that our sources stop before it
    fees = status["Port fees and Hanwha sanctions"]
    assert "until 10 November 2026 (our sources stop before that date)" in fees
    assert "Illumina ban reported lifted (November 2025)" in status["Probes and bans on US firms"]


def test_prose_says_when_a_suspension_ends_after_our_sources(facts):
    # the October 2025 rare-earth controls were suspended until 10 Nov 2026, after data_as_of (7 Aug 2026)
    assert facts["re_suspended_until"] == "10 November 2026"
    assert facts["re_after_suspension"] == ("Whether China renewed the suspension then is not in our sources, "
                                            "which stop on 7 August 2026.")


def test_until_names_the_gap_only_when_the_outcome_is_unknown():
    assert B._until("2026-11-10", "Unknown as of data_as_of: no source") == \
        "until 10 November 2026 (our sources stop before that date)"
    assert B._until("2025-05-12", "Replaced by the Geneva rates") == "until 12 May 2025"
    assert B._months(pd.Series(pd.to_datetime(["2025-03-04", "2025-03-20"]))) == "March 2025"
    assert B._months(pd.Series(pd.to_datetime(["2024-12-09", "2025-10-10"]))) == "December 2024–October 2025"
