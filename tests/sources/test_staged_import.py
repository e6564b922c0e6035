"""Records a source declares as SQL for the store to build in its own connection (`ImportBatch.staged`):
the transitions CSV read in the store's connection writes the same rows, in the same order, as the
row-by-row reader (its definition), or fails with the same error and leaves the store as it was.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sources.test_columnwise_readers import DERANDOMIZED, _row_by_row, _transitions_csv

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.work import WorkItem
from orgflow.sources import importers, staged_importers, transitions_csv
from orgflow.store import ImportBatch, Store
from orgflow.store.batch import StagedRecords

CONFIG = Config(teams={"PAY": "payments"})
_TABLES = ("work_items", "status_transitions")


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = Store.open(None)
    yield opened
    opened.close()


def _written(store: Store, batch: ImportBatch | str) -> tuple[Any, ...] | str:
    """The rows `batch` writes into the empty `store` (in their stored order) and the counts, or the
    error's text; the store is emptied again, after checking that a failed write left it empty and no
    temporary table of the import behind."""
    try:
        if isinstance(batch, str):
            return batch
        counts = store.write(batch)
    except InputError as error:
        assert all(count == 0 for count in store.table_counts().values())
        (imports,) = store.connection.execute("SELECT count(*) FROM imports").fetchone()  # type: ignore[misc]
        assert imports == 0
        return f"InputError: {error}"
    finally:
        left = store.connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
        assert left == []
    rows = tuple(store.connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in _TABLES)
    for table in (*_TABLES, "imports"):
        store.connection.execute(f"DELETE FROM {table}")
    return (counts.by_table, *rows)


def _outcomes(store: Store, path: Path, **options: Any) -> tuple[Any, Any]:
    """(staged, row by row): what each way writes into `store`, or the error's text."""

    def batch(load: Any) -> ImportBatch | str:
        try:
            return load([path], config=CONFIG, options=dict(options))
        except InputError as error:
            return f"InputError: {error}"

    staged = _written(store, batch(staged_importers()["transitions"]))
    with _row_by_row():
        slow = _written(store, batch(importers()["transitions"]))
    return staged, slow


@settings(DERANDOMIZED, max_examples=60)
@given(case=_transitions_csv(), strict=st.booleans())
def test_staged_transitions_write_what_the_row_by_row_reader_writes(
    store: Store, tmp_path_factory: pytest.TempPathFactory, case: Any, strict: bool
) -> None:
    text, zipped = case
    folder = tmp_path_factory.mktemp("csv")
    path = folder / ("x.csv.gz" if zipped else "x.csv")
    path.write_bytes(gzip.compress(text.encode()) if zipped else text.encode())
    staged, slow = _outcomes(store, path, strict_statuses=strict)
    assert staged == slow


