"""The calibration step of a live forecast: its record of weekly past forecasts, and the levels it reads.

    raw = forecast_when(series, 40, seed=1)      # the plain Monte Carlo
    result = calibrate(raw, series)              # the same trials, read at the adjusted levels

The record is made from the history known on the forecast date (`ThroughputSeries.past` and the
window), with the same window length, resampling and question as the forecast; see
`orgflow.forecast.calibration` for the rule and `orgflow.forecast.record` for the record.
"""

from __future__ import annotations

import dataclasses

from orgflow.forecast.calibration import RECORD_TRIALS, Calibration, Question
from orgflow.forecast.history import ThroughputSeries
from orgflow.forecast.record import calibrate_at
from orgflow.forecast.replay import seeded_forecasts
from orgflow.forecast.result import ForecastResult


def question_of(result: ForecastResult, window_days: int) -> Question:
    """The question a Monte Carlo result answered, for a record of the same forecasts."""
    params = result.params
    return Question(
        result.kind,
        window_days,
        horizon_days=params.get("days") if result.kind == "how-many" else None,
        items=params.get("items") if result.kind == "when" else None,
        uncertainty=bool(params.get("uncertainty", True)),
        block_days=float(params.get("block_days", 1.0)),
    )


def series_calibration(
    series: ThroughputSeries, question: Question, confidences: tuple[float, ...], *, trials: int = RECORD_TRIALS
) -> Calibration:
    """The calibration of a forecast from `series` (its window and the history before it)."""
    counts = series.history()
    # The record's own fixed seeds: the same history gives the same record, whatever the forecast's seed.
    forecast_at = seeded_forecasts(counts, question, trials, question.window_days)
    return calibrate_at(counts, counts.size, question, confidences, forecast_at)


def calibrate(result: ForecastResult, series: ThroughputSeries, *, trials: int = RECORD_TRIALS) -> ForecastResult:
    """`result` with its calibration: rows read at the levels the record adjusts them to, null with a
    reason where no calibration can hold. The Monte Carlo itself is unchanged (`result.pmf`).

    Raises:
        ValueError: an exact result (it has no resampling to calibrate).
    """
    if result.method != "monte-carlo":
        raise ValueError("only Monte Carlo forecasts are calibrated")
    calibration = series_calibration(series, question_of(result, series.days), result.confidences, trials=trials)
    return dataclasses.replace(result, calibration=calibration)
