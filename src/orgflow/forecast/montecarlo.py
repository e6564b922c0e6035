"""Monte Carlo forecasts from a daily throughput history: "when will N items be done", "how many by D".

Each trial replays the future one day at a time, each day's throughput being the throughput of a day
drawn at random from the history window. With parameter uncertainty (the default) each trial first
resamples the window itself (a bootstrap of its days) and then draws its days from that resample, so
a short window's sampling error shows in the spread instead of making the forecast over-confident.

Everything is vectorized over trials with numpy; randomness comes from `np.random.SeedSequence`
streams (one for the bootstraps, one for the days), so a seed gives the same answer everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from orgflow.errors import InputError
from orgflow.forecast.history import ThroughputSeries, assess
from orgflow.forecast.result import (
    CONFIDENCES,
    DEFAULT_TRIALS,
    MAX_DAYS,
    ForecastResult,
    check_confidences,
)

_CHUNK_ELEMENTS = 4_000_000
"""Days x trials simulated at once: bounds memory (about 32 MB of int64) whatever the trial count."""


def seed_sequence(seed: int | None) -> np.random.SeedSequence:
    """The root of a forecast's random streams; `seed=None` draws fresh entropy (kept in the result)."""
    return np.random.SeedSequence(seed)


BLOCK_DAYS = 7.0
"""Mean length, in days, of the runs of consecutive historical days a trial replays (stationary
bootstrap). Chosen from the backtests on real histories (docs/forecasting.md): runs of about a week
keep bursts, bulk closes and quiet spells together, which independent days break apart."""


def stationary_runs(
    rng: np.random.Generator, size: int, shape: tuple[int, int], block_days: float, previous: np.ndarray | None = None
) -> np.ndarray:
    """Positions in a circular sequence of `size` days, replayed in runs of consecutive days.

    Each position continues the previous one (+1, wrapping at `size`) with probability 1 - 1/block_days
    and otherwise starts a new run at a uniform position, so run lengths are geometric with mean
    `block_days` (Politis and Romano's stationary bootstrap). `previous` holds, per row, the position
    before the first column (-1: none yet, the row starts a run); a run thus continues across calls.

    Vectorized over the whole (rows x days) array: one uniform per cell says whether a run starts
    there, one start position is drawn per run (a row's first cell always opens a run, continued from
    `previous` unless a jump was drawn there), and each cell is its run's start plus the cells since
    then: `np.repeat` of (start - first cell) over the run lengths, plus the cell number.
    """
    rows, days = shape
    if block_days <= 1:
        return rng.integers(0, size, shape)
    cells = rows * days
    index = np.int32 if cells + size < np.iinfo(np.int32).max else np.int64
    cuts = rng.random(cells) < 1.0 / block_days
    row_starts = np.arange(0, cells, days)
    continued = ~cuts[row_starts]
    if previous is not None:
        continued &= previous >= 0
    else:
        continued[:] = False
    cuts[row_starts] = True
    run_starts = np.flatnonzero(cuts)
    first_values = rng.integers(0, size, run_starts.size)
    if continued.any():
        first_runs = np.searchsorted(run_starts, row_starts[continued])
        first_values[first_runs] = previous[continued] + 1  # type: ignore[index]
    lengths = np.diff(run_starts, append=cells)
    positions = np.repeat((first_values - run_starts).astype(index), lengths)
    positions += np.arange(cells, dtype=index)
    positions %= size
    return positions.reshape(shape)


