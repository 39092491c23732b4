"""Small game-theory models of the standoff: chicken and a war of attrition (pure functions).

Chicken ("hold or concede")
---------------------------
The US and China each choose to **hold** (keep the tariffs, refuse to call) or **concede** (call, cut).
For each side i the reader sets three numbers, all zero or more, in the same abstract units:

- ``value`` V_i: what i gains if it holds and the other concedes (prevailing);
- ``cost`` C_i: what i loses if both hold (mutual escalation);
- ``face`` F_i: the "face" or audience cost i pays if it concedes while the other holds.

Payoffs to (US, China)::

                      China holds          China concedes
    US holds          (-C_us, -C_cn)       (V_us, -F_cn)
    US concedes       (-F_us,  V_cn)       (0, 0)

If both concede at once, nobody prevails and nobody loses face (0, 0).

In the fully mixed equilibrium each side holds with the probability that makes the *other* side
indifferent. The US is indifferent when China holds with probability

    q_cn = V_us / (V_us + C_us - F_us)

which lies strictly between 0 and 1 only when V_us > 0 and C_us > F_us. In the symmetric game the
probability of holding is therefore the closed form V / (V + C - F); with no face cost, V / (V + C).

Corner cases (documented and tested):

- F_i >= C_i: for side i holding is (weakly) dominant, because backing down costs it at least as much
  as a collision. There is then no fully mixed equilibrium; the pure equilibria tell the story.
- C_i = 0: a collision costs nothing, so holding is weakly dominant for i (a special case of the above).
- V_i = 0: prevailing is worth nothing, so conceding weakly dominates holding for i when C_i > F_i.
- Exact ties (F_i = C_i, V_i = 0, or all payoffs zero) make a side indifferent between two moves.
  The pure equilibria are then found with weak inequalities (a tie counts as a best reply), and
  :func:`mixed_equilibrium` returns ``None``: in such knife-edge cases there are continua of partly
  mixed equilibria, which these functions do not list.

War of attrition
----------------
Continuous time, complete information. Each side pays a flow cost c_i per week while the standoff lasts
and gains a prize V_i if the other side concedes first. In the stationary (constant-hazard) equilibrium
each side concedes at the hazard rate that keeps the *other* side indifferent between conceding now and
waiting a little longer::

    h_us = c_cn / V_cn        h_cn = c_us / V_us

(waiting dt costs China c_cn dt and wins it V_cn with probability h_us dt). The time until the first
concession is exponential with rate h_us + h_cn, so the expected duration is 1 / (h_us + h_cn) and the
chance that the US is the side that concedes is h_us / (h_us + h_cn). A side with zero cost makes the
other side's hazard zero; if both costs are zero nobody ever concedes (infinite duration, shares
undefined, returned as ``nan``). A prize must be positive.

Every function raises ``ValueError`` with a plain message for bad input (negative, missing, infinite
or non-numeric values), so a widget can show the message instead of a traceback.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import pandas as pd

SIDES = ("US", "China")
HOLD, CONCEDE = "hold", "concede"
MOVES = (HOLD, CONCEDE)
WEEKS_PER_YEAR = 52


def _number(name: str, value, *, positive: bool = False) -> float:
    """``value`` as a float, or a ValueError that names the input in plain words."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be greater than zero, got {value!r}")
    if x < 0:
        raise ValueError(f"{name} must be zero or more, got {value!r}")
    return x


# --------------------------------------------------------------------------------------------
# Chicken
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One side's payoff parameters in the chicken game (all >= 0)."""

    value: float
    cost: float
    face: float

    @classmethod
    def checked(cls, value, cost, face, who: str = "") -> Side:
        p = f"{who} " if who else ""
        return cls(_number(f"{p}value of prevailing", value),
                   _number(f"{p}cost of mutual escalation", cost),
                   _number(f"{p}face cost of conceding first", face))


