"""Opening the store: a current one is opened without a migration's look at the schema, an older one is
migrated (also when opened to read), a newer one is refused for writing and read as it is."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import duckdb
import pytest
from tests.store.test_migration_3 import _version_2_store

from orgflow.store import Store
from orgflow.store import database as store_database
from orgflow.store.schema import SCHEMA_VERSION, current_version


def test_a_current_store_opens_without_migrating(tmp_path: Path) -> None:
    path = tmp_path / "orgflow.duckdb"
    Store.open(path, create=True).close()

    def refused(connection: object) -> int:
        raise AssertionError("a current store was migrated")

    with mock.patch.object(store_database, "migrate", refused):
        for read_only in (False, True):
            store = Store.open(path, read_only=read_only)
            assert current_version(store.connection) == SCHEMA_VERSION
            store.close()


def test_an_older_store_opened_to_read_is_migrated_first(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _version_2_store(path)
    store = Store.open(path, read_only=True)
    assert current_version(store.connection) == SCHEMA_VERSION == 3
    assert store.table_counts()["repo_heads"] == 0
    store.close()


def test_a_newer_store_is_refused_for_writing_and_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "orgflow.duckdb"
    Store.open(path, create=True).close()
    connection = duckdb.connect(str(path))
    connection.execute(f"UPDATE orgflow_meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(RuntimeError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this orgflow"):
        Store.open(path)
    store = Store.open(path, read_only=True)
    assert current_version(store.connection) == SCHEMA_VERSION + 1
    store.close()