class DaySampler:
    """Draws, for each trial and simulated day, the index of a historical day to replay.

    Days are replayed in runs of consecutive historical days of mean length `block_days` (a stationary
    bootstrap; 1 = independent days), so bursts and quiet spells stay together; a run continues from
    one `draw` to the next. With `weights` (a probability per day) days are independent draws from
    that distribution. With uncertainty each trial owns a resample of the window (drawn once, by the
    same runs) and replays its days from that resample. Several teams replaying the same indices keep
    the correlation between their histories.
    """

    def __init__(
        self,
        window_days: int,
        trials: int,
        *,
        seeds: np.random.SeedSequence,
        uncertainty: bool,
        weights: np.ndarray | None = None,
        block_days: float = BLOCK_DAYS,
    ) -> None:
        if window_days < 1:
            raise ValueError("the window has no days")
        if uncertainty and weights is not None:
            raise ValueError("parameter uncertainty resamples a window of days, not a given distribution")
        boot_seeds, day_seeds = seeds.spawn(2)
        self.window_days = window_days
        self.block_days = 1.0 if weights is not None else max(1.0, float(block_days))
        self._days = np.random.default_rng(day_seeds)
        self._cumulative = None if weights is None else np.cumsum(weights / np.sum(weights))
        self._boot = (
            stationary_runs(np.random.default_rng(boot_seeds), window_days, (trials, window_days), self.block_days)
            if uncertainty
            else None
        )
        self._previous = np.full(trials, -1, dtype=np.int64)
        self.trials = trials

    def draw(self, days: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Historical day indices, shape (trials or len(rows), days), for the given trials (default all)."""
        count = self.trials if rows is None else rows.size
        if self._cumulative is not None:
            uniform = self._days.random((count, days))
            return np.minimum(np.searchsorted(self._cumulative, uniform, side="right"), self._cumulative.size - 1)
        previous = self._previous if rows is None else self._previous[rows]
        picks = stationary_runs(self._days, self.window_days, (count, days), self.block_days, previous)
        if rows is None:
            self._previous = picks[:, -1].astype(np.int64)
        else:
            self._previous[rows] = picks[:, -1]
        if self._boot is None:
            return picks
        boot = self._boot if rows is None else self._boot[rows]
        return np.take_along_axis(boot, picks, axis=1)


def count_until(
    values: np.ndarray, items: int, day: int, active: np.ndarray, totals: np.ndarray, finished_on: np.ndarray
) -> np.ndarray:
    """Add `values` (items finished per day: one row per trial in `active`, one column per day from
    `day`) to the trials' `totals`; a trial whose total reaches `items` gets that day (1 = the first
    forecast day) in `finished_on`. Returns the trials of `active` still short of `items`."""
    cumulative = np.cumsum(values, axis=1)
    cumulative += totals[active, None]
    reached = cumulative >= items
    hit = reached[:, -1]
    finished_on[active[hit]] = day + reached[hit].argmax(axis=1) + 1
    totals[active] = cumulative[:, -1]
    return active[~hit]


def simulate_when(counts: np.ndarray, items: int, sampler: DaySampler, *, max_days: int = MAX_DAYS) -> np.ndarray:
    """Per trial, the day (1 = the first forecast day) on which the `items`-th item is finished.

    Trials still short of `items` after `max_days` days get `max_days + 1`.
    """
    trials = sampler.trials
    finished_on = np.full(trials, max_days + 1, dtype=np.int64)
    totals = np.zeros(trials, dtype=np.int64)
    active = np.arange(trials)
    mean = max(float(np.mean(counts)), 1e-9)
    chunk = int(items / mean * 1.25) + 8
    day = 0
    while active.size and day < max_days:
        span = max(1, min(chunk, max_days - day, _CHUNK_ELEMENTS // active.size))
        active = count_until(counts[sampler.draw(span, active)], items, day, active, totals, finished_on)
        day += span
        chunk = max(16, chunk // 4)
    return finished_on


def simulate_how_many(counts: np.ndarray, days: int, sampler: DaySampler) -> np.ndarray:
    """Per trial, the items finished over `days` days."""
    totals = np.zeros(sampler.trials, dtype=np.int64)
    done = 0
    while done < days:
        span = max(1, min(days - done, _CHUNK_ELEMENTS // sampler.trials))
        totals += counts[sampler.draw(span)].sum(axis=1)
        done += span
    return totals


def _history(series: ThroughputSeries | np.ndarray, check: bool) -> tuple[np.ndarray, date | None, dict]:
    if isinstance(series, ThroughputSeries):
        if check:
            assess(series).require()
        return series.counts, series.end_day, dict(series.params)
    counts = np.asarray(series, dtype=np.int64)
    if check:
        assess(ThroughputSeries(date.min, counts)).require()
    return counts, None, {}


def _check_trials(trials: int) -> None:
    if trials < 1:
        raise InputError(f"trials must be at least 1 (got {trials})", field="trials")


def forecast_when(
    series: ThroughputSeries | np.ndarray,
    items: int,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    uncertainty: bool = True,
    confidences: tuple[float, ...] = CONFIDENCES,
    start: date | None = None,
    target_date: date | None = None,
    max_days: int = MAX_DAYS,
    weights: np.ndarray | None = None,
    check: bool = True,
    block_days: float = BLOCK_DAYS,
) -> ForecastResult:
    """When will `items` more items be finished: days (and dates) at each confidence, read upward.

    Args:
        series: the daily throughput history (a `ThroughputSeries`, or plain daily counts).
        items: items still to finish (at least 1).
        trials, seed, uncertainty: Monte Carlo trials, the seed, and parameter uncertainty.
        confidences: fractions in (0, 1); the row for 0.85 is the day by which 85 % of trials are done.
        start: the first forecast day (default: the day after the series ends).
        target_date: when given, the result carries the probability of finishing on or before it.
        max_days: the horizon; trials not done by then count as later than any date.
        weights: a probability per history entry instead of uniform days (no uncertainty then).
        check: refuse a history that fails the data-sufficiency verdict.
        block_days: the mean run of consecutive historical days replayed (1: independent days).

    Raises:
        InputError: items below 1, too few trials, or not enough history.
    """
    if items < 1:
        raise InputError(f"items must be at least 1 (got {items})", field="items")
    _check_trials(trials)
    check_confidences(confidences)
    counts, end_day, params = _history(series, check and weights is None)
    seeds = seed_sequence(seed)
    sampler = DaySampler(
        counts.size, trials, seeds=seeds, uncertainty=uncertainty, weights=weights, block_days=block_days
    )
    finished_on = simulate_when(counts, items, sampler, max_days=max_days)
    pmf = np.bincount(finished_on, minlength=max_days + 2).astype(np.float64) / trials
    params.update(
        items=items, trials=trials, seed=seeds.entropy, uncertainty=uncertainty, block_days=sampler.block_days
    )
    return ForecastResult(
        kind="when",
        method="monte-carlo",
        pmf=pmf[: max_days + 1],
        beyond=float(pmf[max_days + 1]),
        start=start or end_day,
        confidences=confidences,
        params=params,
        target_date=target_date,
        samples=finished_on,
    )


def forecast_how_many(
    series: ThroughputSeries | np.ndarray,
    days: int | None = None,
    *,
    by: date | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    uncertainty: bool = True,
    confidences: tuple[float, ...] = CONFIDENCES,
    start: date | None = None,
    weights: np.ndarray | None = None,
    check: bool = True,
    block_days: float = BLOCK_DAYS,
) -> ForecastResult:
    """How many items will be finished in the next `days` days (or up to `by`, inclusive), read downward.

    The row for 0.85 is the number reached or passed in 85 % of trials ("at least that many").

    Raises:
        InputError: neither or both of days/by, a date before the start, or not enough history.
    """
    _check_trials(trials)
    check_confidences(confidences)
    counts, end_day, params = _history(series, check and weights is None)
    start = start or end_day
    days = horizon_days(days, by, start)
    seeds = seed_sequence(seed)
    sampler = DaySampler(
        counts.size, trials, seeds=seeds, uncertainty=uncertainty, weights=weights, block_days=block_days
    )
    totals = simulate_how_many(counts, days, sampler)
    pmf = np.bincount(totals).astype(np.float64) / trials
    params.update(days=days, trials=trials, seed=seeds.entropy, uncertainty=uncertainty, block_days=sampler.block_days)
    return ForecastResult(
        kind="how-many",
        method="monte-carlo",
        pmf=pmf,
        beyond=0.0,
        start=start,
        confidences=confidences,
        params=params,
        samples=totals,
    )


def horizon_days(days: int | None, by: date | None, start: date | None) -> int:
    """Days from `start` to `by` inclusive, or `days` itself; exactly one of them must be given.

    Raises:
        InputError: neither or both given, or fewer than one day.
    """
    if (days is None) == (by is None):
        raise InputError("give either a number of days or a date", field="by")
    if by is not None:
        if start is None:
            raise InputError("a date needs a start date for the forecast", field="by")
        days = (by - start).days + 1
        if days < 1:
            raise InputError(f"{by} is before the forecast starts ({start})", field="by")
    assert days is not None
    if days < 1:
        raise InputError(f"days must be at least 1 (got {days})", field="days")
    return days


def day_of(start: date, days: int) -> date:
    """The calendar date of forecast day `days` (day 1 is `start`)."""
    return start + timedelta(days=days - 1)
