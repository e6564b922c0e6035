"""Lookup tables the metrics join against, built from the config and the store as temporary tables.

They are real (temporary) tables, not memtables: DuckDB plans joins against them well, and they live
only as long as the connection, so a read-only workspace can build them too. A `Lookups` builds them
and remembers what it wrote, so that building them again writes only what changed; the workspace
holds one (`orgflow.workspace.Workspace.lookups`). Their rows come from Python; on another engine
they would be written as its tables (docs/decisions/0008-ibis-portability.md).

- ``of_keys(raw, key)``: every raw status, item type and resolution with its `status_key` (matching
  is done in Python once per distinct value, so SQL and config agree exactly).
- ``of_status_map(workflow, status_key, stage, stage_order, phase, phase_order, category, blocked)``
- ``of_raw_status_map(workflow, raw, stage_order, phase_order, category, blocked)``: the status map keyed by
  the raw status as stored, so transitions map with one join.
- ``of_stages(workflow, stage, stage_order, phase, phase_order, category, blocked)``
- ``of_project_workflow(source, project, workflow)``
- ``of_cancel_resolution(workflow, resolution_key)``
- ``of_flow_type(type_key, flow_type)``
- ``of_team_group(team_id, group_id, depth)``: every team with itself (depth 0) and its ancestors.
- ``of_team_parent(team_id, parent_group)``: the team's direct parent group, or itself.
- ``of_value_stream(team_id, value_stream)``
- ``of_calendar(day)``: every UTC day a window may cover (`orgflow.query.window.CALENDAR_FIRST` to
  `CALENDAR_END`), made once per connection.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from orgflow.config import Config, status_key
from orgflow.query.window import CALENDAR_END, CALENDAR_FIRST
from orgflow.store.engine import duckdb

if TYPE_CHECKING:
    from orgflow.query.kept_lookups import KeptLookups

_Rows = list[tuple[object, ...]]
LOOKUP_TABLES = (
    "of_stages",
    "of_status_map",
    "of_cancel_resolution",
    "of_keys",
    "of_project_workflow",
    "of_flow_type",
    "of_team_group",
    "of_team_parent",
    "of_value_stream",
)
"""The lookups `Lookups.build` writes from Python rows (``of_raw_status_map`` and ``of_calendar`` are made
from them in SQL)."""
STAMP_VARIABLE = "orgflow_lookups_stamp"
"""The connection's variable naming the last build that wrote a lookup (see `Lookups`)."""


