"""`FlowService`: the flow figures bound to one workspace's tables, config and `now`.

Every figure is declared once in `orgflow.flow.figures` (its options, definition and the function
building its query); `FlowService.compute` takes a figure's name and options, applies the cut and the
window, runs the figure's query (`orgflow.flow.runner`: compiled once per shape and kept) and wraps its
table with the figure's definition, parameters and sample size. The named methods (`summary`,
`cycle_time`, ...: `orgflow.flow.named_figures`) are `compute` for one figure each. Surfaces call
only this; it never prints or formats.

The item facts come from `orgflow.flow.prepared`; Ibis (and sqlglot, which compiles its expressions)
load only when a query is built, so a command whose queries are kept (`orgflow.store.query_file`)
prepares with SQL and runs the kept SQL alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from orgflow import registry
from orgflow.errors import InputError
from orgflow.flow.after_data import AFTER_DATA_FIGURES, data_from, said_after_data, said_before_data
from orgflow.flow.blocked_recorded import blocked_unrecorded, recorded_query, unrecorded_sources
from orgflow.flow.mapped_stages import NEEDS, Needs, Reach, needs_check, reach_of, reach_query, ruled_out
from orgflow.flow.named_figures import NamedFigures
from orgflow.flow.phases import in_phase
from orgflow.flow.prepared import FlowContext, PreparedFacts
from orgflow.flow.result import MetricResult as MetricResult
from orgflow.flow.runner import QueryRunner, figure_result, reported_note
from orgflow.flow.unmapped_entries import any_unmapped, prefetch_unmapped_entries, said_unmapped, unmapped_entries
from orgflow.query.as_of import NOW_DATA, NOW_GIVEN, DataAsOf, as_of_params, data_as_of, default_now
from orgflow.query.window import BY_COLUMNS, Cut, Window, make_window

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

    from orgflow.query.window import WindowTerms

_SERIALS = itertools.count(1)


class FlowService(NamedFigures):
    """Flow figures of one workspace as of `now`; pass an earlier instant to see the flow as it was
    then (later transitions are ignored). Without `now`, the current UTC time, or the end of the
    data's last day when that is earlier (`orgflow.query.as_of`): a history that stopped is seen
    as of its end, not as years of nothing. `now_basis` says which, and every result's params too.

    The item facts come from the store's stored facts when they are current and cover `now`
    (`orgflow.flow.stored_facts`), else they are built for `now`; `stored_facts=False` always
    builds them (the same figures: benchmarks and tests compare the two).
    """

    def __init__(self, workspace: FlowContext, *, now: datetime | None = None, stored_facts: bool = True) -> None:
        self._workspace = workspace
        self._as_of: tuple[DataAsOf | None] | None = None
        self._from: tuple[datetime | None] | None = None
        if now is not None:
            self.now, self.now_basis = now.astimezone(UTC), NOW_GIVEN
        else:
            self.now, self.now_basis = default_now(datetime.now(UTC), self.data_as_of())
        self._serial = next(_SERIALS)
        self._facts = PreparedFacts(workspace, self.now, self._serial, use_stored=stored_facts)
        self._runner = QueryRunner(workspace, self._facts, self.now)
        self._earliest: tuple[datetime | None] | None = None

    def twin(self, workspace: FlowContext) -> FlowService:
        """This service over another connection to the same store (a server's lane: `orgflow.views.lanes`),
        with this one's `now` and `now_basis`, so that it answers every figure exactly as this one does."""
        other = FlowService(workspace, now=self.now)
        other.now_basis = self.now_basis
        return other

    def data_as_of(self) -> DataAsOf | None:
        """The moment the workspace's flow data is as of (`orgflow.query.as_of.data_as_of`), asked once."""
        if self._as_of is None:
            self._as_of = (data_as_of(self._workspace.store.connection),)
        return self._as_of[0]

    def data_from(self) -> datetime | None:
        """The data's first event (`orgflow.flow.after_data.data_from`, naive UTC), whatever `now` is."""
        if self._from is None:
            self._from = (data_from(self._workspace.store.connection),)
        return self._from[0]

    def as_of_params(self) -> dict[str, Any]:
        """`now`, what chose it (`now_basis`) and the data's as-of, as every result's params carry them."""
        return as_of_params(self.now, self.now_basis, self.data_as_of())

    @property
    def uses_stored_facts(self) -> bool:
        """Whether this service reads the store's stored facts (rather than facts built for its `now`)."""
        return self._facts.uses_stored_facts

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._workspace.ibis

    # -- every figure ------------------------------------------------------------------------------
    def compute(
        self, name: str, *, cut: Cut | None = None, since: date | None = None, until: date | None = None, **options: Any
    ) -> MetricResult:
        """The flow figure `name` (`orgflow.flow.figures`) of `cut` over the window `since`..`until`
        (inclusive UTC days; neither: the cut's default window), with the figure's own `options`.

        Raises:
            InputError: a bad option, cut or window.
            KeyError: no flow figure `name`.
            TypeError: an option the figure does not have, or a window for a figure without one.
        """
        figure = registry.figure(name, "flow")
        chosen = figure.options_for(self._workspace.config, options)
        window = None
        if figure.window:
            window = self.window(since=since, until=until, cut=cut)
        elif since is not None or until is not None:
            raise TypeError(f"{name} takes no window")
        table = self._runner.figure(figure, chosen, cut=cut, window=window)
        if cut is not None and cut.phase:
            from orgflow.query.plain_table import arrow_table

            table = in_phase(arrow_table(table), metric=name, phase=cut.phase, config=self._workspace.config)
        result = figure_result(figure, chosen, table, cut=cut, window=window, as_of=self.as_of_params())
        if figure.finish is not None:
            default = since is None and until is None
            result = figure.finish(self, result, cut=cut, window=window, options=chosen, default_window=default)
        if window is not None and name in AFTER_DATA_FIGURES:
            result = said_after_data(result, window, self.data_as_of())
            earliest = self.earliest_created()
            # The data's first event is at or before the first creation: a window from then on has nothing before it.
            if earliest is None or window.since < earliest.replace(tzinfo=None):
                result = said_before_data(result, window, self.data_from())
        if name in NEEDS:
            result = self._mapped(result, NEEDS[name], cut, chosen)
        if name == "blocked":
            result = self._blocked_said(result, cut)
        if name == "cfd" and window is not None and any_unmapped(self._facts):
            rows = unmapped_entries(self._runner, self._facts, self._workspace.queries_for("notes"), cut, window)
            result = said_unmapped(result, rows, window)
        if figure.note is not None and self._runner.any_reported():
            finished, reported = self._runner.reported_count(cut, window)
            note = figure.note.format(**{name: getattr(chosen, name) for name in figure.option_fields()})
            result = reported_note(result, finished, reported, note)
        if self.earliest_created() is None:
            from orgflow.flow.no_items import said_no_items

            result = said_no_items(result)
        return result

    def compute_many(
        self, name: str, asks: Sequence[tuple[Cut | None, date | None, date | None]], **options: Any
    ) -> list[MetricResult]:
        """`compute(name, cut=, since=, until=, **options)` for each of `asks` (cut, since, until): the
        same results in the same order, the queries behind them run for all asks at once (`prefetch`).

        Raises:
            InputError, KeyError, TypeError: as `compute`.
        """
        self.prefetch(name, asks, **options)
        return [self.compute(name, cut=cut, since=since, until=until, **options) for cut, since, until in asks]

    def prefetch(self, name: str, asks: Sequence[tuple[Cut | None, date | None, date | None]], **options: Any) -> None:
        """Run, for all of `asks` (cut, since, until) at once, the queries `compute(name, cut=, since=,
        until=, **options)` runs for each: the data ends behind each default window, the figure's query,
        the count behind its reported-times note, the stage reach behind what the mapping rules out and
        the unmapped entries behind the CFD's note, each as one statement for every ask that shares its
        kept query (`QueryRunner.prefetch`: a summary of each of 24 teams over its own window takes 3
        statements instead of 72). Their rows
        wait for those `compute` calls (each taken once), which give exactly what they give alone.

        Raises:
            InputError, KeyError, TypeError: as `compute`.
        """
        figure = registry.figure(name, "flow")
        chosen = figure.options_for(self._workspace.config, options)
        if figure.build is None or len(asks) < 2:
            return
        if figure.window and self.now_basis != NOW_GIVEN:
            self._prefetch_ends([cut for cut, since, until in asks if since is None and until is None])
        windowed = [
            (cut, self.window(since=since, until=until, cut=cut) if figure.window else None)
            for cut, since, until in asks
        ]
        self._runner.prefetch_figure(figure, chosen, windowed)
        if name in NEEDS:
            self._prefetch_reach(NEEDS[name], [cut for cut, _, _ in asks], chosen)
        if name == "cfd" and any_unmapped(self._facts):
            asked = [(cut, window) for cut, window in windowed if window is not None]
            prefetch_unmapped_entries(self._runner, self._facts, self._workspace.queries_for("notes"), asked)

    def _prefetch_ends(self, cuts: list[Cut | None]) -> None:
        """Prefetch the data ends (`data_ends`) behind the default window of each of `cuts`."""
        from orgflow.flow.own_windows import data_ends_query

        facts = self._facts

        def build_for(cut: Cut | None) -> Callable[[WindowTerms | None], ir.Table]:
            return lambda _terms: data_ends_query(facts, cut, None)

        self._runner.prefetch("data-ends", build_for, [(cut, None, ()) for cut in cuts], shape=(None,))

    def _prefetch_reach(self, needs: Needs, cuts: list[Cut | None], options: Any) -> None:
        """Prefetch the stage reach `_mapped` asks of each of `cuts` (`QueryRunner.prefetch`)."""
        by = None if getattr(options, "per_item", False) else getattr(options, "by", None) or needs.group_by
        if by == "org":
            by = None
        facts = self._facts

        def build_for(cut: Cut | None) -> Callable[[WindowTerms | None], ir.Table]:
            return lambda _terms: reach_query(facts, cut, by)

        self._runner.prefetch(
            "stage-reach",
            build_for,
            [(cut, None, ()) for cut in cuts],
            shape=(by,),
            queries=self._workspace.queries_for("notes"),
        )

    def _mapped(self, result: MetricResult, needs: Needs, cut: Cut | None, options: Any) -> MetricResult:
        """`result` with what the mapping rules out nulled and said (`orgflow.flow.mapped_stages`): per
        its --by group (the team for the SLE, the whole cut for rows per item)."""
        by = None if getattr(options, "per_item", False) else getattr(options, "by", None) or needs.group_by
        if by == "org":
            by = None
        group = needs.group or by
        if not needs_check(result, needs, group):
            return result
        return ruled_out(result, needs, self.stage_reach(cut, by), group)

    def _blocked_said(self, result: MetricResult, cut: Cut | None) -> MetricResult:
        """`result` of the blocked figure, with its flagged, status and total time unknown when the sources
        of `cut`'s items record no blocked flag and no blocked status (`orgflow.flow.blocked_recorded`)."""
        sources = self.blocked_unrecorded_sources(cut)
        return result if sources is None else blocked_unrecorded(result, sources)

    def blocked_unrecorded_sources(self, cut: Cut | None = None) -> list[str] | None:
        """The sources of `cut`'s items when none records a blocked flag or a blocked status (blocked time
        is then unknown: `orgflow.flow.blocked_recorded`), else None; a kept query of its own."""
        facts = self._facts
        table = self._runner.rows(
            "blocked-recorded",
            lambda _terms: recorded_query(facts, cut),
            cut=cut,
            shape=(),
            window=None,
            queries=self._workspace.queries_for("notes"),
        )
        return unrecorded_sources(table.to_pylist())

    def stage_reach(self, cut: Cut | None = None, by: str | None = None) -> Reach:
        """Which `by` groups of `cut` (None: the whole cut) have no status mapped to a done stage, and
        which none mapped to an active one (`orgflow.flow.mapped_stages`); a kept query of its own."""
        facts = self._facts
        table = self._runner.rows(
            "stage-reach",
            lambda _terms: reach_query(facts, cut, by),
            cut=cut,
            shape=(by,),
            window=None,
            queries=self._workspace.queries_for("notes"),
        )
        return reach_of(table.to_pylist(), BY_COLUMNS.get(by) if by else None)

    # -- windows -----------------------------------------------------------------------------------
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
        return make_window(since=since, until=until, now=self.now, earliest=self.earliest_created())

    def history_window(self) -> Window:
        """The whole history: from the first item's creation to the start of `now`'s day."""
        return make_window(since=None, until=None, now=self.now, earliest=self.earliest_created())

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
        return default_window(end=end, earliest=self.earliest_created(), data_end=data_end)

    def data_ends(self, cut: Cut | None = None, by: str | None = None) -> dict[Any, datetime]:
        """The moment the data behind `cut` is as of, per `by` value (the key None without `by`):
        the latest creation, stage change or finish of its items, or the last sync of their source
        (resource ``issues``, as `orgflow.query.as_of.data_as_of` reads it) when that is later.
        Aware UTC instants; groups without items are absent.

        Raises:
            InputError: an unknown team, group or value stream, or `by`.
        """
        from orgflow.flow.own_windows import data_ends_query

        facts = self._facts
        table = self._runner.rows(
            "data-ends", lambda _terms: data_ends_query(facts, cut, by), cut=cut, shape=(by,), window=None
        )
        column = BY_COLUMNS.get(by) if by else None
        keys = table.column(column).to_pylist() if column else [None] * table.num_rows
        return {
            key: end.replace(tzinfo=UTC)
            for key, end in zip(keys, table.column("data_end").to_pylist(), strict=True)
            if end is not None
        }

    def earliest_created(self) -> datetime | None:
        """The first item's creation (aware UTC), asked of the store once per service."""
        if self._earliest is None:
            earliest = self._facts.earliest_created()
            self._earliest = (None if earliest is None else earliest.replace(tzinfo=UTC),)
        return self._earliest[0]

    # -- the facts themselves ----------------------------------------------------------------------
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

        self._facts.check_cut(cut)
        return inline_bound(self._facts.cut_items(cut))

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

        spans = self._facts.spans()
        self._facts.check_cut(cut)
        items = self._facts.cut_items(cut).select("source", "item_id", "team_id", "workflow", s_ik=_.ik)
        joined = spans.join(items, spans.ik == items.s_ik)
        joined = with_stage_name(joined, self._facts.stage_table(), joined.stage_order)
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
