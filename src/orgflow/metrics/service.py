"""`FlowService`: the flow metrics bound to one workspace's tables, config and `now`.

It builds the lookup tables and the item facts once (as temporary tables), applies the cut, calls
the metric functions and wraps their table with the metric's definition, parameters and sample size.
Surfaces call only this; it never prints or formats.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.errors import InputError
from orgflow.metrics import flow_load, flow_time, stages, stored_facts, summary
from orgflow.metrics.definitions import DEFINITIONS
from orgflow.metrics.fetch import fetch_arrow, fetch_value
from orgflow.metrics.history import (
    finish_items,
    finish_transitions,
    flag_overlap,
    instant,
    spans,
    with_stage_name,
)
from orgflow.metrics.lookups import build_lookups, sql_literal
from orgflow.metrics.tables import KnownTables
from orgflow.metrics.window import BY_COLUMNS, Cut, Window, make_window

if TYPE_CHECKING:
    from orgflow.workspace import Workspace


_SERIALS = itertools.count(1)


@dataclass(frozen=True)
class MetricResult:
    """A computed figure: its name, definition, the parameters it was computed with, and its rows."""

    metric: str
    definition: str
    params: dict[str, Any]
    table: pa.Table
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts (JSON-ready values for dates and instants are left to the surface)."""
        return self.table.to_pylist()


