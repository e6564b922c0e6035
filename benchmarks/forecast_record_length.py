"""The calibration record's length and rank, compared: how often calibrated rows held under each rule.

The rules: the split-conformal level at rank ceil((n + 1) q) with records of 52, 39, 59, 79 and 45
past forecasts, and at the rank (n + 1) q interpolated between neighbouring scores with 52 and 39
(`orgflow.forecast.calibration`; docs/forecasting.md, "The record's length"). Judged like
`benchmarks.forecast_calibration_real` ("how many in 30 days" and "when N", N = about 30 days of mean
throughput; windows 30/60/90 days; a forecast every 7 days; P85 and P95; a window with fewer than 30
calibrated forecasts left out) on three sets of histories:

- real: Jira AMQ and ZOOKEEPER resolved per day, KEPs implemented (the acceptance histories);
- stationary: Poisson 0.1, 0.27 and 0.6 items a day for 16 years (no drift: only the rule's own bias);
- held-out: AMQ and ZOOKEEPER split by priority (Major, the others; resolution days read from the raw
  export) and the OpenTelemetry collector's commits per day.

Per rule and set: failures (an average over the windows more than 3 points from nominal, or a window
more than 6) and the mean distance of the averages from nominal, in points. Each forecast and its
record of up to 79 past forecasts is made once; the rules then read the same records. Several minutes.

    python -m benchmarks.forecast_record_length [--seed 1] [--trials 4000] [--sets real,stationary,held-out]

(docs/forecasting.md: `--sets real --trials 10000` for the three histories, seeds 1, 2 and 3; the
other sets at 4,000 trials, seeds 1 and 2.)
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from benchmarks import SHARED_DATA
from benchmarks.figures import Figures
from benchmarks.forecast_backtest_real import JIRA, KEP, real_histories
from benchmarks.forecast_calibration_real import ITEMS
from orgflow.forecast.calibration import (
    EPSILON,
    MIN_SCORES,
    TAIL_TRIALS,
    Adjustment,
    PastForecast,
    Question,
    adjust,
    cumulative_counts,
    median_of,
    read_row,
)
from orgflow.forecast.record import record_at, regime_change
from orgflow.forecast.replay import seeded_forecasts
from orgflow.forecast.result import at_least_for, day_for

NAME = "forecast_record_length"
OTEL = SHARED_DATA / "git" / "otel-collector.commits.csv.gz"
LONGEST = 79
CONFIDENCES = (0.85, 0.95)
RULES = (
    ("52, rank rounded up (previous)", 52, False),
    ("39, rank rounded up (exact)", 39, False),
    ("59, rank rounded up (exact)", 59, False),
    ("79, rank rounded up (exact)", 79, False),
    ("52, rank interpolated", 52, True),
    ("39, rank interpolated", 39, True),
    ("45, rank rounded up (not exact)", 45, False),
)
"""Label, record length, interpolated rank."""


@dataclass(frozen=True)
class Origin:
    """One backtest forecast: its day, the actual outcome, its trial outcomes (sorted) and its longest record."""

    day: int
    actual: int
    samples: np.ndarray
    record: list[PastForecast]


def interpolated(record: list[PastForecast], confidence: float, kind: str) -> Adjustment:
    """The level at rank (n + 1) q, interpolated between the neighbouring sorted scores (exact on
    average at any n), with the same tail rule as `orgflow.forecast.calibration.adjust`."""
    n = len(record)
    if n < MIN_SCORES or (n + 1) * confidence > n:
        return adjust(record, confidence, kind)
    scores = sorted(past.score for past in record)
    position = (n + 1) * confidence
    below = math.floor(position + 1e-9)
    fraction = max(0.0, position - below)
    low = scores[below - 1]
    kth = low + fraction * (scores[below] - low) if below < n else low
    k = below + (1 if fraction > 1e-9 else 0)
    scale = None
    if kth >= 1.0 - TAIL_TRIALS / min(past.trials for past in record):
        ratios = sorted(past.ratio for past in record)
        scale = ratios[k - 1] if kind == "when" else ratios[n - k]
    level = kth + EPSILON if kth + EPSILON < 1.0 else None
    return Adjustment(confidence, level, None, None, scale)


def collect(counts: np.ndarray, question: Question, trials: int, seed: int) -> list[Origin]:
    """Every backtest forecast of `question` (a forecast every 7 days) with its record of `LONGEST`."""
    root = np.random.SeedSequence(seed)
    forecast_at = seeded_forecasts(counts, question, trials, int(root.entropy))  # type: ignore[arg-type]
    past_at = seeded_forecasts(counts, question, 1000, int(root.entropy) + 1)  # type: ignore[arg-type]
    cumulative = cumulative_counts(counts)
    origins = []
    for day in range(question.window_days, counts.size, 7):
        actual, samples = question.actual(cumulative, day, counts.size), forecast_at(day)
        if actual is not None and samples is not None:
            origins.append(Origin(day, actual, samples, record_at(counts, day, question, past_at, length=LONGEST)))
    return origins


def coverage(
    counts: np.ndarray, question: Question, origins: list[Origin], length: int, interpolate: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per confidence: calibrated forecasts made and held with records of `length`."""
    made, held = np.zeros(len(CONFIDENCES), dtype=np.int64), np.zeros(len(CONFIDENCES), dtype=np.int64)
    kind = question.kind
    for origin in origins:
        record = origin.record[-length:]
        if len(record) < MIN_SCORES:
            continue
        if regime_change(counts, origin.day, max(0, record[0].origin - question.window_days)) is not None:
            continue
        read, median = reader(kind, origin.samples), median_of(kind, origin.samples)
        for position, confidence in enumerate(CONFIDENCES):
            adjustment = (interpolated if interpolate else adjust)(record, confidence, kind)
            if not adjustment.given:
                continue
            row = read_row(kind, [adjustment], read, median)
            made[position] += 1
            if kind == "when":
                held[position] += row is None or origin.actual <= row
            else:
                held[position] += row is not None and origin.actual >= row
    return made, held


