"""Backtests ("reality check"): forecast from past dates with only the history known then, compare with
what happened, and report how often each confidence level held (its coverage).

From every origin day t in the range (every `step_days`), for each window length W, the forecast
uses the W days before t and nothing after. "How many in H days" holds at confidence q when the
items actually finished over [t, t + H) are at least the forecast's q row; "when will N be done"
holds when the N-th item was actually finished on or before the q row's day. A calibrated forecast
holds about q of the time: an 85 % row that holds 70 % of the time is over-confident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.forecast.calibration import RECORD_TRIALS, Question, cumulative_counts, median_of, score
from orgflow.forecast.defaults import DEFAULT_BACKTEST_TRIALS, DEFAULT_WINDOWS
from orgflow.forecast.history import ThroughputSeries, assess
from orgflow.forecast.montecarlo import BLOCK_DAYS
from orgflow.forecast.record import calibrate_at
from orgflow.forecast.replay import seeded_forecasts
from orgflow.forecast.result import CONFIDENCES, at_least_for, check_confidences, day_for
from orgflow.registry import definition

MIN_ORIGINS = 30
"""Fewer forecasts than this for a window and its coverage is not judged."""
TOLERANCE = 0.05
"""Coverage within this of the confidence counts as calibrated."""

DEFINITION = definition("backtest-when", "forecast")
"""The backtests' definition (`orgflow.forecast.figures`: the same for when and how many)."""


@dataclass(frozen=True)
class BacktestResult:
    """Per window and confidence: forecasts made, how many held, coverage, and a verdict.

    `outcomes` holds one record per forecast (origin date, window, forecast per confidence, actual)
    so a chart can show forecasts against reality.
    """

    kind: str
    rows: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    verdict: str
    params: dict[str, Any] = field(default_factory=dict)

    def coverage(self, window_days: int, confidence: float, *, calibrated: bool = False) -> float | None:
        """The share of forecasts with that window whose `confidence` row held (plain or calibrated)."""
        for row in self.rows:
            if row["window_days"] == window_days and abs(row["confidence"] - confidence * 100) < 1e-9:
                return row["calibrated_coverage" if calibrated else "coverage"]
        raise KeyError((window_days, confidence))

    def metric_result(self) -> MetricResult:
        """The coverage rows as a `MetricResult` for the shared renderers."""
        schema = pa.schema(
            [
                ("window_days", pa.int64()),
                ("confidence", pa.float64()),
                ("forecasts", pa.int64()),
                ("held", pa.int64()),
                ("coverage", pa.float64()),
                ("verdict", pa.string()),
            ]
        )
        if self.rows and "calibrated_coverage" in self.rows[0]:
            schema = schema.append(pa.field("calibrated_forecasts", pa.int64()))
            schema = schema.append(pa.field("calibrated_held", pa.int64()))
            schema = schema.append(pa.field("calibrated_coverage", pa.float64()))
            schema = schema.append(pa.field("calibrated_verdict", pa.string()))
        table = pa.Table.from_pylist(self.rows, schema=schema)
        params = {**self.params, "verdict": self.verdict, "rows": table.num_rows}
        return MetricResult(f"backtest-{self.kind}", DEFINITION, params, table)


def _judge(coverage: float | None, confidence: float, forecasts: int) -> str:
    if coverage is None or forecasts < MIN_ORIGINS:
        return f"too few forecasts (< {MIN_ORIGINS})"
    if coverage < confidence - TOLERANCE:
        return "over-confident"
    if coverage > confidence + TOLERANCE:
        return "cautious"
    return "calibrated"


