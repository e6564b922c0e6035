"""Arrivals per team and flow type, and the weekly seasonality of a team's arrivals.

**Rates**: per flow type, items started in the window [since, until) ÷ its days (Poisson).

**Weekly seasonality** is tested per team, its flow types pooled (a small type alone would rarely
show it): the team's arrivals counted by weekday (UTC), c_w, against what arrivals at one rate
would give, e_w = N × d_w ÷ D (d_w: the days of weekday w in the window, parts of days at its ends
counted as parts; D = Σ d_w; N = Σ c_w). Pearson's statistic X² = Σ (c_w − e_w)² ÷ e_w has 6
degrees of freedom; its p-value is exact for an even number of degrees,
P(χ²₆ > x) = e^(−x/2) (1 + x/2 + x²/8). Seasonality is **present** when p < `SEASONALITY_P` and every
e_w is at least `MIN_EXPECTED` (below that the test says nothing). Then the team's arrivals follow
the weekly profile m_w = (c_w ÷ d_w) ÷ (N ÷ D), scaled so that the seven have mean 1 (a week then
brings 7 × the mean rate, whatever the profile), shared by its flow types; otherwise they are
uniform over the week. The statistic, the p-value and the profile go in the model's notes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from orgflow.simulate.network import Arrivals

SEASONALITY_P = 0.001
"""A weekday pattern this unlikely under uniform arrivals counts as present."""
MIN_EXPECTED = 5.0
"""The fewest arrivals expected per weekday for the test to be read at all."""


def arrival_rates(flow_types: np.ndarray, since: float, until: float) -> dict[str, Arrivals]:
    """Poisson arrivals per flow type: the items of each type ÷ the window's days."""
    return {
        str(flow_type): Arrivals(per_day=round(count / (until - since), 6))
        for flow_type, count in sorted(Counter(flow_types.tolist()).items())
    }


@dataclass(frozen=True)
class WeekdayTest:
    """The weekday test of one team's arrivals (see the module docstring).

    Attributes:
        counts: arrivals per weekday, Monday first.
        days: days of each weekday in the window.
        chi_square: Pearson's X² against uniform arrivals (6 degrees of freedom).
        p_value: P(χ²₆ > X²).
        profile: the weekly profile when seasonality is present, else None.
    """

    counts: tuple[int, ...]
    days: tuple[float, ...]
    chi_square: float
    p_value: float
    profile: tuple[float, ...] | None

    def notes(self) -> dict[str, object]:
        """The test as the model file's notes show it."""
        return {
            "arrivals_mon_to_sun": list(self.counts),
            "chi_square": round(self.chi_square, 2),
            "p_value": float(f"{self.p_value:.3g}"),
            "present": self.profile is not None,
        }


def weekday_days(since: float, until: float) -> np.ndarray:
    """Days of each weekday (Monday first) in [since, until), days since the epoch; a part of a day
    at either end counts as that part."""
    first, last = math.floor(since), math.ceil(until)
    days = np.arange(first, last, dtype=float)
    covered = np.minimum(days + 1, until) - np.maximum(days, since)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    return np.bincount(weekday, weights=np.clip(covered, 0.0, None), minlength=7)


def chi_square_6_p(statistic: float) -> float:
    """P(χ² with 6 degrees of freedom > `statistic`): e^(−x/2) (1 + x/2 + x²/8)."""
    half = statistic / 2
    return math.exp(-half) * (1 + half + half * half / 2)


def weekday_test(starts: np.ndarray, since: float, until: float) -> WeekdayTest:
    """Test the arrival instants `starts` (days since the epoch, inside [since, until)) for weekly
    seasonality (see the module docstring)."""
    days = weekday_days(since, until)
    counts = np.bincount((np.floor(starts).astype(np.int64) + 3) % 7, minlength=7).astype(float)
    total, exposure = float(counts.sum()), float(days.sum())
    expected = total * days / exposure if exposure > 0 else np.zeros(7)
    valid = expected > 0
    statistic = float((((counts - expected) ** 2)[valid] / expected[valid]).sum())
    p_value = chi_square_6_p(statistic)
    profile = None
    if p_value < SEASONALITY_P and bool((expected >= MIN_EXPECTED).all()):
        rates = counts / days / (total / exposure)
        profile = tuple(float(value) for value in rates / rates.mean())
    return WeekdayTest(tuple(int(c) for c in counts), tuple(float(d) for d in days), statistic, p_value, profile)
