"""`PreparedFacts`: the item facts and lookups one flow service reads, as of its `now`.

Preparing builds the lookup tables and takes the open item facts: the store's stored facts when they
are current and cover `now` (`orgflow.flow.stored_facts.usable`), else facts built for `now` as this
service's own temporary tables; with blocked flags, their overlap with active time too. Only table
names are set then; the Ibis expressions over them (`items`, `spans`, ...) are built when a query is
built, which a kept compiled query does not need.

The expressions are what a figure's build function reads (`orgflow.flow.queries`): every one is closed
at `now` as a bound value, so a query built from them runs again for another `now`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple, Protocol

from orgflow.errors import InputError
from orgflow.flow import reported_times, stored_facts
from orgflow.flow.pre_aggregates import PRE_AGGREGATES
from orgflow.query.cuts import check_cut, cut_items
from orgflow.query.lookups import sql_literal
from orgflow.query.tables import KnownTables
from orgflow.query.window import BY_COLUMNS, Cut

if TYPE_CHECKING:
    from datetime import datetime

    import ibis
    import ibis.expr.types as ir

    from orgflow.config import Config
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.query.lookups import Lookups
    from orgflow.store import Store


class FlowContext(Protocol):
    """What a flow service needs of its workspace: the store, the config, the Ibis backend over the
    store, the compiled queries it keeps and its lookup tables (`orgflow.workspace.Workspace` is one)."""

    @property
    def store(self) -> Store: ...

    @property
    def config(self) -> Config: ...

    @property
    def ibis(self) -> ibis.BaseBackend: ...

    @property
    def compiled_queries(self) -> QueryCache: ...

    @property
    def lookups(self) -> Lookups: ...

    def queries_for(self, section: str) -> QueryCache: ...


_ALIVE: weakref.WeakSet[PreparedFacts] = weakref.WeakSet()
"""Every service's facts that wrote a pre-aggregate and are still referenced (`PreparedFacts.derived`)."""


class FactTables(NamedTuple):
    """The tables a service's open facts are read from (`flagged`: None without blocked flags)."""

    items: str
    transitions: str
    climbs: str
    flagged: str | None


