"""Capacity from the org model: the rule by hand, where it gives way to the history, end to end from
an org file, and the `move_people` and `merge` scenarios acting on people and slots per person."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import WORKFLOW_YAML, known_system, transitions_csv

from orgflow.errors import InputError
from orgflow.simulate.calibrate_capacity import stage_capacity
from orgflow.simulate.checks import check_network
from orgflow.simulate.distributions import exponential
from orgflow.simulate.history import History, day_number
from orgflow.simulate.model_file import dump_network
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.scenario import read_scenario
from orgflow.workspace import init_workspace, open_workspace

INF = np.inf


def one_stage_history(staffing: dict[str, np.ndarray]) -> History:
    """Team t's items enter Build at days 0, 0.1, 0.2, 10, 10.1 and stay 1 day: at those entries
    the stage holds 1, 2, 3, 1, 2 items."""
    enter = np.array([0.0, 0.1, 0.2, 10.0, 10.1])
    count = enter.size
    return History(
        teams=np.array(["t"] * count, dtype=object),
        groups=[None] * count,
        flow_types=np.array(["feature"] * count, dtype=object),
        start=enter.copy(),
        finish=enter + 1,
        cancelled=np.zeros(count, dtype=bool),
        span_item=np.arange(count),
        span_stage=np.array(["Build"] * count, dtype=object),
        span_category=np.array(["active"] * count, dtype=object),
        span_order=np.zeros(count, dtype=np.int64),
        span_enter=enter,
        span_leave=enter + 1,
        stage_phase={"Build": "Create"},
        staffing=staffing,
        end=20.0,
    )


def test_org_model_capacity_by_hand() -> None:
    # Two people until day 5, four from then on. Items per person at the entries: 1/2, 2/2, 3/2,
    # 1/4, 2/4 = [0.25, 0.5, 0.5, 1.0, 1.5] sorted; p95 at position 0.95 x 4 = 3.8: 1.0 + 0.8 x 0.5.
    staffing = {"t": np.array([[-INF, INF, 1.0], [-INF, 5.0, 1.0], [5.0, INF, 1.0], [5.0, INF, 1.0]])}
    capacity = stage_capacity(one_stage_history(staffing), "t", "Build", 0.0, 20.0)
    assert capacity.per_person == pytest.approx(1.4)
    assert (capacity.people, capacity.servers, capacity.source) == (3.0, 5, "org model")  # ceil(1.4 x 3)
    # The history rule: p95 of [1, 1, 2, 2, 3] = 2 + 0.8 = 2.8, rounded up.
    assert capacity.observed == 3


def test_without_people_on_the_date_the_history_decides() -> None:
    gone = {"t": np.array([[-INF, 15.0, 2.0]])}
    capacity = stage_capacity(one_stage_history(gone), "t", "Build", 0.0, 20.0)
    assert (capacity.servers, capacity.source, capacity.people) == (3, "history", None)
    assert capacity.reason == "no people in 't' on 1970-01-20 in the org model"
    other = stage_capacity(one_stage_history({"u": np.array([[-INF, INF, 1.0]])}), "t", "Build", 0.0, 20.0)
    assert (other.source, other.reason) == ("history", "no memberships of 't' in the org model")
    none = stage_capacity(one_stage_history({}), "t", "Build", 0.0, 20.0)
    assert (none.servers, none.source, none.reason) == (3, "history", None)


ORIGIN = date(2021, 1, 4)
DAYS = 400


@pytest.fixture(scope="module")
def staffed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The known system (Build: 2 servers, Review: 1) with an org file: four people at half time all
    along, one more full time from the window's last day."""
    directory = tmp_path_factory.mktemp("staffed") / "workspace"
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(WORKFLOW_YAML, encoding="utf-8")
    workspace = open_workspace(directory)
    history = directory / "history.csv"
    history.write_text(transitions_csv(known_system(1.0), days=DAYS, seed=5, origin_day=day_number(ORIGIN)))
    workspace.import_files("transitions", [history], options={"source": "sim"})
    last_day = ORIGIN + timedelta(days=DAYS - 1)
    people = "".join(f"  - {{id: p{n}, name: P{n}}}\n" for n in range(1, 6))
    halves = "".join(f"  - {{person: p{n}, group: team-a, allocation: 0.5, from: 2020-01-01}}\n" for n in range(1, 5))
    org = directory / "org.yaml"
    org.write_text(
        f"people:\n{people}groups:\n  - {{id: team-a, kind: team}}\nmemberships:\n{halves}"
        f"  - {{person: p5, group: team-a, allocation: 1.0, from: {last_day.isoformat()}}}\n",
        encoding="utf-8",
    )
    workspace.import_files("org", [org])
    workspace.close()
    return directory


@pytest.fixture(scope="module")
def calibrated(staffed_dir: Path) -> Network:
    workspace = open_workspace(staffed_dir, read_only=True)
    calibration = workspace.simulate.calibrate(since=ORIGIN, until=ORIGIN + timedelta(days=DAYS), with_fit=False)
    workspace.close()
    return calibration.network


