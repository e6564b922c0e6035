"""The store's writer: idempotent upserts, last record wins, children replaced, all-or-nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch, Store
from orgflow.store.schema import SCHEMA_VERSION, current_version

CREATED = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _item(key: str, title: str = "t") -> WorkItem:
    return WorkItem("t", key, "P", "alpha", title, "Story", CREATED, "Open")


def _move(key: str, seq: int, status: str, hour: int) -> StatusTransition:
    return StatusTransition("t", key, seq, CREATED.replace(hour=hour), None, status)


def _batch(*records: object) -> ImportBatch:
    batch = ImportBatch("t", "test", "memory")
    batch.extend(records)  # type: ignore[arg-type]
    return batch


def test_a_second_identical_import_changes_nothing() -> None:
    store = Store.open(None)
    batch = _batch(_item("A-1"), _move("A-1", 0, "Open", 9), _move("A-1", 1, "Done", 10))
    first = store.write(batch)
    second = store.write(batch)
    assert first.by_table == {"work_items": (1, 0, 0), "status_transitions": (2, 0, 0)}
    assert second.by_table == {"work_items": (0, 0, 1), "status_transitions": (0, 0, 2)}
    assert store.table_counts()["status_transitions"] == 2


def test_the_last_record_with_a_key_wins() -> None:
    store = Store.open(None)
    store.write(_batch(_item("A-1", "old"), _item("A-1", "new")))
    assert store.connection.execute("SELECT source_id, title FROM work_items").fetchall() == [("A-1", "new")]


def test_reimporting_a_parent_replaces_its_children() -> None:
    store = Store.open(None)
    store.write(_batch(_item("A-1"), _move("A-1", 0, "Open", 9), _move("A-1", 1, "Done", 10)))
    counts = store.write(_batch(_item("A-1", "renamed"), _move("A-1", 0, "Open", 9)))
    assert counts.by_table == {"work_items": (0, 1, 0), "status_transitions": (0, 0, 1)}
    rows = store.connection.execute("SELECT seq, to_status FROM status_transitions").fetchall()
    assert rows == [(0, "Open")]


def test_a_failing_batch_leaves_the_store_as_it_was() -> None:
    store = Store.open(None)
    store.write(_batch(_item("A-1"), _move("A-1", 0, "Open", 9)))
    before = store.table_counts()
    naive = StatusTransition("t", "B-1", 0, datetime(2024, 3, 4, 9, 0), None, "Open")
    with pytest.raises(ValueError, match="naive datetime"):
        store.write(_batch(_item("B-1"), _item("A-1", "changed"), naive))
    assert store.table_counts() == before
    assert store.connection.execute("SELECT title FROM work_items").fetchall() == [("t",)]


def test_instants_are_stored_as_utc_with_microseconds() -> None:
    store = Store.open(None)
    moment = datetime.fromisoformat("2024-03-04T11:30:15.123456+02:00")
    store.write(_batch(_item("A-1"), StatusTransition("t", "A-1", 0, moment, None, "Open")))
    stored = store.connection.execute("SELECT changed_at FROM status_transitions").fetchone()[0]
    assert stored == datetime(2024, 3, 4, 9, 30, 15, 123456)


def test_the_schema_version_is_recorded_and_migration_is_idempotent(tmp_path) -> None:
    path = tmp_path / "orgflow.duckdb"
    Store.open(path, create=True).close()
    store = Store.open(path)
    assert current_version(store.connection) == SCHEMA_VERSION == 3
    assert store.connection.execute("SELECT count(*) FROM orgflow_meta").fetchone()[0] == 1


def test_a_version_1_store_is_migrated_without_losing_rows(tmp_path) -> None:
    """A store written by schema 1 (groups without `template`, no tags table) gains the new tables and
    columns, keeps its rows, and records the current version (3)."""
    import duckdb

    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE orgflow_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    connection.execute("INSERT INTO orgflow_meta VALUES ('schema_version', '1')")
    connection.execute(
        "CREATE TABLE groups (source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, name VARCHAR, kind VARCHAR,"
        " topology_type VARCHAR, parent_id VARCHAR, valid_from DATE, valid_to DATE)"
    )
    connection.execute("INSERT INTO groups VALUES ('org', 'payments', 'Payments', 'team', NULL, NULL, NULL, NULL)")
    connection.close()

    store = Store.open(path)
    assert current_version(store.connection) == 3
    assert store.connection.execute("SELECT source_id, template FROM groups").fetchall() == [("payments", None)]
    assert store.table_counts()["tags"] == 0
    assert store.table_counts()["person_aliases"] == 0


def test_a_read_only_open_of_an_older_store_migrates_it_first(tmp_path) -> None:
    """A command that only reads still finds the current schema in a store an older orgflow wrote."""
    import duckdb

    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE orgflow_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    connection.execute("INSERT INTO orgflow_meta VALUES ('schema_version', '1')")
    connection.close()

    store = Store.open(path, read_only=True)
    assert store.read_only is True
    assert current_version(store.connection) == SCHEMA_VERSION
    assert store.table_counts()["changed_files"] == 0


def _settings(store: Store) -> tuple[str, set[str]]:
    """The connection's threads and its disabled compression methods (DuckDB words and orders them its way)."""
    row = store.connection.execute(
        "SELECT current_setting('threads'), current_setting('disabled_compression_methods')"
    ).fetchone()
    assert row is not None
    return str(row[0]), {name.strip().lower() for name in str(row[1]).split(",") if name.strip()}


