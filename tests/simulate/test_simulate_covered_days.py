"""Arrival rates over the days a team's data covers: a hand-built workspace calibrated over the 365 days
from 2024-01-01 (day 0).

- long: 41 items, item i created at day 9i + 0.2, in Build at 9i + 0.5, done at 9i + 1 (the last on
  day 361, under a week before the window closes): the whole window, 41 / 365 a day.
- short: 25 items, 5 a day on days 100 to 104 (2024-04-10 to 04-14): 5 days, 25 / 5 = 5 a day, and no
  weekly seasonality from 5 days.
- stale: 25 items done in 2023, the last on day -176 (2023-07-09): left out, saying its data ends
  before the window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from tests.simulate.networks import WORKFLOW_YAML

from orgflow.model import StatusTransition, WorkItem
from orgflow.simulate.calibrate import calibrate
from orgflow.simulate.calibrate_arrivals import covered_days
from orgflow.simulate.history import day_number
from orgflow.simulate.network import Network
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace, open_workspace

ORIGIN = date(2024, 1, 1)


def _at(day: float) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=day)


def _item(key: str, team: str, created: float, build: float, done: float) -> list:
    item = WorkItem("sim", key, team, team, key, "Story", _at(created), "Done", resolved_at=_at(done))
    return [
        item,
        StatusTransition("sim", key, 0, _at(created), None, "To Do"),
        StatusTransition("sim", key, 1, _at(build), "To Do", "Build"),
        StatusTransition("sim", key, 2, _at(done), "Build", "Done"),
    ]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    directory = tmp_path_factory.mktemp("covered") / "workspace"
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(WORKFLOW_YAML, encoding="utf-8")
    workspace = open_workspace(directory)
    batch = ImportBatch(source="sim", kind="test", origin="hand-built")
    for i in range(41):
        batch.extend(_item(f"l-{i}", "long", 9 * i + 0.2, 9 * i + 0.5, 9 * i + 1))
    for i in range(25):
        day = 100 + i // 5
        batch.extend(_item(f"s-{i}", "short", day + 0.1 + 0.01 * i, day + 0.5, day + 0.9))
    for i in range(25):
        batch.extend(_item(f"o-{i}", "stale", -200 + i, -200 + i + 0.2, -199.5 + i))
    workspace.write(batch)
    since = day_number(ORIGIN)
    network = calibrate(workspace.simulate.history(), since=since, until=since + 365, dependencies=False)
    workspace.close()
    return network


def test_rates_are_over_the_days_each_team_covers(network: Network) -> None:
    assert network.teams["long"].arrivals["feature"].per_day == round(41 / 365, 6)
    assert network.teams["short"].arrivals["feature"].per_day == 5.0
    days = network.notes["arrival_days"]
    assert days["short"] == {"since": "2024-04-10", "until": "2024-04-15", "days": 5.0}
    assert "long" not in days
    assert days["rule"].startswith("arrivals per day = items started in the window / the days the team's data")


def test_five_days_cannot_show_weekly_seasonality(network: Network) -> None:
    assert network.teams["short"].weekdays is None
    notes = network.notes["weekly_seasonality"]["short"]
    assert notes["present"] is False
    assert notes["too_short"] == "5 days of data (seasonality needs at least 28: four whole weeks)"


def test_a_team_whose_data_ends_before_the_window_is_left_out_with_why(network: Network) -> None:
    assert "stale" not in network.teams
    assert network.notes["teams_left_out"]["stale"] == (
        "0 items finished in the window (fewer than 20): its data ends on 2023-07-09, before the window "
        "opens on 2024-01-01 (`orgflow simulate calibrate --since --until` calibrates on another window)"
    )


def test_covered_days_by_hand() -> None:
    events = np.array([10.2, np.nan, 14.9, 12.0])
    assert covered_days(events, 0.0, 100.0) == (10.0, 15.0)  # days 10 to 14
    assert covered_days(events, 5.0, 100.0) == (5.0, 15.0)  # 5 quiet days before: kept
    assert covered_days(events, 0.0, 20.0) == (10.0, 20.0)  # 5 quiet days after: kept
    assert covered_days(events, 12.0, 13.0) == (12.0, 13.0)
    assert covered_days(events, 15.0, 30.0) is None  # the data ends before the window
    assert covered_days(np.array([np.nan]), 0.0, 10.0) is None
