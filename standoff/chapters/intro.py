"""The landing page (intro.ipynb): the story in five dates and the book's short answer, from the chapters' facts.

Nothing here computes a fact of its own: it picks, from the escalation, channels and after-April facts,
the few numbers and dates the landing page tells, so they always agree with the chapters.
"""

from __future__ import annotations

from .. import data
from .after_april import after_facts
from .channels import channels_facts
from .escalation import escalation_facts


def landing_facts() -> dict:
    """Every number and date the landing page's prose cites."""
    t = {name: data.load(name) for name in ("tariff_actions", "tariff_averages", "contacts", "channels",
                                             "statements", "history_events", "rare_earth_controls",
                                             "non_tariff_measures")}
    as_of = data.data_as_of()
    esc = escalation_facts(t["tariff_actions"], t["tariff_averages"])
    ch = channels_facts(t["contacts"], t["channels"], t["statements"])
    aft = after_facts(t["tariff_actions"], t["tariff_averages"], t["contacts"], t["history_events"], as_of,
                      t["rare_earth_controls"], t["non_tariff_measures"])
    return {
        "data_as_of": aft["data_as_of"],
        "n_tables": len(data.table_names()),
        "n_sources": len(data.load("sources")),
        "first_avg_year": int(t["tariff_averages"]["as_of"].dt.year.min()),
        # the story in five dates
        "us_peak_date": esc["us_peak_date"], "us_peak_rate": esc["us_peak_rate"], "cn_peak_rate": esc["cn_peak_rate"],
        "cn_peak_date": esc["cn_peak_date"],
        "geneva_date": esc["geneva_date"], "geneva_us_rate": esc["geneva_us_rate"],
        "geneva_cn_rate": esc["geneva_cn_rate"],
        "call_date": ch["gap_to"], "gap_days": ch["gap_days"],
        "busan_date": aft["busan_date"], "us_after_nov": aft["us_after_nov"],
        "ruling_date": aft["ruling_date"], "fl_date": aft["fl_date"], "us_at_end": aft["us_at_end"],
        "cn_at_end": aft["cn_at_end"],
        # the short answer
        "n_leader_calls": ch["n_leader_calls"], "calls_us": ch["calls_us"], "calls_china": ch["calls_china"],
        "ft_calls": ch["ft_calls"], "ft_calls_us": ch["ft_calls_us"],
    }

