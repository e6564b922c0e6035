"""The small statistics the insight rules share: an exact Poisson rate comparison, a least-squares
slope, and the growth between the two halves of a daily series.

Everything here works on a few hundred numbers at most (daily counts of one team), so plain Python
and numpy are enough; none of it touches the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def binomial_tail(successes: int, trials: int, probability: float, *, upper: bool) -> float:
    """P(X >= successes) (`upper`) or P(X <= successes) for X ~ Binomial(trials, probability).

    Summed term by term in log space (`math.lgamma`), so it stays exact to double precision for the
    thousands of trials a team's counts reach.
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials (got {successes}, {trials})")
    if not 0 < probability < 1:
        raise ValueError(f"probability must be strictly between 0 and 1 (got {probability})")
    terms = range(successes, trials + 1) if upper else range(0, successes + 1)
    log_p, log_q = math.log(probability), math.log1p(-probability)
    log_n = math.lgamma(trials + 1)
    logs = [log_n - math.lgamma(k + 1) - math.lgamma(trials - k + 1) + k * log_p + (trials - k) * log_q for k in terms]
    peak = max(logs)
    return min(1.0, math.exp(peak) * math.fsum(math.exp(value - peak) for value in logs))


def rate_higher_p_value(count: int, exposure: float, other_count: int, other_exposure: float) -> float:
    """One-sided p-value that the first Poisson rate is higher than the second (exact conditional test).

    Under equal rates, given the total n = count + other_count, `count` is Binomial(n, p0) with
    p0 = exposure / (exposure + other_exposure); the p-value is P(X >= count). With no events at all
    there is no evidence either way and the p-value is 1.
    """
    total = count + other_count
    if total == 0:
        return 1.0
    return binomial_tail(count, total, exposure / (exposure + other_exposure), upper=True)


def rate_lower_p_value(count: int, exposure: float, other_count: int, other_exposure: float) -> float:
    """One-sided p-value that the first Poisson rate is lower than the second: P(X <= count), as above."""
    total = count + other_count
    if total == 0:
        return 1.0
    return binomial_tail(count, total, exposure / (exposure + other_exposure), upper=False)


def slope(values: Sequence[float]) -> float:
    """Ordinary least-squares slope of `values` against their index (units of `values` per step)."""
    y = np.asarray(values, dtype=float)
    if y.size < 2:
        return 0.0
    x = np.arange(y.size, dtype=float)
    x -= x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def half_means(values: Sequence[float]) -> tuple[float, float]:
    """Means of the first and the last half of `values` (the middle value of an odd count is in neither)."""
    y = np.asarray(values, dtype=float)
    half = y.size // 2
    if half == 0:
        return (0.0, 0.0)
    return (float(y[:half].mean()), float(y[-half:].mean()))


def growth(before: float, after: float) -> float | None:
    """after / before - 1, or None when `before` is 0 (growth from nothing has no ratio)."""
    return None if before == 0 else after / before - 1


def rounded(value: float | None, digits: int = 3) -> float | None:
    """A figure as evidence shows it: rounded to `digits` decimals (None stays None)."""
    return None if value is None else round(float(value), digits)


def significant(value: float, digits: int = 3) -> float:
    """A p-value as evidence shows it: `digits` significant digits (tiny values stay visible)."""
    return float(f"{value:.{digits}g}")
