"""The store's tables, generated from the canonical record classes, and the schema migrations.

Timestamps are stored as ``TIMESTAMP`` (microsecond resolution) holding UTC instants; a naive value
read back is UTC. Lists are ``VARCHAR[]``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from orgflow.store.engine import duckdb

if TYPE_CHECKING:
    from orgflow.model import Record

SCHEMA_VERSION = 3

_SCALAR_TYPES: dict[type, str] = {
    str: "VARCHAR",
    int: "BIGINT",
    float: "DOUBLE",
    bool: "BOOLEAN",
    datetime: "TIMESTAMP",
    date: "DATE",
}


def column_types(record_class: type[Record]) -> dict[str, str]:
    """The DuckDB column type of each field of a record class, in field order."""
    hints = typing.get_type_hints(record_class)
    columns: dict[str, str] = {}
    for field in dataclasses.fields(record_class):  # type: ignore[arg-type]
        columns[field.name] = _duckdb_type(hints[field.name])
    return columns


def _duckdb_type(hint: object) -> str:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _duckdb_type(members[0])
    if typing.get_origin(hint) is tuple:
        (element, _ellipsis) = typing.get_args(hint)
        return f"{_duckdb_type(element)}[]"
    if hint in _SCALAR_TYPES:
        return _SCALAR_TYPES[hint]  # type: ignore[index]
    raise TypeError(f"no store type for {hint!r}")


def create_table_sql(record_class: type[Record]) -> str:
    """``CREATE TABLE`` for a record class; key columns are NOT NULL.

    No PRIMARY KEY index: the writer keeps keys unique (it de-duplicates each batch and deletes the
    rows it replaces), and DuckDB's index made bulk inserts 5.5x slower (docs/decisions/0003).
    """
    spec = record_class.spec
    columns = ",\n  ".join(
        f"{name} {kind}{' NOT NULL' if name in spec.key else ''}" for name, kind in column_types(record_class).items()
    )
    return f"CREATE TABLE IF NOT EXISTS {spec.table} (\n  {columns}\n)"


_BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS orgflow_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS imports (
  import_id BIGINT PRIMARY KEY, source VARCHAR, kind VARCHAR, origin VARCHAR,
  started_at TIMESTAMP, finished_at TIMESTAMP, records_new BIGINT, records_changed BIGINT,
  records_unchanged BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS sync_state (
  source_name VARCHAR PRIMARY KEY, cursor VARCHAR, updated_at TIMESTAMP
)""",
)


def _migrate_to_1(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 1: the whole canonical schema of ARCHITECTURE.md §4 plus bookkeeping tables."""
    from orgflow.model import TABLES

    for statement in _BOOKKEEPING:
        connection.execute(statement)
    for record_class in TABLES:
        connection.execute(create_table_sql(record_class))


_FORECAST_SNAPSHOTS = """CREATE TABLE IF NOT EXISTS forecast_snapshots (
  subject VARCHAR, target VARCHAR, computed_at TIMESTAMP, probability DOUBLE
)"""


def _migrate_to_2(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 2: tags, CODEOWNERS rules, component ownership over time, team templates, person aliases,
    validity of component dependencies, a group's template, and the forecast snapshots insights compare with.

    Additive only: missing tables are created and missing columns added (null in existing rows).
    """
    connection.execute(_FORECAST_SNAPSHOTS)
    _add_missing_tables_and_columns(connection)


def _migrate_to_3(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 3: git's status of each changed file (`changed_files.status`, `old_path`) and the imported
    HEAD of each repository (`repo_heads`), so the files that exist at a date can be replayed.

    Additive only: rows imported before keep a null status, and a repository without a HEAD row is read
    as before (files with positive net lines) until it is imported again.
    """
    _add_missing_tables_and_columns(connection)


def _add_missing_tables_and_columns(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the canonical tables that are missing and add their missing columns (null in existing rows)."""
    from orgflow.model import TABLES

    for record_class in TABLES:
        connection.execute(create_table_sql(record_class))
        present = {
            row[0]
            for row in connection.execute(
                # A literal name: binding parameters makes DuckDB's client import pandas (about 0.4 s).
                f"SELECT column_name FROM information_schema.columns WHERE table_name = '{record_class.spec.table}'"
            ).fetchall()
        }
        for name, kind in column_types(record_class).items():
            if name not in present:
                connection.execute(f"ALTER TABLE {record_class.spec.table} ADD COLUMN {name} {kind}")


# Each entry upgrades the store from version N-1 to N; append, never edit a released one.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
}


def current_version(connection: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the store (0 for an empty file)."""
    exists = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'orgflow_meta'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = connection.execute("SELECT value FROM orgflow_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(connection: duckdb.DuckDBPyConnection) -> int:
    """Bring the store to SCHEMA_VERSION, each step in its own transaction. Returns the final version."""
    version = current_version(connection)
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"the workspace has schema version {version}, newer than this orgflow ({SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        step = version + 1
        connection.execute("BEGIN TRANSACTION")
        try:
            MIGRATIONS[step](connection)
            connection.execute(f"INSERT OR REPLACE INTO orgflow_meta VALUES ('schema_version', '{step:d}')")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        version = step
    return version
