"""Helpers for chapter notebooks: glue numbers into the prose."""

from __future__ import annotations

import numbers

from myst_nb import glue


def _plain(value):
    """Python scalars only: myst-nb cannot format numpy scalars in {glue:text}."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue_facts(facts: dict, prefix: str = "") -> None:
    """Glue every fact (without displaying it) so the prose can cite it as {glue:text}`key`."""
    for key, value in facts.items():
        glue(prefix + key, _plain(value), display=False)
