"""Forecast oracles: Poisson(1.5/day) throughput, exact convolution against closed forms, Monte Carlo
against the exact answer, seeds, and what parameter uncertainty does to the spread.

The sum of d independent Poisson(1.5) days is Poisson(1.5 d), so "when will 500 be done" has the closed
form P(done by day d) = P(Poisson(1.5 d) >= 500): the first days reaching 50/70/85/95 % are 334, 341,
349 and 359 (P = 0.5238, 0.7003, 0.8531, 0.9549; the day before each is below). "How many in 60 days"
is Poisson(90), whose largest counts reached with those probabilities are 90, 85, 80 and 75.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from orgflow.errors import InputError
from orgflow.forecast import (
    ThroughputSeries,
    daily_pmf,
    exact_how_many,
    exact_when,
    forecast_how_many,
    forecast_when,
)


def poisson_pmf(rate: float, size: int = 40) -> np.ndarray:
    """P(k) for k < size, from the closed form (the tail beyond 40 is below 1e-30 at rate 1.5)."""
    return np.array([math.exp(-rate + k * math.log(rate) - math.lgamma(k + 1)) for k in range(size)])


def poisson_at_least(rate: float, count: int) -> float:
    """P(Poisson(rate) >= count), summing the closed form."""
    return 1.0 - sum(math.exp(-rate + k * math.log(rate) - math.lgamma(k + 1)) for k in range(count))


PMF = poisson_pmf(1.5)


def test_exact_when_500_matches_the_oracle() -> None:
    result = exact_when(PMF / PMF.sum(), 500)
    assert result.values() == (334, 341, 349, 359)
    assert result.kind == "when" and result.method == "exact"


def test_exact_when_distribution_equals_the_poisson_closed_form() -> None:
    cdf = np.cumsum(exact_when(PMF / PMF.sum(), 500).pmf)
    for day in (300, 334, 341, 349, 359, 380):
        assert cdf[day] == pytest.approx(poisson_at_least(1.5 * day, 500), abs=1e-9)


def test_exact_how_many_in_60_days_matches_the_oracle() -> None:
    result = exact_how_many(PMF / PMF.sum(), 60)
    assert result.values() == (90, 85, 80, 75)
    for count in (75, 80, 85, 90, 91):
        assert result.probability_at_least(count) == pytest.approx(poisson_at_least(90, count), abs=1e-9)


def test_monte_carlo_sampling_the_poisson_matches_exact_within_a_day() -> None:
    values = np.arange(PMF.size)
    when = forecast_when(values, 500, weights=PMF, trials=100_000, seed=6, uncertainty=False)
    for simulated, exact in zip(when.values(), (334, 341, 349, 359), strict=True):
        assert abs(simulated - exact) <= 1
    many = forecast_how_many(values, 60, weights=PMF, trials=100_000, seed=6, uncertainty=False)
    for simulated, exact in zip(many.values(), (90, 85, 80, 75), strict=True):
        assert abs(simulated - exact) <= 1


def test_monte_carlo_on_a_history_matches_exact_convolution_of_that_history() -> None:
    history = ThroughputSeries(date(2024, 1, 1), np.random.default_rng(2).poisson(1.5, 90))
    exact = exact_when(history, 120)
    # Independent days (block_days=1) are what the convolution assumes.
    simulated = forecast_when(history, 120, trials=100_000, seed=3, uncertainty=False, block_days=1)
    assert all(abs(a - b) <= 1 for a, b in zip(simulated.values(), exact.values(), strict=True))
    exact_many = exact_how_many(history, 45)
    simulated_many = forecast_how_many(history, 45, trials=100_000, seed=3, uncertainty=False, block_days=1)
    assert all(abs(a - b) <= 1 for a, b in zip(simulated_many.values(), exact_many.values(), strict=True))
    # The exact daily distribution is the history's share of days with each count.
    assert daily_pmf(history) == pytest.approx(np.bincount(history.counts) / 90)


def test_a_fixed_seed_gives_identical_output() -> None:
    history = np.random.default_rng(4).poisson(2.0, 60)
    first = forecast_when(history, 80, seed=11)
    again = forecast_when(history, 80, seed=11)
    assert first.rows() == again.rows()
    assert np.array_equal(first.samples, again.samples)
    assert not np.array_equal(forecast_when(history, 80, seed=12).samples, first.samples)
    assert forecast_how_many(history, 30, seed=5).rows() == forecast_how_many(history, 30, seed=5).rows()
    assert first.params["seed"] == 11


def test_reading_directions_and_dates() -> None:
    history = ThroughputSeries(date(2024, 3, 1), np.random.default_rng(8).poisson(1.5, 30))
    when = forecast_when(history, 20, seed=1, target_date=date(2024, 4, 14))
    days = [row["days"] for row in when.rows()]
    assert days == sorted(days)  # upward: more confidence, later
    assert when.start == date(2024, 3, 31)  # the day after the history
    assert when.rows()[0]["date"] == date(2024, 3, 30) + timedelta(days=days[0])
    assert when.rows()[0]["confidence"] == 50
    # P(done by 2024-04-14) = share of trials done on forecast day 15 (03-31 is day 1) or before.
    in_time = np.mean(when.samples <= 15)
    assert 0 < in_time < 1
    assert when.probability_by(date(2024, 4, 14)) == pytest.approx(in_time)
    assert when.metric_result().params["probability"] == pytest.approx(in_time)
    many = forecast_how_many(history, by=date(2024, 4, 29), seed=1)
    assert many.params["days"] == 30
    items = [row["items"] for row in many.rows()]
    assert items == sorted(items, reverse=True)  # downward: more confidence, fewer items
    # 85 % reads "at least": at least 85 % of the trials finished that many or more, not one more.
    p85 = many.value_at(0.85)
    assert np.mean(many.samples >= p85) >= 0.85 > np.mean(many.samples >= p85 + 1)


def test_parameter_uncertainty_adds_the_variance_of_the_window_mean() -> None:
    """Items over H days when each trial resamples the W-day window first: by total variance,
    Var = H sigma^2 (W - 1) / W + H^2 sigma^2 / W (sigma^2 the window's population variance); the
    mean stays H x the window mean. Without uncertainty, Var = H sigma^2."""
    window = np.array([0, 3, 1, 0, 2, 5, 1, 0, 0, 4, 2, 1, 0, 6, 1, 2, 0, 3, 1, 2])
    width, horizon = window.size, 40
    sigma2 = window.var()
    options = {"trials": 200_000, "seed": 9, "check": False, "block_days": 1}
    plain = forecast_how_many(window, horizon, uncertainty=False, **options)
    resampled = forecast_how_many(window, horizon, uncertainty=True, **options)
    assert plain.samples.mean() == pytest.approx(horizon * window.mean(), rel=0.01)
    assert resampled.samples.mean() == pytest.approx(horizon * window.mean(), rel=0.01)
    assert plain.samples.var() == pytest.approx(horizon * sigma2, rel=0.03)
    expected = horizon * sigma2 * (width - 1) / width + horizon**2 * sigma2 / width
    assert resampled.samples.var() == pytest.approx(expected, rel=0.03)


def test_too_little_history_is_a_verdict_not_a_forecast() -> None:
    with pytest.raises(InputError, match="not enough history") as caught:
        forecast_when(ThroughputSeries(date(2024, 1, 1), np.array([1, 0, 2])), 10)
    assert "fewer than 14 days" in str(caught.value)
    sparse = ThroughputSeries(date(2024, 1, 1), np.array([0] * 85 + [1, 0, 1, 0, 1]))
    with pytest.raises(InputError, match="fewer than 10 finished items"):
        exact_when(sparse, 10)
    bulk = ThroughputSeries(date(2024, 1, 1), np.array([0] * 89 + [30]))
    with pytest.raises(InputError, match="days with a finished item"):
        forecast_how_many(bulk, 10)


def test_bad_parameters() -> None:
    history = np.random.default_rng(1).poisson(2.0, 60)
    with pytest.raises(InputError, match="items must be at least 1"):
        forecast_when(history, 0)
    with pytest.raises(InputError, match="either a number of days or a date"):
        forecast_how_many(history)
    with pytest.raises(InputError, match="before the forecast starts"):
        forecast_how_many(ThroughputSeries(date(2024, 1, 1), history), by=date(2024, 1, 5))
    with pytest.raises(InputError, match="confidence"):
        forecast_when(history, 5, confidences=(0.5, 1.2))
