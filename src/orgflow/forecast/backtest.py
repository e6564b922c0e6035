"""Backtests ("reality check"): forecast from past dates with only the history known then, compare with
what happened, and report how often each confidence level held (its coverage).

From every origin day t in the range (every `step_days`), for each window length W, the forecast
uses the W days before t and nothing after. "How many in H days" holds at confidence q when the
items actually finished over [t, t + H) are at least the forecast's q row; "when will N be done"
holds when the N-th item was actually finished on or before the q row's day. A calibrated forecast
holds about q of the time: an 85 % row that holds 70 % of the time is over-confident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from orgflow.errors import InputError
from orgflow.forecast.history import ThroughputSeries, assess
from orgflow.forecast.montecarlo import DaySampler, simulate_how_many, simulate_when
from orgflow.forecast.result import CONFIDENCES, at_least_for, check_confidences, day_for
from orgflow.metrics.service import MetricResult

DEFAULT_WINDOWS = (30, 60, 90)
"""History windows compared by default, in days."""
DEFAULT_BACKTEST_TRIALS = 2_000
"""Trials per backtest forecast: many forecasts are made, each needs less precision than a live one."""
MIN_ORIGINS = 30
"""Fewer forecasts than this for a window and its coverage is not judged."""
TOLERANCE = 0.05
"""Coverage within this of the confidence counts as calibrated."""

DEFINITION = (
    "Coverage of forecasts made from past dates with only the history known then: the share of forecasts "
    "whose confidence row held (how-many: actual items >= forecast; when: actual day <= forecast)."
)


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

    def coverage(self, window_days: int, confidence: float) -> float | None:
        """The share of forecasts with that window whose `confidence` row held."""
        for row in self.rows:
            if row["window_days"] == window_days and abs(row["confidence"] - confidence * 100) < 1e-9:
                return row["coverage"]
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
) -> BacktestResult:
    """Backtest "how many in `horizon_days`" (default) or, with `items`, "when will `items` be done".

    Args:
        series: the whole daily throughput history.
        horizon_days: the how-many horizon (ignored when `items` is given).
        items: backtest "when" forecasts of this many items instead.
        windows: history windows to compare, in days.
        since, until: origins from `since` to `until` inclusive (default: the whole series where the
            window fits before and the outcome is known after).
        step_days: days between origins.
        trials, seed, uncertainty: as for live forecasts (fewer trials by default).

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
    rows, outcomes = [], []
    for window in windows:
        held = np.zeros(len(confidences), dtype=np.int64)
        made = 0
        for origin in range(max(first, window), last + 1, step_days):
            actual = _actual(counts, origin, kind, items, horizon_days)
            history = counts[origin - window : origin]
            if actual is None or not assess(ThroughputSeries(series.first_day, history)).ok:
                continue
            sampler = DaySampler(window, trials, seeds=root.spawn(1)[0], uncertainty=uncertainty)
            if kind == "when":
                finished = simulate_when(history, items or 1, sampler)
                cdf = np.cumsum(np.bincount(finished)) / trials
                forecast = [day_for(cdf, q) for q in confidences]
                hits = [value is not None and actual <= value for value in forecast]
            else:
                totals = simulate_how_many(history, horizon_days or 1, sampler)
                pmf = np.bincount(totals) / trials
                forecast = [at_least_for(pmf, q) for q in confidences]
                hits = [actual >= value for value in forecast]
            held += np.array(hits, dtype=np.int64)
            made += 1
            outcomes.append(
                {
                    "origin": series.first_day + timedelta(days=origin),
                    "window_days": window,
                    **{f"p{round(q * 100):g}": value for q, value in zip(confidences, forecast, strict=True)},
                    "actual": actual,
                }
            )
        for position, confidence in enumerate(confidences):
            coverage = float(held[position] / made) if made else None
            rows.append(
                {
                    "window_days": window,
                    "confidence": round(confidence * 100, 6),
                    "forecasts": made,
                    "held": int(held[position]),
                    "coverage": None if coverage is None else round(coverage, 4),
                    "verdict": _judge(coverage, confidence, made),
                }
            )
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
        "history_since": series.first_day.isoformat(),
        "history_until": (series.end_day - timedelta(days=1)).isoformat(),
    }
    return BacktestResult(kind, rows, outcomes, _overall(rows, whole.verdict()), params)


def _actual(counts: np.ndarray, origin: int, kind: str, items: int | None, horizon_days: int | None) -> int | None:
    """What happened from `origin`: items over the horizon, or the day the N-th item finished (None: unknown)."""
    if kind == "how-many":
        assert horizon_days is not None
        if origin + horizon_days > counts.size:
            return None
        return int(counts[origin : origin + horizon_days].sum())
    reached = np.flatnonzero(np.cumsum(counts[origin:]) >= (items or 1))
    return int(reached[0]) + 1 if reached.size else None


def _overall(rows: list[dict[str, Any]], history: str) -> str:
    """One line: the history's sufficiency and the verdict at the highest confidence of each window."""
    top = max(row["confidence"] for row in rows)
    parts = [f"{row['window_days']}-day window: {row['verdict']}" for row in rows if row["confidence"] == top]
    return f"{history}; at {top:g} %: " + ", ".join(parts)
