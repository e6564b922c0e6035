"""Opening the workspace file and writing canonical records: one transaction per import, upserts by key.

Opening loads neither the record classes nor the batches: a read-only command needs only the
connection; writing loads them.
A batch's temporary tables and views, and the SQL a write runs over them, are
`orgflow.store.batch_tables`'s.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from orgflow.store import snapshot
from orgflow.store.batch_tables import (
    batch_table,
    check_relation,
    count_changes,
    drop_temporary,
    kept_select,
    quoted,
    rows_table,
    stage_rows,
    table_rows,
    temporary_views,
)
from orgflow.store.connection import connect_waiting
from orgflow.store.engine import duckdb
from orgflow.store.schema import SCHEMA_VERSION, current_version, migrate
from orgflow.store.write_settings import ROW_GROUP_ROWS, write_settings

if TYPE_CHECKING:
    from orgflow.model import Record
    from orgflow.store.batch import ImportBatch, ImportCounts


def _schema_is_current(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store records this orgflow's schema version: one read of its metadata table (a new
    file has none), where `current_version` first looks the table up in the information schema, which
    costs DuckDB some 15 ms of every process's start."""
    try:
        row = connection.execute("SELECT value FROM orgflow_meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


@cache
def _class_by_table() -> dict[str, type[Record]]:
    from orgflow.model import TABLES

    return {cls.spec.table: cls for cls in TABLES}


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
        if read_only:
            from orgflow.query.compiled_sql import plain_rows_wanted

            if not plain_rows_wanted():
                # A reader fetches Arrow: loaded before DuckDB's threads start, 0.07 s less per process (a
                # command that reads plain rows, `orgflow.query.compiled_sql.plain_rows`, may need none).
                import pyarrow  # noqa: F401
        connection = connect_waiting(database, read_only=read_only, wait_seconds=wait_seconds, on_wait=on_wait)
        current = _schema_is_current(connection)
        if read_only and not current and current_version(connection) < SCHEMA_VERSION:
            # A store written by an older orgflow: migrate it once (a brief write open), then read.
            connection.close()
            cls.open(path, wait_seconds=wait_seconds, on_wait=on_wait).close()
            connection = connect_waiting(database, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
        connection.execute("SET TimeZone = 'UTC'")
        if not read_only and not current:
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

        Records the batch declares as SQL (`ImportBatch.staged`) are built first, in this connection's
        temporary tables (the workspace file is not touched; when the source declines, its fallback
        reads them or raises the input's error). Each class's records handed over as rows reach DuckDB
        as JSON it reads into a temporary table of this connection (`stage_rows`), read through a temporary
        view: handing it an Arrow table from Python makes its client import pandas (about 0.4 s a
        process). A source's Parquet file is read as it is.
        """
        from orgflow.store.batch import StagingDeclined

        declared = batch.staged
        with write_settings(self.connection) as threads:
            try:
                records: dict[type[Record], list[Record]] = dict(batch.records)
                warnings = list(batch.warnings)
                relations: dict[type[Record], str] = {}
                if declared is not None:
                    try:
                        relations = declared.build(self.connection)
                    except StagingDeclined:
                        drop_temporary(self.connection, declared.temporary)
                        fallback = declared.fallback()
                        records.update(fallback.records)
                        warnings.extend(fallback.warnings)
                return self._write(batch, records, relations, warnings, before_commit, threads=threads)
            finally:
                if declared is not None:
                    drop_temporary(self.connection, declared.temporary)

    def _write(
        self,
        batch: ImportBatch,
        records: dict[type[Record], list[Record]],
        relations: dict[type[Record], str],
        warnings: list[str],
        before_commit: Callable[[], object] | None,
        *,
        threads: int,
    ) -> ImportCounts:
        """`write` of `records` (rows) and `relations` (temporary tables already built), in one transaction;
        the flow facts and the commit on `threads` threads when the store holds more than one of DuckDB's
        row groups in a table (else on one: `orgflow.store.write_settings`)."""
        from orgflow.model import TABLES
        from orgflow.store.batch import ImportCounts, to_utc_naive

        connection = self.connection
        started_at = datetime.now(UTC)
        counts: dict[str, tuple[int, int, int]] = {}
        materialised: set[type[Record]] = set()
        with tempfile.TemporaryDirectory(prefix="orgflow-batch-") as folder:
            # What each class's batch view reads: a staged Parquet file, rows made a table, or a relation
            # the source built.
            staged = {
                record_class: stage_rows(connection, record_class, rows, Path(folder))
                for record_class, rows in records.items()
                if rows
            }
            for record_class, relation in relations.items():
                check_relation(connection, record_class, relation)
                staged[record_class] = relation
            views = temporary_views(connection) if relations else set()
            connection.execute("BEGIN TRANSACTION")
            try:
                # A table with no rows has none to compare or delete (a first import's every table): its
                # statements are skipped, each a pass over the batch, and its rows are counted as they
                # are inserted. A source's view is evaluated once: by that insert, else into a table.
                held = table_rows(connection, [cls.spec.table for cls in TABLES])
                empty = {table for table, rows in held.items() if rows == 0}
                for record_class, relation in staged.items():
                    kind = "VIEW"
                    kept = batch.kept_columns.get(record_class, ())
                    if (relation in views or kept) and record_class.spec.table not in empty:
                        kind = "TABLE"
                        materialised.add(record_class)
                    select = f"SELECT * FROM {relation}"
                    if kept and record_class.spec.table not in empty:
                        select = kept_select(record_class, relation, kept)
                    connection.execute(f"CREATE OR REPLACE TEMP {kind} {batch_table(record_class)} AS {select}")
                    if record_class.spec.table not in empty:
                        counts[record_class.spec.table] = count_changes(connection, record_class)
                    else:
                        counts[record_class.spec.table] = (0, 0, 0)  # counted by the insert below
                for child_class in TABLES:
                    parent_class = _class_by_table().get(child_class.spec.parent_table or "")
                    if parent_class is None or parent_class not in staged or child_class.spec.table in empty:
                        continue
                    if child_class in batch.kept_children:
                        continue
                    parents = batch_table(parent_class)
                    matches = " AND ".join(
                        f"{child_class.spec.table}.{child} = {parents}.{parent}"
                        for child, parent in zip(child_class.spec.parent, parent_class.spec.key, strict=True)
                    )
                    connection.execute(f"DELETE FROM {child_class.spec.table} USING {parents} WHERE {matches}")
                for record_class in staged:
                    spec = record_class.spec
                    rows = batch_table(record_class)
                    matches = " AND ".join(f"{spec.table}.{key} = {rows}.{key}" for key in spec.key)
                    if spec.table not in empty:
                        connection.execute(f"DELETE FROM {spec.table} USING {rows} WHERE {matches}")
                    (inserted,) = connection.execute(f"INSERT INTO {spec.table} SELECT * FROM {rows}").fetchone()  # type: ignore[misc]
                    if spec.table in empty:
                        counts[spec.table] = (inserted, 0, 0)
                    held[spec.table] = held.get(spec.table, 0) + inserted
                if max(held.values(), default=0) > ROW_GROUP_ROWS:
                    connection.execute(f"SET threads = {threads}")
                result = ImportCounts(counts, tuple(warnings))
                # Literal values: binding parameters would make DuckDB's client import pandas.
                logged = [
                    quoted(batch.source),
                    quoted(batch.kind),
                    quoted(batch.origin),
                    quoted(str(to_utc_naive(started_at))),
                    quoted(str(to_utc_naive(datetime.now(UTC)))),
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
                    kind = "TABLE" if record_class in materialised else "VIEW"
                    connection.execute(f"DROP {kind} IF EXISTS {batch_table(record_class)}")
                drop_temporary(connection, tuple(rows_table(record_class) for record_class in records))
        return result

    def table_counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        from orgflow.model import TABLES

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
