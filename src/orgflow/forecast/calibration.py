"""Self-calibration: a forecast's confidence levels adjusted by the team's own record of past forecasts.

Every week back from the forecast date (origins t - 7, t - 14, …) the same question is forecast with
only the history known then (the same window length, the same resampling), and each past forecast
gets a *score*: the probability it gave to outcomes better than what really happened,

    how-many: r = P(items > actual)        when: r = P(day < actual day).

A forecast's q-row holds exactly when r < q (how-many: actual >= the q-row; when: actual day <= the
q-row's day), so a calibrated forecaster's scores are uniform and its q-rows hold a share q of the time.
When they are not, the conformal adjustment reads the new forecast at the level q' that the team's
record says holds often enough: with the n most recent scores sorted, r(1) <= … <= r(n),

    k = ceil((n + 1) q),    q' = r(k) + 1e-6,

so that k of the n past forecasts would have held at q' (the split-conformal quantile; the +1 is the
finite-sample correction). An erratic team has large scores and gets wider rows; a steady one keeps
rows close to the plain Monte Carlo.

No look-ahead: a past forecast enters the record only with what is known on the forecast date. A
"how many in H days" forecast from origin s enters once s + H <= t. A "when" forecast enters once
its own 95 % day has passed (t - s >= its `SETTLED_LEVEL` row): whether it enters then depends on the
forecast alone, never on its outcome, because taking the forecasts as soon as they finish would keep
the fast outcomes of the last weeks and leave out the slow ones, a record better than the truth. The
few entered forecasts whose items are still not all finished by t are pending: their day is later
than t - s, so their score is at least P(day <= t - s), and they enter with that lower bound.

The record's past forecasts replay one set of drawn trials (`ReplayedTrials`: the same day indices
on each origin's own window, common random numbers), so a record costs gathers, not simulations.

No calibration can hold, and the row is null with the reason, when the record has fewer than
`MIN_SCORES` forecasts, when the level needs more forecasts than the record has (k > n), when the
k-th score is 1 (past outcomes beyond every simulated one), or when a regime change just happened:
the last `REGIME_DAYS` days finished fewer or more items than any `REGIME_DAYS` days of the record's
span, so the record no longer speaks for the present.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orgflow.forecast.history import MIN_ACTIVE_DAYS, MIN_DAYS, MIN_ITEMS
from orgflow.forecast.montecarlo import BLOCK_DAYS, DaySampler, count_until
from orgflow.forecast.result import MAX_DAYS

RECORD_STEP_DAYS = 7
"""Days between the past forecasts of the record."""
RECORD_SCORES = 52
"""The record: the most recent past forecasts with a known (or bounded) outcome, about a year of weeks."""
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


@dataclass(frozen=True)
class PastForecast:
    """One forecast of the record: its origin (days from the history's first day), its score, and
    whether the outcome was known on the forecast date (False: a pending "when", score a lower bound)."""

    origin: int
    score: float
    known: bool


@dataclass(frozen=True)
class Adjustment:
    """The adjusted level for one confidence, or None with the reason no calibration can hold."""

    confidence: float
    level: float | None
    reason: str | None = None
    held: int | None = None
    """Past forecasts of the record whose row at the plain confidence held (r < q)."""


@dataclass(frozen=True)
class Calibration:
    """The record of a forecast and the level adjusted for each confidence."""

    question: Question
    record: tuple[PastForecast, ...]
    adjustments: tuple[Adjustment, ...]
    verdict: str | None = None
    """Set when no level can be adjusted at all (too little history, a regime change)."""
    params: dict[str, Any] = field(default_factory=dict)

    def level(self, confidence: float) -> float | None:
        """The level to read the forecast at for `confidence` (None: no calibration can hold)."""
        for adjustment in self.adjustments:
            if abs(adjustment.confidence - confidence) < 1e-12:
                return adjustment.level
        raise KeyError(confidence)

    def reason(self, confidence: float) -> str | None:
        """Why the row for `confidence` is null (None when it has a level)."""
        for adjustment in self.adjustments:
            if abs(adjustment.confidence - confidence) < 1e-12:
                return adjustment.reason
        raise KeyError(confidence)

    def probability(self, raw: float) -> float | None:
        """The calibrated chance of an event the plain forecast gives `raw`: the share of the record's
        forecasts whose outcome fell within their own `raw`-level row (r < raw); None without a record."""
        if self.verdict is not None or not self.record:
            return None
        return float(np.mean([past.score < raw for past in self.record]))

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the levels, the record's size and span, and the verdict."""
        return {
            "method": "conformal",
            "record_forecasts": len(self.record),
            "record_pending": sum(not past.known for past in self.record),
            "record_step_days": RECORD_STEP_DAYS,
            "verdict": self.verdict,
            "levels": {
                f"{round(item.confidence * 100):g}": None if item.level is None else round(item.level, 4)
                for item in self.adjustments
            },
            "held_in_record": {f"{round(item.confidence * 100):g}": item.held for item in self.adjustments},
            "reasons": {f"{round(item.confidence * 100):g}": item.reason for item in self.adjustments if item.reason},
            **self.params,
        }

    def line(self) -> str:
        """One line for the terminal: how the levels moved and the record they came from."""
        if self.verdict is not None:
            return f"calibration: {self.verdict}; no row is promised"
        moved = ", ".join(
            f"{round(item.confidence * 100):g} % read at {item.level * 100:.1f} %"
            if item.level is not None
            else f"{round(item.confidence * 100):g} % null ({item.reason})"
            for item in self.adjustments
        )
        held = ", ".join(
            f"{round(item.confidence * 100):g} % held {item.held}" for item in self.adjustments if item.held is not None
        )
        return (
            f"calibration: {moved}; from this team's last {len(self.record)} weekly forecasts of the same question "
            f"({held} of {len(self.record)})"
        )


def adjust(scores: list[float], confidence: float) -> Adjustment:
    """The conformal level for `confidence` from the record's scores (see the module docstring)."""
    n = len(scores)
    held = sum(value < confidence for value in scores)
    if n < MIN_SCORES:
        return Adjustment(confidence, None, f"{n} past forecasts, {MIN_SCORES} needed", held if n else None)
    k = math.ceil((n + 1) * confidence - 1e-9)
    if k > n:
        return Adjustment(confidence, None, f"{k} past forecasts needed at this confidence, {n} known", held)
    level = sorted(scores)[k - 1] + EPSILON
    if level >= 1.0:
        return Adjustment(confidence, None, f"{n - k + 1} of the last {n} outcomes were beyond every trial", held)
    return Adjustment(confidence, level, None, held)


def regime_change(counts: np.ndarray, end: int, span_start: int) -> str | None:
    """A reason when the last `REGIME_DAYS` days before `end` finished fewer or more items than any
    `REGIME_DAYS` consecutive days in [span_start, end - REGIME_DAYS); None otherwise."""
    if end - span_start < 2 * REGIME_DAYS:
        return None
    cumulative = np.concatenate([[0], np.cumsum(counts[span_start:end])])
    totals = cumulative[REGIME_DAYS:] - cumulative[:-REGIME_DAYS]
    last, before = int(totals[-1]), totals[:-REGIME_DAYS]
    if before.size == 0:
        return None
    low, high = int(before.min()), int(before.max())
    if last < low or last > high:
        return (
            f"regime change: {last} items finished in the last {REGIME_DAYS} days, outside every "
            f"{REGIME_DAYS} days of the record's span ({low}-{high})"
        )
    return None


ForecastAt = Callable[[int], np.ndarray | None]
"""Trial outcomes, sorted, of the question forecast from an origin (None: not enough history there)."""


def settled(kind: str, samples: np.ndarray, elapsed: int) -> bool:
    """Whether a past forecast enters the record `elapsed` days after its origin: always for "how
    many" (its horizon has passed), and for "when" once `SETTLED_LEVEL` of its own trials had
    finished by then. The rule looks at the forecast, never at its outcome, so the record is not
    tilted toward the fast outcomes that are known early (see the module docstring)."""
    if kind != "when":
        return True
    return bool(elapsed >= samples[max(0, math.ceil(SETTLED_LEVEL * samples.size) - 1)])


def pending_score(samples: np.ndarray, elapsed: int) -> float:
    """The score of a "when" forecast not finished after `elapsed` days: its day is later, so
    r >= P(day <= elapsed)."""
    return float(np.searchsorted(samples, elapsed, side="right") / samples.size)


def record_at(counts: np.ndarray, end: int, question: Question, forecast_at: ForecastAt) -> list[PastForecast]:
    """The record of a forecast made on day `end` (an index into `counts`; only days before it known):
    the `RECORD_SCORES` most recent weekly past forecasts whose outcome is known or, for "when", bounded."""
    record: list[PastForecast] = []
    cumulative = cumulative_counts(counts)
    origin = end - RECORD_STEP_DAYS
    while origin >= question.window_days and len(record) < RECORD_SCORES:
        actual = question.actual(cumulative, origin, end)
        if actual is None and question.kind == "how-many":
            origin -= RECORD_STEP_DAYS
            continue
        samples = forecast_at(origin)
        if samples is not None and not settled(question.kind, samples, end - origin):
            samples = None
        if samples is not None:
            if actual is not None:
                record.append(PastForecast(origin, score(question.kind, samples, actual), True))
            else:
                record.append(PastForecast(origin, pending_score(samples, end - origin), False))
        origin -= RECORD_STEP_DAYS
    record.reverse()
    return record


def calibrate_at(
    counts: np.ndarray,
    end: int,
    question: Question,
    confidences: tuple[float, ...],
    forecast_at: ForecastAt,
) -> Calibration:
    """The calibration of a forecast made on day `end` of `counts` (its record and adjusted levels)."""
    record = record_at(counts, end, question, forecast_at)
    scores = [past.score for past in record]
    verdict = None
    if len(record) < MIN_SCORES:
        verdict = (
            f"too little history to calibrate: {len(record)} past weekly forecasts of this question, "
            f"{MIN_SCORES} needed"
        )
    else:
        span_start = max(0, record[0].origin - question.window_days)
        verdict = regime_change(counts, end, span_start)
    if verdict is not None:
        adjustments = tuple(Adjustment(q, None, verdict) for q in confidences)
    else:
        adjustments = tuple(adjust(scores, q) for q in confidences)
    return Calibration(question, tuple(record), adjustments, verdict)


class ReplayedTrials:
    """The trials of a record's forecasts: one set of drawn day indices (positions in a window of the
    question's length, by the same resampling as a live forecast), replayed on the window before each
    origin. Drawing once and replaying (common random numbers) makes each past forecast a gather
    instead of a fresh simulation; each origin still gets a full Monte Carlo of its own history."""

    def __init__(self, question: Question, trials: int, entropy: int) -> None:
        self.question = question
        self.trials = trials
        self._sampler = DaySampler(
            question.window_days,
            trials,
            seeds=np.random.SeedSequence(entropy),
            uncertainty=question.uncertainty,
            block_days=question.block_days,
        )
        self._indices = np.empty((trials, 0), dtype=np.int32)

    def days(self, count: int) -> np.ndarray:
        """The indices of the first `count` simulated days of every trial (trials x count); more are
        drawn on first need, continuing each trial's run, and kept."""
        drawn = self._indices.shape[1]
        if drawn < count:
            extra = self._sampler.draw(max(count, min(MAX_DAYS, 2 * drawn)) - drawn)
            self._indices = np.concatenate([self._indices, extra], axis=1)
        return self._indices[:, :count]

    def outcomes(self, history: np.ndarray) -> np.ndarray:
        """One outcome per trial from `history` (the window): items over the horizon, or the day (1 =
        the first forecast day) the `items`-th is finished (`MAX_DAYS + 1`: not within `MAX_DAYS`)."""
        question = self.question
        if question.kind == "how-many":
            return history[self.days(question.horizon_days or 1)].sum(axis=1)
        items = question.items or 1
        finished = np.full(self.trials, MAX_DAYS + 1, dtype=np.int64)
        totals = np.zeros(self.trials, dtype=np.int64)
        active = np.arange(self.trials)
        day = 0
        span = int(items / max(float(np.mean(history)), 1e-9) * 1.25) + 8
        while active.size and day < MAX_DAYS:
            span = min(span, MAX_DAYS - day)
            active = count_until(history[self.days(day + span)[active, day:]], items, day, active, totals, finished)
            day += span
            span = max(16, day // 2)
        return finished


def seeded_forecasts(counts: np.ndarray, question: Question, trials: int, entropy: int) -> ForecastAt:
    """Forecasts from each origin, memoized: the trials drawn once from `entropy` (`ReplayedTrials`)
    replayed on the `question.window_days` days before the origin; None where that window fails the
    data-sufficiency verdict."""
    replay = ReplayedTrials(question, trials, entropy)
    cache: dict[int, np.ndarray | None] = {}

    def forecast_at(origin: int) -> np.ndarray | None:
        if origin not in cache:
            history = counts[origin - question.window_days : origin]
            if origin < question.window_days or not sufficient(history):
                cache[origin] = None
            else:
                cache[origin] = np.sort(replay.outcomes(history))
        return cache[origin]

    return forecast_at