def test_a_clean_file_is_built_in_the_store_connection(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    path.write_text(
        "item_id,timestamp,from_status,to_status,team,created\n"
        "A-1,2024-03-02T09:00:00+01:00,,Open,PAY,2024-03-01T09:00:00Z\n"
        "A-2,2024-03-01T09:00:00Z,Open,Done,,2024-02-01T00:00:00Z\n"
        "A-1,2024-03-03T09:00:00.25Z,Open,Doing,,\n"
    )
    batch = transitions_csv.stage([path], config=CONFIG, options={})
    assert isinstance(batch.staged, StagedRecords) and not any(batch.records.values())
    fallback = batch.staged.fallback

    def refused() -> ImportBatch:
        raise AssertionError("the fallback ran on a file the SQL reads")

    batch.staged = StagedRecords(build=batch.staged.build, fallback=refused, temporary=batch.staged.temporary)
    counts, items, transitions = _written(store, batch)  # type: ignore[misc]
    assert counts == {"work_items": (2, 0, 0), "status_transitions": (4, 0, 0)}
    # Hand-read: A-1 is in team PAY (its last non-empty team), created at its first `created`; A-2's
    # creation (before its first change, which starts from Open) adds a seq-0 change into Open.
    assert [(row[1], row[2], row[3], str(row[6]), row[7]) for row in items] == [
        ("A-1", "PAY", "payments", "2024-03-01 09:00:00", "Doing"),
        ("A-2", "board", "board", "2024-02-01 00:00:00", "Done"),  # no team: the file's name, its own team
    ]
    assert [(row[1], row[2], str(row[3]), row[4], row[5]) for row in transitions] == [
        ("A-1", 0, "2024-03-02 08:00:00", None, "Open"),
        ("A-1", 1, "2024-03-03 09:00:00.250000", "Open", "Doing"),
        ("A-2", 0, "2024-02-01 00:00:00", None, "Open"),
        ("A-2", 1, "2024-03-01 09:00:00", "Open", "Done"),
    ]
    assert fallback().count(WorkItem) == 2  # the row-by-row reader agrees on the count


def test_a_bad_line_fails_as_before_and_leaves_the_store_as_it_was(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("item_id,timestamp,to_status\nB-1,2024-03-01T09:00:00Z,Open\n")
    store.write(transitions_csv.stage([good], config=CONFIG, options={}))
    before = {table: store.connection.execute(f"SELECT * FROM {table}").fetchall() for table in (*_TABLES, "imports")}
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\nA-1,2024-02-30T00:00:00Z,Done\n")
    calls: list[tuple[int, int | None, str]] = []
    batch = staged_importers()["transitions"](
        [good, bad], config=CONFIG, options={}, on_progress=lambda *c: calls.append(c)
    )
    with pytest.raises(InputError) as raised:
        store.write(batch)
    assert str(raised.value) == (
        f"{bad}: line 3: timestamp: not a timestamp ('2024-02-30T00:00:00Z'); "
        "use ISO 8601 with an offset, e.g. 2024-01-02T09:00:00+00:00"
    )
    assert calls == [(1, 2, "good.csv"), (2, 2, "bad.csv")]  # each file once, though read twice
    after = {table: store.connection.execute(f"SELECT * FROM {table}").fetchall() for table in (*_TABLES, "imports")}
    assert after == before
    assert store.connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
    for table in (*_TABLES, "imports"):
        store.connection.execute(f"DELETE FROM {table}")


def test_options_and_an_empty_import_are_refused_as_by_load(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        staged_importers()["transitions"]([tmp_path / "missing.csv"], config=CONFIG, options={})
    with pytest.raises(InputError) as expected:
        transitions_csv.load([tmp_path / "missing.csv"], config=CONFIG, options={})
    assert str(raised.value) == str(expected.value)
    header_only = tmp_path / "empty.csv"
    header_only.write_text("item_id,timestamp,to_status\n")
    batch = staged_importers()["transitions"]([header_only], config=CONFIG, options={})
    with pytest.raises(InputError, match="no records to import"):
        store.write(batch)
    assert all(count == 0 for count in store.table_counts().values())


def test_a_relation_without_the_tables_columns_is_refused(store: Store) -> None:
    def build(connection: Any) -> dict[type, str]:
        connection.execute("CREATE TEMP TABLE _odd_items AS SELECT 'x' AS source")
        return {WorkItem: "_odd_items"}

    def fallback() -> ImportBatch:
        raise AssertionError("not declined")

    batch = ImportBatch(source="x", kind="x", origin="x")
    batch.staged = StagedRecords(build=build, fallback=fallback, temporary=("_odd_items",))
    with pytest.raises(ValueError, match="_odd_items: columns"):
        store.write(batch)
    assert store.connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []


def test_a_second_import_counts_and_replaces_as_the_row_by_row_one(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "board.csv"
    first.write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\nA-2,2024-03-01T09:00:00Z,Open\n")
    second = tmp_path / "later" / "board.csv"
    second.parent.mkdir()
    # A-1 unchanged; A-2 moves on (its item changes status, one transition new); A-3 is new.
    second.write_text(
        "item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\nA-2,2024-03-01T09:00:00Z,Open\n"
        "A-2,2024-03-02T09:00:00Z,Done\nA-3,2024-03-02T10:00:00Z,Open\n"
    )
    outcomes = []
    for load in (staged_importers()["transitions"], importers()["transitions"]):
        store.write(load([first], config=CONFIG, options={}))
        with _row_by_row():
            counts = store.write(load([second], config=CONFIG, options={}))
        rows = [store.connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in _TABLES]
        outcomes.append((counts.by_table, rows))
        for table in (*_TABLES, "imports"):
            store.connection.execute(f"DELETE FROM {table}")
    assert outcomes[0][0] == {"work_items": (1, 1, 1), "status_transitions": (2, 0, 2)}
    assert outcomes[0] == outcomes[1]
    assert store.connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
