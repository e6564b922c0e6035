"""Service-time and inter-arrival distributions, sampled by inverse CDF from uniform variates.

Every distribution turns uniforms in [0, 1) into days with its inverse CDF (`sample`). Sampling by
inverse CDF is what makes common random numbers work: a scenario that speeds a stage up scales the
same draws (an item that was slow there stays slow, only less so), so the difference between a
baseline and a scenario carries little noise of its own.

Kinds:
- ``exponential``: mean `mean` days (`-mean * ln(1 - u)`).
- ``deterministic``: always `mean` days.
- ``empirical``: a sample of observed days; the inverse CDF picks the order statistic
  ``sorted[floor(u * n)]`` (resampling the observations, each with weight 1/n).
- ``quantiles``: evenly spaced quantiles q_0 … q_k of a distribution (q_0 the minimum, q_k the
  maximum); the inverse CDF interpolates linearly between them.

The calibrated model stores observed times as 100 order statistics (`summary_sample`), short enough
to read and edit.

`scale` multiplies every draw: a stage made twice as fast has scale 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

KINDS = ("exponential", "deterministic", "empirical", "quantiles")


@dataclass(frozen=True)
class Distribution:
    """A distribution of durations in days (see the module docstring for the kinds).

    Attributes:
        kind: one of `KINDS`.
        mean: the mean (exponential) or the constant (deterministic); unused otherwise.
        values: the observations (empirical) or the quantile points (quantiles), in days.
        scale: multiplier on every draw (1: as given).
    """

    kind: str
    mean: float = 0.0
    values: tuple[float, ...] = ()
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown distribution kind {self.kind!r}")

    def scaled(self, factor: float) -> Distribution:
        """The same distribution with every draw multiplied by `factor`."""
        return replace(self, scale=self.scale * factor)

    def expected(self) -> float:
        """The mean of the distribution, in days."""
        if self.kind in ("exponential", "deterministic"):
            return self.mean * self.scale
        points = np.asarray(self.values, dtype=float)
        if points.size == 0:
            return 0.0
        if self.kind == "empirical":
            return float(points.mean()) * self.scale
        # Piecewise-linear inverse CDF on equal probability steps: the mean of each step's two ends.
        return float((points[:-1] + points[1:]).mean() / 2) * self.scale if points.size > 1 else float(points[0])

    def sample(self, uniforms: np.ndarray) -> np.ndarray:
        """Days for each uniform in `uniforms` (any shape), by inverse CDF."""
        if self.kind == "exponential":
            days = -self.mean * np.log1p(-uniforms)
        elif self.kind == "deterministic":
            days = np.full(np.shape(uniforms), self.mean, dtype=float)
        elif self.kind == "empirical":
            ordered = np.sort(np.asarray(self.values, dtype=float))
            index = np.minimum((uniforms * ordered.size).astype(np.int64), ordered.size - 1)
            days = ordered[index]
        else:
            points = np.asarray(self.values, dtype=float)
            grid = np.linspace(0.0, 1.0, points.size)
            days = np.interp(uniforms, grid, points)
        return days * self.scale if self.scale != 1.0 else days


def exponential(mean: float) -> Distribution:
    """Exponential durations with this mean (days)."""
    return Distribution("exponential", mean=float(mean))


def deterministic(days: float) -> Distribution:
    """A constant duration (days)."""
    return Distribution("deterministic", mean=float(days))


def empirical(days: np.ndarray | list[float] | tuple[float, ...]) -> Distribution:
    """Resampled observations (days)."""
    return Distribution("empirical", values=tuple(float(value) for value in np.sort(np.asarray(days, dtype=float))))


def summary_sample(days: np.ndarray, points: int = 100) -> Distribution:
    """An ``empirical`` distribution of `points` order statistics standing for the observations `days`:
    the quantiles at the middle of `points` equal slices of probability, (i + 0.5) / points (numpy's
    linear interpolation), rounded to 1e-4 day (9 s). Each stands for an equal share, so the mean and
    the spread of the observations are kept (interpolating up to the maximum would inflate the tail);
    a sample of `points` or fewer is kept whole."""
    observed = np.sort(np.asarray(days, dtype=float))
    if observed.size > points:
        observed = np.quantile(observed, (np.arange(points) + 0.5) / points)
    return Distribution("empirical", values=tuple(round(float(value), 4) for value in observed))
