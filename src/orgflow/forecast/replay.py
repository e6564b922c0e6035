"""The trials of a calibration record: drawn once, replayed on the window before every past origin.

A record holds about nine months of weekly past forecasts of the same question. Simulating each afresh
would cost a Monte Carlo per past forecast; instead one set of day indices is drawn (positions in a
window of the question's length, by the same resampling as a live forecast) and replayed on each
origin's own window (common random numbers): a past forecast costs a gather, and every origin still
gets a full Monte Carlo of its own history.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from orgflow.forecast.calibration import Question, sufficient
from orgflow.forecast.montecarlo import DaySampler, count_until
from orgflow.forecast.result import MAX_DAYS

ForecastAt = Callable[[int], np.ndarray | None]
"""Trial outcomes, sorted, of the question forecast from an origin (None: not enough history there)."""


class ReplayedTrials:
    """The day indices of `trials` trials of `question`, drawn from the `entropy` seed, and the
    outcomes they give on any window of the question's length."""

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