class Lookups:
    """The lookup tables of one connection, and what this object last wrote to them and read of them.

    `build` computes every lookup's rows afresh from the config and the store, and writes only the
    tables whose rows differ from those this object wrote last (each write costs DuckDB about a
    millisecond; a flow query's preparation makes a dozen). `digests` keeps each answer until a
    lookup is written again. The workspace holds one for its store's connection
    (`orgflow.workspace.Workspace.lookups`), so every flow service of a process shares it: a second
    figure, or the same figure as of another `now`, does not write the lookups again.

    Every build that writes a lookup leaves a new stamp in the connection's variable
    `STAMP_VARIABLE`. Before trusting what it remembers, an object checks that the stamp is the one
    it left: a build by anyone else on the connection (another `Lookups`, `build_lookups`) makes it
    forget. Variables outlive a rolled-back transaction, so an object that remembers (the
    workspace's) must build outside any explicit transaction: a rollback would undo writes its
    memory outlives. Builds inside a transaction (an import refreshing the stored facts) use a
    `Lookups` of their own, or `build_lookups`.

    Tables derived from the lookups and the store (the reported times of
    `orgflow.flow.reported_times`) are remembered the same way: `derived_current` says whether they
    still hold what the given inputs give, so a second figure of the process does not build them again.

    With `kept` (a read-only workspace whose store keeps current copies of them:
    `orgflow.query.kept_lookups`), `build` writes nothing and digests and derived tables are answered
    from what was kept, until a build by anyone else on the connection leaves its stamp.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, *, kept: KeptLookups | None = None) -> None:
        self.connection = connection
        self._kept = kept
        self._written: dict[str, tuple[list[str], _Rows]] = {}
        """The columns and rows each lookup was last written with by this object."""
        self._digests: dict[tuple[str, ...], list[str]] = {}
        """`digests` answers since this object last wrote a lookup."""
        self._derived: dict[object, tuple[object, ...]] = {}
        """Per set of tables derived from the lookups (`derived_current`), the inputs this object last
        built it from."""
        self._stamp: str | None = None

    def _check_stamp(self) -> None:
        """Forget what this object remembers unless the connection's stamp is the one it knew."""
        (stamp,) = self.connection.execute(f"SELECT getvariable('{STAMP_VARIABLE}')").fetchone()
        if stamp is None or stamp != self._stamp:
            self._written.clear()
            self._digests.clear()
            self._derived.clear()
            if stamp != self._stamp:
                # Someone wrote lookups on the connection: temporary tables now hide the kept ones.
                self._kept = None
            self._stamp = stamp

    def _restamp(self) -> None:
        """Leave a new stamp on the connection: this object's writes are the latest."""
        self._stamp = secrets.token_hex(8)
        self.connection.execute(f"SET VARIABLE {STAMP_VARIABLE} = '{self._stamp}'")

    def build(self, config: Config) -> None:
        """Make every ``of_*`` temporary table of the connection hold the rows `config` and the store
        give, writing only those whose rows differ from what this object wrote last (nothing while the
        kept tables serve: they hold the rows of the workspace's config and data)."""
        self._check_stamp()
        if self._kept is not None:
            return
        changed: set[str] = set()

        def put(name: str, columns: list[str], rows: _Rows) -> None:
            if self._written.get(name) == (columns, rows):
                return
            # Forgotten before writing: a write that fails half way must not be taken for the old rows.
            self._written.pop(name, None)
            self._digests.clear()
            if not changed:
                self._restamp()
            _replace(self.connection, name, columns, rows)
            changed.add(name)
            self._written[name] = (columns, rows)

        _build(self.connection, config, put, changed)

    def digests(self, names: tuple[str, ...]) -> list[str]:
        """Per lookup of `names`, its row count and the sum of its rows' hashes (as text): equal
        digests, equal contents. Kept until a lookup is written again."""
        self._check_stamp()
        if self._kept is not None and all(name in self._kept.digests for name in names):
            return [self._kept.digests[name] for name in names]
        if names not in self._digests:
            digests = []
            for name in names:
                count, total = self.connection.execute(
                    f"SELECT count(*), sum(hash(t)::HUGEINT)::VARCHAR FROM {name} t"
                ).fetchone()
                digests.append(f"{count} {total}")
            self._digests[names] = digests
        return self._digests[names]

    def derived_current(self, key: object, inputs: tuple[object, ...]) -> bool:
        """Whether the tables named by `key`, derived from the lookups and the store (such as
        `orgflow.flow.reported_times.build_reported_tables`), were last built by this object from
        `inputs`, with no build on the connection by anyone else since (see `derived_built`)."""
        self._check_stamp()
        if self._kept is not None and self._kept.derived.get(repr(key)) == repr(inputs):
            return True
        return self._derived.get(key) == inputs

    def derived_building(self, key: object) -> None:
        """Call before (re)building the derived tables `key`: forgets them (a build that fails half way
        must not be taken for a complete one) and leaves a new stamp, so other objects that remember
        them (or lookups) on this connection forget too."""
        self._check_stamp()
        self._derived.pop(key, None)
        if self._kept is not None:
            self._kept.derived.pop(repr(key), None)
        self._restamp()

    def derived_built(self, key: object, inputs: tuple[object, ...]) -> None:
        """Remember that the derived tables `key` now hold what `inputs` give (after `derived_building`)."""
        self._derived[key] = inputs

    def derived_inputs(self, key: object) -> tuple[object, ...] | None:
        """The inputs this object last built the derived tables `key` from (None: it did not build them,
        or forgot)."""
        self._check_stamp()
        return self._derived.get(key)


