"""Queries compiled once and run many times with other values.

Building an Ibis expression and compiling it to SQL costs more than DuckDB spends running it on tens
of thousands of items (about 40 ms against 10 ms for a flow summary). A figure asked again with
another `now` or window is the same SQL with other values, so the values that change from call to
call are written into expressions as **bound values** (`bound`): each carries its value and compiles
to a typed slot (``CAST(<slot> AS TIMESTAMP(6))``). A `CompiledQuery` is the SQL cut at its slots;
`CompiledQuery.sql_with` fills them with exact literals of new values (`lookups.sql_literal`). Any
expression holding bound values still runs on its own (`compile_query`, then `run_query` with
`values_of`); a caller that knows its query's shape (`FlowService`) keeps the compiled query in a
`QueryCache` and, on the next call, skips building and compiling both. `CompiledQuery`, `run_query`
and `QueryCache` live in `orgflow.query.compiled_sql` (no Ibis: running a kept query loads neither
Ibis nor sqlglot) and are named here too.

The slots are filled as text rather than bound as DuckDB parameters because binding a parameter of
any type but NULL makes DuckDB's Python client import pandas (about 0.4 s, once per process; checked
for each type in docs/decisions/0005). Each value is written as one exact literal and cast by the
SQL around the slot. On backends other than DuckDB, bound
values are written into the expression as literals (`inline_bound`).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler

from orgflow.query.compiled_sql import CompiledQuery, QueryCache, run_query

__all__ = [
    "TIMESTAMP",
    "BoundValue",
    "CompiledQuery",
    "QueryCache",
    "bound",
    "compile_query",
    "inline_bound",
    "run_query",
    "values_of",
]

TIMESTAMP = dt.Timestamp(scale=6)
"""The store's timestamp type (naive UTC, microseconds)."""

# Slots are placeholders named with this process's random prefix, so no text a user can put in a
# query (a team name, say) can be taken for one.
_SLOT_PREFIX = f"orgflow_slot_{secrets.token_hex(8)}_"
_SLOT = re.compile(r"\$" + _SLOT_PREFIX + r"([A-Za-z_][A-Za-z0-9_]*)")


class BoundValue(ops.Scalar):
    """A scalar whose value is filled in when the query runs, cast to `dtype`; `label` names it."""

    label: str
    value: Any
    dtype: dt.DataType

    shape = ds.scalar


def bound(label: str, value: Any, dtype: dt.DataType) -> ir.Scalar:
    """A bound value named `label` (an identifier) of type `dtype`, holding `value`."""
    if not label.isidentifier():
        raise ValueError(f"a bound value's label must be an identifier, not {label!r}")
    return BoundValue(label, value, dtype).to_expr()


class _BoundValueCompiler(DuckDBCompiler):
    """DuckDB's SQL compiler, with each bound value written as a slot cast to its type."""

    def visit_BoundValue(self, op: BoundValue, *, label: str, value: Any, dtype: dt.DataType) -> sge.Expression:
        return self.cast(sge.Placeholder(this=_SLOT_PREFIX + label), dtype)


_COMPILER = _BoundValueCompiler()


def values_of(expression: ir.Expr) -> dict[str, Any]:
    """The value of every bound value in `expression`, by label.

    Raises:
        ValueError: one label holds two different values (two queries' terms were mixed).
    """
    values: dict[str, Any] = {}
    for node in expression.op().find(BoundValue):
        if node.label in values and values[node.label] != node.value:
            raise ValueError(f"bound value {node.label!r} holds both {values[node.label]!r} and {node.value!r}")
        values[node.label] = node.value
    return values


def compile_query(expression: ir.Table) -> CompiledQuery:
    """`expression` as DuckDB SQL cut at its bound values' slots."""
    tree = _COMPILER.to_sqlglot(expression)
    slots = sum(1 for _ in tree.find_all(sge.Placeholder))
    sql = tree.sql(dialect="duckdb", copy=False, unsupported_level=sg.ErrorLevel.RAISE)
    pieces = _SLOT.split(sql)
    fragments, labels = tuple(pieces[0::2]), tuple(pieces[1::2])
    if len(labels) != slots:
        raise AssertionError(f"{slots} slots compiled but {len(labels)} found in the SQL")
    return CompiledQuery(fragments, labels, expression.schema().to_pyarrow())


def inline_bound(expression: ir.Table) -> ir.Table:
    """`expression` with every bound value replaced by a literal of its value (for other backends)."""
    nodes = expression.op().find(BoundValue)
    if not nodes:
        return expression
    literals = {node: ops.Literal(node.value, node.dtype) for node in nodes}
    return expression.op().replace(literals).to_expr()
