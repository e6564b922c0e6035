"""Calibration reads blocking links into dependency steps: a hand-built workspace of two teams whose
links are counted by hand, and a scenario that removes the dependency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import WORKFLOW_YAML

from orgflow.model import ItemLink, StatusTransition, WorkItem
from orgflow.simulate.calibrate import calibrate
from orgflow.simulate.checks import check_network
from orgflow.simulate.distributions import deterministic
from orgflow.simulate.engine import RunRecord, run_replication
from orgflow.simulate.history import day_number
from orgflow.simulate.model_file import dump_network, read_network
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.scenario import read_scenario
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace, open_workspace

ORIGIN = date(2024, 1, 1)
ITEMS = 40  # per team, one every 2 days
FLOW = "feature"  # the flow type of a Story
SETTINGS = RunSettings(replications=2, horizon_days=400, warmup_days=20, seed=5)


def _at(day: float) -> datetime:
    return datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day, tzinfo=UTC) + timedelta(days=day)


def _item(key: str, team: str, created: float, moves: list[tuple[float, str]]) -> list:
    """A work item created in To Do at `created`, then its moves (day, status)."""
    item = WorkItem(
        source="sim",
        source_id=key,
        project=team,
        team_id=team,
        title=key,
        item_type="Story",
        created_at=_at(created),
        status=moves[-1][1],
        resolved_at=_at(moves[-1][0]),
        resolution="Done",
    )
    transitions = [StatusTransition("sim", key, 0, _at(created), None, "To Do")]
    previous = "To Do"
    for seq, (day, status) in enumerate(moves, start=1):
        transitions.append(StatusTransition("sim", key, seq, _at(day), previous, status))
        previous = status
    return [item, *transitions]


def _links() -> list[ItemLink]:
    """b-j blocks a-j for j < 10, a-10 is blocked_by b-10 (11 items of a blocked by b; a-0's link twice),
    a same-team link (not counted) and one link the other way (a-20 blocks b-20: b needs a)."""
    links = [ItemLink("sim", f"b-{j}", "blocks", f"a-{j}") for j in range(10)]
    links.append(ItemLink("sim", "a-0", "blocked_by", "b-0"))  # the same link read the other way
    links.append(ItemLink("sim", "a-10", "blocked_by", "b-10"))
    links.append(ItemLink("sim", "a-1", "blocks", "a-2"))
    links.append(ItemLink("sim", "a-20", "blocks", "b-20"))
    return links


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):
    """Team a: Build [2i, 2i+1), Review [2i+1, 2i+1.5); team b: Review Queue (a wait stage) [2j+0.5, 2j+2)."""
    directory = tmp_path_factory.mktemp("links") / "workspace"
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(WORKFLOW_YAML, encoding="utf-8")
    opened = open_workspace(directory)
    batch = ImportBatch(source="sim", kind="test", origin="hand-built")
    for i in range(ITEMS):
        batch.extend(
            _item(f"a-{i}", "a", 2 * i - 0.1, [(2 * i, "Build"), (2 * i + 1, "Review"), (2 * i + 1.5, "Done")])
        )
        batch.extend(_item(f"b-{i}", "b", 2 * i + 0.4, [(2 * i + 0.5, "Review Queue"), (2 * i + 2, "Done")]))
    batch.extend(_links())
    opened.write(batch)
    yield opened
    opened.close()


def _window(workspace, **options):
    since = day_number(ORIGIN)
    return calibrate(workspace.simulate.history(), since=since, until=since + 2 * ITEMS + 5, **options)


def test_links_are_read_once_each_across_teams(workspace) -> None:
    history = workspace.simulate.history()
    keys = {(str(history.teams[b]), str(history.teams[a])) for b, a in history.links.tolist()}
    assert len(history.links) == 12  # 10 + a-10 + a-20 -> b-20; the duplicate and the same-team link gone
    assert keys == {("b", "a"), ("a", "b")}


def test_calibrated_visit_probability_equals_the_hand_count(workspace) -> None:
    network = _window(workspace)
    route = network.teams["a"].route
    # 11 of a's 40 finished items were blocked by an item of b; b's items started half a day after a's,
    # when a's item was in Build: the request comes after Build.
    assert [(step.stage, step.depends_on, step.visit) for step in route] == [
        ("Build", None, 1.0),
        ("waiting for b", "b", 0.275),
        ("Review", None, 1.0),
    ]
    # The other way (b needs a: 1 of 40) would close a cycle: the weaker direction is dropped.
    assert all(step.depends_on is None for step in network.teams["b"].route)
    assert network.notes["dependencies_dropped"] == [
        {"team": "b", "needs": "a", "links": 1, "reason": "closes a cycle"}
    ]
    (note,) = network.notes["dependencies"]
    assert (note["links"], note["items"], note["after"], note["measured_wait_days_p50"]) == (11, 11, "Build", 1.5)
    # b's own arrivals leave out the 11 items that arrived as requests from a: 29 in the 85-day window.
    assert network.teams["b"].arrivals[FLOW].per_day == pytest.approx(29 / 85, abs=1e-6)
    assert network.teams["a"].arrivals[FLOW].per_day == pytest.approx(40 / 85, abs=1e-6)
    check_network(network)
    # Without dependencies: no request step, and b's arrivals are all its items.
    plain = _window(workspace, dependencies=False)
    assert [step.stage for step in plain.teams["a"].route] == ["Build", "Review"]
    assert plain.teams["b"].arrivals[FLOW].per_day == pytest.approx(40 / 85, abs=1e-6)


def _own_flow(record: RunRecord, team: int) -> np.ndarray:
    """Flow times of the team's own items (not requests) that finished."""
    rows = (record.item_team == team) & (record.item_parent < 0) & np.isfinite(record.item_finish)
    return (record.item_finish - record.item_start)[rows]


def test_removing_the_dependency_shortens_a_and_leaves_b_unchanged(workspace, tmp_path: Path) -> None:
    baseline = _window(workspace)
    path = tmp_path / "no-dependency.yaml"
    path.write_text("changes:\n  - remove_dependency: {team: a, needs: b}\n", encoding="utf-8")
    scenario = read_scenario(path, baseline, SETTINGS).network
    assert [step.stage for step in scenario.teams["a"].route] == ["Build", "Review"]
    before = run_replication(baseline, seed=5, replication=0, horizon=400)
    after = run_replication(scenario, seed=5, replication=0, horizon=400)
    a, b = list(baseline.teams).index("a"), list(baseline.teams).index("b")
    # b's own items draw the same numbers at a delay stage: identical, to the last digit.
    assert np.array_equal(_own_flow(before, b), _own_flow(after, b))
    # a's items no longer wait 1.5 days for b on 27.5 % of them: about 0.41 days shorter on average.
    saved = _own_flow(before, a).mean() - _own_flow(after, a).mean()
    assert 0.41 * 0.6 < saved < 0.41 * 1.6


def test_a_request_waits_for_the_requests_it_sends_in_turn() -> None:
    """a needs b after its stage, b needs c: a's item takes its day, b's day and c's day (3 days)."""
    stations = {name: Station(name, "delay") for name in ("sa", "sb", "sc")}

    def team(name: str, needs: str | None) -> Team:
        route = [Step(f"{name}-work", f"s{name}", deterministic(1.0))]
        if needs:
            route.append(Step(f"waiting for {needs}", None, depends_on=needs))
        return Team(name, {FLOW: Arrivals(per_day=0.2)}, tuple(route))

    network = Network(stations, {"a": team("a", "b"), "b": team("b", "c"), "c": team("c", None)})
    record = run_replication(network, seed=1, replication=0, horizon=100)
    assert np.allclose(_own_flow(record, 0), 3.0)
    assert np.allclose(_own_flow(record, 1), 2.0)
    assert np.allclose(_own_flow(record, 2), 1.0)
    # Requests: per item of a, one to b and one from that to c; per item of b, one to c.
    own_a, own_b = _own_flow(record, 0).size, _own_flow(record, 1).size
    assert int((record.item_parent >= 0).sum()) == 2 * own_a + own_b


def test_the_model_file_keeps_the_calibrated_dependency(workspace, tmp_path: Path) -> None:
    network = _window(workspace)
    path = tmp_path / "model.yaml"
    path.write_text(dump_network(network), encoding="utf-8")
    again = read_network(path)
    assert again.teams["a"].route == network.teams["a"].route
    assert again.notes["dependencies"][0]["visit"] == 0.275
