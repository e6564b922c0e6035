"""A result's table with some rows' values changed, rebuilt without pandas: a figure that nulls or recomputes
values after its query (a summary past the data's end, `orgflow.flow.after_data`) changes its rows as Python
values, and converting Python values to Arrow would make pyarrow load pandas (about 0.3 s of a command)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from orgflow.query.plain_table import PlainTable


def with_rows(table: pa.Table | PlainTable, rows: list[dict[str, Any]]) -> pa.Table | PlainTable:
    """A table of `table`'s columns holding `rows` (as `to_pylist` gives them, with only float, string or
    null values changed); a `PlainTable` stays one. An Arrow table gets each changed column built from
    its values' bytes: converting Python values would make pyarrow load pandas (about 0.3 s), and a
    summary past the data's end is a common figure."""
    from orgflow.query.plain_table import PlainTable

    if isinstance(table, PlainTable):
        return table.with_rows(rows)
    import pyarrow as pa

    for index, name in enumerate(table.column_names):
        values = [row[name] for row in rows]
        if values == table.column(name).to_pylist():
            continue
        field = table.schema.field(name)
        if all(value is None for value in values):
            column = pa.nulls(len(values), field.type)
        elif pa.types.is_floating(field.type):
            column = _floats(values)
        elif pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = _strings(values, large=pa.types.is_large_string(field.type))
        else:
            raise TypeError(f"cannot rebuild column {name!r} of type {field.type}")
        table = table.set_column(index, field.with_type(column.type), column)
    return table


def _validity(values: list[Any]) -> tuple[pa.Buffer | None, int]:
    """The validity bitmap of `values` (None when none is null) and how many are null."""
    import pyarrow as pa

    nulls = sum(value is None for value in values)
    if not nulls:
        return None, 0
    bits = bytearray((len(values) + 7) // 8)
    for at, value in enumerate(values):
        if value is not None:
            bits[at // 8] |= 1 << (at % 8)
    return pa.py_buffer(bytes(bits)), nulls


def _floats(values: list[float | None]) -> pa.Array:
    """`values` as an Arrow float64 array, built from their bytes (no pandas)."""
    import struct

    import pyarrow as pa

    validity, nulls = _validity(values)
    data = pa.py_buffer(struct.pack(f"<{len(values)}d", *(0.0 if value is None else value for value in values)))
    return pa.Array.from_buffers(pa.float64(), len(values), [validity, data], null_count=nulls)


def _strings(values: list[str | None], *, large: bool = False) -> pa.Array:
    """`values` as an Arrow string (or `large` string) array, built from their bytes (no pandas)."""
    import struct

    import pyarrow as pa

    validity, nulls = _validity(values)
    encoded = [b"" if value is None else value.encode() for value in values]
    offsets = [0]
    for text in encoded:
        offsets.append(offsets[-1] + len(text))
    kind, offset = (pa.large_string(), "q") if large else (pa.string(), "i")
    return pa.Array.from_buffers(
        kind,
        len(values),
        [validity, pa.py_buffer(struct.pack(f"<{len(offsets)}{offset}", *offsets)), pa.py_buffer(b"".join(encoded))],
        null_count=nulls,
    )