def _sides(v_us, c_us, f_us, v_cn=None, c_cn=None, f_cn=None) -> tuple[Side, Side]:
    us = Side.checked(v_us, c_us, f_us, "US")
    v_cn, c_cn, f_cn = (us.value if v_cn is None else v_cn, us.cost if c_cn is None else c_cn,
                        us.face if f_cn is None else f_cn)
    return us, Side.checked(v_cn, c_cn, f_cn, "China")


def payoffs(us: Side, cn: Side) -> dict[tuple[str, str], tuple[float, float]]:
    """The payoff matrix: {(US move, China move): (US payoff, China payoff)}."""
    return {
        (HOLD, HOLD): (-us.cost, -cn.cost),
        (HOLD, CONCEDE): (us.value, -cn.face),
        (CONCEDE, HOLD): (-us.face, cn.value),
        (CONCEDE, CONCEDE): (0.0, 0.0),
    }


def pure_equilibria(us: Side, cn: Side) -> list[tuple[str, str]]:
    """Every pure-strategy Nash equilibrium (a tie counts as a best reply)."""
    pay = payoffs(us, cn)
    other = {HOLD: CONCEDE, CONCEDE: HOLD}
    out = []
    for a in MOVES:
        for b in MOVES:
            us_ok = pay[(a, b)][0] >= pay[(other[a], b)][0]
            cn_ok = pay[(a, b)][1] >= pay[(a, other[b])][1]
            if us_ok and cn_ok:
                out.append((a, b))
    return out


def indifference_hold_probability(me: Side) -> float | None:
    """The probability with which the *opponent* must hold to make ``me`` indifferent.

    ``me.value / (me.value + me.cost - me.face)``; ``None`` when it is not strictly between 0 and 1
    (that is, unless value > 0 and cost > face).
    """
    if me.value > 0 and me.cost > me.face:
        return me.value / (me.value + me.cost - me.face)
    return None


def mixed_equilibrium(us: Side, cn: Side) -> tuple[float, float] | None:
    """(P(US holds), P(China holds)) in the fully mixed equilibrium, or None if there is none."""
    p_cn = indifference_hold_probability(us)  # China's mix keeps the US indifferent
    p_us = indifference_hold_probability(cn)
    if p_us is None or p_cn is None:
        return None
    return p_us, p_cn


def symmetric_hold_probability(value, cost, face=0.0) -> float:
    """Closed form for the symmetric game: each side holds with probability V / (V + C - F).

    Raises ValueError when there is no fully mixed equilibrium (value = 0 or face >= cost).
    """
    me = Side.checked(value, cost, face)
    p = indifference_hold_probability(me)
    if p is None:
        raise ValueError("no mixed equilibrium: it needs a value of prevailing above zero and a cost of "
                         f"mutual escalation above the face cost (got value {value}, cost {cost}, face {face})")
    return p


def hold_is_dominant(value, cost, face) -> bool:
    """True if holding is (weakly) dominant: backing down costs at least as much as a collision.

    With value >= 0 this is exactly ``face >= cost``: the answer to "what audience cost makes holding
    dominant?" is any face cost at least as large as the cost of mutual escalation.
    """
    me = Side.checked(value, cost, face)
    return me.face >= me.cost


def outcome_probabilities(p_us: float, p_cn: float) -> dict[tuple[str, str], float]:
    """Probability of each cell when the US holds with p_us and China with p_cn, independently."""
    pu = {HOLD: p_us, CONCEDE: 1 - p_us}
    pc = {HOLD: p_cn, CONCEDE: 1 - p_cn}
    return {(a, b): pu[a] * pc[b] for a in MOVES for b in MOVES}


@dataclass(frozen=True)
class ChickenResult:
    us: Side
    china: Side
    pure: list[tuple[str, str]]
    mixed: tuple[float, float] | None
    p_us_hold: float       # in the equilibrium we read: the unique one if unique, else the mixed one
    p_china_hold: float
    reading: str           # which equilibrium p_us_hold / p_china_hold come from, in words
    outcomes: dict = field(default_factory=dict)