def test_capacity_follows_the_people_on_the_date(calibrated: Network) -> None:
    build, review = calibrated.stations["team-a/Build"], calibrated.stations["team-a/Review"]
    # Two full-time people sustained Build's 2 servers (1 slot each) and Review's 1 (half a slot);
    # three on the last day: ceil(1 x 3) = 3 and ceil(0.5 x 3) = 2.
    assert (build.per_person, build.people, build.capacity, build.capacity_from) == (1.0, 3.0, 3, "org model")
    assert (review.per_person, review.people, review.capacity, review.capacity_from) == (0.5, 3.0, 2, "org model")
    assert calibrated.notes["people_on"] == (ORIGIN + timedelta(days=DAYS - 1)).isoformat()
    text = dump_network(calibrated)
    assert "team-a/Build: {kind: servers, capacity: 3, capacity_from: org model, people: 3.0, per_person: 1.0}" in text


def staffed() -> Network:
    """Giver g: 4 people holding one slot each; taker t: 2 people, one slot each."""
    stations = {
        "g/build": Station("g/build", "servers", 4, people=4.0, per_person=1.0, capacity_from="org model"),
        "t/build": Station("t/build", "servers", 2, people=2.0, per_person=1.0, capacity_from="org model"),
    }
    teams = {
        name: Team(name, {"feature": Arrivals(per_day=rate)}, (Step("Build", f"{name}/build", exponential(1.0)),))
        for name, rate in (("g", 1.5), ("t", 1.2))
    }
    return Network(stations, teams)


def _apply(tmp_path: Path, change: str, horizon: float = 365.0) -> Network:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"changes:\n  - {change}\n", encoding="utf-8")
    return read_scenario(path, staffed(), RunSettings(horizon_days=horizon)).network


def test_moving_people_changes_capacity_by_slots_per_person(tmp_path: Path) -> None:
    moved = _apply(tmp_path, "move_people: {from: g, to: t, people: 1, stage: Build, ramp_up_days: 0}")
    giver, taker = moved.stations["g/build"], moved.stations["t/build"]
    assert (giver.capacity, giver.people, taker.capacity, taker.people) == (3, 3.0, 3, 3.0)
    loads = {load.station: load.utilization for load in check_network(moved)}
    assert loads == {"g/build": pytest.approx(1.5 / 3), "t/build": pytest.approx(1.2 / 3)}
    # Ramp-up over a fifth of the horizon: the two newcomers count 2 x (1 - 0.5 x 0.2) = 1.8 people,
    # ceil(2 + 1.8) = 4 slots; the giver's times grow by knowledge_loss x 0.2 = 2 %.
    ramped = _apply(tmp_path, "move_people: {from: g, to: t, people: 2, stage: Build, ramp_up_days: 73}")
    assert (ramped.stations["g/build"].capacity, ramped.stations["t/build"].capacity) == (2, 4)
    assert ramped.stations["t/build"].people == 4.0
    assert ramped.teams["g"].route[0].times.expected() == pytest.approx(1.02)
    assert ramped.teams["t"].route[0].times.expected() == pytest.approx(1.0)
    whole = _apply(tmp_path, "move_people: {from: g, to: t, people: 2, stage: Build, ramp_up_days: 400}")
    assert whole.stations["t/build"].capacity == 3  # 2 + 2 x 0.5


def test_moving_more_people_than_a_team_has_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _apply(tmp_path, "move_people: {from: g, to: t, people: 5, stage: Build}")
    assert raised.value.field == "changes.0.move_people.people"
    assert "has 4 people at 'Build': it cannot give 5" in raised.value.message


def test_merging_pools_people_and_capacity(tmp_path: Path) -> None:
    merged = _apply(tmp_path, "merge: {teams: [g, t], into: gt, overhead: 0}").stations["gt/Build"]
    assert (merged.capacity, merged.people, merged.per_person, merged.capacity_from) == (6, 6.0, 1.0, "org model")


def test_a_simulation_in_the_web_hub_runs_outside_its_store_lock(staffed_dir: Path) -> None:
    from orgflow.views.hub import MetricsHub
    from orgflow.web.simulate_views import simulated

    hub = MetricsHub(staffed_dir)
    answers: list[object] = []

    def run(simulation: object) -> str:
        # Another request reads the store while the simulation runs: it must not wait for it.
        other = threading.Thread(
            target=lambda: answers.append(
                hub.query(None, lambda ws: ws.store.connection.execute("SELECT 41 + 1").fetchone()[0])
            )
        )
        other.start()
        other.join(timeout=10)
        answers.append(other.is_alive())
        return "simulated"

    try:
        assert simulated(hub, ("simulate-test",), run) == "simulated"
        assert answers == [42, False]
        assert simulated(hub, ("simulate-test",), lambda _simulation: "again") == "simulated"  # kept
    finally:
        hub.close()
