"""Unit tests for standoff.tariffs on small hand-made tables and on the real data."""

from __future__ import annotations

import pandas as pd
import pytest

from standoff import charts, data, tariffs
from standoff.chapters import escalation


def _actions(rows):
    cols = ["action_id", "actor", "effective_date", "layer", "scope", "status", "resulting_rate_pct",
            "measure", "source_id"]
    df = pd.DataFrame(rows, columns=cols)
    df["effective_date"] = pd.to_datetime(df["effective_date"])
    return df


TOY = _actions([
    ("a1", "US", "2025-02-04", "fent", "all", "applied", 10, "m1", "s1"),
    ("a2", "US", "2025-03-04", "fent", "all", "applied", 20, "m2", "s2"),
    ("a3", "US", "2025-04-05", "recip", "all", "applied", 10, "m3", "s3"),
    ("a4", "US", "2025-04-06", "list", "targeted", "applied", 25, "m4", "s4"),
    ("a5", "US", None, "threat", "all", "threatened", 100, "m5", "s5"),
    ("c1", "China", "2025-04-10", "gen", "all", "applied", 34, "n1", "t1"),
    ("c2", "China", "2025-04-10", "gen", "all", "applied", 84, "n2", "t2"),
])


def test_headline_sums_all_goods_layers_and_ignores_targeted_and_threatened():
    s = tariffs.headline_steps(TOY)
    us = s[s["actor"] == "US"]
    assert us["rate_pct"].tolist() == [10, 20, 30]
    assert us["change_pp"].tolist() == [10, 10, 10]
    cn = s[s["actor"] == "China"]
    assert cn["rate_pct"].tolist() == [84]  # same-day steps merge; the later one sets the layer
    assert cn["action_ids"].iloc[0] == "c1; c2"


def test_headline_start_and_end_rows():
    s = tariffs.headline_steps(TOY, start="2025-03-01", end="2025-05-01")
    us = s[s["actor"] == "US"]
    assert us["date"].iloc[0] == pd.Timestamp("2025-03-01") and us["rate_pct"].iloc[0] == 10
    assert us["date"].iloc[-1] == pd.Timestamp("2025-05-01") and us["rate_pct"].iloc[-1] == 30
    cn = s[s["actor"] == "China"]
    assert cn["rate_pct"].iloc[0] == 0  # nothing in force at the start


def test_rate_on_and_peak():
    assert tariffs.rate_on(TOY, "US", "2025-03-31") == 20
    assert tariffs.rate_on(TOY, "US", "2025-01-01") == 0
    assert tariffs.peak(TOY, "US")["rate_pct"] == 30


def test_missing_resulting_rate_is_an_error():
    bad = TOY.copy()
    bad.loc[0, "resulting_rate_pct"] = None
    with pytest.raises(ValueError, match="a1"):
        tariffs.headline_steps(bad)


def test_real_data_escalation_facts():
    f = escalation.escalation_facts(data.load("tariff_actions"), data.load("tariff_averages"))
    assert (f["us_peak_rate"], f["cn_peak_rate"]) == (145, 125)
    assert (f["geneva_us_rate"], f["geneva_cn_rate"]) == (30, 10)
    assert f["us_peak_date"] == "10 April 2025" and f["cn_peak_date"] == "12 April 2025"
    assert (f["us_peak_days"], f["cn_peak_days"]) == (34, 32)  # from 10 and 12 April to 14 May 2025
    # Geneva: 91 points removed for good, 24 suspended for 90 days (joint statement of 12 May 2025)
    assert (f["geneva_cut_pp"], f["geneva_removed_pp"], f["geneva_suspended_pp"]) == (115, 91, 24)
    assert f["geneva_suspension_days"] == 90
    # China's announced 34% never applied on its own: 84% on 10 April, then 125% on 12 April
    assert (f["cn_increase_steps"], f["cn_first_applied_rate"]) == (2, 84)
    assert f["us_rate_apr9"] == f["us_fentanyl_layer"] + f["us_reciprocal_apr9"]


def test_escalation_chart_spec_has_text_alternative_sources_and_a_control():
    chart = escalation.escalation_chart(data.load("tariff_actions"), data.load("tariff_averages"))
    spec = chart.to_dict()
    assert "description" in spec and "statutory" in spec["description"]
    assert spec["params"][0]["name"] == "show" and spec["params"][0]["bind"]["input"] == "radio"
    text = str(spec)
    assert "source_label" in text and "source_url" in text


def test_table_html_escapes_and_collapses():
    html = charts.table_html(pd.DataFrame({"a": ["<b>"], "d": [pd.Timestamp("2025-01-02")]}), "Data", None)
    assert html.startswith("<details") and "&lt;b&gt;" in html and "2025-01-02" in html


def test_table_html_links_sources_with_the_row_id_behind_and_says_yes_no():
    df = pd.DataFrame({"x": [True, False], "source_label": ["Pub, Title (2025)", "Other"],
                       "source_url": ["https://example.org/a?b=1&c=2", None], "action_id": ["us-1", "cn-2"]})
    out = charts.table_html(df, "t", {"x": "Flag", "source_label": "Source"}, row_id="action_id")
    assert "<td>yes</td>" in out and "<td>no</td>" in out and "True" not in out
    assert "<a href='https://example.org/a?b=1&amp;c=2' title='data row: us-1'>Pub, Title (2025)</a>" in out
    assert "<td>Other</td>" in out and "us-1</td>" not in out
