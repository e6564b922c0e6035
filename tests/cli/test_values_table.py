"""A table of Python values built by DuckDB (`orgflow.query.values_table`, behind `orgflow status`'s
delivery warnings and unattributed records) is the table pyarrow builds from the same values."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pytest

from orgflow.query.values_table import values_table

SCHEMA = pa.schema(
    [
        ("text", pa.string()),
        ("count", pa.int64()),
        ("share", pa.float64()),
        ("flag", pa.bool_()),
        ("at", pa.timestamp("us")),
        ("day", pa.date32()),
        ("small", pa.int32()),
    ]
)


def test_values_are_the_table_pyarrow_builds_in_their_order() -> None:
    rows = [
        {"text": "o'b; DROP", "count": -(2**63), "share": 0.1, "flag": True, "at": datetime(2024, 3, 1, 9, 30, 0, 7)},
        {"text": "nul\x00inside", "count": 2**63 - 1, "share": 1e-300, "flag": False, "day": date(1969, 12, 31)},
        {"text": None, "share": float("inf"), "small": -5},
        {"text": "z first?", "count": 0, "share": -0.0, "day": date(2024, 2, 29)},
    ]
    built = values_table(duckdb.connect(), rows, SCHEMA)
    assert built.schema.equals(SCHEMA)
    assert built.equals(pa.Table.from_pylist(rows, schema=SCHEMA))


def test_no_rows_is_the_empty_table_of_the_schema() -> None:
    built = values_table(duckdb.connect(), [], SCHEMA)
    assert built.num_rows == 0 and built.schema.equals(SCHEMA)


def test_nan_stays_nan_and_a_column_of_another_type_is_refused() -> None:
    built = values_table(duckdb.connect(), [{"x": float("nan")}], pa.schema([("x", pa.float64())]))
    (value,) = built.column("x").to_pylist()
    assert value != value  # NaN
    with pytest.raises(TypeError, match=r"no values table of a list<item: int64> column \(l\)"):
        values_table(duckdb.connect(), [{"l": [1]}], pa.schema([("l", pa.list_(pa.int64()))]))
