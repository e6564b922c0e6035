"""Running a flow figure's query: compiled once per shape, kept, and run again with new values.

`now`, the window and the cut's values enter every query as bound values (`orgflow.query.compiled`):
a figure's compiled query is kept in the workspace's `compiled_queries` under its key (the figure, the
fact tables it reads, which cut fields are set, and its options instance: `query_key`), so the same
figure asked again, for another `now`, window or team, by this or another service of the workspace,
runs without being built or compiled again. A service that builds its own tables (facts for a past
`now`, or flagged time when the store has blocked flags) reads tables named after it, so only it
reuses its queries.

Ibis (and sqlglot, which compiles its expressions) load only when a query is built: a command whose
queries are kept (`orgflow.store.query_file`) runs the kept SQL alone.

Past 400 lines: building, keeping, batching (`prefetch`) and running a figure's queries, and the counts
behind its notes, share one set of caches (the kept rows, the prefetched rows, the counts), which the
runner alone reads and writes.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orgflow.flow.pre_aggregates import EVERY_FIGURE_PRE_AGGREGATES, FIGURE_PRE_AGGREGATES, MANY_CALLS_PRE_AGGREGATES
from orgflow.flow.reported_times import ReportedCount, reported_note_text, skipped_by_report, timed_by_report
from orgflow.flow.result import MetricResult
from orgflow.query.compiled_sql import QueryCache, run_fitted, run_kept
from orgflow.query.cuts import cut_shape, cut_values
from orgflow.query.window import BY_COLUMNS, Cut, Window, WindowTerms

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from orgflow.flow.prepared import FlowContext, PreparedFacts
    from orgflow.registry import Figure


REPORTED_KEPT = 256
"""How many (cut, window) counts of reported times a runner keeps."""
KEPT_ROWS = frozenset({"stage-reach", "data-ends"})
"""Queries without a window whose rows (a few per cut) a runner keeps by their key and values: the
facts under a runner never change, so the same query with the same values gives the same rows (a
dashboard asks them for every figure of a cut, whatever the window)."""
ROWS_KEPT = 256
"""How many results of `KEPT_ROWS` queries a runner keeps (the least recently asked go first)."""
PREFETCHED_KEPT = 1024
"""How many rows `QueryRunner.prefetch` got a runner keeps until they are asked for (the oldest go first)."""
PRE_AGGREGATE_AFTER = 1
"""How many calls of a figure a runner answers from the items alone before it writes the figure's
pre-aggregates (`orgflow.flow.pre_aggregates.FIGURE_PRE_AGGREGATES`) and reads them: a command asks once, a
dashboard many times."""
MANY_CALLS = 48
"""How many figure calls a runner answers before every figure's query reads the service's items closed
at `now` as one table written once (and the summary its other pre-aggregates:
`orgflow.flow.pre_aggregates.EVERY_FIGURE_PRE_AGGREGATES`, `MANY_CALLS_PRE_AGGREGATES`): a command, or a
script asking a few figures, keeps running the queries it always ran; a dashboard (a page asks about
a dozen figures, its start-up every page's) or a report reads the tables."""


def query_shape(figure: Figure, options: Any) -> tuple[Hashable, dict[str, Any]]:
    """What of `options` shapes the figure's query, and the options that enter it as bound values.

    The options instance itself, except that each of the figure's `bound` fields counts only by being
    set (its value is bound: one compiled query serves every value).
    """
    if not figure.bound:
        return options, {}
    given = {name: getattr(options, name) for name in figure.bound if getattr(options, name)}
    shape = dataclasses.replace(options, **dict.fromkeys(figure.bound))
    return (shape, tuple(given)), given


class QueryRunner:
    """Runs queries over one service's prepared facts, keeping each compiled query by its shape.

    Args:
        context: the workspace: its store runs the queries, its `compiled_queries` keeps them.
        facts: the service's facts (prepared before a query runs).
        now: the service's `now` (aware UTC), bound into every query.
    """

    def __init__(self, context: FlowContext, facts: PreparedFacts, now: datetime) -> None:
        self._context = context
        self._facts = facts
        self._now = now.replace(tzinfo=None)
        self._reported: dict[tuple[Cut | None, Window | None], tuple[int, ReportedCount]] = {}
        self._asked: dict[str, int] = {}
        self._calls = 0
        self._kept_rows: OrderedDict[Hashable, pa.Table] = OrderedDict()
        self._prefetched: dict[Hashable, pa.Table] = {}

    def rows(
        self,
        name: str,
        build: Callable[[WindowTerms | None], ir.Table],
        *,
        cut: Cut | None,
        shape: Hashable,
        window: Window | None,
        bound_values: dict[str, Any] | None = None,
        queries: QueryCache | None = None,
        pre_aggregates: tuple[str, ...] = (),
    ) -> pa.Table:
        """The rows of `build`'s query: the compiled query kept under (`name`, facts, the cut's shape,
        `shape`) when there is one, else `build(terms of the window)` compiled, run and kept in
        `queries` (default: the workspace's `compiled_queries`). With `pre_aggregates`, they are
        written first, their tables' names enter the key and `build` reads them
        (`orgflow.flow.prepared.PreparedFacts.reading`).

        `shape` must hold everything `build` reads besides `now`, the window, the cut's values and
        `bound_values` (by label), which enter as bound values. A bound value `build` took from
        anywhere else is caught here: its value would be frozen into every later run.

        Raises:
            InputError: the cut names an unknown team, group or value stream.
        """
        key, values = self._key_values(name, cut, shape, window, bound_values, pre_aggregates)
        if queries is None:
            queries = self._context.compiled_queries
        if name in KEPT_ROWS and window is None:
            kept_key = (key, tuple(sorted(values.items())))
            kept = self._kept_rows.get(kept_key)
            if kept is None:
                kept = self._answer(key, build, values, window, queries, pre_aggregates)
                self._kept_rows[kept_key] = kept
                while len(self._kept_rows) > ROWS_KEPT:
                    self._kept_rows.popitem(last=False)
            else:
                self._kept_rows.move_to_end(kept_key)
            return kept
        return self._answer(key, build, values, window, queries, pre_aggregates)

    def _key_values(
        self,
        name: str,
        cut: Cut | None,
        shape: Hashable,
        window: Window | None,
        bound_values: dict[str, Any] | None,
        pre_aggregates: tuple[str, ...],
    ) -> tuple[Hashable, dict[str, Any]]:
        """The key a query is kept under and the values bound into it (`rows`); the facts prepared and
        the cut checked first, the `pre_aggregates` written.

        Raises:
            InputError: the cut names an unknown team, group or value stream.
        """
        self._facts.prepare()
        self._facts.check_cut(cut)
        values: dict[str, Any] = {"now": self._now, **cut_values(cut or Cut())}
        values |= bound_values or {}
        if window is not None:
            values |= {"since": window.since, "until": window.until, "days": window.days}
        key: Hashable = (name, self._facts.names, cut_shape(cut or Cut()), shape)
        if pre_aggregates:
            key = (key, tuple(self._facts.derived(part) for part in pre_aggregates))
        return key, values

    def _answer(
        self,
        key: Hashable,
        build: Callable[[WindowTerms | None], ir.Table],
        values: dict[str, Any],
        window: Window | None,
        queries: QueryCache,
        pre_aggregates: tuple[str, ...],
    ) -> pa.Table:
        """The rows `prefetch` got for `key` and `values` (taken once), else `_run`'s."""
        fetched = self._prefetched.pop(_fetched_key(key, values, pre_aggregates), None)
        if fetched is not None:
            return fetched
        return self._run(key, build, values, window, queries, pre_aggregates)

    def prefetch(
        self,
        name: str,
        build_for: Callable[[Cut | None], Callable[[WindowTerms | None], ir.Table]],
        asks: Sequence[tuple[Cut | None, Window | None, tuple[str, ...]]],
        *,
        shape: Hashable,
        bound_values: dict[str, Any] | None = None,
        queries: QueryCache | None = None,
    ) -> None:
        """Run the query `rows(name, build_for(cut), cut=, window=, pre_aggregates=)` would run for each of
        `asks` (cut, window, pre-aggregates), for all of them at once: the asks sharing a kept query
        (the same cut fields and pre-aggregates) are answered by one statement
        (`orgflow.flow.many_values`), and their rows kept until `rows` asks for them (each once). A
        query not yet kept is compiled on its first ask (run as `rows` runs it); a query whose asks
        one statement cannot answer is left to `rows`, which runs it once per ask as always.

        The rows are kept by the query's key without its pre-aggregates: a later `rows` that reads
        other pre-aggregates than the ask did (a runner's calls decide which: `figure`) takes them too,
        since reading the pre-aggregates gives the same rows as reading the items
        (`orgflow.flow.prepared`).

        `build_for(cut)`, `shape` and `bound_values` are as for `rows`; the rows are exactly those `rows`
        gives.

        Raises:
            InputError: a cut names an unknown team, group or value stream.
        """
        from orgflow.flow.many_values import run_for_each

        if queries is None:
            queries = self._context.compiled_queries
        grouped: dict[Hashable, list[tuple[dict[str, Any], Hashable]]] = {}
        for cut, window, parts in asks:
            key, values = self._key_values(name, cut, shape, window, bound_values, parts)
            fetched_key = _fetched_key(key, values, parts)
            if fetched_key in self._prefetched:
                continue
            if queries.get(key) is None:
                self._prefetched[fetched_key] = self._run(key, build_for(cut), values, window, queries, parts)
                continue
            grouped.setdefault(key, []).append((values, fetched_key))
        connection = self._context.store.connection
        for key, key_asks in grouped.items():
            query = queries.get(key)
            if query is None or len(key_asks) < 2:
                continue  # one ask (or a query dropped meanwhile): `rows` runs it as always
            tables = run_for_each(connection, query, [values for values, _ in key_asks])
            if tables is None:
                continue
            for (_, fetched_key), table in zip(key_asks, tables, strict=True):
                self._prefetched[fetched_key] = table
        while len(self._prefetched) > PREFETCHED_KEPT:
            self._prefetched.pop(next(iter(self._prefetched)))

    def prefetch_figure(self, figure: Figure, options: Any, asks: Sequence[tuple[Cut | None, Window | None]]) -> None:
        """`prefetch` the rows `figure` with `options` gives each of `asks` (cut, window) when the next
        `len(asks)` figure calls of this runner ask them in that order (`figure`: the pre-aggregates
        each of those calls reads), and the reported count (`reported_count`) of each."""
        if figure.build is None:
            raise ValueError(f"{figure.name} has no query to build")
        build = figure.build
        facts = self._facts
        shape, bound_values = query_shape(figure, options)
        asked = self._asked.get(figure.name, 0)
        figure_asks = []
        counted_asks = []
        for index, (cut, window) in enumerate(asks):
            calls = self._calls + index + 1
            parts = self._figure_parts(figure, options, asked + index, calls)
            figure_asks.append((cut, window, parts))
            if (cut, window) not in self._reported:
                counted_asks.append((cut, window, EVERY_FIGURE_PRE_AGGREGATES if calls > MANY_CALLS else ()))

        def build_of(cut: Cut | None) -> Callable[[WindowTerms | None], ir.Table]:
            return lambda terms: build(facts, cut, options, terms)

        self.prefetch(figure.name, build_of, figure_asks, shape=shape, bound_values=bound_values)
        if figure.note is not None and self.any_reported():
            queries = self._context.queries_for("notes")
            self.prefetch("reported-count", self._reported_build, counted_asks, shape=(), queries=queries)

    def _run(
        self,
        key: Hashable,
        build: Callable[[WindowTerms | None], ir.Table],
        values: dict[str, Any],
        window: Window | None,
        queries: QueryCache,
        pre_aggregates: tuple[str, ...],
    ) -> pa.Table:
        """The rows of the query kept under `key` in `queries` with `values`; else `build`'s query
        (reading `pre_aggregates`) compiled, run and kept there (`rows`)."""
        connection = self._context.store.connection
        query = queries.get(key)
        if query is not None:
            return run_kept(connection, query, values)
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
        with self._facts.reading(pre_aggregates):
            expression = build(terms)
        stray = {label: value for label, value in values_of(expression).items() if values.get(label) != value}
        if stray:
            raise AssertionError(f"{key[0]}: bound values not from this call: {stray}")
        table, query = run_fitted(connection, compile_query(expression), values)
        queries.put(key, query)
        return table

    def figure(self, figure: Figure, options: Any, *, cut: Cut | None, window: Window | None) -> pa.Table:
        """The rows of `figure` with `options` (its build function's query, kept by `query_shape`)."""
        if figure.build is None:
            raise ValueError(f"{figure.name} has no query to build")
        build = figure.build
        facts = self._facts
        shape, bound_values = query_shape(figure, options)
        # From its second call on, a figure reads its pre-aggregates (a first call, as a command makes,
        # measures only its own items), and from the runner's `MANY_CALLS`th call on the pre-aggregated
        # items: written first (a kept query reads them too), their names are part of the query's key,
        # and the build function reads them.
        asked = self._asked.get(figure.name, 0)
        self._asked[figure.name] = asked + 1
        self._calls += 1
        parts = self._figure_parts(figure, options, asked, self._calls)
        return self.rows(
            figure.name,
            lambda terms: build(facts, cut, options, terms),
            cut=cut,
            shape=shape,
            window=window,
            bound_values=bound_values,
            pre_aggregates=parts,
        )

    def any_reported(self) -> bool:
        """Whether any item's figures can come from the source's reported time in status: when none can,
        every `reported_count` counts none of them, and its query is not worth running."""
        self._facts.prepare()
        return self._facts.reported_items > 0

    def reported_count(self, cut: Cut | None, window: Window | None) -> tuple[int, ReportedCount]:
        """(items finished (done) in the window, how many of them have only reported times in status: those
        the reported times time and those they show skipping every active stage, `reported_times.ReportedCount`);
        kept apart, in the workspace's queries ``notes``. Counted once per cut and window (the figures of
        one page share it), the last `REPORTED_KEPT` kept."""
        kept = self._reported.get((cut, window))
        if kept is not None:
            return kept
        queries = self._context.queries_for("notes")
        # Once the figures read the pre-aggregated items (a dashboard's), so does the count.
        parts = EVERY_FIGURE_PRE_AGGREGATES if self._calls > MANY_CALLS else ()
        row = self.rows(
            "reported-count",
            self._reported_build(cut),
            cut=cut,
            shape=(),
            window=window,
            queries=queries,
            pre_aggregates=parts,
        ).to_pylist()[0]
        counted = (row["finished"], ReportedCount(row["timed"] or 0, row["skipped"] or 0))
        self._reported[(cut, window)] = counted
        while len(self._reported) > REPORTED_KEPT:
            self._reported.pop(next(iter(self._reported)))
        return counted

    def _reported_build(self, cut: Cut | None) -> Callable[[WindowTerms | None], ir.Table]:
        """The query of `reported_count` for `cut`: the done items finished in the window, how many of
        them the reported times time and how many they show skipping every active stage."""
        facts = self._facts

        def build(terms: WindowTerms | None) -> ir.Table:
            from ibis import _

            done = facts.with_reported(facts.cut_items(cut)).filter(_.outcome == "done")
            if terms is not None:
                done = done.filter(_.finished_at >= terms.since, _.finished_at < terms.until)
            timed, skipped = timed_by_report(done), skipped_by_report(done)
            return done.aggregate(finished=_.count(), timed=timed.sum(), skipped=skipped.sum())

        return build

    def _figure_parts(self, figure: Figure, options: Any, asked: int, calls: int) -> tuple[str, ...]:
        """The pre-aggregates a figure call reads when `figure` was asked `asked` times before and the
        call is the runner's `calls`th (`figure`)."""
        parts: tuple[str, ...] = ()
        if calls > MANY_CALLS:
            parts = (*EVERY_FIGURE_PRE_AGGREGATES, *MANY_CALLS_PRE_AGGREGATES.get(figure.name, ()))
        if asked >= PRE_AGGREGATE_AFTER and figure.name in FIGURE_PRE_AGGREGATES:
            parts = (*parts, *FIGURE_PRE_AGGREGATES[figure.name](options))
        return parts


def _fetched_key(key: Hashable, values: dict[str, Any], pre_aggregates: tuple[str, ...]) -> Hashable:
    """What `QueryRunner.prefetch` keeps rows under: the query's key without its pre-aggregates (`rows`
    adds them as the key's second part), and its values."""
    base = key[0] if pre_aggregates and isinstance(key, tuple) else key
    return (base, tuple(sorted(values.items())))


def figure_result(
    figure: Figure,
    options: Any,
    table: pa.Table,
    *,
    cut: Cut | None,
    window: Window | None,
    as_of: dict[str, Any],
) -> MetricResult:
    """`table` as the figure's result: its definition and params (the cut, the options the figure
    shows, the window, `as_of` and the row count); rows grouped by an item column (team_id) show it
    under the name asked for (team)."""
    by = getattr(options, "by", None)
    column = BY_COLUMNS.get(by) if by else None
    if column and column != by and column in table.column_names:
        table = table.rename_columns([by if name == column else name for name in table.column_names])
    params = {**(cut or Cut()).as_params(), **{name: getattr(options, name) for name in figure.params}}
    if window is not None:
        params["since"] = window.since.isoformat() + "Z"
        params["until"] = window.until.isoformat() + "Z"
    params |= as_of
    if window is not None and window.data_end is not None:
        params["cut_data_as_of"] = window.data_end.isoformat()
    params["rows"] = table.num_rows
    return MetricResult(figure.name, figure.definition, params, table)


def reported_note(result: MetricResult, finished: int, reported: ReportedCount, figures: str) -> MetricResult:
    """`result` with a note saying how many of its `finished` done items' `figures` the source's
    reported time in status measures and how many it shows skipping every active stage (`reported`:
    `reported_times.reported_note_text`; nothing added when none has reported times)."""
    note = reported_note_text(figures, finished, reported)
    if note is None:
        return result
    return dataclasses.replace(result, notes=[*result.notes, note])
