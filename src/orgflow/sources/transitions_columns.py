"""The transitions CSV read column-wise: DuckDB's CSV reader (or the csv module) into a table, and the
grouping by item, the timestamps and the transitions in SQL; no Python object per row.

`load_columns` gives the same work items and transitions, in the same order, as the row-by-row reader
in `orgflow.sources.transitions_csv`, or None when it cannot vouch for that: an input with anything
to report (a missing column, an empty cell, a bad timestamp, an unknown status under strict_statuses,
an unreadable file) or a shape it does not read itself. The caller then runs the row-by-row reader,
which is the definition: it imports the file or raises the error, naming file, line and field. So the
checks here are SQL over the whole table, and only a failed one costs the row-by-row pass that finds
the first bad line.

Cells are split by DuckDB's reader (``read_csv`` with every column typed VARCHAR, no quoting) when the
file holds no quote or NUL, is UTF-8, ends its lines all alike (``\\n`` or ``\\r\\n``) and every row is
at most the header's width and shorter than the csv module's cell limit; else by the csv module (the
one every importer uses). Cells are stripped of white space as Python's ``str.strip`` does: DuckDB's
``trim`` with every character ``str.isspace`` holds true (only space, tab and newline for a text that
holds no other).

The work is SQL in a DuckDB connection, its tables temporary ones named `TEMPORARY` (`stage_columns`):
the store's own connection on an import (`staged_records`: the store builds them and writes from them,
with no copy of the rows in between), or a private in-memory database (`load_columns`, whose result
goes out as Parquet files of the records in the store's types, `orgflow.sources.record_columns`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypedDict, TypeVar, Unpack

import orjson

from orgflow.config import Config, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.table import RecordTable
from orgflow.model.work import StatusTransition, WorkItem
from orgflow.query.lookups import sql_literal
from orgflow.sources import ProgressCallback
from orgflow.sources.csv_cells import ODD_SPACES as ODD_SPACES
from orgflow.sources.csv_cells import PLAIN_SPACES, csv_cells, duckdb_cells, plain_header, spaces_of
from orgflow.sources.csv_cells import Declined as _Declined
from orgflow.sources.file_text import read_bytes, read_text
from orgflow.sources.files import collector_paused
from orgflow.sources.instants import ShapeRejected, fill_instants, instant_sql
from orgflow.sources.record_columns import record_columns_sql
from orgflow.store.batch import ImportBatch, StagedRecords, StagingDeclined
from orgflow.store.engine import duckdb

R = TypeVar("R", bound=Record)
_CELLS = ("item_id", "timestamp", "to_status", "from_status", "team", "type", "created", "title")
_PREFIX = "_transitions_"
TEMPORARY = tuple(
    _PREFIX + name for name in ("kept", "item_rows", "teams", "items", WorkItem.spec.table, StatusTransition.spec.table)
)
"""The temporary tables and views `stage_columns` creates (their names hide no table of the store's)."""
_KEPT, _ITEM_ROWS, _TEAMS, _ITEMS, _WORK_ITEMS, _TRANSITIONS = TEMPORARY


@dataclass(frozen=True)
class Layout:
    """How one file holds the fields: field -> column position, the (position, value) pairs a kept
    row has, and the project of its items."""

    index: dict[str, int]
    filters: list[tuple[int, str]]
    project: str


LayoutOf = Callable[[Path, list[str]], Layout]
"""(file, its stripped header) -> its layout; raises InputError for a missing column."""
InstantOf = Callable[[str], datetime]
"""A cell as an aware UTC instant, as the row-by-row reader reads it; raises InputError."""


class ColumnSettings(TypedDict):
    """How the column-wise reader reads a set of files (all but the files): the keywords of
    `load_columns`, `staged_records` and `stage_columns`."""

    layout_of: LayoutOf
    instant_of: InstantOf
    source: str
    config: Config
    strict: bool
    on_progress: ProgressCallback | None
    """Called after each file read, with (files done, files, file name)."""


def load_columns(
    files: list[Path], **settings: Unpack[ColumnSettings]
) -> tuple[RecordTable[WorkItem], RecordTable[StatusTransition]] | None:
    """The work items and transitions of `files` (in the row-by-row reader's order), or None when declined,
    built in a private database and staged as Parquet files."""
    connection = duckdb.connect()
    try:
        tables = _stage_on_one_thread(connection, files, settings)
        folder = tempfile.TemporaryDirectory(prefix="orgflow-transitions-")
        return _staged(connection, WorkItem, tables[WorkItem], folder), _staged(
            connection, StatusTransition, tables[StatusTransition], folder
        )
    except (StagingDeclined, duckdb.Error):
        return None
    finally:
        connection.close()


def staged_records(
    files: list[Path], *, fallback: Callable[[], ImportBatch], **settings: Unpack[ColumnSettings]
) -> StagedRecords:
    """The work items and transitions of `files` declared for the store to build in its own connection
    (`stage_columns`, one thread while it runs); where that declines, `fallback` (the row-by-row
    reader) imports them or raises the error."""
    return StagedRecords(
        build=lambda connection: _stage_on_one_thread(connection, files, settings),
        fallback=fallback,
        temporary=TEMPORARY,
    )


def _stage_on_one_thread(
    connection: duckdb.DuckDBPyConnection, files: list[Path], settings: ColumnSettings
) -> dict[type[Record], str]:
    """`stage_columns` on one DuckDB thread, the garbage collector paused; the connection's thread
    count is restored after.

    One thread: the work is a few passes over the rows, and a second thread (of the two cores this
    runs on) cost more than it saved, in CPU and in wall-clock time, whenever the machine had other
    work (benchmarks/whole_process.py).

    Raises:
        StagingDeclined: declined (the row-by-row reader decides).
    """
    (threads,) = connection.execute("SELECT current_setting('threads')").fetchone()  # type: ignore[misc]
    connection.execute("SET threads = 1")
    try:
        with collector_paused():
            return stage_columns(connection, files, **settings)
    except (_Declined, ShapeRejected, InputError, duckdb.Error):
        raise StagingDeclined from None
    finally:
        connection.execute(f"SET threads = {int(threads)}")


def stage_columns(
    connection: duckdb.DuckDBPyConnection, files: list[Path], **settings: Unpack[ColumnSettings]
) -> dict[type[Record], str]:
    """Build the work items and transitions of `files` (in the row-by-row reader's order) in temporary
    tables and views of `connection` (`TEMPORARY`, replaced if they exist); returns the view of each
    class's rows (in order; each evaluated by whoever reads it).

    Raises:
        _Declined, ShapeRejected, InputError, duckdb.Error: declined (the row-by-row reader decides).
    """
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_KEPT} (item_id VARCHAR, timestamp VARCHAR, to_status VARCHAR, "
        "from_status VARCHAR, team VARCHAR, type VARCHAR, created VARCHAR, title VARCHAR, project VARCHAR, "
        "changed_at TIMESTAMP)"
    )
    on_progress = settings["on_progress"]
    for done, path in enumerate(files, start=1):
        _read_file(connection, path, settings["layout_of"])
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return _build(
        connection,
        instant_of=settings["instant_of"],
        source=settings["source"],
        config=settings["config"],
        strict=settings["strict"],
    )


