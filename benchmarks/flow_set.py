"""The complete flow set, timed: preparation (item facts) then every flow metric of `FlowService`.

`flow_1m` and `jam_20k` time the same list, so their figures compare.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from benchmarks.figures import Figures

if TYPE_CHECKING:
    # Only for annotations: a benchmark may time the import of the metrics layer (ibis) itself.
    from orgflow.flow.service import FlowService, MetricResult

T = TypeVar("T")


@dataclass(frozen=True)
class MetricTiming:
    """One metric of the set: its label, wall-clock and CPU seconds (all threads), and result rows."""

    label: str
    seconds: float
    cpu_seconds: float
    rows: int


@dataclass
class FlowSetTimings:
    """Seconds of the preparation and of each metric, with the results (for comparisons)."""

    preparation_seconds: float
    preparation_cpu_seconds: float
    metrics: list[MetricTiming] = field(default_factory=list)
    results: dict[str, MetricResult] = field(default_factory=dict)

    @property
    def metrics_seconds(self) -> float:
        return sum(metric.seconds for metric in self.metrics)

    @property
    def total_seconds(self) -> float:
        """Preparation plus every metric."""
        return self.preparation_seconds + self.metrics_seconds

    @property
    def total_cpu_seconds(self) -> float:
        return self.preparation_cpu_seconds + sum(metric.cpu_seconds for metric in self.metrics)

    def add_to(self, figures: Figures, *, target_seconds: float | None = None) -> None:
        """Append the preparation, each metric (CPU seconds and rows in the note) and the total."""
        figures.seconds(
            "prepare (lookups, item facts, intervals)",
            self.preparation_seconds,
            f"cpu {self.preparation_cpu_seconds:.2f} s",
            headline=True,
        )
        for metric in self.metrics:
            figures.seconds(metric.label, metric.seconds, f"cpu {metric.cpu_seconds:.2f} s; {metric.rows:,} rows")
        target = f"; target <= {target_seconds:g} s" if target_seconds is not None else ""
        figures.seconds(
            "flow set total (prepare + metrics)",
            self.total_seconds,
            f"cpu {self.total_cpu_seconds:.2f} s{target}",
            headline=True,
        )

    def as_details(self) -> list[dict[str, object]]:
        """Per-step seconds, CPU seconds and rows, for the JSON details."""
        steps: list[dict[str, object]] = [
            {"step": "prepare", "seconds": self.preparation_seconds, "cpu_seconds": self.preparation_cpu_seconds}
        ]
        steps.extend(
            {"step": metric.label, "seconds": metric.seconds, "cpu_seconds": metric.cpu_seconds, "rows": metric.rows}
            for metric in self.metrics
        )
        return steps


def run_flow_set(
    service: FlowService, *, cfd_since: date | None = None, cfd_until: date | None = None
) -> FlowSetTimings:
    """Time preparation and then summary by team, cycle time, lead time, weekly throughput, daily WIP,
    CFD, age, efficiency, distribution and stages, each once, in that order.

    `cfd_since` and `cfd_until` bound the CFD only (a comparison with another tool needs its range);
    every other metric uses its default window (the whole history up to the service's `now`).
    """
    # items_table() builds the lookups and takes the stored facts (or builds the facts for `now` as
    # temporary tables when they cannot serve), and nothing more.
    _, preparation_seconds, preparation_cpu_seconds = _timed_with_cpu(service.items_table)
    timings = FlowSetTimings(preparation_seconds, preparation_cpu_seconds)
    steps: list[tuple[str, str, Callable[[], MetricResult]]] = [
        ("summary", "summary by team", lambda: service.summary(by="team")),
        ("cycle_time", "cycle time", service.cycle_time),
        ("lead_time", "lead time", service.lead_time),
        ("throughput", "throughput (weekly)", lambda: service.throughput(period="week")),
        ("wip", "WIP (daily)", service.wip),
        ("cfd", "CFD (daily)", lambda: service.cfd(since=cfd_since, until=cfd_until)),
        ("age", "age", service.age),
        ("efficiency", "efficiency", service.efficiency),
        ("distribution", "distribution", service.distribution),
        ("stages", "stages", service.stages),
    ]
    for key, label, call in steps:
        result, seconds, cpu_seconds = _timed_with_cpu(call)
        timings.metrics.append(MetricTiming(label, seconds, cpu_seconds, result.table.num_rows))
        timings.results[key] = result
    return timings


def _timed_with_cpu(call: Callable[[], T]) -> tuple[T, float, float]:
    """The result, wall-clock seconds and process CPU seconds (DuckDB's threads included).

    On a shared machine the CPU seconds move less with other people's load than the wall clock.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - started, time.process_time() - cpu_started
