"""Arrivals per team and flow type, and the weekly seasonality of a team's arrivals.

**Rates**: per flow type, items started in the window ÷ the days the team's data covers in it
(Poisson). Those days (`covered_days`) run from the UTC day of the team's first event (an item's
start, finish or stage move) to the end of the day of its last, cut to the window [since, until);
a gap of less than `QUIET_DAYS` between either end of the window and the team's data is a quiet
spell (a weekend, a holiday), not the end of its data, and is kept. So a team whose export holds 5
days of a year-long window arrives at its count ÷ 5 a day, not ÷ 365, while a team idle at the
window's last weekend keeps the whole window.

**Weekly seasonality** is tested per team, its flow types pooled (a small type alone would rarely
show it): the team's arrivals counted by weekday (UTC), c_w, against what arrivals at one rate
would give, e_w = N × d_w ÷ D (d_w: the days of weekday w in the window, parts of days at its ends
counted as parts; D = Σ d_w; N = Σ c_w). Pearson's statistic X² = Σ (c_w − e_w)² ÷ e_w has 6
degrees of freedom; its p-value is exact for an even number of degrees,
P(χ²₆ > x) = e^(−x/2) (1 + x/2 + x²/8). Seasonality is **present** when p < `SEASONALITY_P` and every
e_w is at least `MIN_EXPECTED` (below that the test says nothing). Then the team's arrivals follow
the weekly profile m_w = (c_w ÷ d_w) ÷ (N ÷ D), scaled so that the seven have mean 1 (a week then
brings 7 × the mean rate, whatever the profile), shared by its flow types; otherwise they are
uniform over the week. The test counts only the days the team's data covers, and seasonality needs
at least `MIN_SEASONALITY_DAYS` of them (four whole weeks: each weekday seen four times); with fewer
the profile is uniform and the notes say why (`too_short`). The statistic, the p-value and the
profile go in the model's notes.
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
QUIET_DAYS = 7.0
"""A gap shorter than this between the window's end and a team's data is quiet time, not missing data."""
MIN_SEASONALITY_DAYS = 28.0
"""The fewest days of a team's data (four whole weeks) for its weekly seasonality to be present."""


def covered_days(events: np.ndarray, since: float, until: float) -> tuple[float, float] | None:
    """The days [first, last) a team's data covers in the window [since, until) (days since the epoch):
    from the start of the UTC day of its first event (`events`, nan ignored) to the end of the day of
    its last, cut to the window, either end left at the window's when the gap is under `QUIET_DAYS`;
    None when they do not meet (its data ends before the window opens or starts after it closes)."""
    known = events[np.isfinite(events)]
    if known.size == 0:
        return None
    first = max(since, math.floor(float(known.min())))
    last = min(until, math.floor(float(known.max())) + 1.0)
    if last <= first:
        return None
    first = since if first - since < QUIET_DAYS else first
    last = until if until - last < QUIET_DAYS else last
    return first, last


def arrival_rates(flow_types: np.ndarray, since: float, until: float) -> dict[str, Arrivals]:
    """Poisson arrivals per flow type: the items of each type ÷ the days of [since, until) (the days the
    team's data covers, `covered_days`)."""
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
        too_short: why the test could not find seasonality (fewer than `MIN_SEASONALITY_DAYS` days), else None.
    """

    counts: tuple[int, ...]
    days: tuple[float, ...]
    chi_square: float
    p_value: float
    profile: tuple[float, ...] | None
    too_short: str | None = None

    def notes(self) -> dict[str, object]:
        """The test as the model file's notes show it."""
        notes: dict[str, object] = {
            "arrivals_mon_to_sun": list(self.counts),
            "chi_square": round(self.chi_square, 2),
            "p_value": float(f"{self.p_value:.3g}"),
            "present": self.profile is not None,
        }
        if self.too_short:
            notes["too_short"] = self.too_short
        return notes


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
    profile, too_short = None, None
    if exposure < MIN_SEASONALITY_DAYS:
        too_short = f"{exposure:g} days of data (seasonality needs at least {MIN_SEASONALITY_DAYS:g}: four whole weeks)"
    elif p_value < SEASONALITY_P and bool((expected >= MIN_EXPECTED).all()):
        rates = counts / days / (total / exposure)
        profile = tuple(float(value) for value in rates / rates.mean())
    counted = tuple(int(c) for c in counts)
    return WeekdayTest(counted, tuple(float(d) for d in days), statistic, p_value, profile, too_short)
