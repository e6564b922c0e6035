"""A batch's temporary tables and views in the store's connection, and the SQL a write runs over them.

`orgflow.store.database.Store.write` makes each record class's rows readable (`stage_rows`: a source's
Parquet file, or the rows as a temporary table) or checks a relation the source built (`check_relation`),
reads them through a batch view or table (`batch_table`, `kept_select`), counts what is new or changed
against the stored rows (`count_changes`), and drops what it made (`drop_temporary`).
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import TYPE_CHECKING

from orgflow.store.engine import duckdb
from orgflow.store.schema import column_types

if TYPE_CHECKING:
    from orgflow.model import Record


def batch_table(record_class: type[Record]) -> str:
    """The temporary view of a batch's records of `record_class`."""
    return f"_batch_{record_class.spec.table}"


def quoted(text: str) -> str:
    """`text` as an SQL string literal (each ``'`` doubled)."""
    return "'" + text.replace("'", "''") + "'"


def temporary_views(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the connection's temporary views."""
    return {
        str(name) for (name,) in connection.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()
    }


def drop_temporary(connection: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Drop the temporary tables and views `names` (those that exist)."""
    views = temporary_views(connection)
    for name in names:
        connection.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS temp.{name}")


def check_relation(connection: duckdb.DuckDBPyConnection, record_class: type[Record], relation: str) -> None:
    """Raise ValueError unless the relation a source built has `record_class`'s columns, in order, in the
    store's types."""
    described = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    found = {str(row[0]): str(row[1]) for row in described}
    expected = column_types(record_class)
    if list(found.items()) != list(expected.items()):
        raise ValueError(f"{relation}: columns {found} are not those of {record_class.spec.table}: {expected}")


def kept_select(record_class: type[Record], relation: str, kept: tuple[str, ...]) -> str:
    """The batch's rows of `relation`, each row already stored taking its stored values of the columns
    `kept` (`ImportBatch.kept_columns`); evaluated before the write, into a table."""
    spec = record_class.spec
    joined = " AND ".join(f"_stored.{key} = _batch.{key}" for key in spec.key)
    columns = ", ".join(
        f"CASE WHEN _stored.{spec.key[0]} IS NULL THEN _batch.{name} ELSE _stored.{name} END AS {name}"
        if name in kept
        else f"_batch.{name}"
        for name in column_types(record_class)
    )
    return f"SELECT {columns} FROM {relation} AS _batch LEFT JOIN {spec.table} AS _stored ON {joined}"


def rows_table(record_class: type[Record]) -> str:
    """The temporary table of a batch's records of `record_class` handed over as rows (`stage_rows`)."""
    return f"_rows_{record_class.spec.table}"


def stage_rows(
    connection: duckdb.DuckDBPyConnection, record_class: type[Record], records: list[Record], folder: Path
) -> str:
    """What to read the records from, as the class's columns in the store's types: the Parquet file a
    source staged (`orgflow.model.table.RecordTable.staged`), else the records' rows made a temporary
    table of this connection from JSON (`staging.rows_relation`; a Parquet file in `folder` for values
    JSON would not carry exactly)."""
    from orgflow.store.staging import latest_rows, rows_relation

    staged = getattr(records, "parquet_path", None)
    if staged is not None:
        return f"read_parquet({quoted(str(staged))})"
    rows = getattr(records, "rows", None)
    if rows is None:
        prepared = getattr(records, "arrow_table", None)
        if prepared is not None:
            import pyarrow.parquet as pq

            path = folder / f"{record_class.spec.table}.parquet"
            pq.write_table(prepared, path, compression="none")
            return f"read_parquet({quoted(str(path))})"
        names = list(column_types(record_class))
        rows = latest_rows(record_class, [operator.attrgetter(*names)(record) for record in records])
    return rows_relation(connection, record_class, rows, table=rows_table(record_class), folder=folder)


def table_rows(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """The rows each table of `tables` holds (one query; DuckDB counts a table's rows without reading them)."""
    counts = connection.execute(
        "SELECT [" + ", ".join(f"(SELECT count(*) FROM {table})" for table in tables) + "]"
    ).fetchone()[0]  # type: ignore[index]
    return dict(zip(tables, counts, strict=True))


def count_changes(
    connection: duckdb.DuckDBPyConnection, record_class: type[Record], *, empty: bool = False
) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of the batch's table against the store's, by key and full row
    (`empty`: the store's table has no rows, so every row is new)."""
    spec = record_class.spec
    rows = batch_table(record_class)
    if empty:
        (total,) = connection.execute(f"SELECT count(*) FROM {rows}").fetchone()  # type: ignore[misc]
        return total, 0, 0
    key_columns = ", ".join(spec.key)
    total, existing, unchanged = connection.execute(
        f"SELECT (SELECT count(*) FROM {rows}), "
        f"(SELECT count(*) FROM {rows} SEMI JOIN {spec.table} USING ({key_columns})), "
        f"(SELECT count(*) FROM (SELECT * FROM {rows} INTERSECT ALL SELECT * FROM {spec.table}))"
    ).fetchone()  # type: ignore[misc]
    return total - existing, existing - unchanged, unchanged
