"""A forecast's record: its weekly past forecasts, what they scored, and whether the record still speaks.

No look-ahead: a past forecast enters the record only with what is known on the forecast date t. A
"how many in H days" forecast from origin s enters once s + H <= t. A "when" forecast enters once
its own 95 % day has passed (t - s >= its `SETTLED_LEVEL` row): whether it enters then depends on the
forecast alone, never on its outcome, because taking the forecasts as soon as they finish would keep
the fast outcomes of the last weeks and leave out the slow ones, a record better than the truth. The
few entered forecasts whose items are still not all finished by t are pending: their day is later
than t - s, so their score is at least P(day <= t - s) and their ratio at least (t - s + 1) / median,
and they enter with those lower bounds.

**Regime change.** When the last `REGIME_DAYS` days finished more items than any `REGIME_DAYS`
consecutive days of the record's span, the forecast's window is full of a burst the record has never
seen, and every row is null with that reason. A drop to fewer items than ever is not a refusal: the
window then holds the quiet days, and on the real-data backtests the calibrated rows after a drop held
as often as promised (docs/forecasting.md, "Regime change").
"""

from __future__ import annotations

import math

import numpy as np

from orgflow.forecast.calibration import (
    MIN_SCORES,
    RECORD_SCORES,
    RECORD_STEP_DAYS,
    REGIME_DAYS,
    SETTLED_LEVEL,
    Adjustment,
    Calibration,
    PastForecast,
    Question,
    adjust,
    cumulative_counts,
    median_of,
    ratio,
    score,
)
from orgflow.forecast.replay import ForecastAt


def regime_change(counts: np.ndarray, end: int, span_start: int) -> str | None:
    """A reason when the last `REGIME_DAYS` days before `end` finished more items than any
    `REGIME_DAYS` consecutive days in [span_start, end - REGIME_DAYS); None otherwise."""
    if end - span_start < 2 * REGIME_DAYS:
        return None
    cumulative = np.concatenate([[0], np.cumsum(counts[span_start:end])])
    totals = cumulative[REGIME_DAYS:] - cumulative[:-REGIME_DAYS]
    last, before = int(totals[-1]), totals[:-REGIME_DAYS]
    if before.size == 0:
        return None
    high = int(before.max())
    if last > high:
        return (
            f"regime change: {last} items finished in the last {REGIME_DAYS} days, more than in any "
            f"{REGIME_DAYS} days of the record's span (at most {high})"
        )
    return None


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


def record_at(
    counts: np.ndarray, end: int, question: Question, forecast_at: ForecastAt, *, length: int = RECORD_SCORES
) -> list[PastForecast]:
    """The record of a forecast made on day `end` (an index into `counts`; only days before it known):
    the `length` (`RECORD_SCORES`) most recent weekly past forecasts whose outcome is known or, for
    "when", bounded."""
    record: list[PastForecast] = []
    cumulative = cumulative_counts(counts)
    kind = question.kind
    origin = end - RECORD_STEP_DAYS
    while origin >= question.window_days and len(record) < length:
        actual = question.actual(cumulative, origin, end)
        if actual is None and kind == "how-many":
            origin -= RECORD_STEP_DAYS
            continue
        samples = forecast_at(origin)
        if samples is not None and settled(kind, samples, end - origin):
            median, elapsed = median_of(kind, samples), end - origin
            if actual is not None:
                past = PastForecast(origin, score(kind, samples, actual), True, ratio(actual, median), samples.size)
            else:  # still pending: the day is after the days elapsed, both figures are lower bounds
                bound = ratio(elapsed + 1, median)
                past = PastForecast(origin, pending_score(samples, elapsed), False, bound, samples.size)
            record.append(past)
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
    """The calibration of a forecast made on day `end` of `counts` (its record and adjustments)."""
    record = record_at(counts, end, question, forecast_at)
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
        adjustments = tuple(adjust(record, q, question.kind) for q in confidences)
    return Calibration(question, tuple(record), adjustments, verdict)
