"""Unit tests for standoff.channels: layout, gaps, initiator counts, statements (hand-computed cases)."""

from __future__ import annotations

import pandas as pd
import pytest

from standoff import data
from standoff.chapters import channels as ch


def _channels(rows):
    cols = ["channel_id", "us_actor", "us_actor_level", "china_actor", "china_actor_level", "status_april_2025"]
    return pd.DataFrame(rows, columns=cols)


def _contacts(rows):
    cols = ["contact_id", "start_date", "end_date", "date_precision", "kind", "level", "initiated_by"]
    df = pd.DataFrame(rows, columns=cols)
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


# ---- channel map -------------------------------------------------------------------------

def test_nodes_are_unique_per_side_and_counted():
    c = _channels([
        ("a", "Trump", "leader", "Xi", "leader", "refused"),
        ("b", "Rubio", "minister", "Wang", "minister", "disputed"),
        ("c", "White House", "minister", "Wang", "minister", "refused"),
    ])
    n = ch.channel_nodes(c)
    assert list(n["node_id"]) == ["US:Trump", "US:Rubio", "US:White House", "China:Xi", "China:Wang"]
    assert n.set_index("node_id").loc["China:Wang", "n_channels"] == 2


def test_same_actor_with_two_levels_is_an_error():
    c = _channels([("a", "X", "leader", "Y", "leader", "active"), ("b", "X", "working", "Z", "working", "active")])
    with pytest.raises(ValueError, match="more than one level"):
        ch.channel_nodes(c)


def test_layout_rows_columns_and_spread():
    nodes = pd.DataFrame({"node_id": ["US:a", "US:b", "US:c", "China:d"], "side": ["US", "US", "US", "China"],
                          "name": list("abcd"), "level": ["minister", "minister", "leader", "intermediary"],
                          "n_channels": [1, 1, 1, 1]})
    out = ch.layout_nodes(nodes, x_us=0.0, x_china=1.0, spread=0.4).set_index("node_id")
    assert out.loc["US:a", "x"] == 0.0 and out.loc["China:d", "x"] == 1.0
    assert out.loc["US:a", "y"] == pytest.approx(0.8)   # minister row 1, first of two: 1 - 0.2
    assert out.loc["US:b", "y"] == pytest.approx(1.2)   # second of two: 1 + 0.2
    assert out.loc["US:c", "y"] == 0.0                  # alone in the leader row
    assert out.loc["China:d", "y"] == 3.0               # intermediary row
    assert out.loc["US:a", "label_align"] == "right" and out.loc["China:d", "label_align"] == "left"


def test_layout_rejects_unknown_level():
    nodes = pd.DataFrame({"node_id": ["US:a"], "side": ["US"], "name": ["a"], "level": ["king"], "n_channels": [1]})
    with pytest.raises(ValueError, match="unknown level"):
        ch.layout_nodes(nodes)


def test_edges_join_both_ends_of_the_real_table():
    table = data.load("channels")
    nodes, edges = ch.channel_map_data(table)
    assert len(edges) == len(table)
    leader = edges.set_index("channel_id").loc["trump-xi-leader-call"]
    assert (leader["x"], leader["y"], leader["x2"], leader["y2"]) == (0.0, 0.0, 1.0, 0.0)
    assert edges["source_url"].notna().all()
    assert set(edges["status"]) <= set(ch.STATUSES)


def test_status_counts_include_zero_statuses():
    c = _channels([("a", "A", "leader", "B", "leader", "active"), ("b", "C", "leader", "D", "leader", "active")])
    assert ch.status_counts(c) == {"active": 2, "refused": 0, "unproductive": 0, "disputed": 0}


# ---- gaps and initiators -----------------------------------------------------------------

def test_gaps_use_end_of_previous_contact_and_skip_month_precision():
    c = _contacts([
        ("call-1", "2025-01-17", "2025-01-17", "day", "call", "leader", "unknown"),
        ("month", "2025-03-01", None, "month", "meeting", "leader", "unknown"),
        ("visit", "2025-06-05", "2025-06-07", "day", "visit", "leader", "US"),
        ("call-2", "2025-06-10", "2025-06-10", "day", "call", "leader", "China"),
        ("min", "2025-05-10", "2025-05-11", "day", "ministerial", "minister", "unknown"),
    ])
    lead = ch.leader_contacts(c)
    assert list(lead["contact_id"]) == ["call-1", "visit", "call-2"]
    gaps = ch.contact_gaps(lead)
    assert list(gaps["days"]) == [139, 3]   # 17 Jan -> 5 Jun 2025; 7 Jun -> 10 Jun
    g = ch.longest_gap(gaps)
    assert (g["from_id"], g["to_id"], g["days"]) == ("call-1", "visit", 139)


def test_overlapping_contacts_give_zero_gap():
    c = _contacts([("a", "2025-01-01", "2025-01-10", "day", "visit", "leader", "unknown"),
                   ("b", "2025-01-05", "2025-01-05", "day", "call", "leader", "unknown")])
    assert list(ch.contact_gaps(c)["days"]) == [0]