def backtest(
    series: ThroughputSeries,
    *,
    horizon_days: int | None = 30,
    items: int | None = None,
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
    confidences: tuple[float, ...] = CONFIDENCES,
    since: date | None = None,
    until: date | None = None,
    step_days: int = 1,
    trials: int = DEFAULT_BACKTEST_TRIALS,
    seed: int | None = None,
    uncertainty: bool = True,
    block_days: float = BLOCK_DAYS,
    calibrated: bool = True,
    record_trials: int = RECORD_TRIALS,
) -> BacktestResult:
    """Backtest "how many in `horizon_days`" (default) or, with `items`, "when will `items` be done".

    Each forecast is judged twice: as the plain Monte Carlo gives it (`coverage`) and, with
    `calibrated`, read as its own record of weekly past forecasts adjusts it
    (`calibrated_coverage`; `orgflow.forecast.calibration`, only outcomes known at the origin). A
    calibrated row that is null (no calibration can hold there) is not a forecast and is not counted.

    Args:
        series: the whole daily throughput history.
        horizon_days: the how-many horizon (ignored when `items` is given).
        items: backtest "when" forecasts of this many items instead.
        windows: history windows to compare, in days.
        since, until: origins from `since` to `until` inclusive (default: the whole series where the
            window fits before and the outcome is known after).
        step_days: days between origins.
        trials, seed, uncertainty, block_days: as for live forecasts (fewer trials by default).
        calibrated: also judge the calibrated forecasts.
        record_trials: trials of each past forecast of a record, as for live forecasts
            (`orgflow.forecast.calibration.RECORD_TRIALS`).

    Raises:
        InputError: bad parameters, or a history too short for any origin.
    """
    check_confidences(confidences)
    if step_days < 1 or trials < 1 or not windows or min(windows) < 1:
        raise InputError("step, trials and windows must be positive", field="window")
    kind = "when" if items is not None else "how-many"
    if kind == "when" and items is not None and items < 1:
        raise InputError(f"items must be at least 1 (got {items})", field="items")
    if kind == "how-many" and (horizon_days is None or horizon_days < 1):
        raise InputError("the horizon must be at least one day", field="horizon")
    whole = assess(series)
    counts = series.counts
    first = 0 if since is None else max(0, (since - series.first_day).days)
    last = series.days - 1 if until is None else min(series.days - 1, (until - series.first_day).days)
    root = np.random.SeedSequence(seed)
    cumulative = cumulative_counts(counts)
    rows, outcomes = [], []
    for window in windows:
        question = Question(kind, window, horizon_days, items, uncertainty, block_days)
        forecast_at = seeded_forecasts(counts, question, trials, int(root.entropy))  # type: ignore[arg-type]
        # The records' forecasts have trials of their own, as a live forecast's record does.
        record_at = seeded_forecasts(counts, question, record_trials, int(root.entropy) + 1)  # type: ignore[arg-type]
        held = np.zeros(len(confidences), dtype=np.int64)
        calibrated_held = np.zeros(len(confidences), dtype=np.int64)
        calibrated_made = np.zeros(len(confidences), dtype=np.int64)
        made = 0
        for origin in range(max(first, window), last + 1, step_days):
            actual = question.actual(cumulative, origin, counts.size)
            samples = forecast_at(origin)
            if actual is None or samples is None:
                continue
            outcome_score = score(kind, samples, actual)
            forecast = _read(kind, samples, trials, confidences)
            hits = [outcome_score < q - _TOLERANCE for q in confidences]
            held += np.array(hits, dtype=np.int64)
            made += 1
            record: dict[str, Any] = {
                "origin": series.first_day + timedelta(days=origin),
                "window_days": window,
                **{_key(q): value for q, value in zip(confidences, forecast, strict=True)},
                "actual": actual,
            }
            if calibrated:
                calibration = calibrate_at(counts, origin, question, confidences, record_at)
                median = median_of(kind, samples)
                read = _reader(kind, samples, trials)
                values = [calibration.row(q, read, median) for q in confidences]
                for position, (q, value) in enumerate(zip(confidences, values, strict=True)):
                    if calibration.adjustment(q).given:
                        calibrated_made[position] += 1
                        calibrated_held[position] += _holds(kind, value, actual)
                record.update({f"calibrated_{_key(q)}": value for q, value in zip(confidences, values, strict=True)})
            outcomes.append(record)
        for position, confidence in enumerate(confidences):
            coverage = float(held[position] / made) if made else None
            row = {
                "window_days": window,
                "confidence": round(confidence * 100, 6),
                "forecasts": made,
                "held": int(held[position]),
                "coverage": None if coverage is None else round(coverage, 4),
                "verdict": _judge(coverage, confidence, made),
            }
            if calibrated:
                count = int(calibrated_made[position])
                share = float(calibrated_held[position] / count) if count else None
                row.update(
                    calibrated_forecasts=count,
                    calibrated_held=int(calibrated_held[position]),
                    calibrated_coverage=None if share is None else round(share, 4),
                    calibrated_verdict=_judge(share, confidence, count),
                )
            rows.append(row)
    if not outcomes:
        raise InputError(
            f"no past date has enough history before it and a known outcome after it ({whole.verdict()})",
            field="window",
            hint="backtest a longer history, a shorter window or a shorter horizon",
        )
    params = {
        **series.params,
        "kind": kind,
        "horizon_days": horizon_days if kind == "how-many" else None,
        "items": items,
        "windows": list(windows),
        "step_days": step_days,
        "trials": trials,
        "seed": root.entropy,
        "uncertainty": uncertainty,
        "block_days": block_days,
        "calibrated": calibrated,
        "record_trials": record_trials if calibrated else None,
        "history_since": series.first_day.isoformat(),
        "history_until": (series.end_day - timedelta(days=1)).isoformat(),
    }
    return BacktestResult(kind, rows, outcomes, _overall(rows, whole.verdict()), params)


_TOLERANCE = 1e-9
"""As in `orgflow.forecast.result`: a share of trials equal to the level counts as reaching it."""


def _key(confidence: float) -> str:
    return f"p{round(confidence * 100):g}"


def _reader(kind: str, samples: np.ndarray, trials: int) -> Callable[[float], int | None]:
    """Reads a forecast given by its trial outcomes at one level."""
    return lambda level: _read(kind, samples, trials, (level,))[0]


def _holds(kind: str, row: int | None, actual: int) -> bool:
    """Whether a row held: the actual day on or before it ("when"; None, beyond the horizon, always
    holds for a known outcome) or at least its items ("how-many")."""
    if kind == "when":
        return row is None or actual <= row
    return row is not None and actual >= row


def _read(kind: str, samples: np.ndarray, trials: int, levels: tuple[float, ...]) -> list[int | None]:
    """The rows of a forecast given by its trial outcomes, at each level."""
    if kind == "when":
        cdf = np.cumsum(np.bincount(samples)) / trials
        return [day_for(cdf, q) for q in levels]
    pmf = np.bincount(samples) / trials
    return [at_least_for(pmf, q) for q in levels]


def _overall(rows: list[dict[str, Any]], history: str) -> str:
    """One line: the history's sufficiency and the verdict at the highest confidence of each window."""
    top = max(row["confidence"] for row in rows)
    parts = [
        f"{row['window_days']}-day window: {row['verdict']}"
        + (f" (calibrated: {row['calibrated_verdict']})" if "calibrated_verdict" in row else "")
        for row in rows
        if row["confidence"] == top
    ]
    return f"{history}; at {top:g} %: " + ", ".join(parts)