def _read_file(connection: duckdb.DuckDBPyConnection, path: Path, layout_of: LayoutOf) -> None:
    """Append one file's kept rows to the table of kept rows (cells stripped but the timestamp; null for a
    column the file lacks), with its ``project``."""
    data = read_bytes(path)
    if data[:1024].lstrip().startswith((b"{", b"[")):
        raise _Declined  # JSON, not CSV: the row-by-row reader says what it looks like, from its first line
    header = plain_header(data)
    if header is not None:
        layout = layout_of(path, header)
        try:
            _insert(connection, layout, len(header), duckdb_cells(path, len(header)), spaces_of(data, quoted=False))
            return
        except duckdb.Error:
            pass  # a row DuckDB's reader does not read as the csv module does: the csv module reads it
    cells = csv_cells(read_text(path).removeprefix("\ufeff"))
    if cells is None:
        return
    header, rows = cells
    layout = layout_of(path, header)
    width = len(header)
    # Handed to DuckDB as JSON rows (orjson): Arrow arrays made from Python lists import pandas, as
    # does handing DuckDB an Arrow table. A short row's missing cells read as null, hence "".
    with tempfile.TemporaryDirectory(prefix="orgflow-cells-") as folder:
        rows_file = Path(folder) / "rows.json"
        rows_file.write_bytes(orjson.dumps(rows))
        columns = ", ".join(f"j->>{position} AS c{position}" for position in range(width))
        source = (
            f"read_json({sql_literal(str(rows_file))}, format = 'array', records = false, columns = {{'j': 'JSON'}})"
        )
        _insert(connection, layout, width, f"(SELECT {columns} FROM {source})", spaces_of(data, quoted=True))