class FlowService:
    """Flow metrics of one workspace. `now` defaults to the current UTC time; pass an earlier instant
    to see the flow as it was then (later transitions are ignored).

    The item facts come from the store's stored facts when they are current and cover `now`
    (`orgflow.metrics.stored_facts`), else they are built for `now`; `stored_facts=False` always
    builds them (the same figures: benchmarks and tests compare the two).
    """

    def __init__(self, workspace: Workspace, *, now: datetime | None = None, stored_facts: bool = True) -> None:
        self._workspace = workspace
        self._use_stored_facts = stored_facts
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self._prepared = False
        self._serial = next(_SERIALS)
        self._earliest: datetime | None = None
        self._earliest_known = False
        # Set by `_prepare`: the item facts and mapped transitions closed at `now`, and the table
        # the open item facts are read from (the stored ones, or this service's own).
        self._items: ir.Table
        self._transitions: ir.Table
        self._climbs: ir.Table
        self._open_items_name = ""

    @property
    def uses_stored_facts(self) -> bool:
        """Whether this service reads the store's stored facts (rather than facts built for its `now`)."""
        self._prepare()
        return self._open_items_name == stored_facts.ITEMS_TABLE

    # -- preparation -------------------------------------------------------------------------
    @property
    def backend(self) -> ibis.BaseBackend:
        return self._workspace.ibis

    @cached_property
    def _tables(self) -> KnownTables:
        """The Ibis tables this service reads, each schema looked up once."""
        return KnownTables(self.backend)

    def _prepare(self) -> None:
        """Build the lookups, take the open facts (stored, or built for `now` as temporary tables) and
        close them at `now` (`orgflow.metrics.history.finish_transitions` and `finish_items`)."""
        if self._prepared:
            return
        connection = self._workspace.store.connection
        build_lookups(connection, self._workspace.config)
        tables = self._tables
        now = self.now.replace(tzinfo=None)
        attribution = tuple(self._workspace.config.org.attribution)
        if self._use_stored_facts and stored_facts.usable(connection, attribution, now):
            self._open_items_name = stored_facts.ITEMS_TABLE
            open_transitions = tables.table(stored_facts.TRANSITIONS_TABLE)
            self._climbs = tables.table(stored_facts.CLIMBS_TABLE)
        else:
            self._open_items_name = self._name("items")
            stored_facts.build_open_facts(
                connection,
                self.backend,
                tables,
                now=now,
                attribution=attribution,
                names={part: self._name(part) for part in ("attribution", "base", "transitions", "items", "climbs")},
            )
            open_transitions = tables.table(self._name("transitions"))
            self._climbs = tables.table(self._name("climbs"))
        open_items = tables.table(self._open_items_name)
        self._transitions = finish_transitions(open_transitions, now=now)
        flagged = None
        (flags,) = connection.execute("SELECT count(*) FROM blocked_intervals").fetchone()
        if flags:
            name = self._name("flagged")
            flag_expression = flag_overlap(tables, open_items, self._transitions, now=now)
            stored_facts.materialize(connection, self.backend, name, flag_expression)
            flagged = tables.table(name)
        self._items = finish_items(open_items, flagged, now=now)
        self._prepared = True

    def fetch(self, expression: ir.Table) -> pa.Table:
        """The rows of an expression over this service's tables, as Arrow (`orgflow.metrics.fetch`)."""
        return fetch_arrow(self.backend, expression)

    def fetch_value(self, expression: ir.Scalar) -> Any:
        """The value of a scalar expression over this service's tables."""
        return fetch_value(self.backend, expression)

    def items_table(self, cut: Cut | None = None) -> ir.Table:
        """The item facts (see `orgflow.metrics.history.item_facts`), restricted to `cut`."""
        self._prepare()
        items = self._items
        cut = cut or Cut()
        if cut.team:
            self._require("team_id", cut.team, "team")
            items = items.filter(_.team_id == cut.team)
        if cut.group:
            team_groups = self._tables.table("of_team_group")
            known = self.fetch_value(team_groups.filter(_.group_id == cut.group).count())
            if not known:
                raise InputError(f"unknown group {cut.group!r}", field="group", hint="see `orgflow status`")
            teams = team_groups.filter(_.group_id == cut.group).select("team_id")
            items = items.filter(items.team_id.isin(teams.team_id))
        if cut.item_type:
            wanted = cut.item_type.casefold()
            items = items.filter((_.item_type.lower() == wanted) | (_.flow_type == wanted))
        if cut.project:
            items = items.filter(_.project == cut.project)
        if cut.value_stream:
            if cut.value_stream not in self._workspace.config.value_streams:
                raise InputError(f"unknown value stream {cut.value_stream!r}", field="value_stream")
            streams = self._tables.table("of_value_stream").filter(_.value_stream == cut.value_stream)
            items = items.filter(items.team_id.isin(streams.team_id))
        return items

    def _require(self, column: str, value: str, name: str) -> None:
        items = self._items
        if not self.fetch_value(items.filter(items[column] == value).count()):
            raise InputError(f"unknown {name} {value!r}", field=name, hint="see `orgflow status` for the teams")

    def window(self, *, since: date | None = None, until: date | None = None) -> Window:
        """The analysis window (defaults: from the first item's creation to now)."""
        return make_window(since=since, until=until, now=self.now, earliest=self._earliest_created())

    def _earliest_created(self) -> datetime | None:
        """The first item's creation (UTC), asked of the store once per service."""
        if not self._earliest_known:
            self._prepare()
            connection = self._workspace.store.connection
            (earliest,) = connection.execute(f"SELECT min(created_at) FROM {self._open_items_name}").fetchone()
            self._earliest = None if earliest is None else earliest.replace(tzinfo=UTC)
            self._earliest_known = True
        return self._earliest

    def _with_by(self, items: ir.Table, by: str | None) -> tuple[ir.Table, str | None]:
        if by is None or by == "org":
            return items, None
        if by not in BY_COLUMNS:
            raise InputError(f"cannot group by {by!r} (use {', '.join(BY_COLUMNS)})", field="by")
        if by == "value_stream":
            streams = self._tables.table("of_value_stream")
            items = items.join(streams, "team_id")
        return items, BY_COLUMNS[by]

    def _result(self, metric: str, expression: ir.Table, params: dict[str, Any], window: Window | None) -> MetricResult:
        table = self.fetch(expression)
        by = params.get("by")
        column = BY_COLUMNS.get(by) if by else None
        if column and column != by and column in table.column_names:
            # Rows are grouped by an item column (team_id); show it under the name asked for (team).
            table = table.rename_columns([by if name == column else name for name in table.column_names])
        full = dict(params)
        if window is not None:
            full["since"] = window.since.isoformat() + "Z"
            full["until"] = window.until.isoformat() + "Z"
        full["now"] = self.now.isoformat()
        full["rows"] = table.num_rows
        return MetricResult(metric, DEFINITIONS[metric], full, table)

    # -- metrics -----------------------------------------------------------------------------
    def summary(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        by: str | None = None,
    ) -> MetricResult:
        """Headline flow figures per `by` (team, group, type, flow_type, project, value_stream)."""
        window = self.window(since=since, until=until)
        items, column = self._with_by(self.items_table(cut), by)
        expression = summary.flow_summary(
            items,
            window=window,
            now=self.now.replace(tzinfo=None),
            by=column,
            small_sample=self._workspace.config.thresholds.small_sample,
        )
        return self._result("summary", expression, {**(cut or Cut()).as_params(), "by": by}, window)

    def lead_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Lead time per finished item."""
        window = self.window(since=since, until=until)
        expression = flow_time.lead_time(self.items_table(cut), window=window, include_cancelled=include_cancelled)
        return self._result("lead-time", expression, (cut or Cut()).as_params(), window)

    def cycle_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Cycle time per finished item."""
        window = self.window(since=since, until=until)
        expression = flow_time.cycle_time(self.items_table(cut), window=window, include_cancelled=include_cancelled)
        return self._result("cycle-time", expression, (cut or Cut()).as_params(), window)

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
        if period not in flow_load.PERIOD_UNITS:
            raise InputError(f"unknown period {period!r} (use day, week or month)", field="period")
        window = self.window(since=since, until=until)
        items, column = self._with_by(self.items_table(cut), by)
        expression = flow_load.throughput(items, self._days(window), window=window, period=period, by=column)
        return self._result(
            "throughput", expression, {**(cut or Cut()).as_params(), "period": period, "by": by}, window
        )

    def wip(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        by: str | None = None,
    ) -> MetricResult:
        """Daily WIP."""
        window = self.window(since=since, until=until)
        items, column = self._with_by(self.items_table(cut), by)
        expression = flow_load.wip(items, self._days(window), window=window, by=column)
        return self._result("wip", expression, {**(cut or Cut()).as_params(), "by": by}, window)

    def cfd(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Cumulative flow per day and stage."""
        window = self.window(since=since, until=until)
        items = self.items_table(cut)
        expression = flow_load.cfd(
            self._climbs,
            items,
            self._tables.table("of_stages"),
            self._days(window),
            window=window,
        )
        return self._result("cfd", expression, (cut or Cut()).as_params(), window)

    def age(self, *, cut: Cut | None = None) -> MetricResult:
        """Work Item Age of every started, unfinished item, with its team's SLE."""
        items = self.items_table(cut)
        now = self.now.replace(tzinfo=None)
        ages = flow_time.work_item_age(items, now=now)
        thresholds = self._workspace.config.thresholds
        sle = flow_time.service_level_expectation(
            self.items_table(),
            until=now,
            percentile=thresholds.sle_percentile,
            last_items=thresholds.sle_items,
        )
        joined = ages.left_join(sle, ["team_id", "item_type"]).select(*ages.columns, "sle_days")
        joined = joined.mutate(over_sle=(_.age_days > _.sle_days).fill_null(False)).order_by(
            ibis.desc("age_days"), "item_id"
        )
        return self._result(
            "age", joined, {**(cut or Cut()).as_params(), "sle_percentile": thresholds.sle_percentile}, None
        )

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
        window = self.window(since=since, until=until)
        items, column = self._with_by(self.items_table(cut), by)
        expression = (
            flow_time.flow_efficiency_items(items, window=window)
            if per_item
            else flow_time.flow_efficiency(items, window=window, by=column)
        )
        return self._result("efficiency", expression, {**(cut or Cut()).as_params(), "by": by}, window)

    def distribution(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Flow distribution by flow type."""
        window = self.window(since=since, until=until)
        expression = flow_load.flow_distribution(
            self.items_table(cut), window=window, now=self.now.replace(tzinfo=None)
        )
        return self._result("distribution", expression, (cut or Cut()).as_params(), window)

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
        if level not in ("stage", "phase"):
            raise InputError(f"unknown level {level!r} (use stage or phase)", field="level")
        window = self.window(since=since, until=until)
        items, column = self._with_by(self.items_table(cut), by)
        expression = stages.time_in_stages(
            self._spans(), items, self._tables.table("of_stages"), window=window, level=level, by=column
        )
        return self._result("stages", expression, {**(cut or Cut()).as_params(), "level": level, "by": by}, window)

    def time_in_stage(self, *, cut: Cut | None = None, level: str = "stage") -> MetricResult:
        """Time in each stage (or phase) per item, every item of the cut (finished or not)."""
        if level not in ("stage", "phase"):
            raise InputError(f"unknown level {level!r} (use stage or phase)", field="level")
        expression = stages.time_in_stage_items(
            self._spans(), self.items_table(cut), self._tables.table("of_stages"), level=level
        )
        return self._result("time-in-stage", expression, {**(cut or Cut()).as_params(), "level": level}, None)

    def blocked(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Blocked time per item."""
        window = self.window(since=since, until=until)
        expression = stages.blocked_time(
            self._tables,
            self._spans(),
            self.items_table(cut),
            all_items=self._all_items(),
            window=window,
            now=self.now.replace(tzinfo=None),
        )
        return self._result("blocked", expression, (cut or Cut()).as_params(), window)

    def sle(self, *, cut: Cut | None = None) -> MetricResult:
        """Service level expectation per team and item type."""
        thresholds = self._workspace.config.thresholds
        expression = flow_time.service_level_expectation(
            self.items_table(cut),
            until=self.now.replace(tzinfo=None),
            percentile=thresholds.sle_percentile,
            last_items=thresholds.sle_items,
        )
        params = {
            **(cut or Cut()).as_params(),
            "percentile": thresholds.sle_percentile,
            "last_items": thresholds.sle_items,
        }
        return self._result("sle", expression, params, None)

    def littles_law(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Little's law check over the window."""
        window = self.window(since=since, until=until)
        items = self.items_table(cut)
        daily = flow_load.wip(items, self._days(window), window=window, by=None)
        expression = stages.littles_law(items, daily, window=window)
        return self._result("littles-law", expression, (cut or Cut()).as_params(), window)

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
        window = self.window(since=since, until=until)
        items = self.items_table(cut)
        touched = items.filter(
            _.created_at < window.until,
            _.finished_at.isnull() | (_.finished_at >= window.since),
        )
        if stage:
            touched = touched.filter(_.current_stage == stage)
        if state == "open":
            touched = touched.filter(_.finished_at.isnull())
        elif state == "finished":
            touched = touched.filter(_.finished_at.notnull())
        elif state is not None:
            raise InputError(f"unknown state {state!r} (use open or finished)", field="state")
        now = instant(self.now.replace(tzinfo=None))
        expression = touched.select(
            *flow_time.ITEM_COLUMNS,
            "created_at",
            "started_at",
            "finished_at",
            "outcome",
            "current_stage",
            "skipped_start",
            lead_time_days=flow_time.days_between(_.created_at, _.finished_at),
            cycle_time_days=flow_time.days_between(_.started_at, _.finished_at),
            age_days=ibis.ifelse(touched.finished_at.isnull(), flow_time.days_between(touched.started_at, now), None),
        ).order_by("created_at", "item_id")
        return self._result("items", expression, {**(cut or Cut()).as_params(), "stage": stage, "state": state}, window)

    def _days(self, window: Window) -> ir.Table:
        """A calendar of the window's UTC days (a temporary table of this service)."""
        self._prepare()
        name = self._name("days")
        self._workspace.store.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT CAST(range AS DATE) AS day FROM range("
            f"{sql_literal(window.since.date())}::DATE, {sql_literal(window.until.date())}::DATE + 1, INTERVAL 1 DAY)"
        )
        return self._tables.table(name)

    def stage_spans(self, cut: Cut | None = None) -> ir.Table:
        """Every interval (one per transition, see `orgflow.metrics.history.spans`) of the items of `cut`,
        with the item's source, id and team and the stage's name (``unmapped`` for an unmapped status).

        Columns: source, item_id, team_id, stage, stage_order, category, blocked_stage, entered_at,
        left_at, duration_us.
        """
        spans = self._spans()
        items = self.items_table(cut).select("source", "item_id", "team_id", "workflow", s_ik=_.ik)
        joined = spans.join(items, spans.ik == items.s_ik)
        joined = with_stage_name(joined, self._tables.table("of_stages"), joined.stage_order)
        return joined.select(
            "source",
            "item_id",
            "team_id",
            stage=joined.stage_name.fill_null("unmapped"),
            stage_order=joined.stage_order,
            category=joined.category,
            blocked_stage=joined.blocked_stage,
            entered_at=joined.entered_at,
            left_at=joined.left_at,
            duration_us=joined.duration_us,
        )

    def _spans(self) -> ir.Table:
        """Every transition's interval, clipped to its item's end."""
        return spans(self._finished_transitions())

    def _finished_transitions(self) -> ir.Table:
        """Every mapped transition up to `now`, its open interval closed at `now`."""
        self._prepare()
        return self._transitions

    def _all_items(self) -> ir.Table:
        """Every item's facts as of `now`, uncut."""
        self._prepare()
        return self._items

    def _name(self, part: str) -> str:
        """This service's temporary table for `part`: services of one workspace never share them."""
        return f"of_{part}_{self._serial}"
