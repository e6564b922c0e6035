"""The lookup tables' memory is the state of a `Lookups` object the workspace holds, not of the module.

What a flow service prepares from them stays cheap: the workspace's `Lookups` writes a lookup again only
when its rows change, and remembers the lookups' digests until one is written. A build by anyone else
on the connection (a fresh `Lookups`, `build_lookups`, as an import's refresh of the stored facts does)
makes it forget, so it never trusts tables someone else replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.flow.boards import SMALL_BOARD
from tests.flow.histories import at, history_batch

import orgflow
from orgflow.query import lookups as lookups_module
from orgflow.query.lookups import Lookups, build_lookups
from orgflow.workspace import Workspace

WRITTEN_BY_CONFIG = {"of_stages", "of_status_map", "of_cancel_resolution", "of_flow_type"}
"""The lookups a config alone fills (the others come from the store's statuses, projects and teams)."""
EVERY_LOOKUP = WRITTEN_BY_CONFIG | {
    "of_keys",
    "of_project_workflow",
    "of_team_group",
    "of_team_parent",
    "of_value_stream",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """alpha's A-1: Backlog 03-01, In Progress 03-02, Done 03-05; beta's B-1: Backlog 03-01, In Progress 03-04."""
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(SMALL_BOARD, encoding="utf-8")
    opened = orgflow.open(tmp_path)
    opened.write(
        history_batch(
            {
                ("A-1", "alpha", "Story"): [
                    ("03-01 00:00", "Backlog"),
                    ("03-02 00:00", "In Progress"),
                    ("03-05 00:00", "Done"),
                ],
                ("B-1", "beta", "Story"): [("03-01 00:00", "Backlog"), ("03-04 00:00", "In Progress")],
            }
        )
    )
    yield opened
    opened.close()


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the lookups written from Python rows, in order, from now on."""
    written: list[str] = []
    replace = lookups_module._replace

    def counted(connection: duckdb.DuckDBPyConnection, name: str, columns: list[str], rows: Any) -> None:
        written.append(name)
        replace(connection, name, columns, rows)

    monkeypatch.setattr(lookups_module, "_replace", counted)
    return written


class _Counting:
    """A connection that counts the digest queries it runs."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self.digest_queries = 0

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        if "hash(t)" in sql:
            self.digest_queries += 1
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_a_second_service_of_the_workspace_writes_no_lookup(workspace: Workspace, writes: list[str]) -> None:
    first = workspace.flow_at(at("03-10 00:00")).age()
    assert set(writes) == EVERY_LOOKUP

    writes.clear()
    later = workspace.flow_at(at("03-20 06:00")).cycle_time()

    assert writes == []
    # The figures are those of the lookups written once: A-1 took 3 days; B-1 is 6 days old at 03-10.
    assert [row["cycle_time_days"] for row in later.rows()] == [3.0]
    assert [(row["item_id"], row["age_days"]) for row in first.rows()] == [("B-1", 6.0)]


def test_only_the_lookups_whose_rows_changed_are_written_again(workspace: Workspace, writes: list[str]) -> None:
    workspace.flow_at(at("03-10 00:00")).age()
    writes.clear()

    # A new team and a status no item had before: the keys and the teams change, the config's lookups do not.
    workspace.store.write(
        history_batch({("C-1", "gamma", "Story"): [("03-01 00:00", "Backlog"), ("03-03 00:00", "Review")]})
    )
    ages = workspace.flow_at(at("03-10 00:00")).age()

    assert set(writes) == {"of_keys", "of_team_group", "of_team_parent"}
    # gamma's C-1 entered Review (an active stage) on 03-03: 7 days old at 03-10.
    assert {row["item_id"]: row["age_days"] for row in ages.rows()} == {"B-1": 6.0, "C-1": 7.0}


def test_a_build_by_anyone_else_makes_the_workspace_forget(workspace: Workspace, writes: list[str]) -> None:
    workspace.flow_at(at("03-10 00:00")).age()
    writes.clear()
    build_lookups(workspace.store.connection, workspace.config)
    assert sorted(writes) == sorted(EVERY_LOOKUP)
    writes.clear()

    workspace.flow_at(at("03-11 00:00")).age()

    # Its memory is of tables someone else has since replaced: it writes them all again.
    assert set(writes) == EVERY_LOOKUP


def test_digests_are_remembered_until_a_lookup_is_written(workspace: Workspace) -> None:
    counting = _Counting(workspace.store.connection)
    lookups = Lookups(counting)  # type: ignore[arg-type]
    lookups.build(workspace.config)
    names = ("of_keys", "of_stages")

    first = lookups.digests(names)
    again = lookups.digests(names)

    assert counting.digest_queries == 2
    assert again == first
    # The same rows written by another object: equal digests, computed afresh after the stamp changed.
    build_lookups(workspace.store.connection, workspace.config)
    assert lookups.digests(names) == first
    assert counting.digest_queries == 4


def test_each_workspace_remembers_its_own_connection(tmp_path: Path, workspace: Workspace, writes: list[str]) -> None:
    other_dir = tmp_path / "other"
    orgflow.init(other_dir).close()
    (other_dir / "orgflow.yaml").write_text(SMALL_BOARD, encoding="utf-8")
    with orgflow.open(other_dir) as other:
        other.write(history_batch({("Z-1", "zeta", "Story"): [("03-01 00:00", "Backlog")]}))
        workspace.flow_at(at("03-10 00:00")).age()
        writes.clear()
        other.flow_at(at("03-10 00:00")).age()

        assert set(writes) == EVERY_LOOKUP
        assert workspace.lookups is not other.lookups
        assert workspace.lookups.connection is workspace.store.connection
