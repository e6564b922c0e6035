"""Forecast timings: the exact convolution, a 10,000-trial team forecast, and a 50-team plan.

Targets (issue 6): exact <= 20 ms; a 10k-trial team forecast <= 100 ms; 50 teams / 1,000 items /
10k trials <= 5 s. Each figure is the median of several runs (the machine is shared: the median
counts the waits for a core, the best run would hide them); the note gives the best and the CPU time.
The calibration step of a live forecast (its record of weekly past forecasts, two years of history)
is timed on its own.

    python -m benchmarks.forecast_bench [--runs 7]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from benchmarks.figures import Figures, peak_rss_mb, timed
from orgflow.forecast import ThroughputSeries, exact_when, forecast_how_many, forecast_plan, forecast_when
from orgflow.forecast.calibrate import calibrate
from orgflow.forecast.plan_file import Initiative, Plan

NAME = "forecast_bench"
START = date(2025, 1, 1)


def measure(call: Callable[[], object], runs: int) -> tuple[float, str]:
    """The median wall time of `runs` calls, in seconds, and a note with the best run and the median CPU time."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = time.process_time()
        walls.append(timed(call)[1])
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), f"best {min(walls):.3f} s, CPU {statistics.median(cpus):.3f} s"


def big_plan(teams: int = 50, initiatives: int = 40, teams_each: int = 5, items_each: int = 5) -> Plan:
    """40 initiatives x 5 teams x 5 items = 1,000 items; initiative i depends on i - 5; 10 % scope growth."""
    rng = np.random.default_rng(0)
    entries = []
    for number in range(initiatives):
        chosen = rng.choice(teams, size=teams_each, replace=False)
        entries.append(
            Initiative(
                name=f"I{number:02d}",
                items_by_team={f"team-{k:02d}": items_each for k in sorted(chosen)},
                priority=float(number),
                depends_on=(f"I{number - 5:02d}",) if number >= 5 else (),
                target=START + timedelta(days=60 + number),
                scope_growth=(0.0, 0.2),
            )
        )
    return Plan(tuple(entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args(argv).runs
    figures = Figures(NAME, "Forecasts: exact convolution, Monte Carlo team forecast, 50-team plan")

    def add(label: str, call: Callable[[], object], target: str, *, repeat: int = runs, headline: bool = False) -> None:
        seconds, note = measure(call, repeat)
        figures.seconds(label, seconds, f"target {target}; median of {repeat}, {note}", headline=headline)

    pmf = np.array([math.exp(-1.5 + k * math.log(1.5) - math.lgamma(k + 1)) for k in range(40)])
    pmf /= pmf.sum()
    add("exact 'when 500' at Poisson(1.5)", lambda: exact_when(pmf, 500), "<= 0.020 s", headline=True)
    short = ThroughputSeries(START, np.random.default_rng(1).poisson(1.5, 90))
    add("exact 'when 60' from a 90-day history", lambda: exact_when(short, 60), "<= 0.020 s")
    history = ThroughputSeries(START - timedelta(days=90), np.random.default_rng(2).poisson(1.5, 90))
    add(
        "10k-trial 'when 60', uncertainty on",
        lambda: forecast_when(history, 60, trials=10_000, seed=1),
        "<= 0.100 s",
        headline=True,
    )
    add(
        "10k-trial 'when 60', uncertainty off",
        lambda: forecast_when(history, 60, trials=10_000, seed=1, uncertainty=False),
        "<= 0.100 s",
    )
    add("10k-trial 'how many in 30 days'", lambda: forecast_how_many(history, 30, trials=10_000, seed=1), "<= 0.100 s")
    counts = np.random.default_rng(5).poisson(1.5, 730)
    two_years = ThroughputSeries(START - timedelta(days=90), counts[-90:], past=counts[:-90])
    when = forecast_when(two_years, 60, trials=10_000, seed=1)
    how_many = forecast_how_many(two_years, 30, trials=10_000, seed=1)
    add("calibration of 'when 60' (two years of history)", lambda: calibrate(when, two_years), "none")
    add("calibration of 'how many in 30 days'", lambda: calibrate(how_many, two_years), "none")
    rng = np.random.default_rng(3)
    series = {
        f"team-{k:02d}": ThroughputSeries(START - timedelta(days=90), rng.poisson(rng.uniform(0.5, 3.0), 90))
        for k in range(50)
    }
    plan = big_plan()
    result = forecast_plan(plan, series, trials=10_000, seed=1)
    add(
        "plan: 50 teams, 1,000 items, 40 initiatives, 10k trials",
        lambda: forecast_plan(plan, series, trials=10_000, seed=1),
        "<= 5 s",
        repeat=max(3, runs // 2),
        headline=True,
    )
    figures.add("plan horizon simulated", result.horizon_days, "days")
    figures.add("peak RSS", peak_rss_mb(), "MB")
    print(figures.render())
    figures.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
