"""fetch_arrow returns exactly what Ibis's own to_pyarrow returns: the same rows under the same schema."""

from __future__ import annotations

from datetime import datetime

import duckdb
import ibis
import pyarrow as pa
import pytest
from ibis import _

from orgflow.query.fetch import fetch_arrow


@pytest.fixture
def backend() -> ibis.BaseBackend:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE spans (team VARCHAR, days INTEGER, started TIMESTAMP, share DOUBLE);"
        "INSERT INTO spans VALUES ('a', 2, '2024-03-01 10:00:00.000001', 0.5), ('a', 3, NULL, 0.25),"
        " ('b', 7, '2024-03-02 00:00:00', NULL)"
    )
    return ibis.duckdb.from_connection(connection)


def test_sums_of_integers_come_back_as_the_expression_type(backend: ibis.BaseBackend) -> None:
    spans = backend.table("spans")
    # DuckDB sums INTEGER into HUGEINT (int128); the expression's type is int64.
    expression = spans.group_by("team").aggregate(total=_.days.sum(), first=_.started.min()).order_by("team")
    raw = backend.con.sql(backend.compile(expression)).to_arrow_table()
    assert raw.schema.field("total").type != pa.int64()

    fetched = fetch_arrow(backend, expression)

    assert fetched.schema == expression.schema().to_pyarrow()
    assert fetched.equals(expression.to_pyarrow())
    assert fetched.to_pylist() == [
        {"team": "a", "total": 5, "first": datetime(2024, 3, 1, 10, 0, 0, 1)},
        {"team": "b", "total": 7, "first": datetime(2024, 3, 2)},
    ]


def test_a_result_already_in_the_expression_schema_is_returned_as_is(backend: ibis.BaseBackend) -> None:
    spans = backend.table("spans")
    expression = spans.filter(_.share.notnull()).select("team", "share").order_by("share")

    fetched = fetch_arrow(backend, expression)

    assert fetched.to_pylist() == [{"team": "a", "share": 0.25}, {"team": "a", "share": 0.5}]
    assert fetched.equals(expression.to_pyarrow())


def test_expressions_over_in_memory_tables_go_through_ibis(backend: ibis.BaseBackend) -> None:
    spans = backend.table("spans")
    names = ibis.memtable({"team": ["a", "b"], "name": ["Alpha", "Beta"]})
    expression = spans.join(names, "team").group_by("name").aggregate(rows=_.count()).order_by("name")

    fetched = fetch_arrow(backend, expression)

    assert fetched.to_pylist() == [{"name": "Alpha", "rows": 2}, {"name": "Beta", "rows": 1}]
