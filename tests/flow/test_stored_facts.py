"""Stored flow facts: kept current by imports, staled by a change of mapping or data, never changing a figure.

The figures of a service reading the stored facts are compared, table for table, with those of a
service that builds its facts for `now` (the path every earlier release took), on real Jira data;
hand-built histories give exact values on each side of a mapping change (blocked time, which this
Jira data never has, is compared on both paths by test_flow_exact and the property tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from boards import SMALL_BOARD

import orgflow
from orgflow.flow.service import FlowService
from orgflow.flow.stored_facts import facts_state
from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

SOURCE = "csv"
BOARD = SMALL_BOARD
# The same board with Review turned into a wait stage: active time (flow efficiency) changes.
REVIEW_WAITS = BOARD.replace("category: active, statuses: [Review]", "category: wait, statuses: [Review]")


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2024-{text}").replace(tzinfo=UTC)


def _batch() -> ImportBatch:
    """K-1: created and started 03-01 00:00, Review 03-02 00:00, Done 03-04 00:00 (cycle time 3 days:
    1 in Doing, 2 in Review). K-2: created 03-01 12:00, started 03-02 00:00, still In Progress."""
    batch = ImportBatch(SOURCE, "test", "hand-built")
    moves = {
        "K-1": [
            ("03-01 00:00", "Backlog"),
            ("03-01 00:00", "In Progress"),
            ("03-02 00:00", "Review"),
            ("03-04 00:00", "Done"),
        ],
        "K-2": [("03-01 12:00", "Backlog"), ("03-02 00:00", "In Progress")],
    }
    for key, history in moves.items():
        batch.add(
            WorkItem(
                source=SOURCE,
                source_id=key,
                project="P",
                team_id="alpha",
                title=key,
                item_type="Story",
                created_at=at(history[0][0]),
                status=history[-1][1],
            )
        )
        for seq, (when, status) in enumerate(history):
            batch.add(StatusTransition(SOURCE, key, seq, at(when), None, status))
    return batch


def _hand_built(directory: Path, config: str = BOARD) -> Workspace:
    orgflow.init(directory).close()
    (directory / "orgflow.yaml").write_text(config, encoding="utf-8")
    workspace = orgflow.open(directory)
    workspace.write(_batch())
    return workspace


def _efficiency(service: FlowService) -> float:
    (row,) = service.efficiency().rows()
    return row["flow_efficiency"]


def _state(workspace: Workspace) -> str:
    return facts_state(workspace.store.connection, workspace.config).column("state")[0].as_py()


def test_an_import_stores_current_facts_and_queries_read_them(tmp_path: Path) -> None:
    with _hand_built(tmp_path) as workspace:
        assert _state(workspace) == "current"
        service = workspace.flow_at(at("03-05 00:00"))
        assert service.uses_stored_facts
        # K-1 is active all 3 days of its cycle (Doing 1, Review 2).
        assert _efficiency(service) == pytest.approx(1.0)
        # K-2, still open, has been active since 03-02 00:00: 3 days at now.
        (row,) = service.efficiency(per_item=True).rows()
        assert row["item_id"] == "K-1"
        ages = {r["item_id"]: r["age_days"] for r in service.age().rows()}
        assert ages == {"K-2": 3.0}
        items = {r["item_id"]: r for r in service.items_table().to_pyarrow().to_pylist()}
        assert items["K-2"]["active_us"] == 3 * 86_400 * 1_000_000
        assert items["K-2"]["end_at"] == datetime(2024, 3, 5)


def test_a_query_before_the_last_change_builds_facts_for_its_now(tmp_path: Path) -> None:
    with _hand_built(tmp_path) as workspace:
        # 03-03: K-1 is in Review, not finished; the stored facts know its finish, so they cannot serve.
        service = workspace.flow_at(at("03-03 00:00"))
        assert not service.uses_stored_facts
        ages = {r["item_id"]: r["age_days"] for r in service.age().rows()}
        assert ages == {"K-1": 2.0, "K-2": 1.0}
        assert service.efficiency().rows()[0]["flow_efficiency"] is None  # nothing finished by then


def test_a_changed_mapping_stales_the_facts_until_refreshed(tmp_path: Path) -> None:
    _hand_built(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(REVIEW_WAITS, encoding="utf-8")
    with orgflow.open(tmp_path) as workspace:
        assert _state(workspace) == "stale"
        stale = workspace.flow_at(at("03-05 00:00"))
        assert not stale.uses_stored_facts
        # Review now waits: K-1 is active 1 day of 3.
        assert _efficiency(stale) == pytest.approx(1 / 3)
        assert workspace.refresh_facts() is True
        assert workspace.refresh_facts() is False
        assert _state(workspace) == "current"
        fresh = workspace.flow_at(at("03-05 00:00"))
        assert fresh.uses_stored_facts
        assert _efficiency(fresh) == pytest.approx(1 / 3)


def test_a_failed_rebuild_rolls_the_import_back(tmp_path: Path) -> None:
    with _hand_built(tmp_path) as workspace:
        before = workspace.store.table_counts()
        meta = workspace.store.connection.execute("SELECT * FROM orgflow_meta ORDER BY key").fetchall()
        batch = ImportBatch(SOURCE, "test", "second")
        batch.add(
            WorkItem(
                source=SOURCE,
                source_id="K-3",
                project="P",
                team_id="alpha",
                title="K-3",
                item_type="Story",
                created_at=at("03-03 00:00"),
                status="Backlog",
            )
        )

        def fail() -> None:
            raise RuntimeError("rebuild failed")

        with pytest.raises(RuntimeError, match="rebuild failed"):
            workspace.store.write(batch, before_commit=fail)
        assert workspace.store.table_counts() == before
        assert workspace.store.connection.execute("SELECT * FROM orgflow_meta ORDER BY key").fetchall() == meta
        assert _state(workspace) == "current"


@pytest.fixture(scope="module")
def jira_workspace(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Workspace:
    directory = tmp_path_factory.mktemp("stored-facts-jira")
    workspace = orgflow.init(directory)
    workspace.import_files("jira", [shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"])
    yield workspace
    workspace.close()


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by(
        [(name, "ascending") for name in table.column_names if not pa.types.is_nested(table.schema.field(name).type)]
    )


@pytest.mark.parametrize(
    "metric",
    [
        ("summary", {"by": "team"}),
        ("cycle_time", {}),
        ("lead_time", {"include_cancelled": True}),
        ("throughput", {"by": "team"}),
        ("wip", {}),
        ("cfd", {"since": datetime(2017, 1, 1).date()}),
        ("age", {}),
        ("efficiency", {"per_item": True}),
        ("distribution", {}),
        ("stages", {"level": "phase", "by": "team"}),
        ("time_in_stage", {}),
        ("sle", {}),
        ("items", {}),
    ],
    ids=lambda metric: metric[0],
)
def test_stored_and_built_facts_give_the_same_tables_on_real_data(
    jira_workspace: Workspace, metric: tuple[str, dict[str, object]]
) -> None:
    name, options = metric
    if name not in ("age", "time_in_stage", "sle"):
        # The whole history (the export starts in 2004), not the default window's last 90 days.
        options = {"since": datetime(2004, 1, 1).date(), **options}
    now = datetime(2019, 6, 1, tzinfo=UTC)
    stored = FlowService(jira_workspace, now=now)
    built = FlowService(jira_workspace, now=now, stored_facts=False)
    assert stored.uses_stored_facts and not built.uses_stored_facts
    stored_table = getattr(stored, name)(**options).table
    built_table = getattr(built, name)(**options).table
    assert stored_table.num_rows > 0
    assert _sorted(stored_table).equals(_sorted(built_table))


def _cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from orgflow.cli import main; main()", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_status_reports_the_facts_and_refresh_rebuilds_them(tmp_path: Path) -> None:
    _hand_built(tmp_path).close()
    status = json.loads(_cli("status", "--format", "json", workspace=tmp_path).stdout)
    assert status["flow facts"] == [
        {"state": "current", "items": 2, "transitions": 6, "horizon": "2024-03-04T00:00:00Z"}
    ]
    assert _cli("refresh", workspace=tmp_path).stdout.strip() == "flow facts were already current"
    (tmp_path / "orgflow.yaml").write_text(REVIEW_WAITS, encoding="utf-8")
    assert "are stale" in _cli("status", workspace=tmp_path).stdout
    refreshed = _cli("refresh", workspace=tmp_path)
    assert refreshed.returncode == 0 and refreshed.stdout.strip() == "flow facts rebuilt"
    status = json.loads(_cli("status", "--format", "json", workspace=tmp_path).stdout)
    assert status["flow facts"][0]["state"] == "current"
