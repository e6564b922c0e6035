"""Time in status as the source reported it, for items whose status history is unknown.

A Jira export without changelog gives each issue only its creation and resolution (an *inferred*
history: backlog straight to done), so no cycle time or active time can be measured from it. Apache's
Jira carries each issue's total time in every status instead (the "Time in Status" field, stored as
``reported_status_times``). For an item with an inferred history and reported times, the figures of
its finished life come from those totals (docs/metrics.md, "Reported time in status"):

- each reported status maps through the item's workflow like a transition does (an unknown or
  unlisted status is ``unmapped`` and counts as waiting, as it does in a history);
- **active time** = the reported time in statuses of active, non-blocked stages;
- **wait time** = the reported time in wait, blocked or unmapped statuses;
- **cycle time** = active + wait time: the time spent after the backlog and before done;
- time in backlog statuses counts for time per stage; time in done and cancelled statuses does not
  (a finished item's time there lies after its finish, as far as the totals can tell).

Items with any other history (a changelog, events, a CSV) keep their changelog-based figures.

An item whose reported times hold no time in an active or wait status (only backlog, done or
cancelled: reported cycle time 0) skipped every active stage (``skipped_start``), as a history from
backlog straight to done does: its cycle time is not measured by its reported times either. The
notes therefore count as taken from reported times only the items those times measure
(`timed_by_report`; the others `skipped_by_report`; `ReportedCount`, `reported_note_text`), so that
they never contradict the skipped-start reason (`orgflow.flow.skipped`).

Building the tables is SQL alone; the functions that build Ibis expressions over them load Ibis
when called, so a process that runs a kept query (`orgflow.query.compiled_sql`) never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from orgflow.config import status_key
from orgflow.query.lookups import Lookups, sql_literal

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

    from orgflow.query.tables import TableSource

KEYS_TABLE = "of_reported_keys"
NO_HISTORY = "inferred"
"""The `history` of a work item whose status history is unknown (only created and resolved)."""


class ReportedTables(NamedTuple):
    """The names of the temporary tables `build_reported_tables` makes."""

    statuses: str = "of_reported_statuses"
    items: str = "of_reported_items"


class ReportedCount(NamedTuple):
    """The finished (done) items of a group whose history is only the source's reported time in status."""

    timed: int
    """Items whose reported times hold time in an active or wait status: their cycle time is measured by them."""
    skipped: int
    """Items whose reported times hold none (reported cycle time 0): they skipped every active stage
    (``skipped_start``) and their cycle time is not measured."""


def timed_by_report(items: ir.Table) -> ir.BooleanValue:
    """Whether an item of `items` (`with_reported_times`) has its cycle time measured by the source's
    reported time in status: it has reported times (``reported``) and they hold time after the backlog
    (not ``skipped_start``). The one rule the notes and the summary count reported items by."""
    return items.reported & ~items.skipped_start


def skipped_by_report(items: ir.Table) -> ir.BooleanValue:
    """Whether an item of `items` (`with_reported_times`) has reported times that hold no time after the
    backlog: it skipped every active stage, and its cycle time is not measured (the twin of `timed_by_report`)."""
    return items.reported & items.skipped_start


def reported_note_text(figures: str, finished: int, counts: ReportedCount) -> str | None:
    """The note saying where the `figures` of `finished` done items come from when some of them have only
    the source's reported time in status (None when none has). It claims for those times only the items
    they time (`counts.timed`); the others (`counts.skipped`) it says skipped every active stage, as the
    skipped-start reason does (`orgflow.flow.skipped`). E.g. "cycle time and flow efficiency: from the
    source's reported time in status for 2 of 24 finished items (they have no status history;
    docs/metrics.md, 'Reported time in status'); 22 more have reported times with no time in an active or
    wait status: they skipped every active stage (skipped_start)"; the items with a status history end it
    ("; from status changes for the other 3")."""
    if counts.timed <= 0 and counts.skipped <= 0:
        return None
    history = "(they have no status history; docs/metrics.md, 'Reported time in status')"
    skipped = "no time in an active or wait status: they skipped every active stage (skipped_start)"
    if counts.timed > 0:
        note = f"{figures}: from the source's reported time in status for {counts.timed} of {finished} finished items "
        note += history
        if counts.skipped:
            verb = "has" if counts.skipped == 1 else "have"
            note += f"; {counts.skipped} more {verb} reported times with {skipped}"
    else:
        note = (
            f"{figures}: the source's reported time in status of {counts.skipped} of {finished} finished items "
            f"{history} holds {skipped}"
        )
    others = finished - counts.timed - counts.skipped
    if others > 0:
        note += f"; from status changes for the other {others}"
    return note