def describe(cell: tuple[str, str]) -> str:
    a, b = cell
    if a == b:
        return "both hold" if a == HOLD else "both concede"
    return "US holds, China concedes" if a == HOLD else "China holds, US concedes"


def chicken(v_us, c_us, f_us, v_cn=None, c_cn=None, f_cn=None) -> ChickenResult:
    """Solve the chicken game. China's parameters default to the US ones (symmetric game).

    The probabilities reported (``p_us_hold``, ``p_china_hold``) come from the unique equilibrium
    when there is exactly one pure equilibrium and no mixed one; otherwise from the fully mixed
    equilibrium (the one that does not assume either side can commit in advance). If neither exists
    (a knife-edge tie with several pure equilibria), the first pure equilibrium is read and
    ``reading`` says so.
    """
    us, cn = _sides(v_us, c_us, f_us, v_cn, c_cn, f_cn)
    pure = pure_equilibria(us, cn)
    mixed = mixed_equilibrium(us, cn)
    if len(pure) == 1 and mixed is None:
        a, b = pure[0]
        p_us, p_cn = float(a == HOLD), float(b == HOLD)
        reading = f"unique equilibrium: {describe(pure[0])}"
    elif mixed is not None:
        p_us, p_cn = mixed
        reading = "mixed equilibrium (neither side can commit in advance)"
    else:
        a, b = pure[0]
        p_us, p_cn = float(a == HOLD), float(b == HOLD)
        reading = f"a tie: several equilibria; showing {describe(pure[0])}"
    return ChickenResult(us, cn, pure, mixed, p_us, p_cn, reading, outcome_probabilities(p_us, p_cn))


def chicken_table(result: ChickenResult) -> pd.DataFrame:
    """The 2x2 game as a tidy table: payoffs, pure-equilibrium flag and probability of each cell."""
    pay = payoffs(result.us, result.china)
    rows = []
    for cell, (u, c) in pay.items():
        rows.append({"us_move": cell[0], "china_move": cell[1], "outcome": describe(cell),
                     "us_payoff": u, "china_payoff": c, "pure_equilibrium": cell in result.pure,
                     "probability": result.outcomes[cell]})
    return pd.DataFrame(rows)


def chicken_grid(values, costs, faces) -> pd.DataFrame:
    """Solve the game over a grid (symmetric value and cost, separate face costs for each side).

    One compact row per combination: ``v, c, fu, fc`` (inputs), ``pu, pc`` (probability that the US /
    China holds in the equilibrium :func:`chicken` reads), ``mixed`` (1 if a fully mixed equilibrium
    exists) and ``hh, hc, ch, cc`` (1 if that cell is a pure equilibrium; first letter = US move).
    """
    rows = []
    for v in values:
        for c in costs:
            for fu in faces:
                for fc in faces:
                    r = chicken(v, c, fu, v, c, fc)
                    flags = {a[0] + b[0]: int((a, b) in r.pure) for a in MOVES for b in MOVES}
                    rows.append({"v": v, "c": c, "fu": fu, "fc": fc,
                                 "pu": round(r.p_us_hold, 4), "pc": round(r.p_china_hold, 4),
                                 "mixed": int(r.mixed is not None), **flags})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# War of attrition
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttritionResult:
    cost_us: float
    prize_us: float
    cost_china: float
    prize_china: float
    hazard_us: float          # US's rate of conceding, per week = cost_china / prize_china
    hazard_china: float       # China's rate of conceding, per week = cost_us / prize_us
    expected_weeks: float     # 1 / (hazard_us + hazard_china); inf if both hazards are zero
    median_weeks: float       # ln 2 / (hazard_us + hazard_china)
    p_us_first: float         # hazard_us / (hazard_us + hazard_china); nan if both are zero


