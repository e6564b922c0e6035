"""Compiled flow queries as SQL text, run with new values, and kept by shape: no Ibis, no sqlglot.

A `CompiledQuery` is a query's DuckDB SQL cut at its slots (the bound values of
`orgflow.query.compiled`, which builds and compiles them) with the schema of its rows; a
`QueryCache` keeps them by the shape of the query. Running a kept query needs only this module,
DuckDB and Arrow, so a command whose query is kept (in the workspace, or in the query file beside the
store: `orgflow.store.query_file`) never loads Ibis or sqlglot; a command that only prints the rows
(`plain_rows`) reads them as DuckDB's Python values and loads no Arrow either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any

from orgflow.query.lookups import sql_literal
from orgflow.query.plain_table import PLAIN_TYPES, PlainTable

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for DuckDB cut at its slots: ``fragments[0] value(labels[0]) fragments[1] ...``, with the
    schema of its rows.

    `plain`: each column's name and DuckDB type when DuckDB returns exactly the schema's columns, all of
    types whose Python values are the Arrow values (`orgflow.query.plain_table.PLAIN_TYPES`): its rows
    can then be read without Arrow (`run_kept`). None: they are read as Arrow.
    """

    fragments: tuple[str, ...]
    labels: tuple[str, ...]
    schema: pa.Schema
    plain: tuple[tuple[str, str], ...] | None = None

    def sql_with(self, values: Mapping[str, Any]) -> str:
        """The SQL with every slot filled from `values` (extra labels are ignored).

        Raises:
            KeyError: a slot's label has no value.
        """
        missing = set(self.labels) - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        parts = [self.fragments[0]]
        for label, fragment in zip(self.labels, self.fragments[1:], strict=True):
            parts.append(sql_literal(values[label]))
            parts.append(fragment)
        return "".join(parts)


def run_query(connection: duckdb.DuckDBPyConnection, query: CompiledQuery, values: Mapping[str, Any]) -> pa.Table:
    """The rows of `query` with its slots filled from `values`, with the query's schema as Ibis would
    give it: columns whose type differs are cast; columns DuckDB returns with the same type but other
    field details (nullability, metadata) are only relabelled.

    Raises:
        KeyError: a slot's label has no value.
    """
    return _fitted(connection.execute(query.sql_with(values)).to_arrow_table(), query.schema)


_PLAIN_ROWS: ContextVar[bool] = ContextVar("orgflow_plain_rows", default=False)


@contextmanager
def plain_rows() -> Iterator[None]:
    """Within the block (in this thread), `run_kept` reads the rows of a query with a `plain`
    signature as a `PlainTable`, loading neither pyarrow nor numpy: for a command that prints its
    result and hands its tables to nothing that computes with Arrow."""
    token = _PLAIN_ROWS.set(True)
    try:
        yield
    finally:
        _PLAIN_ROWS.reset(token)


def plain_rows_wanted() -> bool:
    """Whether the caller is inside `plain_rows` (so may need no Arrow at all)."""
    return _PLAIN_ROWS.get()


def run_kept(
    connection: duckdb.DuckDBPyConnection, query: CompiledQuery, values: Mapping[str, Any]
) -> pa.Table | PlainTable:
    """`run_query`, except inside `plain_rows`: there the rows of a query with a `plain` signature are
    a `PlainTable` of DuckDB's Python values (the same values; its schema is the query's), provided
    DuckDB describes the result as that signature and every instant the schema calls a date is a
    midnight (else they are read as Arrow after all).

    Raises:
        KeyError: a slot's label has no value.
    """
    if query.plain is None or not _PLAIN_ROWS.get():
        return run_query(connection, query, values)
    result = connection.execute(query.sql_with(values))
    described = tuple((column[0], str(column[1])) for column in result.description)
    if described != tuple((name, kind.removesuffix(DATE_OF_INSTANT)) for name, kind in query.plain):
        return _fitted(result.to_arrow_table(), query.schema)
    rows = result.fetchall()
    dated = [index for index, (_, kind) in enumerate(query.plain) if kind.endswith(DATE_OF_INSTANT)]
    if dated:
        if any(row[index] is not None and row[index].time() != _MIDNIGHT for row in rows for index in dated):
            return run_query(connection, query, values)
        rows = [_dated(row, dated) for row in rows]
    names = [name for name, _ in query.plain]
    types = ["DATE" if kind.endswith(DATE_OF_INSTANT) else kind for _, kind in query.plain]
    return PlainTable(names, types, rows, lambda: query.schema)


