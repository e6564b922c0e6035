"""Forecast timings: the exact convolution, a 10,000-trial team forecast, and a 50-team plan.

Targets (issue 6): exact <= 20 ms; a 10k-trial team forecast <= 100 ms; 50 teams / 1,000 items /
10k trials <= 5 s. Each figure is the best of a few runs (the machine is shared).

    python -m benchmarks.forecast_bench [--runs 3]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from benchmarks.figures import Figures, peak_rss_mb, timed
from orgflow.forecast import ThroughputSeries, exact_when, forecast_how_many, forecast_plan, forecast_when
from orgflow.forecast.plan_file import Initiative, Plan

NAME = "forecast_bench"
START = date(2025, 1, 1)


def best(call: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` timed calls, in seconds."""
    return min(timed(call)[1] for _ in range(runs))


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
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args(argv).runs
    figures = Figures(NAME, "Forecasts: exact convolution, Monte Carlo team forecast, 50-team plan")
    pmf = np.array([math.exp(-1.5 + k * math.log(1.5) - math.lgamma(k + 1)) for k in range(40)])
    pmf /= pmf.sum()
    seconds = best(lambda: exact_when(pmf, 500), runs)
    figures.seconds("exact 'when 500' at Poisson(1.5)", seconds, "target <= 0.020 s", headline=True)
    seconds = best(lambda: exact_when(ThroughputSeries(START, np.random.default_rng(1).poisson(1.5, 90)), 60), runs)
    figures.seconds("exact 'when 60' from a 90-day history", seconds, "target <= 0.020 s")
    history = ThroughputSeries(START - timedelta(days=90), np.random.default_rng(2).poisson(1.5, 90))
    seconds = best(lambda: forecast_when(history, 60, trials=10_000, seed=1), runs)
    figures.seconds("10k-trial 'when 60', uncertainty on", seconds, "target <= 0.100 s", headline=True)
    seconds = best(lambda: forecast_when(history, 60, trials=10_000, seed=1, uncertainty=False), runs)
    figures.seconds("10k-trial 'when 60', uncertainty off", seconds, "target <= 0.100 s")
    seconds = best(lambda: forecast_how_many(history, 30, trials=10_000, seed=1), runs)
    figures.seconds("10k-trial 'how many in 30 days'", seconds, "target <= 0.100 s")
    rng = np.random.default_rng(3)
    series = {
        f"team-{k:02d}": ThroughputSeries(START - timedelta(days=90), rng.poisson(rng.uniform(0.5, 3.0), 90))
        for k in range(50)
    }
    plan = big_plan()
    result, seconds = timed(lambda: forecast_plan(plan, series, trials=10_000, seed=1))
    seconds = min(seconds, best(lambda: forecast_plan(plan, series, trials=10_000, seed=1), max(1, runs - 1)))
    figures.seconds("plan: 50 teams, 1,000 items, 40 initiatives, 10k trials", seconds, "target <= 5 s", headline=True)
    figures.add("plan horizon simulated", result.horizon_days, "days")
    figures.add("peak RSS", peak_rss_mb(), "MB")
    print(figures.render())
    figures.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
