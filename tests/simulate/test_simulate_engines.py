"""The station-by-station engine against the event loop: the same items get the same times.

The two engines compute times by different methods (a sweep per station, in the order of the
station graph, against a global heap of events), so identical records on a network that exercises
both (queues, several servers, skipped steps, rework loops, a shared station, routes that cross, a
release train whose departures hand many items to a queue at one instant) check each against the
other.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.simulate.networks import tandem

from orgflow.simulate.distributions import empirical, exponential
from orgflow.simulate.engine import run_event_loop, run_replication
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.record import RunRecord
from orgflow.simulate.stationwise import _serve, run_by_station, runs_by_station
from orgflow.simulate.summary import summarize


def mixed_network() -> Network:
    """Two teams: a shared review, rework, a skipped step, a train feeding a queue, crossing routes."""
    stations = {
        "a/build": Station("a/build", "servers", capacity=2),
        "b/build": Station("b/build", "servers", capacity=1),
        "review": Station("review", "servers", capacity=2),
        "refine": Station("refine", "delay"),
        "release": Station("release", "train", every_days=5, offset_days=0.5),
        "deploy": Station("deploy", "servers", capacity=1),
        "x": Station("x", "servers", capacity=1),
        "y": Station("y", "servers", capacity=1),
    }
    team_a = Team(
        "a",
        {"feature": Arrivals(per_day=0.9), "defect": Arrivals(interarrival=empirical([0.5, 1.0, 4.0]))},
        (
            Step("Refinement", "refine", exponential(1.5), visit=0.6),
            Step("In Progress", "a/build", exponential(1.0), queue_stage="Ready"),
            Step("Review", "review", exponential(0.4), rework=0.3, rework_to="In Progress"),
            Step("Ready for Release", "release", None),
            Step("Deploy", "deploy", exponential(0.1)),
            Step("X", "x", exponential(0.2)),
            Step("Y", "y", exponential(0.2)),
        ),
        group="g",
    )
    team_b = Team(
        "b",
        {"feature": Arrivals(per_day=0.5)},
        (
            Step("In Progress", "b/build", exponential(1.2)),
            Step("Review", "review", exponential(0.4), rework=0.2, rework_to="In Progress"),
            Step("Ready for Release", "release", None),
            Step("Deploy", "deploy", exponential(0.1)),
            Step("Y", "y", exponential(0.3)),
            Step("X", "x", exponential(0.3)),
        ),
        group="g",
    )
    return Network(stations, {"a": team_a, "b": team_b})


def assert_same_record(one: RunRecord, other: RunRecord) -> None:
    for field in dataclasses.fields(RunRecord):
        mine, theirs = getattr(one, field.name), getattr(other, field.name)
        if isinstance(mine, np.ndarray):
            assert mine.dtype == theirs.dtype, field.name
            assert np.array_equal(mine, theirs, equal_nan=True), field.name
        else:
            assert mine == theirs, field.name


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_station_sweep_and_event_loop_give_identical_records(replication: int) -> None:
    network = mixed_network()
    assert runs_by_station(network)
    fast = run_by_station(network, seed=8, replication=replication, horizon=400)
    loop = run_event_loop(network, seed=8, replication=replication, horizon=400)
    assert_same_record(fast, loop)
    assert summarize(fast, network, warmup=50) == summarize(loop, network, warmup=50)
    # The record exercises what the network was built for (else the comparison proves little).
    waited = fast.visit_start > fast.visit_enter
    assert waited.sum() > 100
    passes = np.bincount(fast.visit_item, minlength=fast.item_team.size)
    assert (passes > 7).sum() > 5  # items that went back at least once
    at_train = (fast.visit_step == 3) & (fast.item_team[fast.visit_item] == 0)
    departures = fast.visit_leave[at_train]
    assert np.unique(departures).size < departures.size / 2  # many leave together


def test_a_network_with_limits_or_dependencies_runs_in_the_event_loop() -> None:
    network = mixed_network()
    limited = dataclasses.replace(
        network, teams={**network.teams, "b": dataclasses.replace(network.teams["b"], wip_limit=3)}
    )
    assert not runs_by_station(limited)
    assert_same_record(
        run_replication(limited, seed=2, replication=0, horizon=200),
        run_event_loop(limited, seed=2, replication=0, horizon=200),
    )
    station_limit = dataclasses.replace(
        network, stations={**network.stations, "review": Station("review", "servers", capacity=2, wip_limit=4)}
    )
    assert not runs_by_station(station_limit)
    assert runs_by_station(tandem(0.8, [1]))


def test_first_come_first_served_at_two_servers_by_hand() -> None:
    # Entries 0, 0, 0.5, 1 with times 2, 2, 1, 1: both servers busy until 2, so the third and fourth
    # start at 2 and leave at 3.
    starts, leaves = _serve([0.0, 0.0, 0.5, 1.0], [2.0, 2.0, 1.0, 1.0], 2)
    assert starts == [0.0, 0.0, 2.0, 2.0]
    assert leaves == [2.0, 2.0, 3.0, 3.0]
    # One server: each starts when the one before leaves, or on entry when it is free.
    starts, leaves = _serve([0.0, 1.0, 5.0], [2.0, 2.0, 1.0], 1)
    assert starts == [0.0, 2.0, 5.0]
    assert leaves == [2.0, 4.0, 6.0]
