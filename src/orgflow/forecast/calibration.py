"""Self-calibration: a forecast's rows adjusted by the team's own record of past forecasts.

Every week back from the forecast date (origins t - 7, t - 14, …) the same question is forecast with
only the history known then (the same window length, the same resampling; `orgflow.forecast.record`),
and each past forecast gets a *score*: the probability it gave to outcomes better than what really
happened,

    how-many: r = P(items > actual)        when: r = P(day < actual day).

A forecast's q-row holds exactly when r < q (how-many: actual >= the q-row; when: actual day <= the
q-row's day), so a calibrated forecaster's scores are uniform and its q-rows hold a share q of the time.
When they are not, the conformal adjustment reads the new forecast at the level q' that the team's
record says holds often enough: with the n most recent scores sorted, r(1) <= … <= r(n),

    k = ceil((n + 1) q),    q' = r(k) + 1e-6,

so that k of the n past forecasts would have held at q' (the split-conformal quantile; the +1 is the
finite-sample correction). For exchangeable forecasts the new row then holds k / (n + 1) of the time:
q exactly with a full record (`RECORD_SCORES`), up to 1 / (n + 1) more with a shorter one. An
erratic team has large scores and gets wider rows; a steady one keeps rows close to the plain Monte
Carlo, and a cautious one gets narrower rows (q' below q).

**The tail.** When r(k) leaves fewer than `TAIL_TRIALS` of the record's trials beyond it, the level
reads the forecast where its trials no longer resolve it: a window of a few busy weeks has no trial
as slow as the quiet spells the record has seen, however many trials are drawn. There the row is also
held to the record's *scale*: each past forecast's outcome over its own median (`ratio`: the actual
day over the median day, or the actual items over the median items), and with the ratios sorted,

    when: row >= floor(median x ratio(k))        how-many: row <= ceil(median x ratio(n + 1 - k)),

the same split-conformal quantile on another score (medians below 1 count as 1). The row is the
wider of the two. When r(k) is 1 (past outcomes beyond every trial), the scale row alone is given
instead of a null row. The rule and the `TAIL_TRIALS` threshold were chosen on the real-data backtests
(docs/forecasting.md).

No calibration can hold, and the row is null with the reason, when the record has fewer than
`MIN_SCORES` forecasts, when the level needs more forecasts than the record has (k > n), or when a
regime change just happened (`orgflow.forecast.record.regime_change`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orgflow.forecast.history import MIN_ACTIVE_DAYS, MIN_DAYS, MIN_ITEMS
from orgflow.forecast.montecarlo import BLOCK_DAYS

RECORD_STEP_DAYS = 7
"""Days between the past forecasts of the record."""
RECORD_SCORES = 39
"""The record: the most recent past forecasts with a known (or bounded) outcome, about nine months of
weeks. With n = 39, (n + 1) q is a whole number at every confidence in steps of 2.5 % (50, 70, 85, 95:
k = 20, 28, 34, 38), so the split-conformal level holds k / (n + 1) = q of the time for exchangeable
forecasts, exactly; 52 held ceil(53 q) / 53 (0.868 at 85 %, 0.962 at 95 %), cautious by construction.
Chosen among the exact lengths (39, 59, 79) on the backtests of `benchmarks/forecast_record_length.py`
(docs/forecasting.md, "The record's length")."""
MIN_SCORES = 20
"""Fewer past forecasts than this and no level is adjusted (enough for k <= n at 95 %: 21 x 0.95 <= 20)."""
RECORD_TRIALS = 1_000
"""Monte Carlo trials of each past forecast of a live forecast's record."""
EPSILON = 1e-6
"""Added to the k-th score so that the k-th past forecast holds at the adjusted level (r < q')."""
SETTLED_LEVEL = 0.95
"""A past "when" forecast enters the record once the day by which this share of its trials finished
has passed (chosen on the real-data backtests, docs/forecasting.md)."""
REGIME_DAYS = 28
"""The span of the regime-change check: the last four weeks against every four weeks of the record."""
TAIL_TRIALS = 5
"""A level leaving fewer of the record's trials beyond it than this is in the unresolved tail, where
the row is held to the record's scale as well (chosen on the real-data backtests, docs/forecasting.md)."""