def build_reported_tables(
    connection: duckdb.DuckDBPyConnection, facts: str, names: ReportedTables, lookups: Lookups | None = None
) -> None:
    """(Re)create the temporary tables of reported times of the items of the item facts table `facts`
    (`orgflow.flow.history.item_facts`: ik, source, item_id, workflow), after the lookups
    (`orgflow.query.lookups.build_lookups`):

    - ``of_reported_keys(raw, key)``: every reported status name with its `orgflow.config.status_key`,
      so reported statuses map exactly as transitions do;
    - `names.statuses`: the reported time in each status of every item with an inferred
      history, mapped through its workflow (columns: ik, status_id, status, stage_order and
      phase_order (null when unmapped), category (``unmapped`` when no stage lists the status),
      blocked_stage, times_entered, duration_us: whole microseconds, the source reports milliseconds);
    - `names.items`: per such item, reported_active_us, reported_wait_us and reported_cycle_us.

    ``ik`` is the item's key in `facts`. Every query then joins a small table instead of mapping the
    reported rows again. Building them takes some 40 ms on the Apache export, so tables `lookups`
    (the workspace's, `Lookups.derived_current`) built on this connection from the same facts table,
    data (last import, row counts) and mapping (its digest) are kept; None: a `Lookups` that
    remembers nothing, so they are built. Like the workspace's `Lookups.build`, call it outside any
    explicit transaction.
    """
    if lookups is None:
        lookups = Lookups(connection)
    (stamp,) = connection.execute(
        "SELECT [(SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM work_items), "
        "(SELECT count(*) FROM reported_status_times)]"
    ).fetchone()
    signature = (facts, tuple(stamp), *lookups.digests(("of_status_map",)))
    if lookups.derived_current(names, signature):
        return
    lookups.derived_building(names)
    _create_tables(connection, facts, names)
    lookups.derived_built(names, signature)


def _create_tables(connection: duckdb.DuckDBPyConnection, facts: str, names: ReportedTables) -> None:
    """Write the tables `build_reported_tables` describes, unconditionally."""
    reported_names = connection.execute(
        "SELECT DISTINCT status FROM reported_status_times WHERE status IS NOT NULL ORDER BY 1"
    ).fetchall()
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {KEYS_TABLE} (raw VARCHAR, key VARCHAR)")
    rows = [f"({sql_literal(name)}, {sql_literal(status_key(name))})" for (name,) in reported_names]
    for start in range(0, len(rows), 500):
        connection.execute(f"INSERT INTO {KEYS_TABLE} VALUES {', '.join(rows[start : start + 500])}")
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {names.statuses} AS SELECT f.ik, r.status_id, r.status, "
        "m.stage_order, m.phase_order, coalesce(m.category, 'unmapped') AS category, "
        "coalesce(m.blocked, false) AS blocked_stage, r.times_entered, "
        "CAST(round(r.duration_seconds * 1000000) AS BIGINT) AS duration_us "
        "FROM reported_status_times AS r "
        "JOIN work_items AS w ON w.source = r.source AND w.source_id = r.item_id "
        f"JOIN {facts} AS f ON f.source = r.source AND f.item_id = r.item_id "
        f"LEFT JOIN {KEYS_TABLE} AS k ON k.raw = r.status "
        "LEFT JOIN of_status_map AS m ON m.workflow = f.workflow AND m.status_key = k.key "
        f"WHERE w.history = '{NO_HISTORY}'"
    )
    active = "category = 'active' AND NOT blocked_stage"
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {names.items} AS SELECT ik, reported_active_us, reported_wait_us, "
        "reported_active_us + reported_wait_us AS reported_cycle_us FROM (SELECT ik, "
        f"CAST(sum(CASE WHEN {active} THEN duration_us ELSE 0 END) AS BIGINT) AS reported_active_us, "
        f"CAST(sum(CASE WHEN category IN ('active', 'wait', 'unmapped') AND NOT ({active}) "
        f"THEN duration_us ELSE 0 END) AS BIGINT) AS reported_wait_us FROM {names.statuses} GROUP BY ik)"
    )


