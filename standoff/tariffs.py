"""Tariff arithmetic over the ``tariff_actions`` table.

The headline ("statutory") rate one side charges on *all* the other side's goods is the sum of the
current rates of its all-goods layers (for the US in 2025: the IEEPA fentanyl layer plus the IEEPA
reciprocal layer; 20 + 125 = 145 on 10 April 2025). Targeted lists (Section 301, China's farm
tariffs) are not in the headline: they apply to some goods only, and the trade-weighted averages
in ``tariff_averages`` are the measure that includes them.
"""

from __future__ import annotations

import pandas as pd
from .fmt import day as _day

SIDES = ("US", "China")


def headline_steps(actions: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The headline additional rate each side applied to all the other's goods, step by step.

    Uses applied, all-goods steps only (threatened, suspended and cancelled steps never changed
    the rate at the border). Returns one row per side and effective date with columns
    ``date, actor, rate_pct, change_pp, action_ids, measures, source_ids`` where ``rate_pct`` is
    the sum of the side's all-goods layers after every step that took effect that day. Steps on
    the same day are merged (China's 34% and 84% both took effect on 10 April 2025). If ``start``
    is given, a row at ``start`` carries the rate in force then; ``end`` adds a closing row so a
    step chart runs to the edge.
    """
    a = actions[(actions["scope"] == "all") & (actions["status"] == "applied")]
    a = a[a["effective_date"].notna()].sort_values(["effective_date", "action_id"])
    out = []
    for side in SIDES:
        layers: dict[str, float] = {}
        s = a[a["actor"] == side]
        prev = 0.0
        for day, grp in s.groupby("effective_date", sort=True):
            for _, r in grp.iterrows():
                if pd.isna(r["resulting_rate_pct"]):
                    raise ValueError(f"tariff_actions: applied all-goods step {r['action_id']} has no resulting_rate_pct")
                layers[r["layer"]] = float(r["resulting_rate_pct"])
            rate = sum(layers.values())
            out.append({
                "date": day, "actor": side, "rate_pct": rate, "change_pp": rate - prev,
                "action_ids": "; ".join(grp["action_id"]),
                "measures": " Then: ".join(grp["measure"]),
                "source_ids": "; ".join(grp["source_id"]),
                "source_id": grp["source_id"].iloc[-1],
            })
            prev = rate
    df = pd.DataFrame(out)
    if df.empty:
        return df
    if start is not None:
        df = _clip_start(df, pd.Timestamp(start))
    if end is not None:
        end_ts = pd.Timestamp(end)
        df = df[df["date"] <= end_ts]
        tails = []
        for side in SIDES:
            last = df[df["actor"] == side].tail(1)
            if not last.empty and last["date"].iloc[0] < end_ts:
                t = last.copy()
                t["date"], t["change_pp"] = end_ts, 0.0
                t["measures"] = "No change to the end of the period shown."
                tails.append(t)
        df = pd.concat([df, *tails], ignore_index=True)
    return df.sort_values(["actor", "date"], kind="stable").reset_index(drop=True)


def _clip_start(df: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    parts = []
    for side in SIDES:
        s = df[df["actor"] == side]
        before, after = s[s["date"] < start], s[s["date"] >= start]
        if not before.empty and (after.empty or after["date"].iloc[0] > start):
            opening = before.tail(1).copy()
            opening["date"], opening["change_pp"] = start, 0.0
            opening["measures"] = "Rate in force at the start of the period shown."
            after = pd.concat([opening, after])
        elif before.empty and (after.empty or after["date"].iloc[0] > start):
            after = pd.concat([pd.DataFrame([{"date": start, "actor": side, "rate_pct": 0.0, "change_pp": 0.0,
                                              "action_ids": "", "measures": "No all-goods tariff in force.",
                                              "source_ids": "", "source_id": pd.NA}]), after])
        parts.append(after)
    return pd.concat(parts, ignore_index=True)


def rate_on(actions: pd.DataFrame, side: str, day: str) -> float:
    """The headline all-goods rate ``side`` applied on ``day``."""
    steps = headline_steps(actions)
    s = steps[(steps["actor"] == side) & (steps["date"] <= pd.Timestamp(day))]
    return float(s["rate_pct"].iloc[-1]) if not s.empty else 0.0


def peak(actions: pd.DataFrame, side: str) -> pd.Series:
    """The first step at which ``side``'s headline rate reached its maximum."""
    steps = headline_steps(actions)
    s = steps[steps["actor"] == side]
    return s.loc[s["rate_pct"].idxmax()]




def escalation_facts(actions: pd.DataFrame, averages: pd.DataFrame) -> dict:
    """Every number the escalation chapter's prose uses, computed from the data."""
    steps = headline_steps(actions)
    s25 = steps[steps["date"] >= pd.Timestamp("2025-01-01")]
    us, cn = s25[s25["actor"] == "US"], s25[s25["actor"] == "China"]
    us_peak, cn_peak = peak(actions, "US"), peak(actions, "China")
    first = lambda df: df.iloc[0]  # noqa: E731
    geneva_us = first(us[us["change_pp"] < 0])
    geneva_cn = first(cn[cn["change_pp"] < 0])
    by_id = actions.set_index("action_id")
    avg = averages.set_index("point_id")
    return {
        "us_first_rate": int(first(us)["rate_pct"]),
        "us_first_date": _day(first(us)["date"]),
        "us_march_rate": int(us[us["date"] == pd.Timestamp("2025-03-04")]["rate_pct"].iloc[0]),
        "us_peak_rate": int(us_peak["rate_pct"]),
        "us_peak_date": _day(us_peak["date"]),
        "us_reciprocal_peak": int(by_id.loc["us-2025-04-10-reciprocal-125", "resulting_rate_pct"]),
        "us_fentanyl_layer": int(by_id.loc["us-2025-03-04-fentanyl-20", "resulting_rate_pct"]),
        "us_announced_china_rate": int(by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]),
        "us_rate_apr9": int(rate_on(actions, "US", "2025-04-09")),
        "us_reciprocal_apr9": int(by_id.loc["us-2025-04-09-reciprocal-84", "resulting_rate_pct"]),
        "us_increase_steps": int((us["change_pp"] > 0).sum()),
        # steps at the border (same-day steps merged): China's announced 34% never applied on its own
        "cn_increase_steps": int((cn["change_pp"] > 0).sum()),
        "us_peak_days": int((geneva_us["date"] - us_peak["date"]).days),
        "cn_peak_days": int((geneva_cn["date"] - cn_peak["date"]).days),
        "cn_first_all_rate": int(by_id.loc["cn-2025-04-10-34", "resulting_rate_pct"]),
        "cn_first_applied_rate": int(first(cn[(cn["change_pp"] > 0) & (cn["date"] >= pd.Timestamp("2025-04-01"))])["rate_pct"]),
        "cn_peak_rate": int(cn_peak["rate_pct"]),
        "cn_peak_date": _day(cn_peak["date"]),
        "cn_peak_announced": _day(by_id.loc["cn-2025-04-12-125", "announced_date"]),
        "geneva_us_rate": int(geneva_us["rate_pct"]),
        "geneva_cn_rate": int(geneva_cn["rate_pct"]),
        "geneva_date": _day(geneva_us["date"]),
        "geneva_announced": _day(by_id.loc["us-2025-05-14-geneva", "announced_date"]),
        "geneva_cut_pp": int(-geneva_us["change_pp"]),
        # Geneva removed the April increases above China's announced 34% country rate for good and suspended
        # the part of that rate above the 10% baseline (derived: 125 - 34 and 34 - 10)
        "geneva_removed_pp": int(by_id.loc["us-2025-04-10-reciprocal-125", "resulting_rate_pct"]
                                 - by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]),
        "geneva_suspended_pp": int(by_id.loc["us-2025-04-09-reciprocal-34-announced", "resulting_rate_pct"]
                                   - by_id.loc["us-2025-05-14-geneva", "resulting_rate_pct"]),
        "geneva_suspension_days": int((by_id.loc["us-2025-08-12-extension", "effective_date"]
                                       - by_id.loc["us-2025-05-14-geneva", "effective_date"]).days),
        "piie_jan_us": float(avg.loc["us-2025-01-20", "avg_tariff_pct"]),
        "piie_april_us": float(avg.loc["us-2025-04", "avg_tariff_pct"]),
        "piie_peak_us": float(avg.loc["us-2025-05-early", "avg_tariff_pct"]),
        "piie_geneva_us": float(avg.loc["us-2025-05-14", "avg_tariff_pct"]),
        "piie_geneva_cn": float(avg.loc["cn-2025-05-14", "avg_tariff_pct"]),
    }
