"""A model file reads back as the network it was written from (`orgflow.simulate.model_file`), empty
lists and mappings included: a team calibrated from items that went from backlog straight to done has
no route (`route: []`), and one without arrivals none (`arrivals: {}`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orgflow.errors import InputError
from orgflow.simulate.distributions import exponential
from orgflow.simulate.engine import run_replication
from orgflow.simulate.model_file import read_network, write_network
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team


def _network() -> Network:
    stations = {"a/Doing": Station("a/Doing", "servers", capacity=2)}
    working = Team(
        "a", {"feature": Arrivals(per_day=0.5)}, (Step("Doing", "a/Doing", exponential(1.5), phase="Create"),)
    )
    straight = Team("b", {"defect": Arrivals(per_day=1.0)}, ())  # backlog to done: no step
    idle = Team("c", {}, ())
    return Network(stations, {"a": working, "b": straight, "c": idle}, {}, start=date(2024, 1, 1))


def test_write_then_read_round_trips_empty_lists(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    network = _network()
    write_network(network, path)
    text = path.read_text(encoding="utf-8")
    assert "  b:\n    arrivals:\n      defect: 1.0\n    route: []\n" in text
    assert "  c:\n    arrivals: {}\n    route: []\n" in text
    assert read_network(path) == network


def test_a_team_without_a_route_runs(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    write_network(_network(), path)
    record = run_replication(read_network(path), seed=1, replication=0, horizon=30.0)
    assert record.horizon == 30.0


def test_a_route_that_is_no_list_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("teams:\n  a:\n    arrivals: {feature: 1}\n    route: {stage: Doing}\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_network(path)
    assert str(raised.value) == f"{path}: line 4: teams.a.route: expected a list of steps"
