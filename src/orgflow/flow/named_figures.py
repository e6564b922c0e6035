"""`NamedFigures`: one method per flow figure (`summary`, `cycle_time`, ...), each `compute` for that
figure with its options spelled out, so callers get the figure's parameters by name and type.

`orgflow.flow.service.FlowService` inherits them and provides `compute` (the cut, the window, the
figure's query and what the data rules out); nothing here reads the store.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult
    from orgflow.query.window import Cut


class NamedFigures:
    """The named figure methods over `compute` (defined by `FlowService`)."""

    def compute(
        self, name: str, *, cut: Cut | None = None, since: date | None = None, until: date | None = None, **options: Any
    ) -> MetricResult:
        """The flow figure `name` of `cut` over the window `since`..`until` (`FlowService.compute`)."""
        raise NotImplementedError

    def summary(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None, by: str | None = None
    ) -> MetricResult:
        """Headline flow figures per `by` (team, group, type, flow_type, project, value_stream)."""
        return self.compute("summary", cut=cut, since=since, until=until, by=by)

    def lead_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Lead time per finished item."""
        return self.compute("lead-time", cut=cut, since=since, until=until, include_cancelled=include_cancelled)

    def cycle_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Cycle time per finished item."""
        return self.compute("cycle-time", cut=cut, since=since, until=until, include_cancelled=include_cancelled)

    def throughput(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        period: str = "week",
        by: str | None = None,
    ) -> MetricResult:
        """Throughput, arrivals and net flow per period."""
        return self.compute("throughput", cut=cut, since=since, until=until, period=period, by=by)

    def wip(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None, by: str | None = None
    ) -> MetricResult:
        """Daily WIP."""
        return self.compute("wip", cut=cut, since=since, until=until, by=by)

    def cfd(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Cumulative flow per day and stage."""
        return self.compute("cfd", cut=cut, since=since, until=until)

    def age(self, *, cut: Cut | None = None) -> MetricResult:
        """Work Item Age of every started, unfinished item, with its team's SLE."""
        return self.compute("age", cut=cut)

    def efficiency(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        by: str | None = None,
        per_item: bool = False,
    ) -> MetricResult:
        """Flow efficiency, time-weighted (or per item)."""
        return self.compute("efficiency", cut=cut, since=since, until=until, by=by, per_item=per_item)

    def distribution(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Flow distribution by flow type."""
        return self.compute("distribution", cut=cut, since=since, until=until)

    def stages(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        level: str = "stage",
        by: str | None = None,
    ) -> MetricResult:
        """Time per stage or phase."""
        return self.compute("stages", cut=cut, since=since, until=until, level=level, by=by)

    def time_in_stage(self, *, cut: Cut | None = None, level: str = "stage") -> MetricResult:
        """Time in each stage (or phase) per item, every item of the cut (finished or not)."""
        return self.compute("time-in-stage", cut=cut, level=level)

    def blocked(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Blocked time per item."""
        return self.compute("blocked", cut=cut, since=since, until=until)

    def sle(self, *, cut: Cut | None = None) -> MetricResult:
        """Service level expectation per team and item type."""
        return self.compute("sle", cut=cut)

    def littles_law(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Little's law check over the window."""
        return self.compute("littles-law", cut=cut, since=since, until=until)

    def items(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        stage: str | None = None,
        state: str | None = None,
    ) -> MetricResult:
        """The items behind the figures: created, started or finished in the window (all, by default)."""
        return self.compute("items", cut=cut, since=since, until=until, stage=stage, state=state)
