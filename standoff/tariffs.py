"""Tariff arithmetic over the ``tariff_actions`` table.

The headline ("statutory") rate one side charges on *all* the other side's goods is the sum of the
current rates of its all-goods layers (for the US in 2025: the IEEPA fentanyl layer plus the IEEPA
reciprocal layer; 20 + 125 = 145 on 10 April 2025). Targeted lists (Section 301, China's farm
tariffs) are not in the headline: they apply to some goods only, and the trade-weighted averages
in ``tariff_averages`` are the measure that includes them.
"""

from __future__ import annotations

import pandas as pd

SIDES = ("US", "China")
# How the chapters name a tariff action's status (column ``status`` of ``tariff_actions``).
STATUS_LABELS = {
    "applied": "Applied",
    "threatened": "Threatened, never applied",
    "suspended": "Scheduled, then suspended",
    "cancelled": "Announced, then cancelled",
}
NEVER_APPLIED = ("threatened", "suspended", "cancelled")


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
