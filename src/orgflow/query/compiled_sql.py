"""Compiled flow queries as SQL text, run with new values, and kept by shape: no Ibis, no sqlglot.

A `CompiledQuery` is a query's DuckDB SQL cut at its slots (the bound values of
`orgflow.query.compiled`, which builds and compiles them) with the schema of its rows; a
`QueryCache` keeps them by the shape of the query. Running a kept query needs only this module,
DuckDB and Arrow, so a command whose query is kept (in the workspace, or in the query file beside the
store: `orgflow.store.query_file`) never loads Ibis or sqlglot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orgflow.query.lookups import sql_literal

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for DuckDB cut at its slots: ``fragments[0] value(labels[0]) fragments[1] ...``, with the
    schema of its rows."""

    fragments: tuple[str, ...]
    labels: tuple[str, ...]
    schema: pa.Schema

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
    kept = query
    if casts:
        # The outer SELECT only projects: with DuckDB's default preserve_insertion_order, rows keep the
        # inner query's order.
        fragments = list(query.fragments)
        fragments[0] = f"SELECT * REPLACE ({', '.join(casts)}) FROM (" + fragments[0]
        fragments[-1] = fragments[-1] + ")"
        kept = CompiledQuery(tuple(fragments), query.labels, query.schema)
    return _fitted(table, query.schema), kept


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
