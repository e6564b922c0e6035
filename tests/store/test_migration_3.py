"""Schema 3: a store written by schema 2 gains the git statuses and the repository heads, and keeps its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

import orgflow
from orgflow.model import RepoHead
from orgflow.store import ImportBatch, Store
from orgflow.store.schema import _BOOKKEEPING, current_version


def _version_2_store(path: Path) -> None:
    """The two git tables as schema 2 wrote them, with one commit adding a.txt (+3) and one deleting it (-3)."""
    connection = duckdb.connect(str(path))
    for statement in _BOOKKEEPING:  # orgflow_meta, imports, sync_state: unchanged since schema 1
        connection.execute(statement)
    connection.execute("INSERT INTO orgflow_meta VALUES ('schema_version', '2')")
    connection.execute(
        "CREATE TABLE commits (source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, repo VARCHAR, parents VARCHAR[],"
        " author VARCHAR, authored_at TIMESTAMP, committed_at TIMESTAMP, subject VARCHAR, is_merge BOOLEAN,"
        " is_revert BOOLEAN)"
    )
    connection.execute(
        "CREATE TABLE changed_files (source VARCHAR NOT NULL, commit_id VARCHAR NOT NULL, path VARCHAR NOT NULL,"
        " added BIGINT, deleted BIGINT)"
    )
    connection.execute(
        "INSERT INTO commits VALUES ('git', 'c1', 'shop', [], 'Ann', '2024-01-01 10:00', '2024-01-01 10:00', 'a',"
        " false, false), ('git', 'c2', 'shop', ['c1'], 'Bo', '2024-01-02 10:00', '2024-01-02 10:00', 'b', false,"
        " false), ('git', 'c3', 'shop', ['c2'], 'Bo', '2024-01-03 10:00', '2024-01-03 10:00', 'c', false, false)"
    )
    connection.execute(
        "INSERT INTO changed_files VALUES ('git', 'c1', 'a.txt', 3, 0), ('git', 'c2', 'a.txt', 0, 3),"
        " ('git', 'c3', 'c.txt', 1, 0)"
    )
    connection.close()


def test_a_version_2_store_gains_statuses_and_heads(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _version_2_store(path)
    store = Store.open(path)
    assert current_version(store.connection) == 3
    assert store.connection.execute(
        "SELECT path, added, status, old_path FROM changed_files ORDER BY 1"
    ).fetchall() == [
        ("a.txt", 3, None, None),
        ("a.txt", 0, None, None),
        ("c.txt", 1, None, None),
    ]
    assert store.table_counts()["repo_heads"] == 0
    store.close()


def test_rows_without_statuses_are_read_with_the_net_lines_rule(tmp_path: Path) -> None:
    _version_2_store(tmp_path / "orgflow.duckdb")
    workspace = orgflow.open(tmp_path)
    try:
        now = datetime(2024, 6, 1, tzinfo=UTC)
        result = workspace.sociotech_at(now).truck_factor(repo="shop")
        assert [(row["files"], row["truck_authors"]) for row in result.rows()] == [(1, ["Bo"])]
        assert "no HEAD imported" in result.notes[0]
        # A head recorded later, over rows still without statuses: the replay would miss deletions, so it is
        # not trusted and the note says to import again.
        batch = ImportBatch(source="git", kind="git", origin="test")
        batch.add(RepoHead("git", "shop", "c3", "refs/heads/main"))
        workspace.store.write(batch)
        result = workspace.sociotech_at(now).truck_factor(repo="shop")
        assert [(row["files"], row["truck_authors"]) for row in result.rows()] == [(1, ["Bo"])]
        assert result.notes == [
            "shop: 3 changes imported without their git status (import again): "
            "files with positive net lines counted, renames not followed"
        ]
    finally:
        workspace.close()
