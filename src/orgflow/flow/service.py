"""`FlowService`: the flow metrics bound to one workspace's tables, config and `now`.

It builds the lookup tables, takes the item facts (stored, or built for `now` as temporary tables),
applies the cut, calls the metric functions and wraps their table with the metric's definition,
parameters and sample size. Surfaces call only this; it never prints or formats.

`now`, the window and the cut's values enter every query as bound values (`orgflow.query.compiled`):
a metric's compiled query is kept in the workspace's `compiled_queries`, keyed by its shape (the
metric, its options, the tables it reads, which cut fields are set), so the same figure asked again,
for another `now`, window or team, by this or another service of the workspace, runs without being
built or compiled again. A service that builds its own tables (facts for a past `now`, or flagged
time when the store has blocked flags) reads tables named after it, so only it reuses its queries.

Ibis (and sqlglot, which compiles its expressions) load only when a query is built: the metric
modules that build expressions are imported inside the functions that build them, so a command
whose queries are kept (`orgflow.store.query_file`) prepares with SQL and runs the kept SQL alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa

from orgflow.errors import InputError
from orgflow.flow import reported_times, stored_facts
from orgflow.flow.definitions import DEFINITIONS
from orgflow.query.as_of import NOW_DATA, NOW_GIVEN, DataAsOf, as_of_params, data_as_of, default_now
from orgflow.query.compiled_sql import QueryCache, run_fitted, run_query
from orgflow.query.cuts import check_cut, cut_items, cut_shape, cut_values
from orgflow.query.lookups import build_lookups
from orgflow.query.tables import KnownTables
from orgflow.query.window import BY_COLUMNS, PERIODS, Cut, Window, WindowTerms, make_window

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

    from orgflow.workspace import Workspace


_SERIALS = itertools.count(1)
_OWN_WINDOW_BY = {"team": "team", "project": "project", "value_stream": "value_stream"}
"""`--by` values whose rows take their own default window in a summary (the cut field each row is)."""


class FactTables(NamedTuple):
    """The tables a service's open facts are read from (`flagged`: None without blocked flags)."""

    items: str
    transitions: str
    climbs: str
    flagged: str | None


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
    """Flow metrics of one workspace as of `now`; pass an earlier instant to see the flow as it was
    then (later transitions are ignored). Without `now`, the current UTC time, or the end of the
    data's last day when that is earlier (`orgflow.query.as_of`): a history that stopped is seen
    as of its end, not as years of nothing. `now_basis` says which, and every result's params too.

    The item facts come from the store's stored facts when they are current and cover `now`
    (`orgflow.flow.stored_facts`), else they are built for `now`; `stored_facts=False` always
    builds them (the same figures: benchmarks and tests compare the two).
    """

    def __init__(self, workspace: Workspace, *, now: datetime | None = None, stored_facts: bool = True) -> None:
        self._workspace = workspace
        self._use_stored_facts = stored_facts
        self._as_of: tuple[DataAsOf | None] | None = None
        if now is not None:
            self.now, self.now_basis = now.astimezone(UTC), NOW_GIVEN
        else:
            self.now, self.now_basis = default_now(datetime.now(UTC), self.data_as_of())
        self._prepared = False
        self._serial = next(_SERIALS)
        self._earliest: datetime | None = None
        self._earliest_known = False
        # Set by `_prepare`: the tables the open facts are read from (the stored ones, or this
        # service's own); every query's shape depends on them.
        self._facts = FactTables("", "", "", None)
        self._reported_tables = reported_times.ReportedTables()

    def data_as_of(self) -> DataAsOf | None:
        """The moment the workspace's flow data is as of (`orgflow.query.as_of.data_as_of`), asked once."""
        if self._as_of is None:
            self._as_of = (data_as_of(self._workspace.store.connection),)
        return self._as_of[0]

    def as_of_params(self) -> dict[str, Any]:
        """`now`, what chose it (`now_basis`) and the data's as-of, as every result's params carry them."""
        return as_of_params(self.now, self.now_basis, self.data_as_of())

    @property
    def uses_stored_facts(self) -> bool:
        """Whether this service reads the store's stored facts (rather than facts built for its `now`)."""
        self._prepare()
        return self._facts.items == stored_facts.ITEMS_TABLE

    # -- preparation -------------------------------------------------------------------------
    @property
    def backend(self) -> ibis.BaseBackend:
        return self._workspace.ibis

    @cached_property
    def _tables(self) -> KnownTables:
        """The Ibis tables this service reads, each schema looked up once."""
        return KnownTables(self.backend)

    def _prepare(self) -> None:
        """Build the lookups and take the open facts: the stored ones when `stored_facts.usable`, else
        built for `now` as temporary tables; with blocked flags, their overlap with active time too.

        Only names are set here (and, with flags, the flagged time built); the Ibis expressions over
        them (`_items`, `_transitions`, `_climbs`) are built when a query is built, which a kept
        compiled query does not need.
        """
        if self._prepared:
            return
        connection = self._workspace.store.connection
        build_lookups(connection, self._workspace.config, reuse=True)
        now = self.now.replace(tzinfo=None)
        attribution = tuple(self._workspace.config.org.attribution)
        if self._use_stored_facts and stored_facts.usable(connection, attribution, now):
            names = {
                "items": stored_facts.ITEMS_TABLE,
                "transitions": stored_facts.TRANSITIONS_TABLE,
                "climbs": stored_facts.CLIMBS_TABLE,
            }
        else:
            names = {part: self._name(part) for part in ("attribution", "base", "transitions", "items", "climbs")}
            stored_facts.build_open_facts(connection, self._tables, now=now, attribution=attribution, names=names)
        self._facts = FactTables(names["items"], names["transitions"], names["climbs"], None)
        # Reported times keyed like the facts: shared names with the stored facts, this service's own else.
        own = "" if names["items"] == stored_facts.ITEMS_TABLE else f"_{self._serial}"
        self._reported_tables = reported_times.ReportedTables(*(name + own for name in reported_times.ReportedTables()))
        reported_times.build_reported_tables(connection, names["items"], self._reported_tables)
        (flags,) = connection.execute("SELECT count(*) FROM blocked_intervals").fetchone()
        if flags:
            flagged = self._name("flagged")
            self._write_flagged(flagged)
            self._facts = self._facts._replace(flagged=flagged)
        self._prepared = True

    def _write_flagged(self, name: str) -> None:
        """Write the blocked flags' overlap with active time (`history.flag_overlap`) as of `now` into the
        temporary table `name`. Its compiled query is kept like a metric's (in the workspace's queries
        ``tables``, by the fact tables it reads), so a process that finds it kept builds no expression."""
        queries = self._workspace.queries_for("tables")
        key = ("flagged", self._facts)
        values = {"now": self.now.replace(tzinfo=None)}
        query = queries.get(key)
        if query is None:
            from orgflow.flow.history import flag_overlap
            from orgflow.query.compiled import compile_query, values_of

            open_items = self._tables.table(self._facts.items)
            overlap = flag_overlap(self._tables, open_items, self._transitions, now=self._now_term)
            stray = {label: value for label, value in values_of(overlap).items() if values.get(label) != value}
            if stray:
                raise AssertionError(f"flagged time: bound values not from this service: {stray}")
            query = compile_query(overlap)
            queries.put(key, query)
        stored_facts.write_table(self._workspace.store.connection, name, query.sql_with(values))

    @cached_property
    def _now_term(self) -> ir.TimestampScalar:
        """`now` as a bound value (naive UTC)."""
        from orgflow.query.compiled import TIMESTAMP, bound

        return bound("now", self.now.replace(tzinfo=None), TIMESTAMP)

    @cached_property
    def _transitions(self) -> ir.Table:
        """The mapped transitions closed at `now` (`finish_transitions`); after `_prepare`."""
        from orgflow.flow.history import finish_transitions

        return finish_transitions(self._tables.table(self._facts.transitions), now=self._now_term)

    @cached_property
    def _items(self) -> ir.Table:
        """The item facts closed at `now` (`finish_items`), flagged time subtracted; after `_prepare`."""
        from orgflow.flow.history import finish_items

        flagged = self._tables.table(self._facts.flagged) if self._facts.flagged else None
        return finish_items(self._tables.table(self._facts.items), flagged, now=self._now_term)

    @cached_property
    def _reported(self) -> ir.Table:
        """Reported active and cycle time of items without status history
        (`orgflow.flow.reported_times.reported_item_times`); after `_prepare`."""
        return reported_times.reported_item_times(self._tables, self._reported_tables)

    def _with_reported(self, items: ir.Table) -> ir.Table:
        """`items` with reported times in place of an inferred history's (`reported_times.with_reported_times`)."""
        return reported_times.with_reported_times(items, self._reported)

    def _noted(self, result: MetricResult, cut: Cut | None, window: Window | None, figures: str) -> MetricResult:
        """`result` with a note saying how many of its done items' `figures` come from the source's
        reported time in status (nothing added when none does)."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from ibis import _

            done = self._with_reported(self._cut_items(cut)).filter(_.outcome == "done")
            if terms is not None:
                done = done.filter(_.finished_at >= terms.since, _.finished_at < terms.until)
            return done.aggregate(finished=_.count(), reported=_.reported.sum())

        queries = self._workspace.queries_for("notes")
        row = self._run("reported-count", build, cut=cut, options=(), window=window, queries=queries).to_pylist()[0]
        reported, finished = row["reported"] or 0, row["finished"]
        if not reported:
            return result
        note = (
            f"{figures}: from the source's reported time in status for {reported} of {finished} finished "
            "items (they have no status history; docs/metrics.md, 'Reported time in status')"
        )
        if finished > reported:
            note += f"; from status changes for the other {finished - reported}"
        return replace(result, notes=[*result.notes, note])

    @cached_property
    def _climbs(self) -> ir.Table:
        """The CFD's climbs (`flow_load.cfd_climbs`); after `_prepare`."""
        return self._tables.table(self._facts.climbs)

    def fetch(self, expression: ir.Table) -> pa.Table:
        """The rows of an expression over this service's tables, as Arrow (`orgflow.query.fetch`)."""
        from orgflow.query.fetch import fetch_arrow

        return fetch_arrow(self.backend, expression)

    def fetch_value(self, expression: ir.Scalar) -> Any:
        """The value of a scalar expression over this service's tables."""
        from orgflow.query.fetch import fetch_value

        return fetch_value(self.backend, expression)

    def items_table(self, cut: Cut | None = None) -> ir.Table:
        """The item facts (see `orgflow.flow.history.item_facts`) as of `now`, restricted to `cut`: an
        expression any Ibis backend runs (`now` is a literal in it).

        Raises:
            InputError: the cut names an unknown team, group or value stream.
        """
        from orgflow.query.compiled import inline_bound

        self._prepare()
        self._check_cut(cut)
        return inline_bound(self._cut_items(cut))

    def _check_cut(self, cut: Cut | None) -> None:
        """`orgflow.query.cuts.check_cut` on this service's items; after `_prepare`."""
        if cut is not None:
            check_cut(self._workspace.store.connection, self._workspace.config, cut, items_table=self._facts.items)

    def _cut_items(self, cut: Cut | None) -> ir.Table:
        """The item facts as of `now` restricted to `cut` (`orgflow.query.cuts.cut_items`)."""
        return cut_items(self._items, self._tables, cut or Cut())

    def window(self, *, since: date | None = None, until: date | None = None, cut: Cut | None = None) -> Window:
        """The analysis window: with neither end given, the default window of `cut` (`default_window`);
        `since` alone runs to the start of `now`'s day, `until` alone from the first item's creation.

        Raises:
            InputError: a bad window (`make_window`), or one starting after the data's end while
                `now` was taken from it.
        """
        if since is None and until is None:
            return self.default_window(cut)
        if until is None and since is not None and self.now_basis == NOW_DATA and since >= self.now.date():
            last_day = self.now.date() - timedelta(days=1)
            raise InputError(
                f"the window starts after the data ends ({since} is after {last_day})",
                field="since",
                hint="give an earlier --since, or --now (or --until) to look at a later date",
            )
        return make_window(since=since, until=until, now=self.now, earliest=self._earliest_created())

    def history_window(self) -> Window:
        """The whole history: from the first item's creation to the start of `now`'s day."""
        return make_window(since=None, until=None, now=self.now, earliest=self._earliest_created())

    def default_window(self, cut: Cut | None = None) -> Window:
        """The default window of `cut`, the one every surface uses when no window is asked for
        (docs/decisions/0007-default-window.md): the last `DEFAULT_WINDOW_DAYS` (90) whole days of the
        data behind the cut, not before the workspace's first item. It ends at the start of `now`'s
        day or, when `now` was not given and the cut's data (`data_ends`) stops earlier, at the end of
        that data's last day; the window then carries that end as `data_end`.

        Raises:
            InputError: an unknown team, group or value stream; an empty window.
        """
        from orgflow.query.as_of import cut_window_end
        from orgflow.query.window import default_window

        cut_end = None
        if self.now_basis != NOW_GIVEN:
            cut_end = self.data_ends(cut).get(None)
        end, data_end = cut_window_end(self.now, self.now_basis, cut_end)
        return default_window(end=end, earliest=self._earliest_created(), data_end=data_end)

    def data_ends(self, cut: Cut | None = None, by: str | None = None) -> dict[Any, datetime]:
        """The moment the data behind `cut` is as of, per `by` value (the key None without `by`):
        the latest creation, stage change or finish of its items, or the last sync of their source
        (resource ``issues``, as `orgflow.query.as_of.data_as_of` reads it) when that is later.
        Aware UTC instants; groups without items are absent.

        Raises:
            InputError: an unknown team, group or value stream, or `by`.
        """

        def build(_terms: WindowTerms | None) -> ir.Table:
            import ibis
            from ibis import _

            items, column = self._with_by(self._cut_items(cut), by)
            syncs = (
                self._tables.table("sync_state")
                .filter(_.source_name.endswith(":issues"))
                .mutate(sync_source=_.source_name.re_replace(":issues$", ""))
                .group_by("sync_source")
                .aggregate(synced_at=_.updated_at.max())
            )
            joined = items.left_join(syncs, items.source == syncs.sync_source)
            latest = ibis.greatest(
                joined.created_at,
                joined.finished_at.fill_null(joined.created_at),
                joined.current_stage_since.fill_null(joined.created_at),
                joined.synced_at.fill_null(joined.created_at),
            )
            groups = [column] if column else []
            ends = joined.mutate(latest=latest)
            if groups:
                return ends.group_by(groups).aggregate(data_end=_.latest.max())
            return ends.aggregate(data_end=_.latest.max())

        table = self._run("data-ends", build, cut=cut, options=(by,), window=None)
        column = BY_COLUMNS.get(by) if by else None
        keys = table.column(column).to_pylist() if column else [None] * table.num_rows
        return {
            key: end.replace(tzinfo=UTC)
            for key, end in zip(keys, table.column("data_end").to_pylist(), strict=True)
            if end is not None
        }

    def _earliest_created(self) -> datetime | None:
        """The first item's creation (UTC), asked of the store once per service."""
        if not self._earliest_known:
            self._prepare()
            connection = self._workspace.store.connection
            (earliest,) = connection.execute(f"SELECT min(created_at) FROM {self._facts.items}").fetchone()
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

    def _computed(
        self,
        metric: str,
        build: Callable[[WindowTerms | None], ir.Table],
        *,
        cut: Cut | None,
        options: tuple[Hashable, ...],
        params: dict[str, Any],
        window: Window | None,
        bound_values: dict[str, Any] | None = None,
    ) -> MetricResult:
        """Run the metric's query and wrap its rows: the compiled query kept under (metric, tables
        read, the cut's fields, `options`) when there is one, else `build(terms of the window)`
        compiled and kept.

        `options` must hold every argument and setting `build` reads besides `now`, the window, the
        cut's values and `bound_values` (the metric's own, by label), which enter as bound values. A
        bound value `build` took from anywhere else is caught here: its value would be frozen into
        every later run.
        """
        table = self._run(metric, build, cut=cut, options=options, window=window, bound_values=bound_values)
        by = params.get("by")
        column = BY_COLUMNS.get(by) if by else None
        if column and column != by and column in table.column_names:
            # Rows are grouped by an item column (team_id); show it under the name asked for (team).
            table = table.rename_columns([by if name == column else name for name in table.column_names])
        full = {**(cut or Cut()).as_params(), **params}
        if window is not None:
            full["since"] = window.since.isoformat() + "Z"
            full["until"] = window.until.isoformat() + "Z"
        full |= self.as_of_params()
        if window is not None and window.data_end is not None:
            full["cut_data_as_of"] = window.data_end.isoformat()
        full["rows"] = table.num_rows
        return MetricResult(metric, DEFINITIONS[metric], full, table)

    def _run(
        self,
        metric: str,
        build: Callable[[WindowTerms | None], ir.Table],
        *,
        cut: Cut | None,
        options: tuple[Hashable, ...],
        window: Window | None,
        bound_values: dict[str, Any] | None = None,
        queries: QueryCache | None = None,
    ) -> pa.Table:
        """The rows of `build`'s query, compiled once per shape and kept in `queries` (default: the
        workspace's `compiled_queries`; see `_computed`)."""
        self._prepare()
        self._check_cut(cut)
        values: dict[str, Any] = {"now": self.now.replace(tzinfo=None), **cut_values(cut or Cut())}
        values |= bound_values or {}
        if window is not None:
            values |= {"since": window.since, "until": window.until, "days": window.days}
        if queries is None:
            queries = self._workspace.compiled_queries
        key = (metric, self._facts, cut_shape(cut or Cut()), options)
        query = queries.get(key)
        if query is None:
            # Only here are Ibis and sqlglot needed: the query is built and compiled.
            import ibis.expr.datatypes as dt

            from orgflow.query.compiled import TIMESTAMP, bound, compile_query, values_of

            terms = None
            if window is not None:
                terms = WindowTerms(
                    since=bound("since", window.since, TIMESTAMP),
                    until=bound("until", window.until, TIMESTAMP),
                    days=bound("days", window.days, dt.float64),
                )
            expression = build(terms)
            stray = {label: value for label, value in values_of(expression).items() if values.get(label) != value}
            if stray:
                raise AssertionError(f"{metric}: bound values not from this call: {stray}")
            table, query = run_fitted(self._workspace.store.connection, compile_query(expression), values)
            queries.put(key, query)
            return table
        return run_query(self._workspace.store.connection, query, values)

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
        window = self.window(since=since, until=until, cut=cut)
        small_sample = self._workspace.config.thresholds.small_sample

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import summary

            items, column = self._with_by(self._cut_items(cut), by)
            return summary.flow_summary(
                items, window=terms, now=self._now_term, by=column, small_sample=small_sample, reported=self._reported
            )

        result = self._computed("summary", build, cut=cut, options=(by, small_sample), params={"by": by}, window=window)
        if since is None and until is None and by in _OWN_WINDOW_BY and self.now_basis != NOW_GIVEN:
            result = self._rows_in_own_windows(result, cut or Cut(), by, window)
        return self._noted(result, cut, window, "cycle time and flow efficiency")

    def _rows_in_own_windows(self, result: MetricResult, cut: Cut, by: str, window: Window) -> MetricResult:
        """`result` (a summary by `by` over the default window of `cut`) with each row whose data ends
        before that window does computed over its own default window instead, and `row_windows` in
        the params naming those rows' windows and data ends: a team whose export stopped years before
        the others' is read over its own last 90 days, not as years of nothing."""
        from orgflow.query.as_of import cut_window_end
        from orgflow.query.window import default_window

        field_name = _OWN_WINDOW_BY[by]
        rows = result.rows()
        own: dict[str, dict[str, Any]] = {}
        for key, data_end in self.data_ends(cut, by).items():
            end, used_end = cut_window_end(self.now, self.now_basis, data_end)
            if key is None or used_end is None or end.replace(tzinfo=None) >= window.until:
                continue
            row_window = default_window(end=end, earliest=self._earliest_created(), data_end=used_end)
            row_cut = replace(cut, **{field_name: key})
            (row,) = self.summary(
                cut=row_cut, since=row_window.since.date(), until=row_window.until.date() - timedelta(days=1)
            ).rows()
            for index, existing in enumerate(rows):
                if existing.get(by) == key:
                    rows[index] = {by: key, **row}
            own[key] = {
                "since": row_window.since.isoformat() + "Z",
                "until": row_window.until.isoformat() + "Z",
                "data_as_of": used_end.isoformat(),
            }
        if not own:
            return result
        table = pa.Table.from_pylist(rows, schema=result.table.schema)
        return replace(result, table=table, params={**result.params, "row_windows": own})

    def lead_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Lead time per finished item."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_time

            return flow_time.lead_time(self._cut_items(cut), window=terms, include_cancelled=include_cancelled)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("lead-time", build, cut=cut, options=(include_cancelled,), params={}, window=window)

    def cycle_time(
        self,
        *,
        cut: Cut | None = None,
        since: date | None = None,
        until: date | None = None,
        include_cancelled: bool = False,
    ) -> MetricResult:
        """Cycle time per finished item."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_time

            items = self._with_reported(self._cut_items(cut))
            return flow_time.cycle_time(items, window=terms, include_cancelled=include_cancelled)

        window = self.window(since=since, until=until, cut=cut)
        result = self._computed("cycle-time", build, cut=cut, options=(include_cancelled,), params={}, window=window)
        return self._noted(result, cut, window, "cycle time (started_at = finished_at - reported cycle time)")

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
        if period not in PERIODS:
            raise InputError(f"unknown period {period!r} (use day, week or month)", field="period")

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_load

            items, column = self._with_by(self._cut_items(cut), by)
            return flow_load.throughput(items, self._calendar(), window=terms, period=period, by=column)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed(
            "throughput", build, cut=cut, options=(period, by), params={"period": period, "by": by}, window=window
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

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_load

            items, column = self._with_by(self._cut_items(cut), by)
            return flow_load.wip(items, self._calendar(), window=terms, by=column)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("wip", build, cut=cut, options=(by,), params={"by": by}, window=window)

    def cfd(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Cumulative flow per day and stage."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_load

            stage_table = self._tables.table("of_stages")
            return flow_load.cfd(self._climbs, self._cut_items(cut), stage_table, self._calendar(), window=terms)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("cfd", build, cut=cut, options=(), params={}, window=window)

    def age(self, *, cut: Cut | None = None) -> MetricResult:
        """Work Item Age of every started, unfinished item, with its team's SLE."""
        thresholds = self._workspace.config.thresholds

        def build(_terms: WindowTerms | None) -> ir.Table:
            import ibis
            from ibis import _

            from orgflow.flow import flow_time

            ages = flow_time.work_item_age(self._cut_items(cut), now=self._now_term)
            sle = flow_time.service_level_expectation(
                self._with_reported(self._items),
                until=self._now_term,
                percentile=thresholds.sle_percentile,
                last_items=thresholds.sle_items,
            )
            joined = ages.left_join(sle, ["team_id", "item_type"]).select(*ages.columns, "sle_days")
            return joined.mutate(over_sle=(_.age_days > _.sle_days).fill_null(False)).order_by(
                ibis.desc("age_days"), "item_id"
            )

        return self._computed(
            "age",
            build,
            cut=cut,
            options=(thresholds.sle_percentile, thresholds.sle_items),
            params={"sle_percentile": thresholds.sle_percentile},
            window=None,
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

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_time

            items, column = self._with_by(self._with_reported(self._cut_items(cut)), by)
            if per_item:
                return flow_time.flow_efficiency_items(items, window=terms)
            return flow_time.flow_efficiency(items, window=terms, by=column)

        window = self.window(since=since, until=until, cut=cut)
        result = self._computed("efficiency", build, cut=cut, options=(by, per_item), params={"by": by}, window=window)
        return self._noted(result, cut, window, "active and cycle time")

    def distribution(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Flow distribution by flow type."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_load

            return flow_load.flow_distribution(self._cut_items(cut), window=terms, now=self._now_term)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("distribution", build, cut=cut, options=(), params={}, window=window)

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

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import stages

            items, column = self._with_by(self._cut_items(cut), by)
            stage_table = self._tables.table("of_stages")
            spans = reported_times.with_reported_spans(self._spans(), self._items, self._tables, self._reported_tables)
            return stages.time_in_stages(spans, items, stage_table, window=terms, level=level, by=column)

        window = self.window(since=since, until=until, cut=cut)
        result = self._computed(
            "stages", build, cut=cut, options=(level, by), params={"level": level, "by": by}, window=window
        )
        return self._noted(result, cut, window, f"time per {level}")

    def time_in_stage(self, *, cut: Cut | None = None, level: str = "stage") -> MetricResult:
        """Time in each stage (or phase) per item, every item of the cut (finished or not)."""
        if level not in ("stage", "phase"):
            raise InputError(f"unknown level {level!r} (use stage or phase)", field="level")

        def build(_terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import stages

            stage_table = self._tables.table("of_stages")
            return stages.time_in_stage_items(self._spans(), self._cut_items(cut), stage_table, level=level)

        return self._computed("time-in-stage", build, cut=cut, options=(level,), params={"level": level}, window=None)

    def blocked(self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Blocked time per item."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import stages

            return stages.blocked_time(
                self._tables,
                self._spans(),
                self._cut_items(cut),
                all_items=self._items,
                window=terms,
                now=self._now_term,
            )

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("blocked", build, cut=cut, options=(), params={}, window=window)

    def sle(self, *, cut: Cut | None = None) -> MetricResult:
        """Service level expectation per team and item type."""
        thresholds = self._workspace.config.thresholds

        def build(_terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_time

            return flow_time.service_level_expectation(
                self._with_reported(self._cut_items(cut)),
                until=self._now_term,
                percentile=thresholds.sle_percentile,
                last_items=thresholds.sle_items,
            )

        params = {"percentile": thresholds.sle_percentile, "last_items": thresholds.sle_items}
        return self._computed(
            "sle",
            build,
            cut=cut,
            options=(thresholds.sle_percentile, thresholds.sle_items),
            params=params,
            window=None,
        )

    def littles_law(
        self, *, cut: Cut | None = None, since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Little's law check over the window."""

        def build(terms: WindowTerms | None) -> ir.Table:
            from orgflow.flow import flow_load, stages

            items = self._cut_items(cut)
            daily = flow_load.wip(items, self._calendar(), window=terms, by=None)
            return stages.littles_law(items, daily, window=terms)

        window = self.window(since=since, until=until, cut=cut)
        return self._computed("littles-law", build, cut=cut, options=(), params={}, window=window)

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
        if state not in (None, "open", "finished"):
            raise InputError(f"unknown state {state!r} (use open or finished)", field="state")

        def build(terms: WindowTerms | None) -> ir.Table:
            import ibis
            import ibis.expr.datatypes as dt
            from ibis import _

            from orgflow.flow import flow_time
            from orgflow.query.compiled import bound

            assert terms is not None
            items = self._cut_items(cut)
            touched = items.filter(
                _.created_at < terms.until,
                _.finished_at.isnull() | (_.finished_at >= terms.since),
            )
            if stage:
                touched = touched.filter(_.current_stage == bound("stage", stage, dt.string))
            if state == "open":
                touched = touched.filter(_.finished_at.isnull())
            elif state == "finished":
                touched = touched.filter(_.finished_at.notnull())
            return touched.select(
                *flow_time.ITEM_COLUMNS,
                "created_at",
                "started_at",
                "finished_at",
                "outcome",
                "current_stage",
                "skipped_start",
                lead_time_days=flow_time.days_between(_.created_at, _.finished_at),
                cycle_time_days=flow_time.days_between(_.started_at, _.finished_at),
                age_days=ibis.ifelse(
                    touched.finished_at.isnull(), flow_time.days_between(touched.started_at, self._now_term), None
                ),
            ).order_by("created_at", "item_id")

        window = self.window(since=since, until=until, cut=cut)
        # The stage is a bound value like the cut's: one compiled query serves every stage.
        return self._computed(
            "items",
            build,
            cut=cut,
            options=(bool(stage), state),
            params={"stage": stage, "state": state},
            window=window,
            bound_values={"stage": stage} if stage else None,
        )

    def _calendar(self) -> ir.Table:
        """Every UTC day a window may cover (the ``of_calendar`` lookup); metrics keep the window's."""
        return self._tables.table("of_calendar")

    def stage_spans(self, cut: Cut | None = None) -> ir.Table:
        """Every interval (one per transition, see `orgflow.flow.history.spans`) of the items of `cut`,
        with the item's source, id and team and the stage's name (``unmapped`` for an unmapped status);
        `now` is a literal in it.

        Columns: source, item_id, team_id, stage, stage_order, category, blocked_stage, entered_at,
        left_at, duration_us.
        """
        from ibis import _

        from orgflow.flow.history import with_stage_name
        from orgflow.query.compiled import inline_bound

        spans = self._spans()
        self._check_cut(cut)
        items = self._cut_items(cut).select("source", "item_id", "team_id", "workflow", s_ik=_.ik)
        joined = spans.join(items, spans.ik == items.s_ik)
        joined = with_stage_name(joined, self._tables.table("of_stages"), joined.stage_order)
        selected = joined.select(
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
        return inline_bound(selected)

    def _spans(self) -> ir.Table:
        """Every transition's interval, clipped to its item's end."""
        from orgflow.flow.history import spans

        return spans(self._finished_transitions())

    def _finished_transitions(self) -> ir.Table:
        """Every mapped transition up to `now`, its open interval closed at `now`."""
        self._prepare()
        return self._transitions

    def _name(self, part: str) -> str:
        """This service's temporary table for `part`: services of one workspace never share them."""
        return f"of_{part}_{self._serial}"
