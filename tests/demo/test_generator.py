"""The demo generator: reproducible, consistent with its summary and config, and telling its stories."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import CONFIG_FILE, Workflow, load_config, status_key
from orgflow.demo import DEFAULT_END, DemoSummary, build_demo
from orgflow.errors import InputError
from orgflow.model.org import TEAM_TOPOLOGIES_TYPES
from orgflow.workspace import open_workspace

ITEMS = 2_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return build_demo(tmp_path_factory.mktemp("demo") / "workspace", items=ITEMS)


def _query(directory: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_workspace(directory, read_only=True) as workspace:
        return workspace.store.connection.execute(sql).fetchall()


def _workflow(directory: Path, project: str) -> Workflow:
    workflow = load_config(directory / CONFIG_FILE).workflow_for("demo", project)
    assert workflow.name == "demo"
    return workflow


def _histories(directory: Path) -> dict[str, list[tuple[int, datetime, str | None, str]]]:
    """item id -> its transitions (seq, changed_at, from_status, to_status) in seq order."""
    rows = _query(
        directory,
        "SELECT item_id, seq, changed_at, from_status, to_status FROM status_transitions ORDER BY item_id, seq",
    )
    histories: dict[str, list[tuple[int, datetime, str | None, str]]] = defaultdict(list)
    for item_id, seq, changed_at, from_status, to_status in rows:
        histories[item_id].append((seq, changed_at, from_status, to_status))
    return histories


def _end(demo: DemoSummary) -> datetime:
    """The demo's end as the store's naive UTC wall time."""
    return demo.end.replace(tzinfo=None)


def test_the_same_seed_builds_the_same_store(demo: DemoSummary, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again", items=ITEMS)
    assert again.table_counts() == demo.table_counts()
    for table in demo.table_counts():
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert _query(again.directory, sql) == _query(demo.directory, sql), table


def test_another_seed_builds_another_store(demo: DemoSummary, tmp_path: Path) -> None:
    other = build_demo(tmp_path / "other", seed=8, items=ITEMS)
    sql = "SELECT source_id, created_at, status FROM work_items ORDER BY ALL"
    assert _query(other.directory, sql) != _query(demo.directory, sql)


def test_summary_counts_equal_the_store(demo: DemoSummary) -> None:
    with open_workspace(demo.directory, read_only=True) as workspace:
        counts = workspace.store.table_counts()
        imports = workspace.store.connection.execute("SELECT source, kind, origin FROM imports").fetchall()
    expected = demo.table_counts()
    assert {table: counts[table] for table in expected} == expected
    assert all(count == 0 for table, count in counts.items() if table not in expected)
    assert demo.items == ITEMS
    assert 90 <= demo.people <= 110
    assert demo.links > 0 and demo.blocked_intervals > 0
    assert imports == [("demo", "demo", "seed 7")]


def test_three_clusters_of_four_teams_of_every_topology(demo: DemoSummary) -> None:
    groups = _query(
        demo.directory, "SELECT source_id, kind, topology_type, parent_id, valid_from, valid_to FROM groups"
    )
    clusters = {source_id for source_id, kind, *_ in groups if kind == "cluster"}
    assert len(clusters) == 3
    before_reorg = [row for row in groups if row[1] == "team" and row[4] is None]
    assert len(before_reorg) == 12
    assert {row[2] for row in before_reorg} == set(TEAM_TOPOLOGIES_TYPES)
    per_cluster = defaultdict(int)
    for row in before_reorg:
        per_cluster[row[3]] += 1
    assert per_cluster == {cluster: 4 for cluster in clusters}
    split = {row[0]: row for row in groups}
    assert split[demo.split_team_id][5] == demo.reorg_date
    assert all(split[team_id][4] == demo.reorg_date for team_id in demo.new_team_ids)


def test_the_bus_factor_team_has_one_engineer_who_does_everything(demo: DemoSummary) -> None:
    team = demo.bus_factor_team_id
    members = _query(demo.directory, f"SELECT person_id, role FROM memberships WHERE group_id = '{team}'")
    engineers = [person for person, role in members if role == "engineer"]
    assert len(members) == 3 and len(engineers) == 1
    assignees = _query(demo.directory, f"SELECT DISTINCT assignee FROM work_items WHERE team_id = '{team}'")
    assert assignees == [(engineers[0],)]


def test_one_manager_has_a_span_of_control_over_eight(demo: DemoSummary) -> None:
    spans = _query(demo.directory, "SELECT count(*) FROM people GROUP BY manager_id HAVING manager_id IS NOT NULL")
    assert max(span for (span,) in spans) > 8


def test_config_loads_with_flow_types_and_value_streams(demo: DemoSummary) -> None:
    config = load_config(demo.directory / CONFIG_FILE)
    flow_type_of = config.flow_type_of()
    assert {item_type: flow_type_of[status_key(item_type)] for item_type in ("Story", "Spike", "Task")} == {
        "Story": "feature",
        "Spike": "feature",
        "Task": "debt",
    }
    assert {stream.groups for stream in config.value_streams.values()} == {
        ("payments",),
        ("logistics",),
        ("platform-cluster",),
    }


def test_every_status_is_in_the_demo_workflow(demo: DemoSummary) -> None:
    projects = [project for (project,) in _query(demo.directory, "SELECT DISTINCT project FROM work_items")]
    statuses = {status for (status,) in _query(demo.directory, "SELECT DISTINCT to_status FROM status_transitions")}
    for project in projects:
        workflow = _workflow(demo.directory, project)
        mapped = {status for stage in workflow.stages for status in stage.statuses}
        assert statuses <= mapped
    item_types = {item_type for (item_type,) in _query(demo.directory, "SELECT DISTINCT item_type FROM work_items")}
    assert item_types == {"Story", "Bug", "Task", "Spike", "Tech Debt", "Security"}


def test_transitions_increase_strictly_in_time_and_seq(demo: DemoSummary) -> None:
    created = dict(_query(demo.directory, "SELECT source_id, created_at FROM work_items"))
    histories = _histories(demo.directory)
    assert histories.keys() == created.keys()
    end = _end(demo)
    for item_id, history in histories.items():
        assert [seq for seq, *_ in history] == list(range(len(history)))
        assert history[0][1:] == (created[item_id], None, "Backlog")
        times = [changed_at for _, changed_at, _, _ in history]
        assert all(earlier < later for earlier, later in pairwise(times))
        assert times[-1] <= end
        assert all(previous[3] == current[2] for previous, current in pairwise(history))
    in_hours = sum(7 <= changed_at.hour < 17 for history in histories.values() for _, changed_at, _, _ in history)
    assert in_hours / sum(map(len, histories.values())) > 0.95


def test_items_end_in_their_last_status_and_some_are_unfinished(demo: DemoSummary) -> None:
    items = _query(demo.directory, "SELECT source_id, status, resolved_at FROM work_items")
    histories = _histories(demo.directory)
    for item_id, status, resolved_at in items:
        last = histories[item_id][-1]
        assert status == last[3]
        assert resolved_at == (last[1] if status in ("Done", "Won't Do") else None)
    unfinished = [status for _, status, resolved_at in items if resolved_at is None and status != "Backlog"]
    assert len(unfinished) > 0.02 * ITEMS


def test_the_exploding_team_starts_twice_as_much_lately(demo: DemoSummary) -> None:
    histories = _histories(demo.directory)
    team_items = _query(demo.directory, f"SELECT source_id FROM work_items WHERE team_id = '{demo.exploding_team_id}'")
    starts = [histories[item_id][1][1] for (item_id,) in team_items if len(histories[item_id]) > 1]
    end = _end(demo)
    recent = sum(end - timedelta(days=120) <= start for start in starts)
    before = sum(end - timedelta(days=240) <= start < end - timedelta(days=120) for start in starts)
    assert before > 0 and recent >= 1.8 * before


def test_release_takes_longer_than_create(demo: DemoSummary) -> None:
    phase_of = {status: stage.phase for stage in _workflow(demo.directory, "CHK").stages for status in stage.statuses}
    release, create = [], []
    for history in _histories(demo.directory).values():
        if history[-1][3] != "Done":
            continue
        seconds: dict[str, float] = defaultdict(float)
        for (_, entered, _, status), (_, left, _, _) in pairwise(history):
            seconds[phase_of[status]] += (left - entered).total_seconds()
        release.append(seconds["Release"])
        create.append(seconds["Create"])
    assert statistics.median(release) > statistics.median(create)


def test_items_created_after_the_reorg_belong_to_the_new_teams(demo: DemoSummary) -> None:
    reorg = datetime(demo.reorg_date.year, demo.reorg_date.month, demo.reorg_date.day)
    teams = _query(
        demo.directory, f"SELECT DISTINCT team_id FROM work_items WHERE created_at >= TIMESTAMP '{reorg.isoformat()}'"
    )
    teams = {team_id for (team_id,) in teams}
    assert demo.split_team_id not in teams
    assert set(demo.new_team_ids) <= teams
    assert timedelta(days=240) < DEFAULT_END.replace(tzinfo=None) - reorg < timedelta(days=300)


def test_links_join_items_of_different_teams_that_overlap(demo: DemoSummary) -> None:
    histories = _histories(demo.directory)
    team_of = dict(_query(demo.directory, "SELECT source_id, team_id FROM work_items"))
    links = _query(demo.directory, "SELECT item_id, kind, target_id FROM item_links")
    assert abs(len(links) - 0.05 * ITEMS) <= 0.01 * ITEMS
    for blocker, kind, blocked in links:
        assert kind == "blocks" and team_of[blocker] != team_of[blocked]
        blocker_history = histories[blocker]
        blocker_finished = blocker_history[-1][1] if blocker_history[-1][3] in ("Done", "Won't Do") else None
        blocked_started = histories[blocked][1][1]
        assert blocker_finished is None or blocker_finished > blocked_started


def test_blocked_intervals_lie_inside_in_progress(demo: DemoSummary) -> None:
    histories = _histories(demo.directory)
    intervals = _query(demo.directory, "SELECT item_id, started_at, ended_at FROM blocked_intervals")
    assert intervals
    for item_id, started_at, ended_at in intervals:
        history = histories[item_id]
        position = next(index for index, (*_, status) in enumerate(history) if status == "In Progress")
        entered = history[position][1]
        left = history[position + 1][1] if position + 1 < len(history) else _end(demo)
        assert entered <= started_at < left
        if ended_at is not None:
            # 1-5 days, unflagged in working hours (so up to a week over a weekend)
            assert timedelta(hours=6) <= ended_at - started_at <= timedelta(days=8)
            assert ended_at <= left


def test_an_existing_workspace_is_not_overwritten(demo: DemoSummary) -> None:
    with pytest.raises(InputError, match="already exists"):
        build_demo(demo.directory, items=ITEMS)
