"""What every view needs: where figures come from (`Hub`), where links go (`Paths`), the page's filters
(`Context`), and a chart as a page shows it (`Chart`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from orgflow import charts
from orgflow.flow.browse import OrgTree, StageInfo, org_tree, stage_catalog, stages_in_use
from orgflow.insights.finding import InsightSettings
from orgflow.views.filters import DEFAULT_WINDOW, Filters

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService, MetricResult
    from orgflow.query.window import Cut
    from orgflow.workspace import Workspace

T = TypeVar("T")


class Hub(Protocol):
    """Where views get figures: one read-only workspace, its flow figures as of a "now", and a cache of
    results and views (the web's and the report's `MetricsHub`)."""

    workspace: Workspace

    def now(self, now: datetime | None = None) -> datetime: ...

    def service_key(self, now: datetime | None) -> Hashable: ...

    def compute(self, metric: str, *, now: datetime | None = None, **params: Any) -> MetricResult: ...

    def prefetch(
        self,
        metric: str,
        asks: Sequence[tuple[Cut | None, date | None, date | None]],
        *,
        now: datetime | None = None,
        **options: Any,
    ) -> None: ...

    def cached(self, key: Hashable, compute: Callable[[FlowService], T], *, now: datetime | None = None) -> T: ...

    def query(self, key: Hashable | None, run: Callable[[Workspace], T]) -> T: ...

    def memo(self, key: Hashable, build: Callable[[], T]) -> T: ...


class Paths(Protocol):
    """Where cards and chart marks link to."""

    def team(self, team_id: str) -> str | None: ...

    def group(self, group_id: str) -> str | None: ...

    def items(self, filters: Filters, **changes: Any) -> str | None:
        """The items page with `filters` and `changes`; None when there is no items page."""
        ...

    @property
    def linked(self) -> bool:
        """Whether chart marks link to items."""
        ...


@dataclass(frozen=True)
class Chart:
    """A chart on a page: an anchor key, its Vega-Lite spec, a line saying what it shows, and the notes of
    the result it draws (`orgflow.views.notes.result_notes`), which the page lists with its others."""

    key: str
    spec: dict[str, Any]
    caption: str
    wide: bool = False
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to draw (no rows in the window): pages show a line instead of an empty chart."""
        return not self.spec.get("data", {}).get("values")

    @property
    def title(self) -> str:
        title = self.spec.get("title")
        return title.get("text", self.key) if isinstance(title, dict) else str(title or self.key)


@dataclass
class Context:
    """What every view needs: the hub, the org tree, the stages and the page's filters."""

    hub: Hub
    filters: Filters
    paths: Paths

    @property
    def now(self) -> datetime | None:
        return self.filters.now

    @cached_property
    def settings(self) -> InsightSettings:
        """The insight rules' thresholds from `orgflow.yaml` (the cards' flags are their findings)."""
        return InsightSettings.from_config(self.hub.workspace.config)

    def compute(self, metric: str, **params: Any) -> MetricResult:
        return self.hub.compute(metric, now=self.now, **params)

    def prefetch(
        self, metric: str, asks: Sequence[tuple[Cut | None, date | None, date | None]], **options: Any
    ) -> None:
        """Ahead of `compute` asking `metric` for each of `asks` (cut, since, until): run them at once
        (`MetricsHub.prefetch`); the answers are the same."""
        self.hub.prefetch(metric, asks, now=self.now, **options)

    def view(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """A page's view, built once per filters (views are pure functions of the figures).

        It is built outside the store's lock (`Hub.memo`): `build` must reach the store only through
        the hub (`compute`, `query`, `cached`), which take the lock for each call.
        """
        cache_key = ("view", self.hub.service_key(self.now), kind, key, self.filters, self.paths)
        return self.hub.memo(cache_key, build)

    def window(self, filters: Filters | None = None) -> dict[str, date | None]:
        """The window the metrics are asked for: none for the default window (the metrics then take
        the default window of each figure's own cut, and of each row of a summary by team), else the
        filters' days."""
        chosen = filters or self.filters
        if chosen.window == DEFAULT_WINDOW:
            return {"since": None, "until": None}
        return {"since": chosen.since, "until": chosen.until}

    @property
    def tree(self) -> OrgTree:
        return self.hub.query("org_tree", org_tree)

    @property
    def stages(self) -> list[StageInfo]:
        return self.hub.query("stages_in_use", stages_in_use)

    @property
    def catalog(self) -> dict[str, tuple[str, str]]:
        found = stage_catalog(self.hub.workspace.config)
        return {name: (info.phase, info.category) for name, info in found.items()}

    @property
    def phases(self) -> list[str]:
        return list(self.hub.workspace.config.phases)

    def previous_label(self) -> str:
        days = self.filters.window_days()
        return f"previous {days} days" if days else "previous window"

    def link(self, **fixed: Any) -> charts.Link | None:
        """A `Link` to the items page with this view's filters plus `fixed` ones (None: no links)."""
        if not self.paths.linked:
            return None
        filters, paths = self.filters, self.paths

        def to_items(**changes: Any) -> str:
            return paths.items(filters, **{**fixed, **changes}) or ""

        return to_items


def rows_by(result: MetricResult, column: str) -> dict[str, dict[str, Any]]:
    """The result's rows by their `column` (rows without one left out)."""
    return {row[column]: row for row in result.rows() if row.get(column) is not None}


def single(result: MetricResult) -> dict[str, Any] | None:
    """The result's first row (a summary over one cut has one), or None."""
    rows = result.rows()
    return rows[0] if rows else None
