"""Opening the workspace file and writing canonical records: one transaction per import, upserts by key."""

from __future__ import annotations

import operator
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orgflow.errors import ConflictError, InputError
from orgflow.model import TABLES, Record
from orgflow.store import snapshot
from orgflow.store.batch import ImportBatch, ImportCounts, to_utc_naive
from orgflow.store.schema import SCHEMA_VERSION, column_types, current_version, migrate
from orgflow.store.staging import latest_rows, stage_rows

LOCK_WAIT_ENV = "ORGFLOW_LOCK_WAIT"
DEFAULT_LOCK_WAIT_SECONDS = 60.0
"""How long opening a workspace waits for another process's lock on it (seconds), unless
$ORGFLOW_LOCK_WAIT says otherwise."""

_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")

_CLASS_BY_TABLE: dict[str, type[Record]] = {cls.spec.table: cls for cls in TABLES}

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "VARCHAR[]": pa.list_(pa.string()),
}
"""The Arrow type of each store column type (timestamps naive UTC, as the store keeps them)."""


class Store:
    """The DuckDB workspace file. Open it with `Store.open(path)`; `connection` is the raw DuckDB handle."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path | None, *, read_only: bool) -> None:
        self.connection = connection
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(
        cls,
        path: Path | str | None,
        *,
        read_only: bool = False,
        create: bool = False,
        wait_seconds: float | None = None,
        on_wait: Callable[[str], object] | None = None,
    ) -> Store:
        """Open (and with `create`, make) the store file and bring its schema up to date.

        DuckDB lets one process write a file or many read it. When another process holds a lock
        that this open conflicts with, it waits for it (polling), calling `on_wait` once with a
        line that says who holds it.

        Args:
            path: the ``.duckdb`` file, or None for an in-memory store (tests).
            read_only: open without write access; the schema must be current.
            create: allow creating a missing file.
            wait_seconds: how long to wait for a conflicting lock (None: $ORGFLOW_LOCK_WAIT, else 60).
            on_wait: told once, in one line, that the open waits and for whom.

        Raises:
            FileNotFoundError: the file is missing and `create` is false.
            WorkspaceBusy: another process still held a conflicting lock after `wait_seconds`.
        """
        if path is not None:
            path = Path(path)
            if not path.exists() and not create:
                raise FileNotFoundError(path)
        database = ":memory:" if path is None else str(path)
        connection = _connect(database, read_only=read_only, wait_seconds=wait_seconds, on_wait=on_wait)
        if read_only and current_version(connection) < SCHEMA_VERSION:
            # A store written by an older orgflow: migrate it once (a brief write open), then read.
            connection.close()
            cls.open(path, wait_seconds=wait_seconds, on_wait=on_wait).close()
            connection = _connect(database, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
        connection.execute("SET TimeZone = 'UTC'")
        if not read_only:
            migrate(connection)
        return cls(connection, path, read_only=read_only)

    def close(self) -> None:
        """Close the connection; a writer first publishes the snapshot a running dashboard reads
        (`orgflow.store.snapshot`) when the file changed since it was last published."""
        try:
            if not self.read_only and self.path is not None and snapshot.has_readers(self.path):
                self.connection.execute("CHECKPOINT")
                published = snapshot.stamp(snapshot.snapshot_path(self.path))
                if published is None or self.path.stat().st_mtime_ns >= published.modified_ns:
                    snapshot.copy_store(self.path)
        finally:
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on the store's connection, for a write that is not an import batch:
        committed when the block ends, rolled back (the error raised again) when it fails."""
        self.connection.execute("BEGIN TRANSACTION")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def write(self, batch: ImportBatch, *, before_commit: Callable[[], object] | None = None) -> ImportCounts:
        """Upsert every record of `batch` in one transaction; replace the children of every parent.

        `before_commit`, when given, runs inside the transaction after the rows are written (the
        workspace rebuilds its stored flow facts there). A failure of either rolls the whole batch
        back, leaving the store as it was.

        Each class's records reach DuckDB as a Parquet file (`_stage`), read through a temporary view:
        DuckDB reads Parquet natively (scanning the file each time costs less than copying it into a
        table once), where handing it an Arrow table from Python makes its client import pandas
        (about 0.4 s a process).
        """
        connection = self.connection
        started_at = datetime.now(UTC)
        counts: dict[str, tuple[int, int, int]] = {}
        with tempfile.TemporaryDirectory(prefix="orgflow-batch-") as folder:
            staged = {
                record_class: _stage(record_class, records, Path(folder))
                for record_class, records in batch.records.items()
                if records
            }
            connection.execute("BEGIN TRANSACTION")
            try:
                for record_class, path in staged.items():
                    connection.execute(
                        f"CREATE OR REPLACE TEMP VIEW {_batch_table(record_class)} AS "
                        f"SELECT * FROM read_parquet({_quoted(str(path))})"
                    )
                    counts[record_class.spec.table] = _count_changes(connection, record_class)
                for child_class in TABLES:
                    parent_class = _CLASS_BY_TABLE.get(child_class.spec.parent_table or "")
                    if parent_class is None or parent_class not in staged:
                        continue
                    parents = _batch_table(parent_class)
                    matches = " AND ".join(
                        f"{child_class.spec.table}.{child} = {parents}.{parent}"
                        for child, parent in zip(child_class.spec.parent, parent_class.spec.key, strict=True)
                    )
                    connection.execute(f"DELETE FROM {child_class.spec.table} USING {parents} WHERE {matches}")
                for record_class in staged:
                    spec = record_class.spec
                    rows = _batch_table(record_class)
                    matches = " AND ".join(f"{spec.table}.{key} = {rows}.{key}" for key in spec.key)
                    connection.execute(f"DELETE FROM {spec.table} USING {rows} WHERE {matches}")
                    connection.execute(f"INSERT INTO {spec.table} SELECT * FROM {rows}")
                result = ImportCounts(counts, tuple(batch.warnings))
                # Literal values: binding parameters would make DuckDB's client import pandas.
                logged = [
                    _quoted(batch.source),
                    _quoted(batch.kind),
                    _quoted(batch.origin),
                    _quoted(str(to_utc_naive(started_at))),
                    _quoted(str(to_utc_naive(datetime.now(UTC)))),
                    str(result.new),
                    str(result.changed),
                    str(result.unchanged),
                ]
                connection.execute(
                    f"INSERT INTO imports SELECT coalesce(max(import_id), 0) + 1, {', '.join(logged)} FROM imports"
                )
                if before_commit is not None:
                    before_commit()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            finally:
                for record_class in staged:
                    connection.execute(f"DROP VIEW IF EXISTS {_batch_table(record_class)}")
        return result

    def table_counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        return {
            cls.spec.table: self.connection.execute(f"SELECT count(*) FROM {cls.spec.table}").fetchone()[0]
            for cls in TABLES
        }


