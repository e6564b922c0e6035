"""Backtests: coverage counted by hand on constant histories, calibration on a stationary series, and
the verdicts when history is short."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from orgflow.errors import InputError
from orgflow.forecast import ThroughputSeries, backtest

FIRST = date(2024, 1, 1)


def test_constant_history_every_forecast_holds_and_origins_are_counted() -> None:
    """2 items every day for 40 days; 14-day window, 5-day horizon: every forecast says 10 items at
    every confidence and 10 happen. Origins: day 14 (the window fits) to day 35 (5 days follow): 22."""
    series = ThroughputSeries(FIRST, np.full(40, 2))
    result = backtest(series, horizon_days=5, windows=(14,), seed=1, calibrated=False)
    assert [(row["confidence"], row["forecasts"], row["held"], row["coverage"]) for row in result.rows] == [
        (50, 22, 22, 1.0),
        (70, 22, 22, 1.0),
        (85, 22, 22, 1.0),
        (95, 22, 22, 1.0),
    ]
    assert result.outcomes[0] == {
        "origin": FIRST + timedelta(days=14),
        "window_days": 14,
        "p50": 10,
        "p70": 10,
        "p85": 10,
        "p95": 10,
        "actual": 10,
    }
    assert result.rows[0]["verdict"] == "too few forecasts (< 30)"


def test_when_backtest_and_a_drop_in_throughput() -> None:
    """30 days at 2 a day then 30 days at 1 a day; "when will 10 be done" from day 20 (step 10):
    day 20: forecast 5 days, actual 5 (held); day 30: forecast 5, actual 10 (missed); day 40 with a
    20-day window, half slow: forecast days straddle 5-10 while the actual is 10."""
    series = ThroughputSeries(FIRST, np.array([2] * 30 + [1] * 30))
    result = backtest(series, items=10, windows=(20,), step_days=10, since=FIRST + timedelta(days=20), seed=3)
    actual = {(row["origin"] - FIRST).days: (row["p50"], row["actual"]) for row in result.outcomes}
    assert actual[20] == (5, 5)
    assert actual[30] == (5, 10)
    assert actual[50] == (10, 10)
    assert set(actual) == {20, 30, 40, 50}


def test_stationary_series_p85_coverage_with_parameter_uncertainty() -> None:
    """Poisson(4) a day for 24,000 days, one forecast every 30 days (outcomes do not overlap), 30-day
    horizon: about 800 forecasts per window, standard error of a coverage about 0.013."""
    series = ThroughputSeries(date(1950, 1, 1), np.random.default_rng(101).poisson(4, 24_000))
    result = backtest(series, horizon_days=30, windows=(30, 90), step_days=30, seed=1, calibrated=False, block_days=1)
    for window in (30, 90):
        assert 0.82 <= result.coverage(window, 0.85) <= 0.88
        assert result.coverage(window, 0.50) == pytest.approx(0.5, abs=0.06)
    assert "30-day window: calibrated" in result.verdict
    # Plain resampling of a 30-day window is over-confident: its 85 % rows hold far less often.
    plain = backtest(
        series, horizon_days=30, windows=(30,), step_days=30, seed=1, uncertainty=False, calibrated=False, block_days=1
    )
    assert plain.coverage(30, 0.85) < 0.80
    assert "over-confident" in plain.verdict


def test_too_little_history_for_any_backtest() -> None:
    with pytest.raises(InputError, match="no past date has enough history"):
        backtest(ThroughputSeries(FIRST, np.array([1, 2, 0, 1, 3, 1, 0, 2, 1, 1])), horizon_days=5, windows=(5,))
    with pytest.raises(InputError, match="at least one day"):
        backtest(ThroughputSeries(FIRST, np.full(100, 1)), horizon_days=0)


def test_sparse_stationary_series_calibrated_coverage_is_nominal_not_cautious() -> None:
    """Poisson(0.27) a day for 16 years (8 items a month, outcomes of 0-20 items), "how many in 30 days"
    from a 90-day window, a forecast every 7 days: about 780 forecasts, no regime change of any kind. The
    forecasts are exchangeable, so the calibrated q-rows hold k / (n + 1) of the time: with the record
    of 39, q exactly (measured 0.501, 0.706, 0.853, 0.954 at 50/70/85/95 %); the record of 52 held up to
    1 / 53 more by construction (46 / 53 = 0.868 at 85 %) and measured 0.506, 0.722, 0.889, 0.961 here,
    outside the bands at 70 and 85 %. Bands of 1.5 points, about the standard error."""
    series = ThroughputSeries(date(1950, 1, 1), np.random.default_rng(7).poisson(0.27, 16 * 365))
    result = backtest(series, horizon_days=30, windows=(90,), step_days=7, trials=1000, seed=1)
    assert min(row["calibrated_forecasts"] for row in result.rows) > 700
    for row in result.rows:
        assert row["calibrated_coverage"] == pytest.approx(row["confidence"] / 100, abs=0.015)