def reader(kind: str, samples: np.ndarray) -> Callable[[float], int | None]:
    """Reads a forecast given by its trial outcomes (sorted) at one level, as the backtests do."""
    shares = np.bincount(samples) / samples.size
    if kind == "when":
        cdf = np.cumsum(shares)
        return lambda level: day_for(cdf, level)
    return lambda level: at_least_for(shares, level)


def daily(days: list[date]) -> np.ndarray:
    """Items per day from the first to the last of `days`."""
    first = min(days)
    counts = np.zeros((max(days) - first).days + 1, dtype=np.int64)
    for day in days:
        counts[(day - first).days] += 1
    return counts


def held_out() -> Iterator[tuple[str, np.ndarray, int]]:
    """AMQ and ZOOKEEPER by priority (Major, the others), resolved per day; OpenTelemetry commits per
    day; each with its "when" N, 30 days of mean throughput."""
    groups: dict[str, list[date]] = {}
    with gzip.open(JIRA, "rt") as lines:
        for line in lines:
            fields = json.loads(line)["fields"]
            if fields.get("resolutiondate"):
                major = (fields.get("priority") or {}).get("name") == "Major"
                name = f"{fields['project']['key']} {'Major' if major else 'others'}"
                resolved = datetime.strptime(fields["resolutiondate"][:10], "%Y-%m-%d").date()
                groups.setdefault(name, []).append(resolved)
    with gzip.open(OTEL, "rt") as rows:
        groups["OpenTelemetry collector"] = [
            date.fromisoformat(row["commit_date_iso"][:10]) for row in csv.DictReader(rows)
        ]
    for name, days in groups.items():
        counts = daily(days)
        yield name, counts, max(1, round(30 * float(counts.mean())))


def histories(which: str) -> Iterator[tuple[str, np.ndarray, int]]:
    """The named set's histories: name, daily counts and the "when" N."""
    if which == "real":
        for name, series in real_histories():
            yield name, series.counts, ITEMS[name]
    elif which == "stationary":
        for rate, items in ((0.1, 3), (0.27, 8), (0.6, 17)):
            yield f"Poisson {rate}", np.random.default_rng(7).poisson(rate, 16 * 365), items
    else:
        yield from held_out()


def judge(cells: dict[tuple[str, str, float], list[tuple[int, int]]]) -> tuple[int, float]:
    """Failures and mean distance from nominal (points) over the averages of `cells` (per history,
    question and confidence: (made, held) per window)."""
    failures, gaps = 0, []
    for (_, _, confidence), windows in cells.items():
        judged = [held / made for made, held in windows if made >= 30]
        if not judged:
            continue
        average = sum(judged) / len(judged)
        gaps.append(abs(average - confidence) * 100)
        failures += abs(average - confidence) > 0.03 + 1e-9 or any(abs(c - confidence) > 0.06 for c in judged)
    return failures, float(np.mean(gaps))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--sets", default="real,stationary,held-out")
    options = parser.parse_args(argv)
    figures = Figures(f"{NAME}-seed{options.seed}", f"Calibration record rules compared (seed {options.seed})")
    if not JIRA.exists() or not KEP.exists() or not OTEL.exists():
        figures.skip("the shared real-data pack is not beside the project")
        print(figures.render())
        return 0
    for which in options.sets.split(","):
        cells: dict[str, dict[tuple[str, str, float], list[tuple[int, int]]]] = {rule[0]: {} for rule in RULES}
        for name, counts, items in histories(which):
            for kind in ("how-many", "when"):
                for window in (30, 60, 90):
                    horizon, count = (30, None) if kind == "how-many" else (None, items)
                    question = Question(kind, window, horizon, count)
                    origins = collect(counts, question, options.trials, options.seed)
                    for label, length, interpolate in RULES:
                        made, held = coverage(counts, question, origins, length, interpolate)
                        for position, confidence in enumerate(CONFIDENCES):
                            key = (name, kind, confidence)
                            cells[label].setdefault(key, []).append((int(made[position]), int(held[position])))
        for label, _, _ in RULES:
            failures, gap = judge(cells[label])
            figures.add(f"{which}: {label}, failures", failures, "", f"mean gap {gap:.2f} points", headline=True)
            figures.add(f"{which}: {label}, mean gap", round(gap, 2), "points", "")
    print(figures.render())
    figures.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
