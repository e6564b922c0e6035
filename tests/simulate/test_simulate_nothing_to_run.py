"""What the simulation says when there is nothing to run: leverage on a model whose routes hold no stage
(a history of created and resolved dates alone) is no row with the reason, and no replication is run; a
scenario whose list of changes is empty says that it is empty (file, line and field)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.simulate.test_simulate_scenarios import SHORT, two_teams

import orgflow
from orgflow.errors import InputError
from orgflow.simulate import service as simulate_service
from orgflow.simulate.network import Arrivals, Network, Team
from orgflow.simulate.scenario import read_scenario
from orgflow.simulate.service import Simulation

CALIBRATION = (
    "cycle_time_p50, cycle_time_p85 predicted: no status history in the active stages (every finished item "
    "went from backlog straight to done)"
)
FOUND = (
    "the calibration found no status history in the active stages (every finished item went from backlog "
    "straight to done)"
)


def test_leverage_of_a_model_without_stages_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What calibration gives on the Apache Jira export (its history has created and resolved dates only).
    teams = {name: Team(name, {"defect": Arrivals(per_day=0.2)}, ()) for name in ("AMQ", "ZOOKEEPER")}
    network = Network({}, teams, notes={"cycle_time_unknown": dict.fromkeys(teams, CALIBRATION)})
    monkeypatch.setattr(Simulation, "baseline", lambda _self, _model, team=None: network)
    monkeypatch.setattr(simulate_service, "leverage", lambda *_a, **_k: pytest.fail("nothing to run"))
    with orgflow.init(tmp_path) as workspace:
        result = workspace.simulate.leverage()
        assert result.table.num_rows == 0
        reason = (
            "the model has no stations: no team's route has a stage, so there is no stage to make twice as fast; "
            + FOUND
        )
        assert result.notes == [reason] and result.params["empty_reason"] == reason
        one = workspace.simulate.leverage(team="AMQ")
        assert one.notes == [f"team AMQ's route has no stage, so there is no stage to make twice as fast; {FOUND}"]


def test_an_empty_list_of_changes_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("name: nothing yet\nchanges: []\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_scenario(path, two_teams(), SHORT)
    message = str(raised.value)
    assert message.startswith(f"{path}: line 2: changes: the list of changes is empty: give at least one ("), message
    assert "speed" in message and "expected a list" not in message
    path.write_text("name: nothing yet\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a list of changes"):
        read_scenario(path, two_teams(), SHORT)
