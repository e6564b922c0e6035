"""Rows of Python values made a table of the store's connection (`staging.rows_relation`): every value
arrives exactly, in order, as the Arrow conversion (an independent way, `database.rows_table`) gives it;
what JSON cannot carry goes through Arrow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from orgflow.model import Record
from orgflow.model.code import Commit
from orgflow.model.org import Membership
from orgflow.model.work import ReportedStatusTime
from orgflow.store import Store
from orgflow.store.arrow_rows import rows_table
from orgflow.store.staging import rows_relation

PLUS_5_30 = timezone(timedelta(hours=5, minutes=30))
ROWS: dict[type[Record], list[tuple[Any, ...]]] = {
    Commit: [
        (
            "git",
            "c1",
            "o/r",
            ("p1", "p2"),
            'Zoë "z" \\ ,',
            datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
            datetime(2024, 3, 1, 14, 30, tzinfo=PLUS_5_30),
            "line\nnext\u2028",
            True,
            False,
        ),
        ("git", "c0", "o/r", (), "", datetime(1, 1, 1, tzinfo=UTC), None, "😀", False, True),
        (
            "git",
            "c2",
            "o/r",
            ("",),
            None,
            datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            None,
            "123",
            False,
            False,
        ),
    ],
    ReportedStatusTime: [
        ("jira", "A-1", "1", "Open", 2**63 - 1, 0.1),
        ("jira", "A-1", "2", "Done", -(2**63), 1e-300),
        ("jira", "A-2", "1", "Open", 0, -0.0),
        ("jira", "A-3", "1", "Open", None, 1.7976931348623157e308),
        ("jira", "A-4", "1", "Open", 1, 5e-324),
    ],
    Membership: [
        ("org", "m1", "p", "g", "lead", 0.3333333333333333, date(2024, 2, 29), None),
        ("org", "m2", "p", "g", None, None, date(1, 1, 1), date(9999, 12, 31)),
    ],
}


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = Store.open(None)
    yield opened
    opened.close()


def _arrow_rows(store: Store, record_class: type[Record], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as DuckDB reads them from the Arrow conversion (a different way to the same table)."""
    table = rows_table(record_class, rows)
    with store.connection.cursor() as cursor:
        cursor.register("arrow_rows", table)
        return cursor.execute("SELECT * FROM arrow_rows").fetchall()


@pytest.mark.parametrize("record_class", list(ROWS), ids=lambda cls: cls.__name__)
def test_rows_arrive_exactly_and_in_order(store: Store, tmp_path: Path, record_class: type[Record]) -> None:
    rows = ROWS[record_class]
    relation = rows_relation(store.connection, record_class, rows, table="_staged_rows", folder=tmp_path)
    assert relation == "_staged_rows"  # JSON carried every value
    read = store.connection.execute(f"SELECT * FROM {relation}").fetchall()
    types = [str(row[1]) for row in store.connection.execute(f"DESCRIBE {relation}").fetchall()]
    store.connection.execute(f"DROP TABLE {relation}")
    assert read == _arrow_rows(store, record_class, rows)
    assert types == [
        str(row[1])
        for row in store.connection.execute(
            f"DESCRIBE SELECT * FROM (SELECT * FROM {record_class.spec.table} LIMIT 0)"
        ).fetchall()
    ]
    if record_class is Commit:  # by hand: the instants in UTC, naive; lists as lists
        assert read[0][3:7] == (
            ["p1", "p2"],
            'Zoë "z" \\ ,',
            datetime(2024, 3, 1, 9, 0, 0, 123456),
            datetime(2024, 3, 1, 9, 0),
        )
        assert [row[1] for row in read] == ["c1", "c0", "c2"]
    if record_class is ReportedStatusTime:
        assert [row[4] for row in read] == [2**63 - 1, -(2**63), 0, None, 1]
        assert [row[5] for row in read] == [0.1, 1e-300, -0.0, 1.7976931348623157e308, 5e-324]


def test_what_json_cannot_carry_goes_through_arrow(store: Store, tmp_path: Path) -> None:
    rows = [("jira", "A-1", "1", "Open", 1, float("inf")), ("jira", "A-2", "1", "Open", 2, float("nan"))]
    relation = rows_relation(store.connection, ReportedStatusTime, rows, table="_staged_rows", folder=tmp_path)
    assert relation.startswith("read_parquet(")
    read = store.connection.execute(f"SELECT item_id, duration_seconds FROM {relation}").fetchall()
    assert read[0] == ("A-1", float("inf")) and read[1][0] == "A-2" and read[1][1] != read[1][1]  # NaN


def test_a_naive_instant_is_refused(store: Store, tmp_path: Path) -> None:
    naive = [("git", "c1", "o/r", (), "", datetime(2024, 3, 1), None, "", False, False)]
    with pytest.raises(ValueError, match="naive datetime"):
        rows_relation(store.connection, Commit, naive, table="_staged_rows", folder=tmp_path)
