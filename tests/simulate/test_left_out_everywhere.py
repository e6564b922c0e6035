"""A team left out of the calibration (its data stopped long ago) is named with why on every surface:
`orgflow simulate calibrate|leverage` (a note under the table, `teams_left_out` in the JSON params) and
the API (`/api/simulate/run`; `/api/simulate/leverage` of that team alone is a 400 saying why).

Hand-built (default workflow To Do, In Progress, Done): alpha finishes 60 items, item i created on
2024-01-01 09:00 + 3i days and done 3 days 5 hours later (the last on 2024-06-29 14:00), so the default
window is the 365 days before 2024-06-30: it opens on 2023-07-01. beta finished 30 items, the last done on
2022-03-05 14:00: none in the window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orgflow.cli import app as cli_app
from orgflow.web.app import create_app

LEFT_OUT = (
    "beta: 0 items finished in the window (fewer than 20): its data ends on 2022-03-05, before the window "
    "opens on 2023-07-01 (`orgflow simulate calibrate --since --until` calibrates on another window)"
)
NOTE = "note: team " + LEFT_OUT.replace("beta: ", "beta is left out of the calibration: ", 1)


def _csv() -> str:
    rows = ["item_id,timestamp,from_status,to_status,team,type,created"]

    def item(key: str, team: str, created: datetime) -> None:
        def stamp(at: datetime) -> str:
            return at.strftime("%Y-%m-%dT%H:%M:%SZ")

        started, done = created + timedelta(days=1), created + timedelta(days=3, hours=5)
        rows.append(f"{key},{stamp(created)},,To Do,{team},Story,{stamp(created)}")
        rows.append(f"{key},{stamp(started)},To Do,In Progress,{team},Story,{stamp(created)}")
        rows.append(f"{key},{stamp(done)},In Progress,Done,{team},Story,{stamp(created)}")

    for i in range(60):
        item(f"A-{i}", "alpha", datetime(2024, 1, 1, 9) + timedelta(days=3 * i))
    for i in range(30):
        item(f"B-{i}", "beta", datetime(2022, 1, 3, 9) + timedelta(days=2 * i))
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("left-out")
    (folder / "t.csv").write_text(_csv(), encoding="utf-8")
    for args in (["init"], ["import", "transitions", str(folder / "t.csv")]):
        done = CliRunner().invoke(cli_app, ["-w", str(folder / "ws"), *args])
        assert done.exit_code == 0, done.output
    return folder / "ws"


def _cli(workspace: Path, *args: str) -> str:
    done = CliRunner().invoke(cli_app, ["-w", str(workspace), "simulate", *args])
    assert done.exit_code == 0, done.output
    return done.stdout


def test_leverage_notes_the_team_under_its_table(workspace: Path) -> None:
    text = " ".join(_cli(workspace, "leverage", "-r", "2").split())
    assert text.endswith(" ".join(NOTE.split()))


def test_leverage_and_calibrate_name_it_in_their_json(workspace: Path) -> None:
    leverage = json.loads(_cli(workspace, "leverage", "-r", "2", "--format", "json"))
    fit = json.loads(_cli(workspace, "calibrate", "-r", "2", "--format", "json"))
    assert leverage["params"]["teams_left_out"] == LEFT_OUT
    assert fit["params"]["teams_left_out"] == LEFT_OUT
    assert {row["team"] for row in fit["rows"]} == {"alpha"}


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    application = create_app(workspace, live=False)
    yield TestClient(application)
    application.state.hub.close()


def test_the_api_names_it_too(client: TestClient) -> None:
    """A scenario over the calibrated organization names it; a leverage of beta alone says why there is none."""
    scenario = "name: more demand\nreplications: 2\nchanges:\n  - demand: {factor: 1.1}\n"
    answer = client.post(
        "/api/simulate/run", params={"replications": 2}, content=scenario, headers={"content-type": "application/yaml"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["params"]["teams_left_out"] == LEFT_OUT
    refused = client.get("/api/simulate/leverage", params={"team": "beta", "replications": 2})
    assert refused.status_code == 400
    assert refused.json()["error"] == f"no team has enough finished items in the window ({LEFT_OUT})"
