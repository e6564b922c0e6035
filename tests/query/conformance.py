"""The hand-built history of the PostgreSQL conformance test, and each engine's preparation of it.

`batch` is the history both engines read; `prepare` builds the open facts on one engine and closes them
at `now`, as the flow service does without stored facts (see test_postgres_conformance.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from tests.flow.boards import SMALL_BOARD

from orgflow.flow import flow_load, history, reported_times
from orgflow.model import BlockedInterval, Group, ItemLink, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.query.compiled import TIMESTAMP, bound, inline_bound
from orgflow.query.fetch import fetch_arrow
from orgflow.query.tables import KnownTables
from orgflow.query.window import WindowTerms, make_window
from orgflow.store import ImportBatch

# SMALL_BOARD with a blocked wait stage, a cancelled stage and a cancelling resolution:
# Backlog [0] → Doing [1] → Review [2] → Blocked [3] → Done [4] → Cancelled [5].
_BLOCKED = "      - {name: Blocked, phase: Create, category: wait, blocked: true, statuses: [Blocked]}\n"
_CANCELLED = '      - {name: Cancelled, phase: Operate, category: cancelled, statuses: ["Won\'t Do"]}\n'
BOARD = (
    SMALL_BOARD.replace("    stages:\n", "    cancelled_resolutions: [Duplicate]\n    stages:\n")
    .replace("statuses: [Review]}\n", "statuses: [Review]}\n" + _BLOCKED)
    .replace("statuses: [Done]}\n", "statuses: [Done]}\n" + _CANCELLED)
)
SOURCE = "csv"
NOW = datetime(2024, 3, 10)
"""Naive UTC, as the store keeps instants."""
SINCE, UNTIL = date(2024, 3, 1), date(2024, 3, 8)
"""The window: 2024-03-01 00:00 to 2024-03-09 00:00 (8 days)."""

# (team, item type, resolution, history), then (day hour, status) moves; the first is the creation.
ITEMS: dict[str, tuple[tuple[str, str, str | None, str], tuple[tuple[str, str], ...]]] = {
    # Lead 4.0, cycle 3.0 (03-02 → 03-05), a backward move; active 3.0 - 0.25 flagged.
    "A-1": (
        ("alpha", "Story", None, "changelog"),
        (
            ("03-01 00", "Backlog"),
            ("03-02 00", "In Progress"),
            ("03-03 06", "Review"),
            ("03-03 18", "In Progress"),
            ("03-04 00", "Review"),
            ("03-05 00", "Done"),
        ),
    ),
    # Open, started 03-03: age 7.0 at `now`; blocked by beta's B-2 (a link) since its start.
    "A-2": (("alpha", "Bug", None, "changelog"), (("03-01 00", "Backlog"), ("03-03 00", "In Progress"))),
    # Backlog straight to done: skipped start, cycle 0, lead 2.0.
    "A-3": (("alpha", "Story", None, "changelog"), (("03-02 00", "Backlog"), ("03-04 00", "Done"))),
    # Lead 5.0, cycle 1.5 with half a day in the blocked stage.
    "B-1": (
        ("beta", "Story", None, "changelog"),
        (
            ("03-01 00", "Backlog"),
            ("03-04 12", "In Progress"),
            ("03-05 00", "Blocked"),
            ("03-05 12", "In Progress"),
            ("03-06 00", "Done"),
        ),
    ),
    # Open, its last status unmapped.
    "B-2": (
        ("beta", "Story", None, "changelog"),
        (("03-02 00", "Backlog"), ("03-03 00", "In Progress"), ("03-04 00", "Limbo")),
    ),
    # Cancelled by its status.
    "B-3": (
        ("beta", "Bug", None, "changelog"),
        (("03-01 00", "Backlog"), ("03-02 00", "In Progress"), ("03-04 00", "Won't Do")),
    ),
    # Cancelled by its resolution.
    "B-4": (
        ("beta", "Story", "Duplicate", "changelog"),
        (("03-01 00", "Backlog"), ("03-02 00", "In Progress"), ("03-03 00", "Done")),
    ),
    # Only created and resolved are known; the source reports 3.5 days active (cycle 3.5), lead 6.0.
    "G-1": (("gamma", "Story", None, "inferred"), (("03-01 00", "Backlog"), ("03-07 00", "Done"))),
    # Started before the window (lead 11.0, cycle 6.0: 2024 is a leap year).
    "G-2": (
        ("gamma", "Story", None, "changelog"),
        (("02-20 00", "Backlog"), ("02-25 00", "In Progress"), ("03-02 00", "Done")),
    ),
    # Open, started 03-07: age 3.0.
    "G-3": (("gamma", "Bug", None, "changelog"), (("03-06 00", "Backlog"), ("03-07 00", "In Progress"))),
}
REPORTED = {"G-1": (("1", "Backlog", 86_400.0), ("3", "In Progress", 172_800.0), ("4", "Review", 129_600.0))}
"""Reported seconds per status (status id, name, seconds) of the item without status history."""

INPUTS = (
    "work_items",
    "status_transitions",
    "blocked_intervals",
    "item_links",
    "of_keys",
    "of_project_workflow",
    "of_raw_status_map",
    "of_stages",
    "of_flow_type",
    "of_team_parent",
    "of_team_group",
    "of_cancel_resolution",
)
"""The tables both engines read: the canonical ones and the lookups."""


def at(text: str) -> datetime:
    """'03-04 12' is 2024-03-04 12:00 UTC."""
    return datetime.strptime(f"2024-{text}", "%Y-%m-%d %H").replace(tzinfo=UTC)


def batch() -> ImportBatch:
    batch = ImportBatch(SOURCE, "test", "hand-built")
    for key, ((team, item_type, resolution, kind), moves) in ITEMS.items():
        batch.add(
            WorkItem(
                source=SOURCE,
                source_id=key,
                project="P",
                team_id=team,
                title=key,
                item_type=item_type,
                created_at=at(moves[0][0]),
                status=moves[-1][1],
                resolution=resolution,
                history=kind,
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition(SOURCE, key, seq, at(when), None, status))
    for key, statuses in REPORTED.items():
        for status_id, status, seconds in statuses:
            batch.add(ReportedStatusTime(SOURCE, key, status_id, status, 1, seconds))
    batch.add(BlockedInterval(SOURCE, "A-1", 0, at("03-02 06"), at("03-02 12")))
    batch.add(ItemLink(SOURCE, "B-2", "blocks", "A-2"))
    batch.add(Group(SOURCE, "platform", "Platform", "cluster"))
    for team in ("alpha", "beta"):
        batch.add(Group(SOURCE, team, team.title(), "team", parent_id="platform"))
    return batch


@dataclass
class Engine:
    """One engine's tables, open facts built and closed at `now`."""

    backend: ibis.BaseBackend
    tables: KnownTables
    items: ir.Table
    spans: ir.Table
    climbs: ir.Table
    reported_names: reported_times.ReportedTables

    @property
    def reported(self) -> ir.Table:
        """Reported times of items without status history (`reported_times.reported_item_times`)."""
        return reported_times.reported_item_times(self.tables, self.reported_names)

    def rows(self, expression: ir.Table) -> pa.Table:
        return fetch_arrow(self.backend, expression)