def publish_snapshot(
    store_path: Path, *, wait_seconds: float | None = None, on_wait: Callable[[str], object] | None = None
) -> Path:
    """Make the store's snapshot current (a server's start); returns its path.

    The copy is taken under a read lock, so no writer is half-way through. A write-ahead log left by
    a writer that did not close cleanly is first folded into the file by a brief write open.
    """
    target = snapshot.snapshot_path(store_path)
    store = Store.open(store_path, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
    if store_path.with_name(store_path.name + ".wal").exists():
        # A log left by a writer that did not close: one brief write open folds it into the file.
        store.connection.close()
        Store.open(store_path, wait_seconds=wait_seconds, on_wait=on_wait).close()
        store = Store.open(store_path, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
    try:
        published = snapshot.stamp(target)
        if published is None or store_path.stat().st_mtime_ns >= published.modified_ns:
            snapshot.copy_store(store_path)
    finally:
        store.connection.close()
    return target


class WorkspaceBusy(ConflictError):
    """Another process held a lock on the workspace file for longer than this one would wait."""


def _connect(
    database: str,
    *,
    read_only: bool,
    wait_seconds: float | None,
    on_wait: Callable[[str], object] | None,
) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, waiting while another process holds a conflicting lock on the file."""
    if wait_seconds is None:
        wait_seconds = _configured_wait()
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    told = False
    while True:
        try:
            return duckdb.connect(database, read_only=read_only)
        except duckdb.IOException as error:
            if "Could not set lock" not in str(error):
                raise
            holder = _LOCK_HOLDER.search(str(error))
            who = f"another orgflow process (PID {holder.group(1)})" if holder else "another process"
            doing = "writing" if read_only else "using"
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(
                    f"{who} is {doing} this workspace; waited {wait_seconds:g} s",
                    file=database,
                    hint=f"try again when it has finished, or set {LOCK_WAIT_ENV}=SECONDS to wait longer",
                ) from None
            if not told and on_wait is not None:
                on_wait(f"{database}: {who} is {doing} this workspace; waiting up to {wait_seconds:g} s")
                told = True
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, 0.5)


def _configured_wait() -> float:
    """$ORGFLOW_LOCK_WAIT in seconds (a bad value is an error that names it), else the default."""
    text = os.environ.get(LOCK_WAIT_ENV)
    if not text:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise InputError(f"not a number of seconds: {text!r}", field=LOCK_WAIT_ENV)
    return seconds


def _batch_table(record_class: type[Record]) -> str:
    """The temporary view of a batch's records of `record_class`."""
    return f"_batch_{record_class.spec.table}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stage(record_class: type[Record], records: list[Record], folder: Path) -> Path:
    """The records as a Parquet file of the class's columns in the store's types: the one a source
    staged (`orgflow.model.table.RecordTable.staged`), else one written into `folder` (`staging`)."""
    staged = getattr(records, "parquet_path", None)
    if staged is not None:
        return Path(staged)
    path = folder / f"{record_class.spec.table}.parquet"
    prepared = getattr(records, "arrow_table", None)
    if prepared is not None:
        import pyarrow.parquet as pq

        pq.write_table(prepared, path, compression="none")
        return path
    names = list(column_types(record_class))
    rows = [operator.attrgetter(*names)(record) for record in records]
    stage_rows(record_class, latest_rows(record_class, rows), path)
    return path


def _count_changes(connection: duckdb.DuckDBPyConnection, record_class: type[Record]) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of the batch's table against the store's, by key and full row."""
    spec = record_class.spec
    rows = _batch_table(record_class)
    key_columns = ", ".join(spec.key)
    total, existing, unchanged = connection.execute(
        f"SELECT (SELECT count(*) FROM {rows}), "
        f"(SELECT count(*) FROM {rows} SEMI JOIN {spec.table} USING ({key_columns})), "
        f"(SELECT count(*) FROM (SELECT * FROM {rows} INTERSECT ALL SELECT * FROM {spec.table}))"
    ).fetchone()  # type: ignore[misc]
    return total - existing, existing - unchanged, unchanged


def _to_arrow(record_class: type[Record], records: list[Record]) -> pa.Table:
    """Records as an Arrow table with the store's column types; instants become naive UTC.

    Later records win over earlier ones with the same key (a source listing an item twice). Records
    built column-wise (`orgflow.model.table.RecordTable`) are already such a table, and are used as is.
    """
    prepared = getattr(records, "arrow_table", None)
    if prepared is not None:
        return prepared
    columns = column_types(record_class)
    names = list(columns)
    rows = [operator.attrgetter(*names)(record) for record in records]
    key_positions = [names.index(name) for name in record_class.spec.key]
    latest: dict[tuple[object, ...], int] = {}
    for index, row in enumerate(rows):
        latest[tuple(row[position] for position in key_positions)] = index
    if len(latest) != len(rows):
        rows = [rows[index] for index in sorted(latest.values())]
    arrays = []
    for position, name in enumerate(names):
        values = [row[position] for row in rows]
        arrays.append(column_array(values, columns[name], record_class.spec.table, name))
    return pa.Table.from_arrays(arrays, names=names)


def column_array(values: list[object], kind: str, table: str, column: str) -> pa.Array:
    """One column as an Arrow array; aware datetimes are converted to UTC by Arrow, then made naive."""
    if kind == "TIMESTAMP":
        for value in values:
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError(f"{table}.{column}: naive datetime {value!r}; records carry aware UTC instants")
        return pa.array(values, type=pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    return pa.array(values, type=ARROW_TYPES[kind])