def _insert(connection: duckdb.DuckDBPyConnection, layout: Layout, width: int, cells: str, spaces: str) -> None:
    """Insert the rows of `cells` (columns ``c0 ..``) that pass the layout's filters into the kept rows, cells
    trimmed of `spaces`, with the timestamp's instant when it has the common shape (`instant_sql`)."""

    def cell(position: int) -> str:
        return f"coalesce(c{position}, '')"

    def stripped(position: int) -> str:
        # Most cells need no trimming: trimming only those that start or end with a space or tab
        # (the only white space where the text holds no other) costs a third of trimming them all.
        # The first character's code (``ascii``) is cheaper to test than three prefixes.
        text = cell(position)
        if spaces != PLAIN_SPACES:
            return f"trim({text}, {spaces})"
        ends = " OR ".join(f"suffix({text}, {edge})" for edge in ("' '", "chr(9)", "chr(10)"))
        return f"CASE WHEN ascii({text}) IN (32, 9, 10) OR {ends} THEN trim({text}, {spaces}) ELSE {text} END"

    selected = []
    for name in _CELLS:
        position = layout.index.get(name)
        if position is None or position >= width:
            selected.append("NULL")
        elif name == "timestamp":
            selected.append(cell(position))  # read as is, like the row-by-row reader
        else:
            selected.append(stripped(position))
    selected.append(sql_literal(layout.project))
    stamp = layout.index.get("timestamp")
    selected.append("NULL" if stamp is None or stamp >= width else instant_sql(cell(stamp)))
    where = " AND ".join(f"{cell(position)} = {sql_literal(value)}" for position, value in layout.filters)
    kept = f" WHERE {where}" if where else ""
    connection.execute(f"INSERT INTO {_KEPT} SELECT {', '.join(selected)} FROM {cells}{kept}")