@dataclass(frozen=True)
class Question:
    """What is forecast: "how-many" in `horizon_days`, or "when" `items` will be done, from a `window_days` window."""

    kind: str
    window_days: int
    horizon_days: int | None = None
    items: int | None = None
    uncertainty: bool = True
    block_days: float = BLOCK_DAYS

    def actual(self, cumulative: np.ndarray, origin: int, end: int) -> int | None:
        """What happened from day `origin`, as known on day `end` (None: not known yet): items over the
        horizon, or the forecast day (1 = the origin's day) on which the `items`-th item was finished.

        `cumulative[d]` is the items finished on days before d (`cumulative_counts`).
        """
        end = min(end, cumulative.size - 1)
        if self.kind == "how-many":
            assert self.horizon_days is not None
            if origin + self.horizon_days > end:
                return None
            return int(cumulative[origin + self.horizon_days] - cumulative[origin])
        # The first day d with cumulative[d + 1] >= cumulative[origin] + items.
        day = int(np.searchsorted(cumulative, cumulative[origin] + (self.items or 1), side="left")) - 1
        return day - origin + 1 if day < end else None


def cumulative_counts(counts: np.ndarray) -> np.ndarray:
    """Items finished before each day: element d is the sum of `counts[:d]` (one longer than `counts`)."""
    return np.concatenate([[0], np.cumsum(counts)])


def sufficient(history: np.ndarray) -> bool:
    """The data-sufficiency verdict of `orgflow.forecast.history.assess` on plain counts."""
    return bool(
        history.size >= MIN_DAYS and history.sum() >= MIN_ITEMS and np.count_nonzero(history) >= MIN_ACTIVE_DAYS
    )


def score(kind: str, samples: np.ndarray, actual: int) -> float:
    """The probability a forecast (its trial outcomes, sorted) gave to outcomes better than `actual`."""
    if kind == "how-many":
        return float(1.0 - np.searchsorted(samples, actual, side="right") / samples.size)
    return float(np.searchsorted(samples, actual, side="left") / samples.size)


def median_of(kind: str, samples: np.ndarray) -> int:
    """A forecast's 50 % row from its trial outcomes (sorted), read as the rows are: the first day by
    which half the trials are done ("when"), the most items reached in half of them ("how-many")."""
    half = math.ceil(samples.size / 2)
    return int(samples[half - 1] if kind == "when" else samples[samples.size - half])


def ratio(actual: int, median: int) -> float:
    """The scale score of an outcome: `actual` over the forecast's median (a median below 1 counts as 1)."""
    return actual / max(median, 1)


def scaled_row(kind: str, median: int, scale: float) -> int:
    """The widest row the scale rule allows: the last day d with d / median <= `scale` ("when"), the
    fewest items x with x / median >= `scale` ("how-many"); a median below 1 counts as 1."""
    base = max(median, 1)
    if kind == "when":
        return math.floor(base * scale + 1e-9)
    return math.ceil(base * scale - 1e-9)


@dataclass(frozen=True)
class PastForecast:
    """One forecast of the record: its origin (days from the history's first day), its score, whether
    the outcome was known on the forecast date (False: a pending "when", score and ratio lower bounds),
    its outcome over its median (`ratio`) and its trials (which bound how finely the score resolves)."""

    origin: int
    score: float
    known: bool
    ratio: float
    trials: int


@dataclass(frozen=True)
class Adjustment:
    """How one confidence's row is read: at `level` and, in the tail, held to `scale` (the record's
    outcome-over-median quantile); neither: no calibration can hold, for `reason`."""

    confidence: float
    level: float | None
    reason: str | None = None
    held: int | None = None
    """Past forecasts of the record whose row at the plain confidence held (r < q)."""
    scale: float | None = None

    @property
    def given(self) -> bool:
        """Whether the row has a value (a level, a scale, or both)."""
        return self.level is not None or self.scale is not None


def read_row(
    kind: str, adjustments: Sequence[Adjustment], read: Callable[[float], int | None], median: int | None
) -> int | None:
    """The row of a forecast read by the adjustments of its teams (one for a single forecast): at the
    highest level, held to the widest scale times the forecast's `median`. None when a team's row is
    null, or ("when") when the row lies beyond the horizon. `read(level)` reads the plain forecast."""
    if not adjustments or not all(item.given for item in adjustments):
        return None
    levels = [item.level for item in adjustments if item.level is not None]
    scales = [item.scale for item in adjustments if item.scale is not None]
    plain = read(max(levels)) if levels else None
    if (levels and plain is None) or not scales or median is None:
        return plain
    when = kind == "when"
    floor = scaled_row(kind, median, max(scales) if when else min(scales))
    if plain is None:
        return floor
    return max(plain, floor) if when else min(plain, floor)