DATE_OF_INSTANT = " AS DATE"
"""Ends the DuckDB type of a column that DuckDB returns as instants (TIMESTAMP) and the schema calls dates
(a day or period start): Arrow casts each instant to its day; `run_kept` takes the date of each one, all
at midnight."""
_MIDNIGHT = time(0, 0)


def _dated(row: tuple[Any, ...], dated: list[int]) -> tuple[Any, ...]:
    """`row` with the instants at the positions `dated` as their dates."""
    values = list(row)
    for index in dated:
        if values[index] is not None:
            values[index] = values[index].date()
    return tuple(values)


_INTEGER_TYPES = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT"}
"""Arrow's integer types (by name) as DuckDB's SQL names them; pyarrow loads only when a query runs."""


def run_fitted(
    connection: duckdb.DuckDBPyConnection, query: CompiledQuery, values: Mapping[str, Any]
) -> tuple[pa.Table, CompiledQuery]:
    """`run_query` for a newly compiled query, and the query to keep: where DuckDB returns a whole
    number as a decimal of scale 0 (a sum of integers is a HUGEINT) and the schema says an integer,
    the kept query's SQL casts that column itself, so later runs need no Arrow cast (whose first use
    loads ``pyarrow.compute``, tens of milliseconds in a fresh process). Both casts are exact: a whole
    decimal to an integer, an error on overflow either way.
    """
    import pyarrow as pa

    table = connection.execute(query.sql_with(values)).to_arrow_table()
    casts = [
        f"CAST({_identifier(field.name)} AS {_INTEGER_TYPES[str(field.type)]}) AS {_identifier(field.name)}"
        for returned, field in zip(table.schema, query.schema, strict=True)
        if str(field.type) in _INTEGER_TYPES and pa.types.is_decimal(returned.type) and returned.type.scale == 0
    ]
    fragments = list(query.fragments)
    if casts:
        # The outer SELECT only projects: with DuckDB's default preserve_insertion_order, rows keep the
        # inner query's order.
        fragments[0] = f"SELECT * REPLACE ({', '.join(casts)}) FROM (" + fragments[0]
        fragments[-1] = fragments[-1] + ")"
    kept = CompiledQuery(tuple(fragments), query.labels, query.schema, _plain_signature(table.schema, query.schema))
    return _fitted(table, query.schema), kept


def _plain_signature(returned: pa.Schema, schema: pa.Schema) -> tuple[tuple[str, str], ...] | None:
    """The `CompiledQuery.plain` signature of a kept query whose (uncast) SQL returned `returned` and
    whose rows have `schema`: None unless every column comes back with the schema's name and type
    (a whole decimal counts as the integer the kept SQL casts it to; naive instants the schema calls
    dates are marked `DATE_OF_INSTANT`) and that type is one of `PLAIN_TYPES`."""
    import pyarrow as pa

    signature = []
    for got, field in zip(returned, schema, strict=True):
        kind = str(field.type)
        if got.name == field.name and str(got.type) == "timestamp[us]" and kind == "date32[day]":
            signature.append((field.name, PLAIN_TYPES[str(got.type)] + DATE_OF_INSTANT))
            continue
        cast = kind in _INTEGER_TYPES and pa.types.is_decimal(got.type) and got.type.scale == 0
        if got.name != field.name or kind not in PLAIN_TYPES or not (cast or got.type == field.type):
            return None
        signature.append((field.name, PLAIN_TYPES[kind]))
    return tuple(signature)


def _identifier(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _fitted(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with `schema`: columns of another type cast, the others relabelled."""
    if table.schema.equals(schema):
        return table
    import pyarrow as pa

    columns = [
        column if column.type == field.type else column.cast(field.type)
        for column, field in zip(table.columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=schema)


class QueryCache:
    """Compiled queries by a caller's key, the least recently used dropped past `capacity`.

    Safe to share between threads. The key must name everything that shapes the query (the metric,
    its options, the tables it reads), never the bound values.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._queries: OrderedDict[Hashable, CompiledQuery] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> CompiledQuery | None:
        with self._lock:
            query = self._queries.get(key)
            if query is None:
                self.misses += 1
                return None
            self._queries.move_to_end(key)
            self.hits += 1
            return query

    def put(self, key: Hashable, query: CompiledQuery) -> None:
        with self._lock:
            self._queries[key] = query
            self._queries.move_to_end(key)
            while len(self._queries) > self._capacity:
                self._queries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._queries)
