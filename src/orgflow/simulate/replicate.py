"""Replications of a network and their figures: means with confidence intervals, paired comparisons.

Replication r of every network run with the same seed draws the same numbers for the same (team,
flow type, stage) (`orgflow.simulate.streams`), so a baseline and a scenario are compared pair by
pair: the difference of each figure is taken inside each replication and its mean gets a Student-t
interval over replications (common random numbers make these intervals far narrower than those of
two independent runs).

Replications can run in several processes (`processes`); the result does not depend on how many.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from orgflow.simulate.checks import StationLoad, check_network
from orgflow.simulate.engine import run_replication
from orgflow.simulate.network import Network
from orgflow.simulate.run_settings import RunSettings
from orgflow.simulate.summary import Key, summarize

Progress = Callable[[int, int, str], object]
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Replications:
    """The figures of every replication (one dict per replication, same keys) and the station loads."""

    network: Network
    settings: RunSettings
    figures: list[dict[Key, float]]
    loads: list[StationLoad] = field(default_factory=list)
    services: int = 0

    def values(self, key: Key) -> np.ndarray:
        """One figure across replications (nan where a replication has none)."""
        return np.array([figures.get(key, math.nan) for figures in self.figures], dtype=float)

    def figure_keys(self) -> list[Key]:
        """Every figure's key, in a stable order."""
        return sorted({key for figures in self.figures for key in figures})

    def estimate(self, key: Key) -> tuple[float, float]:
        """(mean, half-width of its 95 % interval) of one figure over replications."""
        return mean_interval(self.values(key))


def _one(arguments: tuple[Network, int, int, float, float]) -> tuple[dict[Key, float], int]:
    network, seed, replication, horizon, warmup = arguments
    record = run_replication(network, seed=seed, replication=replication, horizon=warmup + horizon)
    return summarize(record, network, warmup=warmup), record.services


def replicate(network: Network, settings: RunSettings, *, on_progress: Progress | None = None) -> Replications:
    """Run `settings.replications` replications of `network` (checked first: `check_network`).

    Raises:
        NetworkProblem: the network cannot run (see `check_network`).
    """
    loads = check_network(network)
    progress = on_progress or (lambda done, total, what: None)
    jobs = [
        (network, settings.seed, replication, settings.horizon_days, settings.warmup_days)
        for replication in range(settings.replications)
    ]
    results: list[tuple[dict[Key, float], int]] = []
    progress(0, len(jobs), "replications")
    if settings.processes > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=settings.processes) as pool:
            for result in pool.map(_one, jobs):
                results.append(result)
                progress(len(results), len(jobs), "replications")
    else:
        for job in jobs:
            results.append(_one(job))
            progress(len(results), len(jobs), "replications")
    return Replications(network, settings, [figures for figures, _ in results], loads, sum(n for _, n in results))


def mean_interval(values: np.ndarray) -> tuple[float, float]:
    """(mean, half-width of the 95 % Student-t interval) of `values`, nan ignored; (nan, nan) if empty."""
    kept = values[~np.isnan(values)]
    if kept.size == 0:
        return math.nan, math.nan
    if kept.size == 1:
        return float(kept[0]), math.nan
    half = _t_quantile(kept.size - 1) * float(kept.std(ddof=1)) / math.sqrt(kept.size)
    return float(kept.mean()), half


def _t_quantile(freedom: int) -> float:
    """The 97.5 % quantile of Student's t with `freedom` degrees (Cornish-Fisher series; < 0.1 % off from 3 up)."""
    z = 1.959963984540054
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    if freedom == 1:
        return 12.706204736174698
    if freedom == 2:
        return 4.302652729749464
    n = float(freedom)
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


@dataclass(frozen=True)
class Difference:
    """A figure in the baseline and the scenario, their paired difference and its 95 % interval."""

    scope: str
    subject: str
    stage: str
    figure: str
    baseline: float
    scenario: float
    difference: float
    low: float
    high: float

    def as_row(self) -> dict[str, object]:
        """The difference as a plain dict (None for an unknown figure)."""
        return {
            name: (None if isinstance(value, float) and math.isnan(value) else value)
            for name, value in self.__dict__.items()
        }


def compare(baseline: Replications, scenario: Replications) -> list[Difference]:
    """Paired differences (scenario − baseline) of every figure both runs have."""
    shared = [key for key in baseline.figure_keys() if key in set(scenario.figure_keys())]
    rows = []
    for key in shared:
        before, after = baseline.values(key), scenario.values(key)
        mean, half = mean_interval(after - before)
        rows.append(
            Difference(
                *key,
                baseline=float(np.nanmean(before)) if np.isfinite(before).any() else math.nan,
                scenario=float(np.nanmean(after)) if np.isfinite(after).any() else math.nan,
                difference=mean,
                low=mean - half,
                high=mean + half,
            )
        )
    return rows