@dataclass(frozen=True)
class Calibration:
    """The record of a forecast and the adjustment of each confidence."""

    question: Question
    record: tuple[PastForecast, ...]
    adjustments: tuple[Adjustment, ...]
    verdict: str | None = None
    """Set when no level can be adjusted at all (too little history, a regime change)."""
    params: dict[str, Any] = field(default_factory=dict)

    def adjustment(self, confidence: float) -> Adjustment:
        """The adjustment for `confidence`."""
        for adjustment in self.adjustments:
            if abs(adjustment.confidence - confidence) < 1e-12:
                return adjustment
        raise KeyError(confidence)

    def level(self, confidence: float) -> float | None:
        """The level to read the forecast at for `confidence` (None: no level, see `adjustment`)."""
        return self.adjustment(confidence).level

    def reason(self, confidence: float) -> str | None:
        """Why the row for `confidence` is null (None when it has a value)."""
        return self.adjustment(confidence).reason

    def row(self, confidence: float, read: Callable[[float], int | None], median: int | None) -> int | None:
        """The calibrated row for `confidence` of a forecast read by `read(level)`, with 50 % row `median`."""
        return read_row(self.question.kind, [self.adjustment(confidence)], read, median)

    def probability(self, raw: float) -> float | None:
        """The calibrated chance of an event the plain forecast gives `raw`: the share of the record's
        forecasts whose outcome fell within their own `raw`-level row (r < raw); None without a record."""
        if self.verdict is not None or not self.record:
            return None
        return float(np.mean([past.score < raw for past in self.record]))

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the levels and scales, the record's size and span, and the verdict."""

        def key(item: Adjustment) -> str:
            return f"{round(item.confidence * 100):g}"

        return {
            "method": "conformal",
            "record_forecasts": len(self.record),
            "record_pending": sum(not past.known for past in self.record),
            "record_step_days": RECORD_STEP_DAYS,
            "verdict": self.verdict,
            "levels": {key(item): None if item.level is None else round(item.level, 4) for item in self.adjustments},
            "scales": {key(item): None if item.scale is None else round(item.scale, 4) for item in self.adjustments},
            "held_in_record": {key(item): item.held for item in self.adjustments},
            "reasons": {key(item): item.reason for item in self.adjustments if item.reason},
            **self.params,
        }

    def line(self) -> str:
        """One line for the terminal: how the rows moved and the record they came from."""
        if self.verdict is not None:
            return f"calibration: {self.verdict}; no row is promised"
        moved = ", ".join(self._moved(item) for item in self.adjustments)
        held = ", ".join(
            f"{round(item.confidence * 100):g} % held {item.held}" for item in self.adjustments if item.held is not None
        )
        return (
            # "the same question": the same items (a team's, a group's or the whole organization's) and horizon.
            f"calibration: {moved}; from the last {len(self.record)} weekly forecasts of the same question "
            f"({held} of {len(self.record)})"
        )

    def _moved(self, item: Adjustment) -> str:
        percent = f"{round(item.confidence * 100):g} %"
        if not item.given:
            return f"{percent} null ({item.reason})"
        bound = "no earlier than" if self.question.kind == "when" else "no more than"
        scale = None if item.scale is None else f"{bound} {item.scale:.2f} × the median"
        if item.level is None:
            return f"{percent} {scale} (the record's outcomes lie beyond every trial)"
        level = f"{percent} read at {item.level * 100:.1f} %"
        return level if scale is None else f"{level}, {scale}"


def adjust(record: Sequence[PastForecast], confidence: float, kind: str) -> Adjustment:
    """The conformal adjustment for `confidence` from the record (see the module docstring)."""
    n = len(record)
    scores = sorted(past.score for past in record)
    held = sum(value < confidence for value in scores)
    if n < MIN_SCORES:
        return Adjustment(confidence, None, f"{n} past forecasts, {MIN_SCORES} needed", held if n else None)
    k = math.ceil((n + 1) * confidence - 1e-9)
    if k > n:
        return Adjustment(confidence, None, f"{k} past forecasts needed at this confidence, {n} known", held)
    kth = scores[k - 1]
    scale = None
    if kth >= 1.0 - TAIL_TRIALS / min(past.trials for past in record):
        ratios = sorted(past.ratio for past in record)
        scale = ratios[k - 1] if kind == "when" else ratios[n - k]
    level = kth + EPSILON if kth + EPSILON < 1.0 else None
    return Adjustment(confidence, level, None, held, scale)