def build_lookups(connection: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Write every lookup of `connection` afresh (`Lookups.build` by an object that remembers nothing).
    Fit for any caller, inside a transaction or not."""
    Lookups(connection).build(config)


def _build(
    connection: duckdb.DuckDBPyConnection,
    config: Config,
    put: Callable[[str, list[str], _Rows], None],
    changed: set[str],
) -> None:
    """Compute every lookup's rows and hand them to `put` (which adds the names it wrote to `changed`)."""
    workflows = config.all_workflows()
    phase_order = {phase: index for index, phase in enumerate(config.phases)}
    status_rows: list[tuple[object, ...]] = []
    stage_rows: list[tuple[object, ...]] = []
    cancel_rows: list[tuple[str, str]] = []
    for workflow in workflows:
        for order, stage in enumerate(workflow.stages):
            phase_index = phase_order.get(stage.phase, len(phase_order))
            stage_rows.append(
                (workflow.name, stage.name, order, stage.phase, phase_index, stage.category, stage.blocked)
            )
            for status in stage.statuses:
                status_rows.append(
                    (
                        workflow.name,
                        status_key(status),
                        stage.name,
                        order,
                        stage.phase,
                        phase_index,
                        stage.category,
                        stage.blocked,
                    )
                )
        cancel_rows.extend((workflow.name, status_key(r)) for r in workflow.cancelled_resolutions)
    stage_columns = ["workflow", "stage", "stage_order", "phase", "phase_order", "category", "blocked"]
    put("of_stages", stage_columns, stage_rows)
    put(
        "of_status_map",
        ["workflow", "status_key", "stage", "stage_order", "phase", "phase_order", "category", "blocked"],
        status_rows,
    )
    put("of_cancel_resolution", ["workflow", "resolution_key"], cancel_rows)

    raw_values = connection.execute(
        "SELECT to_status FROM status_transitions UNION SELECT item_type FROM work_items "
        "UNION SELECT resolution FROM work_items WHERE resolution IS NOT NULL ORDER BY 1"
    ).fetchall()
    put("of_keys", ["raw", "key"], [(raw, status_key(raw)) for (raw,) in raw_values])
    if changed & {"of_keys", "of_status_map"}:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE of_raw_status_map AS SELECT m.workflow, k.raw, m.stage_order, "
            "m.phase_order, m.category, m.blocked FROM of_keys AS k JOIN of_status_map AS m ON m.status_key = k.key"
        )

    projects = connection.execute("SELECT DISTINCT source, project FROM work_items ORDER BY ALL").fetchall()
    put(
        "of_project_workflow",
        ["source", "project", "workflow"],
        [(source, project, config.workflow_for(source, project).name) for source, project in projects],
    )
    put("of_flow_type", ["type_key", "flow_type"], list(config.flow_type_of().items()))

    groups = connection.execute("SELECT source_id, kind, parent_id FROM groups").fetchall()
    parent_of = {group_id: parent for group_id, _kind, parent in groups}
    teams = {
        team
        for (team,) in connection.execute(
            "SELECT DISTINCT team_id FROM work_items WHERE team_id IS NOT NULL"
        ).fetchall()
    }
    teams |= {group_id for group_id, kind, _ in groups if kind == "team"}
    # Loaded here: the org model's record classes are not needed to read lookups (`orgflow.query.kept_lookups`).
    from orgflow.org.attribution import attributable_teams

    teams |= attributable_teams(connection, config.org.attribution)
    team_group_rows: list[tuple[str, str, int]] = []
    parent_rows: list[tuple[str, str]] = []
    for team in sorted(teams):
        chain = _ancestors(team, parent_of)
        team_group_rows.extend((team, group, depth) for depth, group in enumerate(chain))
        parent_rows.append((team, chain[1] if len(chain) > 1 else team))
    put("of_team_group", ["team_id", "group_id", "depth"], team_group_rows)
    put("of_team_parent", ["team_id", "parent_group"], parent_rows)

    stream_rows: list[tuple[str, str]] = []
    for stream, definition in config.value_streams.items():
        members = set(definition.groups)
        for team, group, _depth in team_group_rows:
            if group in members:
                stream_rows.append((team, stream))
    put("of_value_stream", ["team_id", "value_stream"], sorted(set(stream_rows)))
    # The calendar does not depend on the config: made once per connection.
    connection.execute(
        "CREATE TEMP TABLE IF NOT EXISTS of_calendar AS SELECT CAST(range AS DATE) AS day FROM "
        f"range(DATE '{CALENDAR_FIRST.isoformat()}', DATE '{CALENDAR_END.isoformat()}', INTERVAL 1 DAY)"
    )


def _ancestors(team: str, parent_of: dict[str, str | None]) -> list[str]:
    """The team and its ancestors, nearest first; a cycle in the hierarchy stops the walk."""
    chain = [team]
    current = parent_of.get(team)
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain


_COLUMN_TYPES = {"stage_order": "BIGINT", "phase_order": "BIGINT", "depth": "BIGINT", "blocked": "BOOLEAN"}


def _replace(
    connection: duckdb.DuckDBPyConnection, name: str, columns: list[str], rows: list[tuple[object, ...]]
) -> None:
    """(Re)create a small temporary table from Python rows.

    Plain inserts: these tables hold tens to thousands of rows, and an Arrow scan's one-time set-up
    costs more than writing them (about 0.4 s in a fresh process).
    """
    definition = ", ".join(f"{column} {_COLUMN_TYPES.get(column, 'VARCHAR')}" for column in columns)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({definition})")
    # Literal multi-row INSERTs: binding parameters makes DuckDB's client import pandas (about 0.4 s),
    # more than all of this costs.
    for start in range(0, len(rows), 500):
        values = ", ".join(
            "(" + ", ".join(sql_literal(value) for value in row) + ")" for row in rows[start : start + 500]
        )
        connection.execute(f"INSERT INTO {name} VALUES {values}")


def sql_literal(value: object) -> str:
    """`value` as an exact SQL literal: NULL for None, TRUE or FALSE, an int in decimal digits, a float
    as its quoted `repr` (exact, 'inf' and 'nan' included; DuckDB would read bare digits as a decimal),
    a naive datetime as quoted ISO 8601 with microseconds, a date as quoted ISO 8601, a string quoted
    with its quotes doubled (a string holding NUL bytes as its pieces joined by ``chr(0)`` in
    parentheses: DuckDB's parser ends a quoted string at a NUL). Where the type matters, the SQL
    around it casts.

    Raises:
        TypeError: another type, or a datetime with a time zone (the store's instants are naive UTC).
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{value:d}"
    if isinstance(value, float):
        # float's own repr, also for a subclass (numpy's repr names its type).
        return f"'{float.__repr__(value)}'"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError(f"an instant must be naive UTC, not {value!r}")
        return f"'{value.isoformat(sep=' ', timespec='microseconds')}'"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        if "\x00" in value:
            return "(" + " || chr(0) || ".join(_quoted(piece) for piece in value.split("\x00")) + ")"
        return _quoted(value)
    raise TypeError(f"no SQL literal for a {type(value).__name__} ({value!r})")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