def attrition(cost_us, prize_us, cost_china, prize_china) -> AttritionResult:
    """Stationary equilibrium of the two-sided war of attrition with constant weekly costs."""
    cu = _number("US cost per week", cost_us)
    cc = _number("China's cost per week", cost_china)
    vu = _number("US prize", prize_us, positive=True)
    vc = _number("China's prize", prize_china, positive=True)
    h_us, h_cn = cc / vc, cu / vu
    total = h_us + h_cn
    if total == 0:
        return AttritionResult(cu, vu, cc, vc, 0.0, 0.0, math.inf, math.inf, math.nan)
    return AttritionResult(cu, vu, cc, vc, h_us, h_cn, 1 / total, math.log(2) / total, h_us / total)


def still_standing(result: AttritionResult, weeks) -> pd.DataFrame:
    """Probability that neither side has conceded after t weeks, and who conceded by then.

    Columns ``week, standing, us_conceded, china_conceded`` (the three sum to 1).
    """
    total = result.hazard_us + result.hazard_china
    rows = []
    for t in weeks:
        t = _number("week", t)
        s = math.exp(-total * t)
        share = 0.5 if total == 0 else result.hazard_us / total
        rows.append({"week": t, "standing": s, "us_conceded": (1 - s) * share,
                     "china_conceded": (1 - s) * (1 - share)})
    return pd.DataFrame(rows)


def prize_for_duration(cost_us, cost_china, weeks) -> float:
    """The common prize V (same for both sides) that makes the expected duration equal ``weeks``.

    With V_us = V_cn = V the expected duration is V / (c_us + c_cn), so V = (c_us + c_cn) * weeks.
    """
    cu = _number("US cost per week", cost_us)
    cc = _number("China's cost per week", cost_china)
    t = _number("weeks", weeks, positive=True)
    if cu + cc == 0:
        raise ValueError("with no cost on either side the standoff never ends, whatever the prize")
    return (cu + cc) * t


def weekly_exposure(trade_flows: pd.DataFrame, year: int) -> dict[str, float]:
    """An *illustrative* weekly cost for each side: the trade the other side's tariffs hit, per week.

    US cost = US exports to China / 52 (what China's tariffs hit); China's cost = US imports from
    China / 52 (what US tariffs hit). USD bn per week. This is trade at risk, not lost income.
    """
    row = trade_flows[trade_flows["year"] == year]
    if row.empty:
        raise ValueError(f"trade_flows has no row for {year}")
    r = row.iloc[0]
    return {"US": float(r["us_exports_bn"]) / WEEKS_PER_YEAR, "China": float(r["us_imports_bn"]) / WEEKS_PER_YEAR}


def attrition_grid(cost_us_base: float, cost_china_base: float, multipliers_pct, prizes) -> pd.DataFrame:
    """Solve the war of attrition over a grid of cost multipliers (per cent of the base) and prizes.

    Compact rows: ``ku, kc`` (cost multipliers in %), ``vu, vc`` (prizes), ``cu, cc`` (weekly costs),
    ``hu, hc`` (weekly hazards), ``ew`` (expected weeks), ``pf`` (chance the US concedes first).
    Combinations where both costs are zero are left out (the standoff would never end).
    """
    rows = []
    for ku in multipliers_pct:
        for kc in multipliers_pct:
            if ku == 0 and kc == 0:
                continue
            for vu in prizes:
                for vc in prizes:
                    cu, cc = cost_us_base * ku / 100, cost_china_base * kc / 100
                    r = attrition(cu, vu, cc, vc)
                    rows.append({"ku": ku, "kc": kc, "vu": vu, "vc": vc, "cu": round(cu, 3), "cc": round(cc, 3),
                                 "hu": round(r.hazard_us, 5), "hc": round(r.hazard_china, 5),
                                 "ew": round(r.expected_weeks, 3), "pf": round(r.p_us_first, 4)})
    return pd.DataFrame(rows)
