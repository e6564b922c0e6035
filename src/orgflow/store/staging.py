"""Records handed to DuckDB as rows of their table's columns, in the store's types.

`Store.write` makes the rows of Python values of a batch a temporary table of its own connection
(`rows_relation`); an importer that builds its rows itself may stage them as a Parquet file beforehand
(`stage_rows`, `orgflow.model.table.RecordTable.staged`). The rows are written as JSON (orjson) and read
by DuckDB's JSON reader, each value as its column's type: converting Python values to Arrow makes
pyarrow import pandas (about 0.4 s a process), and DuckDB's client does the same for any Arrow table
handed to it from Python.

Each value reaches DuckDB exactly: text and lists of text as JSON strings, integers and
booleans as JSON numbers and literals, a float as its shortest round-trip repr (DuckDB reads it back to
the same double), an instant as its whole microseconds since 1970 UTC, a date as ISO 8601. What JSON
cannot carry exactly (a float that is not finite, an integer beyond 64 bits, a string with a lone
surrogate) goes through Arrow instead, as it always did.
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from orgflow.model.record import Record
from orgflow.store.engine import duckdb
from orgflow.store.schema import column_types

_EPOCH_DAY = datetime(1970, 1, 1).toordinal()
_DATABASE: duckdb.DuckDBPyConnection | None = None
_DATABASE_LOCK = threading.Lock()


class _NotJson(Exception):
    """A value JSON would not carry exactly."""


def latest_rows(record_class: type[Record], rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per key of `record_class` (rows are its columns in order): the last one, rows kept in
    their order, as the store keeps records listed twice."""
    positions = [list(column_types(record_class)).index(name) for name in record_class.spec.key]
    # The key of each row as one tuple (itemgetter of two or more positions), in C.
    key_of = operator.itemgetter(*positions) if len(positions) > 1 else lambda row: (row[positions[0]],)
    latest = {key_of(row): index for index, row in enumerate(rows)}
    if len(latest) == len(rows):
        return list(rows)
    return [rows[index] for index in sorted(latest.values())]


def stage_rows(record_class: type[Record], rows: Sequence[tuple[Any, ...]], path: Path) -> None:
    """Write `rows` (each the values of `record_class`'s columns in order: aware datetimes, tuples for
    lists) to the Parquet file `path`, in the store's types and in their order.

    Raises:
        ValueError: a naive datetime (records carry aware UTC instants).
    """
    types = column_types(record_class)
    data = _json_rows(types, rows)
    if data is None or not _copied(types, data, path):
        _stage_with_arrow(record_class, rows, path)


def rows_relation(
    connection: duckdb.DuckDBPyConnection,
    record_class: type[Record],
    rows: Sequence[tuple[Any, ...]],
    *,
    table: str,
    folder: Path,
) -> str:
    """`rows` (as `stage_rows` takes them) made readable in `connection`, in the store's types and in
    their order; returns what to read them from: the temporary table `table` (replaced if it exists),
    made there from the JSON rows, else (values JSON would not carry exactly) a Parquet file in `folder`
    written through Arrow.

    Raises:
        ValueError: a naive datetime (records carry aware UTC instants).
    """
    types = column_types(record_class)
    data = _json_rows(types, rows)
    if data is not None:
        text = folder / f"{record_class.spec.table}.json"
        text.write_bytes(data)
        try:
            connection.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {_json_select(types, text)}")
            return table
        except duckdb.Error:
            pass  # a value DuckDB would not cast to its column's type: Arrow decides
        finally:
            text.unlink()
    path = folder / f"{record_class.spec.table}.parquet"
    _stage_with_arrow(record_class, rows, path)
    return f"read_parquet({_quoted(str(path))})"


def _json_rows(types: dict[str, str], rows: Sequence[tuple[Any, ...]]) -> bytes | None:
    """`rows` as a JSON array of objects (a row's columns by name), or None when JSON would not carry a
    value exactly.

    Raises:
        ValueError: a naive datetime.
    """
    names = list(types)
    try:
        if "DOUBLE" in types.values():
            _check_floats(types, rows)
        return orjson.dumps(
            [dict(zip(names, row, strict=True)) for row in rows],
            default=_json_value,
            option=orjson.OPT_PASSTHROUGH_DATETIME,
        )
    except _NotJson:
        return None
    except TypeError as error:  # orjson's JSONEncodeError: `_json_value`'s error is its cause
        if isinstance(error.__cause__, ValueError):
            raise error.__cause__ from None
        return None


def _json_select(types: dict[str, str], text: Path) -> str:
    """SQL: the rows of the JSON file `text` (`_json_rows`) as the columns `types`, in order. DuckDB's
    reader parses each value as its column's type (an instant as its BIGINT microseconds, then made a
    timestamp): a value it cannot read so is an error."""
    read = ", ".join(
        f"{_quoted(name)}: {_quoted('BIGINT' if kind == 'TIMESTAMP' else kind)}" for name, kind in types.items()
    )
    columns = ", ".join(
        f'make_timestamp("{name}") AS "{name}"' if kind == "TIMESTAMP" else f'"{name}"' for name, kind in types.items()
    )
    return f"SELECT {columns} FROM read_json({_quoted(str(text))}, format = 'array', columns = {{{read}}})"


def _copied(types: dict[str, str], data: bytes, path: Path) -> bool:
    """Whether DuckDB turned the JSON rows `data` into the Parquet file `path` (False: a value it would
    not cast to its column's type, which Arrow then decides)."""
    text = path.with_suffix(".json")
    text.write_bytes(data)
    try:
        with _database().cursor() as connection:
            connection.execute(
                f"COPY ({_json_select(types, text)}) TO {_quoted(str(path))} (FORMAT parquet, COMPRESSION uncompressed)"
            )
    except duckdb.Error:
        return False
    finally:
        text.unlink()
    return True


def _database() -> duckdb.DuckDBPyConnection:
    """The process's private in-memory DuckDB database that turns JSON rows into Parquet (opened once:
    an import stages a file per table, and opening a database costs more than the copy of a small one).
    One thread: the copies are small, and the store's own work runs beside them on a shared machine."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None:
            _DATABASE = duckdb.connect(config={"threads": 1})
        return _DATABASE


def _json_value(value: object) -> object:
    """An instant as whole microseconds since 1970 UTC, a date as ISO 8601 (orjson's `default`)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; records carry aware UTC instants")
        utc = value.astimezone(UTC)
        seconds = (utc.toordinal() - _EPOCH_DAY) * 86_400 + utc.hour * 3_600 + utc.minute * 60 + utc.second
        return seconds * 1_000_000 + utc.microsecond
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no JSON for a {type(value).__name__}")


def _check_floats(types: dict[str, str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Raise _NotJson when a DOUBLE column holds a float that is not finite (JSON has no such number)."""
    for position, kind in enumerate(types.values()):
        if kind == "DOUBLE":
            for row in rows:
                value = row[position]
                if isinstance(value, float) and not math.isfinite(value):
                    raise _NotJson


def _stage_with_arrow(record_class: type[Record], rows: Sequence[tuple[Any, ...]], path: Path) -> None:
    """`stage_rows` through an Arrow table (for values JSON would not carry exactly)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orgflow.store.arrow_rows import column_array

    types = column_types(record_class)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in types]
    arrays = [
        column_array(list(values), kind, record_class.spec.table, name)
        for values, (name, kind) in zip(columns, types.items(), strict=True)
    ]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(types)), path, compression="none")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
