"""Running an Ibis table expression and reading its rows as Arrow.

On DuckDB the expression is compiled to the SQL Ibis itself would run (its bound values as
placeholders, `orgflow.query.compiled`) and executed on the backend's connection with their
values; the columns are then cast to the expression's schema, as Ibis does. This skips Ibis's
result-conversion layer, whose first use imports pandas (about 0.4 s, a third of a whole flow set on
20,000 items). Other backends, and expressions over in-memory tables (which Ibis must register
first), go through Ibis, with bound values written as literals.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from orgflow.query.compiled import compile_query, inline_bound, run_query, values_of


def fetch_arrow(backend: ibis.BaseBackend, expression: ir.Table) -> pa.Table:
    """The rows of `expression` as an Arrow table whose schema is the expression's schema."""
    if backend.name != "duckdb" or expression.op().find(ops.InMemoryTable):
        return inline_bound(expression).to_pyarrow()
    return run_query(backend.con, compile_query(expression), values_of(expression))


def fetch_value(backend: ibis.BaseBackend, expression: ir.Scalar) -> Any:
    """The value of a scalar expression (a count, a minimum) as a Python object."""
    return fetch_arrow(backend, expression.as_table()).column(0)[0].as_py()