def _build(
    connection: duckdb.DuckDBPyConnection, *, instant_of: InstantOf, source: str, config: Config, strict: bool
) -> dict[type[Record], str]:
    """The work items and transitions of all kept rows, each class's a temporary view (in order).

    Rows are grouped by item in order of first appearance and sorted by time within an item (equal
    times keep their read order), as the row-by-row reader does; see its `load` for what each field
    of an item is.
    """
    (count, empty) = connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE item_id = '' OR to_status = '') FROM {_KEPT}"
    ).fetchone()  # type: ignore[misc]
    if count == 0 or empty:
        raise _Declined  # nothing kept (the row-by-row reader words it), or an empty required cell
    fill_instants(connection, _KEPT, "timestamp", "changed_at", instant_of)
    # A change's place in its item's history is its place in the order of (changed_at, rowid): rowid
    # is its place in the files (read order), so equal times keep it. The per-item values take the
    # first or last change by that order, as one number (microseconds times 2^32 plus rowid: rowid is
    # below 2^32, so the number orders as the pair does); no table of the changes in order is made.
    order = "(epoch_us(changed_at)::HUGEINT * 4294967296 + rowid)"
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ITEM_ROWS} AS SELECT *, {instant_sql('created')} AS created_at FROM ("
        "SELECT item_id, min(rowid) AS first_ord, "
        f"coalesce(arg_max(team, {order}) FILTER (WHERE team <> ''), arg_max(project, {order})) AS project, "
        f"arg_max(title, {order}) FILTER (WHERE title <> '') AS title, "
        f"arg_max(type, {order}) FILTER (WHERE type <> '') AS item_type, "
        f"arg_min(created, {order}) FILTER (WHERE created <> '') AS created, "
        "min(changed_at) AS first_at, "
        f"arg_min_null(from_status, {order}) AS first_from, "
        f"arg_max(to_status, {order}) AS status FROM {_KEPT} GROUP BY item_id)"
    )
    fill_instants(connection, _ITEM_ROWS, "created", "created_at", instant_of)
    if strict:
        _check_statuses(connection, config, source)
    projects = connection.execute(f"SELECT DISTINCT project FROM {_ITEM_ROWS}").fetchall()
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {_TEAMS} (project VARCHAR, team_id VARCHAR)")
    teams = ", ".join(f"({sql_literal(name)}, {sql_literal(config.team_of_project(name))})" for (name,) in projects)
    connection.execute(f"INSERT INTO {_TEAMS} VALUES {teams}")
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ITEMS} AS "
        "SELECT *, coalesce(first_from <> '' AND created_at < first_at, false) AS shift "
        "FROM (SELECT i.* REPLACE (coalesce(i.created_at, i.first_at) AS created_at), t.team_id "
        f"FROM {_ITEM_ROWS} AS i JOIN {_TEAMS} AS t USING (project))"
    )
    items_sql = record_columns_sql(
        WorkItem,
        {
            "source_id": "item_id",
            "project": "project",
            "team_id": "team_id",
            "title": "coalesce(title, '')",
            "item_type": "coalesce(item_type, 'Item')",
            "created_at": "created_at",
            "status": "status",
        },
        source=source,
        history="csv",
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {_WORK_ITEMS} AS SELECT {items_sql} FROM {_ITEMS} ORDER BY first_ord"
    )
    (previous,) = connection.execute(f"SELECT count(*) FROM {_KEPT} WHERE from_status IS NULL").fetchone()  # type: ignore[misc]
    # A change's from_status is its cell (empty: none), or without that column the previous to_status.
    history = "(PARTITION BY c.item_id ORDER BY c.changed_at, c.rowid)"
    stated = "nullif(c.from_status, '')"
    if previous:
        stated = f"CASE WHEN c.from_status IS NULL THEN lag(c.to_status) OVER {history} ELSE {stated} END"
    # Each item's seq-0 row (the status it was created in) goes just before its first change.
    transitions_sql = record_columns_sql(
        StatusTransition,
        {name: name for name in ("item_id", "seq", "changed_at", "from_status", "to_status")},
        source=source,
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {_TRANSITIONS} AS SELECT {transitions_sql} FROM ("
        f"SELECT c.item_id, row_number() OVER {history} - 1 + CAST(i.shift AS BIGINT) AS seq, c.changed_at, "
        f"{stated} AS from_status, c.to_status, i.first_ord FROM {_KEPT} AS c JOIN {_ITEMS} AS i USING (item_id) "
        f"UNION ALL SELECT item_id, 0, created_at, NULL, first_from, first_ord FROM {_ITEMS} WHERE shift"
        ") ORDER BY first_ord, seq"
    )
    return {WorkItem: _WORK_ITEMS, StatusTransition: _TRANSITIONS}


def _staged(
    connection: duckdb.DuckDBPyConnection,
    record_class: type[R],
    table: str,
    folder: tempfile.TemporaryDirectory[str],
) -> RecordTable[R]:
    """The rows of the table `table` (`record_class`'s columns), written in their order to a Parquet file
    in `folder`, as the records the store reads from it."""
    path = Path(folder.name) / f"{record_class.spec.table}.parquet"
    (rows,) = connection.execute(
        f"COPY (SELECT * FROM {table}) TO {sql_literal(str(path))} (FORMAT parquet, COMPRESSION uncompressed)"
    ).fetchone()  # type: ignore[misc]
    return RecordTable.staged(record_class, path, rows=rows, owner=folder)


def _check_statuses(connection: duckdb.DuckDBPyConnection, config: Config, source: str) -> None:
    """Declined when a status of any change is in no stage of its item's workflow (strict_statuses)."""
    pairs = connection.execute(
        f"SELECT DISTINCT i.project, s.status FROM {_KEPT} AS c JOIN {_ITEM_ROWS} AS i USING (item_id), "
        "unnest([c.to_status, c.from_status]) AS s(status) WHERE s.status <> ''"
    ).fetchall()
    known: dict[str, set[str]] = {}
    for project, status in pairs:
        if project not in known:
            workflow = config.workflow_for(source, project)
            known[project] = {status_key(name) for stage in workflow.stages for name in stage.statuses}
        if status_key(status) not in known[project]:
            raise _Declined