def test_a_write_of_a_small_store_runs_on_one_thread_without_fsst_and_restores_the_settings() -> None:
    store = Store.open(None)
    store.connection.execute("SET threads = 2")
    store.connection.execute("SET disabled_compression_methods = 'zstd'")
    seen: list[tuple[str, set[str]]] = []
    store.write(_batch(_item("A-1"), _move("A-1", 0, "Open", 9)), before_commit=lambda: seen.append(_settings(store)))
    assert seen == [("1", {"zstd", "fsst"})]
    assert _settings(store) == ("2", {"zstd"})
    naive = StatusTransition("t", "B-1", 0, datetime(2024, 3, 4, 9, 0), None, "Open")
    with pytest.raises(ValueError, match="naive datetime"):
        store.write(_batch(_item("B-1"), naive))
    assert _settings(store) == ("2", {"zstd"})


def test_the_facts_of_a_store_of_more_than_one_row_group_get_the_threads_back() -> None:
    store = Store.open(None)
    store.connection.execute("SET threads = 2")
    # 122,881 transitions: one more than a row group (the items they belong to need not exist for this).
    store.connection.execute(
        "INSERT INTO status_transitions SELECT 'x', 'X-' || range, 0, TIMESTAMP '2024-01-01', NULL, 'Open', NULL "
        "FROM range(122881)"
    )
    seen: list[tuple[str, set[str]]] = []
    store.write(_batch(_item("A-1"), _move("A-1", 0, "Open", 9)), before_commit=lambda: seen.append(_settings(store)))
    assert seen == [("2", {"fsst"})]
    assert _settings(store) == ("2", set())


def test_a_batch_is_written_into_the_file_at_its_commit_not_left_in_the_log(tmp_path) -> None:
    """The commit checkpoints: nothing of the batch waits in the write-ahead log for the close, and the
    connection's own threshold is back afterwards."""
    path = tmp_path / "store.duckdb"
    store = Store.open(path, create=True)
    threshold = store.connection.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    store.write(_batch(_item("A-1"), _move("A-1", 0, "Open", 9)))
    log = path.with_name(path.name + ".wal")
    assert not log.exists() or log.stat().st_size == 0
    assert store.connection.execute("SELECT current_setting('checkpoint_threshold')").fetchone() == threshold
    # The same small write outside the batch's settings stays in the log until the store closes.
    store.connection.execute("INSERT INTO imports VALUES (99, 'x', 'y', 'z', now(), now(), 0, 0, 0)")
    assert log.exists() and log.stat().st_size > 0
    store.close()
    assert Store.open(path, read_only=True).table_counts()["work_items"] == 1