class PreparedFacts:
    """The item facts, transitions and CFD climbs of one service as of `now`, and the lookups.

    Args:
        context: the workspace (or any `FlowContext`).
        now: the instant the facts are closed at (aware UTC).
        serial: this service's number: its own temporary tables are named after it.
        use_stored: read the store's stored facts when they serve (False: always build them).
    """

    def __init__(self, context: FlowContext, now: datetime, serial: int, *, use_stored: bool = True) -> None:
        self._context = context
        self._now = now.replace(tzinfo=None)
        self._serial = serial
        self._use_stored = use_stored
        self._prepared = False
        self._known_cuts: set[Cut] = set()
        self._derived: dict[str, str] = {}
        self._reading: frozenset[str] = frozenset()
        self.names = FactTables("", "", "", None)
        """The tables the open facts are read from (set by `prepare`; every query's shape depends on them)."""
        self.reported_names = reported_times.ReportedTables()
        self.reported_items = 0
        """Items whose figures can come from the source's reported time in status (rows of
        `reported_names.items` with a reported cycle time; set by `prepare`): none, and no figure's note of
        reported times (`orgflow.flow.runner.QueryRunner.reported_count`) can say anything."""
        self.unmapped_moves = 0
        """Transitions into a status no stage of the item's workflow lists (category ``unmapped``; set by
        `prepare`): none, and the CFD's note on them (`orgflow.flow.unmapped_entries`) has nothing to count."""

    @property
    def uses_stored_facts(self) -> bool:
        """Whether the facts are the store's stored ones (rather than built for `now`)."""
        self.prepare()
        return self.names.items == stored_facts.ITEMS_TABLE

    def prepare(self) -> None:
        """Build the lookups and take the open facts (see the module's docstring); once."""
        if self._prepared:
            return
        connection = self._context.store.connection
        # The workspace's lookups: written only when their rows changed since it last wrote them.
        lookups = self._context.lookups
        lookups.build(self._context.config)
        attribution = tuple(self._context.config.org.attribution)
        if self._use_stored and stored_facts.usable(connection, attribution, self._now, lookups):
            names = {
                "items": stored_facts.ITEMS_TABLE,
                "transitions": stored_facts.TRANSITIONS_TABLE,
                "climbs": stored_facts.CLIMBS_TABLE,
            }
        else:
            names = {part: self.own_name(part) for part in ("attribution", "base", "transitions", "items", "climbs")}
            stored_facts.build_open_facts(connection, self.tables, now=self._now, attribution=attribution, names=names)
        self.names = FactTables(names["items"], names["transitions"], names["climbs"], None)
        # Reported times keyed like the facts: shared names with the stored facts, this service's own else.
        own = "" if names["items"] == stored_facts.ITEMS_TABLE else f"_{self._serial}"
        self.reported_names = reported_times.ReportedTables(*(name + own for name in reported_times.ReportedTables()))
        reported_times.build_reported_tables(connection, names["items"], self.reported_names, lookups)
        (self.reported_items,) = connection.execute(
            f"SELECT count(*) FROM {self.reported_names.items} WHERE reported_cycle_us IS NOT NULL"
        ).fetchone()  # type: ignore[misc]
        (self.unmapped_moves,) = connection.execute(
            f"SELECT count(*) FROM {names['transitions']} WHERE category = 'unmapped'"
        ).fetchone()  # type: ignore[misc]
        (flags,) = connection.execute("SELECT count(*) FROM blocked_intervals").fetchone()
        if flags:
            flagged = self.own_name("flagged")
            self._write_flagged(flagged)
            self.names = self.names._replace(flagged=flagged)
        self._prepared = True

    def _write_flagged(self, name: str) -> None:
        """Write the blocked flags' overlap with active time (`history.flag_overlap`) as of `now` into the
        temporary table `name`. Its compiled query is kept like a figure's (in the workspace's queries
        ``tables``, by the fact tables it reads), so a process that finds it kept builds no expression."""
        queries = self._context.queries_for("tables")
        key = ("flagged", self.names)
        values = {"now": self._now}
        query = queries.get(key)
        if query is None:
            from orgflow.flow.history import flag_overlap
            from orgflow.query.compiled import compile_query, values_of

            open_items = self.tables.table(self.names.items)
            overlap = flag_overlap(self.tables, open_items, self.transitions, now=self.now)
            stray = {label: value for label, value in values_of(overlap).items() if values.get(label) != value}
            if stray:
                raise AssertionError(f"flagged time: bound values not from this service: {stray}")
            query = compile_query(overlap)
            queries.put(key, query)
        stored_facts.write_table(self._context.store.connection, name, query.sql_with(values))

    def derived(self, part: str) -> str:
        """The table of the pre-aggregate `part` (a key of `orgflow.flow.pre_aggregates.PRE_AGGREGATES`),
        with this service's rows written on first use: a figure that reads it cuts it to each window and
        cut instead of measuring every item again (`orgflow.flow.pre_aggregates.FIGURE_PRE_AGGREGATES`
        says which figures do).

        The table is named after the fact tables it is measured from (as the queries reading it are
        kept: `orgflow.flow.runner`), so services of one workspace with other `now`s share it: each
        row carries the `now` it is measured as of (``as_of``), each service replaces its own rows when
        it first needs them (and drops those of services no longer referenced anywhere), and readers
        keep only their `now`'s (`pre_aggregate`). Its compiled query
        is kept like the flagged time's (workspace queries ``tables``, by the fact tables it reads).
        """
        name = self._derived.get(part)
        if name is not None:
            return name
        self.prepare()
        shared = self.names.items == stored_facts.ITEMS_TABLE and self.names.flagged is None
        name = f"of_pre_{part}" + ("" if shared else f"_{self._serial}")
        queries = self._context.queries_for("tables")
        key = (part, self.names)
        values = {"now": self._now}
        query = queries.get(key)
        if query is None:
            from orgflow.query.compiled import compile_query, values_of

            with self.reading(()):  # measured from the facts themselves, never from another pre-aggregate
                measured = PRE_AGGREGATES[part](self)
            expression = measured.mutate(as_of=self.now)
            stray = {label: value for label, value in values_of(expression).items() if values.get(label) != value}
            if stray:
                raise AssertionError(f"{part}: bound values not from this service: {stray}")
            query = compile_query(expression)
            queries.put(key, query)
        sql = query.sql_with(values)
        connection = self._context.store.connection
        connection.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS SELECT * FROM ({sql}) LIMIT 0")
        # This service's rows are replaced, and those of services no longer referenced dropped (a
        # server makes a service a day: their rows would pile up).
        writers = [facts for facts in _ALIVE if facts._derived.get(part) == name]
        others = {facts._now for facts in writers if facts._context.store.connection is connection} - {self._now}
        kept = ", ".join(sql_literal(now) for now in sorted(others))
        connection.execute(f"DELETE FROM {name}" + (f" WHERE as_of NOT IN ({kept})" if kept else ""))
        # A team's rows together: DuckDB filters a table laid out by team for one team's rows faster (a
        # team's throughput query on the 100k demo's items, 8.4 -> 6.7 ms of CPU).
        clustered = " ORDER BY team_id" if "team_id" in query.schema.names else ""
        connection.execute(f"INSERT INTO {name} SELECT * FROM ({sql}){clustered}")
        self._derived[part] = name
        _ALIVE.add(self)
        return name

    def has_derived(self, part: str) -> bool:
        """Whether this service has written its rows of the pre-aggregate `part` (`derived`)."""
        return part in self._derived

    @contextmanager
    def reading(self, parts: tuple[str, ...]) -> Iterator[None]:
        """Within the block, the query being built reads the pre-aggregates `parts` (each written:
        `derived`) and no other (`reads`): the runner builds a query inside it, with the parts' table
        names in the query's key, so a kept query reads exactly what its key says."""
        for part in parts:
            self.derived(part)
        previous, self._reading = self._reading, frozenset(parts)
        try:
            yield
        finally:
            self._reading = previous

    def reads(self, part: str) -> bool:
        """Whether the query being built reads the pre-aggregate `part` (`reading`)."""
        return part in self._reading

    def pre_aggregate(self, part: str) -> ir.Table:
        """This service's rows of the pre-aggregate `part` (`derived`), without ``as_of``."""
        table = self.tables.table(self.derived(part))
        return table.filter(table.as_of == self.now).drop("as_of")

    def own_name(self, part: str) -> str:
        """This service's temporary table for `part`: services of one workspace never share them."""
        return f"of_{part}_{self._serial}"

    def earliest_created(self) -> datetime | None:
        """The first item's creation (naive UTC), asked of the store."""
        self.prepare()
        connection = self._context.store.connection
        (earliest,) = connection.execute(f"SELECT min(created_at) FROM {self.names.items}").fetchone()
        return earliest

    def check_cut(self, cut: Cut | None) -> None:
        """`orgflow.query.cuts.check_cut` on these facts' items; a cut found known once is not asked again
        (the facts and the config do not change under a service).

        Raises:
            InputError: the cut names an unknown team, group, value stream or item type, or a phase
                the config lacks.
        """
        if cut is not None and cut not in self._known_cuts:
            self.prepare()
            check_cut(self._context.store.connection, self._context.config, cut, items_table=self.names.items)
            self._known_cuts.add(cut)

    # -- the expressions a figure's query is built from ------------------------------------------
    @cached_property
    def tables(self) -> KnownTables:
        """The Ibis tables of the store, each schema looked up once."""
        return KnownTables(self._context.ibis)

    @cached_property
    def now(self) -> ir.TimestampScalar:
        """`now` as a bound value (naive UTC)."""
        from orgflow.query.compiled import TIMESTAMP, bound

        return bound("now", self._now, TIMESTAMP)

    @cached_property
    def transitions(self) -> ir.Table:
        """The mapped transitions closed at `now` (`history.finish_transitions`); after `prepare` (which
        reads them for the flagged time)."""
        from orgflow.flow.history import finish_transitions

        return finish_transitions(self.tables.table(self.names.transitions), now=self.now)

    @property
    def items(self) -> ir.Table:
        """Every item's facts closed at `now` (`history.finish_items`), flagged time subtracted: the
        pre-aggregate ``items`` (those facts written once as a table) when the query being built reads
        it (`reads`), else `measured_items`."""
        if "items" in self._reading:
            return self.pre_aggregate("items")
        return self.measured_items

    @cached_property
    def measured_items(self) -> ir.Table:
        """Every item's facts closed at `now` (`history.finish_items`), flagged time subtracted, as an
        expression over the fact tables."""
        from orgflow.flow.history import finish_items

        self.prepare()
        flagged = self.tables.table(self.names.flagged) if self.names.flagged else None
        return finish_items(self.tables.table(self.names.items), flagged, now=self.now)

    @cached_property
    def reported(self) -> ir.Table:
        """Reported active and cycle time of items without status history (`reported_times.reported_item_times`)."""
        return reported_times.reported_item_times(self.tables, self.reported_names)

    @cached_property
    def climbs(self) -> ir.Table:
        """The CFD's climbs (`flow_load.cfd_climbs`)."""
        self.prepare()
        return self.tables.table(self.names.climbs)

    def cut_items(self, cut: Cut | None) -> ir.Table:
        """The item facts restricted to `cut` (`orgflow.query.cuts.cut_items`: its values are bound)."""
        return cut_items(self.items, self.tables, cut or Cut())

    def with_reported(self, items: ir.Table) -> ir.Table:
        """`items` with reported times in place of an inferred history's (`reported_times.with_reported_times`)."""
        return reported_times.with_reported_times(items, self.reported)

    def with_by(self, items: ir.Table, by: str | None) -> tuple[ir.Table, str | None]:
        """`items` ready to group by `by` and the column to group by (None: no grouping; "org" too).

        Raises:
            InputError: an unknown `by`.
        """
        if by is None or by == "org":
            return items, None
        if by not in BY_COLUMNS:
            raise InputError(f"cannot group by {by!r} (use {', '.join(BY_COLUMNS)})", field="by")
        if by == "value_stream":
            items = items.join(self.tables.table("of_value_stream"), "team_id")
        return items, BY_COLUMNS[by]

    def spans(self) -> ir.Table:
        """Every transition's interval, clipped to its item's end (`history.spans`)."""
        from orgflow.flow.history import spans

        self.prepare()
        return spans(self.transitions)

    def reported_spans(self) -> ir.Table:
        """`spans` with the reported time per stage of each item without status history
        (`reported_times.with_reported_spans`)."""
        return reported_times.with_reported_spans(self.spans(), self.items, self.tables, self.reported_names)

    def calendar(self) -> ir.Table:
        """Every UTC day a window may cover (the ``of_calendar`` lookup); figures keep the window's."""
        return self.tables.table("of_calendar")

    def stage_table(self) -> ir.Table:
        """The workflow's stages (the ``of_stages`` lookup)."""
        return self.tables.table("of_stages")