def reported_item_times(tables: TableSource, names: ReportedTables) -> ir.Table:
    """Active, wait and cycle time per item with an inferred history and reported times
    (`names.items`, made by `build_reported_tables`): active time is the time in active,
    non-blocked statuses; wait time the time in wait, blocked and unmapped ones; cycle time both.

    Columns: ik, reported_active_us, reported_wait_us, reported_cycle_us (whole microseconds).
    """
    return tables.table(names.items)


def with_reported_times(items: ir.Table, reported: ir.Table) -> ir.Table:
    """`items` (item facts closed at `now`: `orgflow.flow.history.finish_items`) with the reported
    times of `reported` (`reported_item_times`) in place of the history's, for done items that have them.

    For those items ``active_us`` is the reported active time, ``started_at`` the implied start
    (finish - reported cycle time, so finish - start is the reported cycle time) and
    ``skipped_start`` whether that cycle time is 0. Adds ``reported`` (whether the item's figures
    come from reported times). Other items are unchanged.
    """
    import ibis

    joined = items.left_join(reported, "ik").select(*items.columns, "reported_active_us", "reported_cycle_us")
    used = (joined.outcome == "done") & joined.reported_cycle_us.notnull()
    implied_start = joined.finished_at - joined.reported_cycle_us.as_interval("us")
    return joined.mutate(
        started_at=ibis.ifelse(used, implied_start, joined.started_at),
        active_us=ibis.ifelse(used, joined.reported_active_us, joined.active_us),
        skipped_start=ibis.ifelse(used, joined.reported_cycle_us == 0, joined.skipped_start),
        reported=used,
    ).drop("reported_active_us", "reported_cycle_us")


def reported_spans(tables: TableSource, names: ReportedTables, items: ir.Table, like: ir.Table) -> ir.Table:
    """The reported time per status of the items of `items` as intervals shaped like `like`
    (`orgflow.flow.history.spans`), one per status, without instants (the source reports totals);
    done and cancelled statuses left out.

    Columns: those of `like` (entered_at and left_at null, seq the status id when numeric).
    """
    import ibis
    from ibis import _

    from orgflow.flow.history import TERMINAL

    statuses = tables.table(names.statuses)
    chosen = items.select(c_ik=_.ik)
    statuses = statuses.join(chosen, statuses.ik == chosen.c_ik).filter(~statuses.category.isin(TERMINAL))
    schema = like.schema()
    values = {
        "ik": statuses.ik,
        "seq": statuses.status_id.try_cast("int64"),
        "stage_order": statuses.stage_order,
        "phase_order": statuses.phase_order,
        "category": statuses.category,
        "blocked_stage": statuses.blocked_stage,
        "entered_at": ibis.null(),
        "left_at": ibis.null(),
        "duration_us": statuses.duration_us,
    }
    return statuses.select(**{name: values[name].cast(schema[name]) for name in like.columns})


def with_reported_spans(spans: ir.Table, items: ir.Table, tables: TableSource, names: ReportedTables) -> ir.Table:
    """`spans` of the items of `items`, with each done item that has reported times described by its
    reported statuses (`reported_spans`) instead of its inferred history."""
    from ibis import _

    reported = reported_item_times(tables, names)
    done = items.filter(_.outcome == "done").select(d_ik=_.ik)
    replaced = reported.join(done, reported.ik == done.d_ik).select(r_ik=_.ik)
    kept = spans.anti_join(replaced, spans.ik == replaced.r_ik)
    return kept.union(reported_spans(tables, names, replaced.select(ik=_.r_ik), spans))
