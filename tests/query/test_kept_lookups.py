"""Lookups kept in the store (`orgflow.query.kept_lookups`): a read-only workspace whose store keeps current
copies of them writes none and gets the same figures; when the config or the data moved on since they were
kept, it builds its own, from the current config and data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.flow.boards import SMALL_BOARD
from tests.flow.histories import at, history_batch
from tests.query.test_lookups import EVERY_LOOKUP

import orgflow
from orgflow.query import kept_lookups
from orgflow.query import lookups as lookups_module
from orgflow.query.lookups import LOOKUP_TABLES, Lookups
from orgflow.workspace import Workspace, open_workspace

HISTORIES = {
    ("A-1", "alpha", "Story"): [("03-01 00:00", "Backlog"), ("03-02 00:00", "In Progress"), ("03-05 00:00", "Done")],
    ("B-1", "beta", "Story"): [("03-01 00:00", "Backlog"), ("03-04 00:00", "In Progress")],
}
"""alpha's A-1 took 3 days (In Progress 03-02 to Done 03-05); beta's B-1 started 03-04 and is open."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A workspace written once (its stored facts and kept lookups refreshed by the write), then closed."""
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(SMALL_BOARD, encoding="utf-8")
    with orgflow.open(tmp_path) as writer:
        writer.write(history_batch(HISTORIES))
    return tmp_path


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the lookups written from Python rows, from now on."""
    written: list[str] = []
    replace = lookups_module._replace

    def counted(connection: duckdb.DuckDBPyConnection, name: str, columns: list[str], rows: Any) -> None:
        written.append(name)
        replace(connection, name, columns, rows)

    monkeypatch.setattr(lookups_module, "_replace", counted)
    return written


@pytest.fixture
def reader(folder: Path) -> Iterator[Workspace]:
    with open_workspace(folder, read_only=True) as workspace:
        yield workspace


def _temporary_tables(workspace: Workspace) -> list[str]:
    rows = workspace.store.connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def test_a_read_only_workspace_writes_no_lookup_and_gets_the_same_figures(reader: Workspace, writes: list[str]) -> None:
    service = reader.flow_at(at("03-10 00:00"))
    cycle = service.cycle_time()
    ages = service.age()
    stages = service.time_in_stage()

    assert writes == []
    assert _temporary_tables(reader) == []
    assert service.uses_stored_facts
    assert [(row["item_id"], row["cycle_time_days"]) for row in cycle.rows()] == [("A-1", 3.0)]
    assert [(row["item_id"], row["age_days"]) for row in ages.rows()] == [("B-1", 6.0)]
    # The stage names come from the kept lookups: B-1 spent 3 days in Backlog (03-01 to 03-04), then 6 in Doing.
    b1 = {row["stage"]: row["days"] for row in stages.rows() if row["item_id"] == "B-1"}
    assert b1 == {"Backlog": 3.0, "Doing": 6.0}


def test_status_writes_no_lookup_and_reads_the_kept_ones(reader: Workspace, writes: list[str]) -> None:
    status = reader.status
    assert writes == []
    assert _temporary_tables(reader) == []
    # Every status the small board's workflow lists is mapped (Backlog, In Progress, Done), and the stored
    # facts are those of the kept lookups and the data.
    assert status.sections["unmapped statuses"].num_rows == 0
    facts = status.sections["flow facts"].to_pylist()[0]
    assert (facts["state"], facts["items"], facts["transitions"]) == ("current", 2, 5)


def test_an_edited_config_is_read_not_the_kept_lookups(folder: Path, writes: list[str]) -> None:
    (folder / "orgflow.yaml").write_text(SMALL_BOARD.replace("name: Doing", "name: Building"), encoding="utf-8")
    with open_workspace(folder, read_only=True) as reader:
        stages = reader.flow_at(at("03-10 00:00")).time_in_stage()

        assert set(writes) == EVERY_LOOKUP
        b1 = {row["stage"]: row["days"] for row in stages.rows() if row["item_id"] == "B-1"}
        assert b1 == {"Backlog": 3.0, "Building": 6.0}


def test_a_write_that_did_not_refresh_them_makes_them_stale(folder: Path, writes: list[str]) -> None:
    with orgflow.open(folder) as writer:
        # Through the store alone: the facts and the kept lookups are not refreshed.
        writer.store.write(
            history_batch({("C-1", "gamma", "Story"): [("03-01 00:00", "Backlog"), ("03-03 00:00", "Review")]})
        )
    with open_workspace(folder, read_only=True) as reader:
        ages = reader.flow_at(at("03-10 00:00")).age()

        assert set(writes) == EVERY_LOOKUP
        # gamma's C-1 entered Review (active) on 03-03: 7 days old at 03-10; its team is a known team now.
        assert {row["item_id"]: row["age_days"] for row in ages.rows()} == {"B-1": 6.0, "C-1": 7.0}
        assert reader.flow_at(at("03-10 00:00")).summary(by="team").table.column("team").to_pylist() == [
            "alpha",
            "beta",
            "gamma",
        ]


def test_a_build_by_anyone_else_on_the_connection_is_read_instead(reader: Workspace, writes: list[str]) -> None:
    reader.flow_at(at("03-10 00:00")).age()
    lookups_module.build_lookups(reader.store.connection, reader.config)
    writes.clear()

    ages = reader.flow_at(at("03-10 00:00")).age()

    # The workspace's lookups forgot what was kept: they are written again, and the figures are the same.
    assert set(writes) == EVERY_LOOKUP
    assert [(row["item_id"], row["age_days"]) for row in ages.rows()] == [("B-1", 6.0)]


def test_a_later_write_copies_only_the_lookups_that_changed(folder: Path) -> None:
    digested = (*LOOKUP_TABLES, "of_raw_status_map")

    def to_copy(workspace: Workspace) -> list[str]:
        connection = workspace.store.connection
        lookups = Lookups(connection)
        lookups.build(workspace.config)
        digests = dict(zip(digested, lookups.digests(digested), strict=True))
        return kept_lookups._to_copy(connection, digests, kept_lookups._stored(connection))

    with orgflow.open(folder) as writer:
        # The same data and config as kept: only the reported times, which follow the data, are copied.
        assert to_copy(writer) == list(kept_lookups.REPORTED_TABLES)
        # A new team whose item is in a status no item had: the keys, the raw status map and the teams change.
        writer.store.write(
            history_batch({("C-1", "gamma", "Story"): [("03-01 00:00", "Backlog"), ("03-03 00:00", "Review")]})
        )
        assert to_copy(writer) == [
            "of_keys",
            "of_team_group",
            "of_team_parent",
            "of_raw_status_map",
            *kept_lookups.REPORTED_TABLES,
        ]
