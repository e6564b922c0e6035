"""Arrow tables of Python values, built by DuckDB.

pyarrow converts Python values (``pa.Table.from_pylist``, ``pa.array`` of a list) through code that
loads pandas first (about 0.3 s of a fresh process). A small table of Python values, a status section
or a list of warnings, is cheaper written as SQL literals (`orgflow.query.lookups.sql_literal`: exact,
floats by their repr, instants as naive UTC) and read back from DuckDB as Arrow, which loads neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orgflow.query.lookups import sql_literal

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

SQL_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "int32": "INTEGER",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp[us]": "TIMESTAMP",
    "date32[day]": "DATE",
}
"""The Arrow types (by name) a values table can hold, as DuckDB's SQL names them."""


def values_table(
    connection: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]], schema: pa.Schema
) -> pa.Table:
    """`rows` (each a mapping from column name to value; a missing name is null) as an Arrow table of
    `schema`, in their order: the table ``pa.Table.from_pylist(rows, schema=schema)`` gives.

    Raises:
        TypeError: a column type outside `SQL_TYPES`, or a value `sql_literal` has no literal for.
    """
    sql_types = []
    for field in schema:
        sql_type = SQL_TYPES.get(str(field.type))
        if sql_type is None:
            raise TypeError(f"no values table of a {field.type} column ({field.name})")
        sql_types.append(sql_type)
    slots = [f"v{index}" for index in range(len(schema))]
    if rows:
        values = ", ".join("(" + ", ".join(sql_literal(row.get(name)) for name in schema.names) + ")" for row in rows)
        limit = ""
    else:  # one row of nulls, left out: ``schema.empty_table()`` loads pandas too
        values, limit = "(" + ", ".join("NULL" for _ in slots) + ")", " LIMIT 0"
    columns = ", ".join(
        f"CAST({slot} AS {sql_type}) AS {_identifier(name)}"
        for slot, sql_type, name in zip(slots, sql_types, schema.names, strict=True)
    )
    # A projection of VALUES keeps the rows' order (DuckDB's default preserve_insertion_order).
    sql = f"SELECT {columns} FROM (VALUES {values}) AS t({', '.join(slots)}){limit}"
    table = connection.execute(sql).to_arrow_table()
    if table.schema.equals(schema):
        return table
    import pyarrow as pa

    # The same types; only the fields' nullability or metadata differ.
    return pa.Table.from_arrays(table.columns, schema=schema)


def _identifier(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
