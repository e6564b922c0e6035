"""Building canonical record tables column-wise, in the store's types, for the column-wise readers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from orgflow.model.record import Record
from orgflow.store.database import ARROW_TYPES
from orgflow.store.schema import column_types


def record_table(
    record_class: type[Record], columns: dict[str, pa.Array | Sequence[Any]], *, rows: int, **constants: object
) -> pa.Table:
    """A table of `record_class`'s columns in order and in the store's types.

    Args:
        columns: values by column name: Arrow arrays (timestamps naive UTC), or Python lists
            converted here (aware datetimes for timestamps).
        rows: the number of rows (a column neither given nor constant is null, or empty lists).
        constants: a value repeated on every row, by column name.
    """
    arrays = []
    types = column_types(record_class)
    for name, kind in types.items():
        arrow_type = ARROW_TYPES[kind]
        if name in columns:
            values = columns[name]
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            if isinstance(values, pa.Array):
                array = values.cast(arrow_type)
            elif kind == "TIMESTAMP":  # aware datetimes, converted to UTC by Arrow, then made naive
                array = pa.array(values, pa.timestamp("us", tz="UTC")).cast(arrow_type)
            else:
                array = pa.array(values, arrow_type)
        elif name in constants:
            array = pa.repeat(pa.scalar(constants[name], arrow_type), rows)
        elif kind == "VARCHAR[]":
            array = pa.ListArray.from_arrays(pa.array(np.zeros(rows + 1, np.int32)), pa.array([], pa.string()))
        else:
            array = pa.nulls(rows, arrow_type)
        if len(array) != rows:
            raise ValueError(f"{record_class.__name__}.{name}: {len(array)} values for {rows} rows")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(types))


def latest_by_key(record_class: type[Record], table: pa.Table) -> pa.Table:
    """`table` with one row per key of `record_class`: the last one, rows kept in their order (as the
    store keeps records listed twice)."""
    key = list(record_class.spec.key)
    if table.num_rows < 2:
        return table
    numbered = table.select(key).append_column("_row", pa.array(np.arange(table.num_rows), pa.int64()))
    last = numbered.group_by(key, use_threads=False).aggregate([("_row", "max")]).column("_row_max")
    if len(last) == table.num_rows:
        return table
    return table.take(pa.array(np.sort(last.to_numpy())))


def first_place_last_value(table: pa.Table, key: str) -> pa.Table:
    """One row per value of `key`: at the place of its first row, with the values of its last row (as
    a dict keeps a key assigned twice)."""
    if table.num_rows < 2:
        return table
    numbered = table.select([key]).append_column("_row", pa.array(np.arange(table.num_rows), pa.int64()))
    rows = numbered.group_by([key], use_threads=False).aggregate([("_row", "min"), ("_row", "max")])
    if rows.num_rows == table.num_rows:
        return table
    order = np.argsort(rows.column("_row_min").to_numpy())
    return table.take(pa.array(rows.column("_row_max").to_numpy()[order]))