NOW_TERM = bound("now", NOW, TIMESTAMP)
WINDOW = make_window(since=SINCE, until=UNTIL, now=NOW.replace(tzinfo=UTC), earliest=None)
TERMS = WindowTerms(
    since=bound("since", WINDOW.since, TIMESTAMP),
    until=bound("until", WINDOW.until, TIMESTAMP),
    days=bound("days", WINDOW.days, dt.float64),
)


def prepare(backend: ibis.BaseBackend) -> Engine:
    """Build the open facts on `backend` (as `orgflow.flow.stored_facts.build_open_facts` does), then
    close them at `now` with the flagged time subtracted (as the flow service does)."""
    tables = KnownTables(backend)

    def make(name: str, expression: ir.Table) -> ir.Table:
        backend.create_table(name, inline_bound(expression), temp=True, overwrite=True)
        return backend.table(name)

    base = make("of_base_c", history.item_base(tables, now=NOW))
    open_transitions = make("of_transitions_c", history.mapped_transitions(tables, base, now=NOW))
    open_items = make("of_items_c", history.item_facts(tables, base, open_transitions))
    climbs = make("of_climbs_c", flow_load.cfd_climbs(open_transitions, open_items))
    transitions = history.finish_transitions(open_transitions, now=NOW_TERM)
    flagged = make("of_flagged_c", history.flag_overlap(tables, open_items, transitions, now=NOW_TERM))
    items = history.finish_items(open_items, flagged, now=NOW_TERM)
    names = reported_times.ReportedTables("of_reported_statuses_c", "of_reported_items_c")
    return Engine(backend, tables, items, history.spans(transitions), climbs, names)


def copy_reported(duck: Engine, postgres: Engine) -> None:
    """The reported-time tables (built by DuckDB SQL, `reported_times.build_reported_tables`) on
    PostgreSQL, keyed by PostgreSQL's own item keys (``ik``: row ids on DuckDB, row numbers there)."""
    for name in duck.reported_names:
        keyed = duck.tables.table(name)
        keyed = keyed.join(duck.items.select("ik", "source", "item_id"), "ik").drop("ik")
        postgres.backend.create_table(f"{name}_keyed", duck.rows(keyed), temp=True, overwrite=True)
        on_postgres = postgres.backend.table(f"{name}_keyed")
        ids = postgres.items.select("ik", "source", "item_id")
        rekeyed = on_postgres.join(ids, ["source", "item_id"]).select(*duck.tables.table(name).columns)
        postgres.backend.create_table(name, rekeyed, temp=True, overwrite=True)