def test_longest_gap_needs_two_contacts():
    c = _contacts([("a", "2025-01-01", "2025-01-01", "day", "call", "leader", "unknown")])
    with pytest.raises(ValueError):
        ch.longest_gap(ch.contact_gaps(c))


def test_initiator_counts_only_count_calls_at_the_level():
    c = _contacts([
        ("a", "2025-01-17", "2025-01-17", "day", "call", "leader", "unknown"),
        ("b", "2025-06-05", "2025-06-05", "day", "call", "leader", "US"),
        ("c", "2025-06-09", "2025-06-10", "day", "ministerial", "minister", "China"),
        ("d", "2025-01-24", "2025-01-24", "day", "call", "minister", "China"),
    ])
    assert ch.initiator_counts(c) == {"US": 1, "China": 0, "unknown": 1}
    assert ch.initiator_counts(c, kind="call", level="minister") == {"US": 0, "China": 1, "unknown": 0}
    assert ch.initiator_counts(c, start="2025-02-01") == {"US": 1, "China": 0, "unknown": 0}
    assert ch.initiator_counts(c, end="2025-02-01") == {"US": 0, "China": 0, "unknown": 1}


def test_real_data_gap_and_initiators():
    contacts = data.load("contacts")
    g = ch.longest_gap(ch.contact_gaps(ch.leader_contacts(contacts, start="2025-01-01")))
    assert (g["from_date"], g["to_date"], g["days"]) == (pd.Timestamp("2025-01-17"), pd.Timestamp("2025-06-05"), 139)
    # second term: 17 Jan and 5 Jun 2025 at Trump's request per Xinhua; 24 Nov 2025 per China's MFA (contested)
    assert ch.initiator_counts(contacts, start="2025-01-01") == {"US": 3, "China": 0, "unknown": 2}
    # first term (with the Nov 2016 president-elect call, which Xi placed): 14 at Trump's request per Chinese readouts
    assert ch.initiator_counts(contacts, start="2016-11-01", end="2020-12-31") == {"US": 14, "China": 1, "unknown": 4}
    us = contacts[contacts["initiated_by"] != "unknown"]
    assert us["initiated_evidence"].notna().all()


def test_period_of():
    assert ch.period_of("2019-06-29").startswith("2017-2020")
    assert ch.period_of("2025-01-17").startswith("2025-2026")
    with pytest.raises(ValueError):
        ch.period_of("2030-01-01")


# ---- statements --------------------------------------------------------------------------

def test_events_numbered_by_first_date_and_panels_stack():
    s = data.load("statements")
    ev = ch.statement_events(s)
    assert list(ev["event_index"]) == list(range(1, len(ev) + 1))
    assert ev["first_date"].is_monotonic_increasing
    assert (ev["n_us"] >= 1).all() and (ev["n_china"] >= 1).all()
    p = ch.statement_panels(s, width=30)
    assert all(len(line) <= 32 for t in p["text"] for line in t.split("\n"))  # 30 + curly quotes
    # two Chinese quotes on one event: the second starts below the first (quote lines + attribution + blank)
    two = p[(p["event_id"] == "2025-06-05-call") & (p["side"] == "China")].sort_values("line")
    assert two["line"].iloc[1] == two["line"].iloc[0] + two["n_lines"].iloc[0] + 1


def test_wrap_keeps_words():
    assert ch.wrap("the door is wide open", 9) == ["the door", "is wide", "open"]


def test_pair_html_has_both_sides_and_escapes():
    s = data.load("statements")
    out = ch.statement_pair_html(s, "2025-04-15-ball-in-court")
    assert "What Washington said" in out and "What Beijing said" in out
    assert "China&#x27;s court" in out
    with pytest.raises(KeyError):
        ch.statement_pair_html(s, "no-such-event")


def test_facts_are_plain_and_consistent():
    facts = ch.channels_facts(data.load("contacts"), data.load("channels"), data.load("statements"))
    assert facts["gap_days"] == 139 and facts["gap_from"] == "17 January 2025" and facts["gap_to"] == "5 June 2025"
    assert facts["calls_us"] + facts["calls_china"] + facts["calls_unknown"] == facts["n_leader_calls"]
    assert facts["n_active"] + facts["n_refused"] + facts["n_unproductive"] + facts["n_disputed"] == facts["n_channels"]
    assert facts["second_gap_days"] <= facts["gap_days"]
    assert all(isinstance(v, (int, str)) for v in facts.values())


def test_charts_have_named_params_and_descriptions():
    contacts, table, s = data.load("contacts"), data.load("channels"), data.load("statements")
    for chart, names in ((ch.channel_map_chart(table), {"status_pick"}),
                         (ch.timeline_chart(contacts), {"kind_pick", "period_pick"}),
                         (ch.statements_chart(s), {"event_step"})):
        spec = chart.to_dict()
        params = {p["name"] for p in spec.get("params", [])}
        for layer in spec.get("layer", []):
            params |= {p["name"] for p in layer.get("params", [])}
        assert names <= params
        assert spec["description"]
