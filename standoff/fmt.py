"""How the book writes dates and numbers in prose, tooltips and captions (one place for all chapters)."""

from __future__ import annotations

import pandas as pd


def day(ts) -> str:
    """'5 June 2025'."""
    return pd.Timestamp(ts).strftime("%-d %B %Y")


def day_short(ts) -> str:
    """'5 Jun 2025'."""
    return pd.Timestamp(ts).strftime("%-d %b %Y")


def iso(ts) -> str:
    """'2025-06-05'."""
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def num(x: float) -> float | int:
    """A tidy Python number for glue: ints stay ints, floats are rounded to one decimal."""
    x = round(float(x), 1)
    return int(x) if x == int(x) else x
