"""Records and rows as Arrow tables in the store's column types (instants naive UTC, as the store keeps
them): for the Python API's column-wise records and for values the JSON staging cannot carry exactly.
pyarrow loads here, when called, never with the store."""

from __future__ import annotations

import operator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orgflow.store.schema import column_types

if TYPE_CHECKING:
    import pyarrow as pa

    from orgflow.model import Record


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type of the store column type `kind` (timestamps naive UTC, as the store keeps them).
    pyarrow loads here, not with the store: an import that hands DuckDB files never needs it."""
    import pyarrow as pa

    types = {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "TIMESTAMP": pa.timestamp("us"),
        "DATE": pa.date32(),
        "VARCHAR[]": pa.list_(pa.string()),
    }
    return types[kind]


def records_table(record_class: type[Record], records: list[Record]) -> pa.Table:
    """Records as an Arrow table with the store's column types; instants become naive UTC.

    Later records win over earlier ones with the same key (a source listing an item twice). Records
    built column-wise (`orgflow.model.table.RecordTable`) are already such a table, and are used as is.
    """
    values = getattr(records, "rows", None)
    if values is not None:
        return rows_table(record_class, list(values))
    prepared = getattr(records, "arrow_table", None)
    if prepared is not None:
        return prepared
    names = list(column_types(record_class))
    return rows_table(record_class, [operator.attrgetter(*names)(record) for record in records])


def rows_table(record_class: type[Record], rows: list[tuple[Any, ...]]) -> pa.Table:
    """Rows (the values of `record_class`'s columns in order, as records hold them) as an Arrow table with
    the store's column types; instants become naive UTC; of rows with the same key, the last is kept."""
    import pyarrow as pa

    columns = column_types(record_class)
    names = list(columns)
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
    import pyarrow as pa

    if kind == "TIMESTAMP":
        for value in values:
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError(f"{table}.{column}: naive datetime {value!r}; records carry aware UTC instants")
        return pa.array(values, type=pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    return pa.array(values, type=arrow_type(kind))
