"""Running an Ibis table expression and reading its rows as Arrow.

On DuckDB the expression is compiled to the SQL Ibis itself would run and executed on the backend's
connection; the columns are then cast to the expression's schema, as Ibis does. This skips Ibis's
result-conversion layer, whose first use imports pandas (about 0.4 s, a third of a whole flow set on
20,000 items). Other backends, and expressions over in-memory tables (which Ibis must register
first), go through Ibis unchanged.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa


def fetch_arrow(backend: ibis.BaseBackend, expression: ir.Table) -> pa.Table:
    """The rows of `expression` as an Arrow table whose schema is the expression's schema."""
    if backend.name != "duckdb" or expression.op().find(ops.InMemoryTable):
        return expression.to_pyarrow()
    sql = backend.compile(expression)
    table = backend.con.sql(sql).to_arrow_table()
    wanted = expression.schema().to_pyarrow()
    if table.schema.equals(wanted):
        return table
    return pa.Table.from_arrays(
        [table.column(index).cast(field.type) for index, field in enumerate(wanted)], schema=wanted
    )


def fetch_value(backend: ibis.BaseBackend, expression: ir.Scalar) -> Any:
    """The value of a scalar expression (a count, a minimum) as a Python object."""
    return fetch_arrow(backend, expression.as_table()).column(0)[0].as_py()
