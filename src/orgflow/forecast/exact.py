"""Exact forecasts for one stream of work: convolve the daily throughput distribution day by day.

With days independent and each day's throughput distributed as `pmf` (for a history: the share of
its days with 0, 1, 2, … finished items), the items finished after d days have the d-fold
convolution of `pmf` as distribution. "How many in D days" is that distribution for d = D; "when
will N be done" is the first d at which the cumulative count reaches N, whose distribution follows
from P(done by day d) = P(S_d >= N). This is what the Monte Carlo estimates without parameter
uncertainty, so the two must agree.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from orgflow.errors import InputError
from orgflow.forecast.history import ThroughputSeries, assess
from orgflow.forecast.montecarlo import horizon_days
from orgflow.forecast.result import CONFIDENCES, MAX_DAYS, ForecastResult, check_confidences

_NEGLIGIBLE = 1e-16
"""Probabilities below this at either end of a distribution are dropped while convolving."""
_DONE = 1e-12
"""'When' stops once the chance of still not being done is below this."""


def daily_pmf(series: ThroughputSeries) -> np.ndarray:
    """The share of the history's days on which 0, 1, 2, … items were finished."""
    if series.days == 0:
        raise InputError("the history has no days", field="window")
    return np.bincount(series.counts).astype(np.float64) / series.days


def _trim(offset: int, state: np.ndarray) -> tuple[int, np.ndarray]:
    """Drop negligible probabilities at both ends; `offset` is the outcome of `state[0]`."""
    kept = np.flatnonzero(state > _NEGLIGIBLE)
    if kept.size == 0:
        return offset, state[:1]
    return offset + int(kept[0]), state[kept[0] : kept[-1] + 1]


def how_many_distribution(pmf: np.ndarray, days: int) -> np.ndarray:
    """P(exactly k items finished over `days` days), for k = 0, 1, …"""
    offset, state = 0, np.ones(1)
    low, step = _trim(0, np.asarray(pmf, dtype=np.float64))
    for _ in range(days):
        offset, state = _trim(offset + low, np.convolve(state, step))
    result = np.zeros(offset + state.size)
    result[offset:] = state
    return result


def when_distribution(pmf: np.ndarray, items: int, *, max_days: int = MAX_DAYS) -> tuple[np.ndarray, float]:
    """P(the `items`-th item is finished on day d), d = 0 … (day 1 = the first forecast day), and the
    probability of not being done after `max_days` days."""
    step = np.asarray(pmf, dtype=np.float64)
    if step[0] >= 1.0:
        return np.zeros(1), 1.0
    state = np.zeros(items)
    state[0] = 1.0  # P(k items finished so far) for k < items
    done_before = 0.0
    by_day = [0.0]
    for _ in range(max_days):
        state = np.convolve(state, step)[:items]
        done = 1.0 - float(state.sum())
        by_day.append(max(0.0, done - done_before))
        done_before = done
        if 1.0 - done < _DONE:
            break
    return np.array(by_day), max(0.0, 1.0 - done_before)


def _distribution(source: ThroughputSeries | np.ndarray, check: bool) -> tuple[np.ndarray, date | None, dict]:
    if isinstance(source, ThroughputSeries):
        if check:
            assess(source).require()
        return daily_pmf(source), source.end_day, dict(source.params)
    pmf = np.asarray(source, dtype=np.float64)
    if pmf.ndim != 1 or pmf.size == 0 or np.any(pmf < 0) or abs(float(pmf.sum()) - 1.0) > 1e-9:
        raise ValueError("a daily distribution is a 1-d array of probabilities summing to 1")
    return pmf, None, {}


def exact_when(
    source: ThroughputSeries | np.ndarray,
    items: int,
    *,
    confidences: tuple[float, ...] = CONFIDENCES,
    start: date | None = None,
    target_date: date | None = None,
    max_days: int = MAX_DAYS,
    check: bool = True,
) -> ForecastResult:
    """When will `items` items be finished, exactly (no parameter uncertainty).

    Args:
        source: a throughput history, or the daily throughput distribution itself (probabilities of
            0, 1, 2, … items a day).
        items: items still to finish (at least 1).
        confidences, start, target_date, max_days, check: as in `forecast_when`.

    Raises:
        InputError: items below 1, or (with `check`) not enough history.
    """
    if items < 1:
        raise InputError(f"items must be at least 1 (got {items})", field="items")
    check_confidences(confidences)
    pmf, end_day, params = _distribution(source, check)
    by_day, beyond = when_distribution(pmf, items, max_days=max_days)
    params.update(items=items, uncertainty=False)
    return ForecastResult(
        kind="when",
        method="exact",
        pmf=by_day,
        beyond=beyond,
        start=start or end_day,
        confidences=confidences,
        params=params,
        target_date=target_date,
    )


def exact_how_many(
    source: ThroughputSeries | np.ndarray,
    days: int | None = None,
    *,
    by: date | None = None,
    confidences: tuple[float, ...] = CONFIDENCES,
    start: date | None = None,
    check: bool = True,
) -> ForecastResult:
    """How many items will be finished in `days` days (or up to `by`, inclusive), exactly.

    Raises:
        InputError: neither or both of days/by, a date before the start, or not enough history.
    """
    check_confidences(confidences)
    pmf, end_day, params = _distribution(source, check)
    start = start or end_day
    days = horizon_days(days, by, start)
    params.update(days=days, uncertainty=False)
    return ForecastResult(
        kind="how-many",
        method="exact",
        pmf=how_many_distribution(pmf, days),
        beyond=0.0,
        start=start,
        confidences=confidences,
        params=params,
    )
