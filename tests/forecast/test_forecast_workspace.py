"""The daily throughput series read from a hand-built workspace, and the `orgflow forecast` commands on it.

Team alpha's items are created on 2024-02-20 and finished on chosen days; `now` is 2024-03-21 10:00 UTC,
so a 20-day window covers 2024-03-01 … 2024-03-20 and the finish on 03-21 (today) is left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import orgflow
from orgflow.cli import forecast as forecast_cli
from orgflow.errors import InputError
from orgflow.forecast import daily_throughput, forecast_how_many, forecast_when
from orgflow.forecast.calibrate import calibrate
from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

CONFIG = """
workflows:
  - name: board
    applies_to: {source: t}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: ["Won't Do"]}
"""
NOW = datetime(2024, 3, 21, 10, tzinfo=UTC)
# Day of March on which each alpha item reaches Done (finished items per day, by hand below).
FINISHES = [1, 1, 2, 4, 4, 4, 5, 7, 8, 8, 9, 11, 12, 12, 14, 15, 15, 15, 17, 18, 19, 20, 20, 21]
EXPECTED = np.array([2, 1, 0, 3, 1, 0, 1, 2, 1, 0, 1, 2, 0, 1, 3, 0, 1, 1, 1, 2])  # 03-01 … 03-20


def _moves(key: str, finish_day: int) -> list[StatusTransition]:
    return [
        StatusTransition("t", key, 0, datetime(2024, 2, 20, 9, tzinfo=UTC), None, "Backlog"),
        StatusTransition("t", key, 1, datetime(2024, 2, 25, 9, tzinfo=UTC), "Backlog", "In Progress"),
        StatusTransition("t", key, 2, datetime(2024, 3, finish_day, 15, tzinfo=UTC), "In Progress", "Done"),
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(CONFIG, encoding="utf-8")
    batch = ImportBatch("t", "test", "hand-built")
    created = datetime(2024, 2, 20, 9, tzinfo=UTC)
    for number, day in enumerate(FINISHES):
        key = f"A-{number}"
        batch.add(WorkItem("t", key, "P", "alpha", key, "Story", created, "Done"))
        batch.extend(_moves(key, day))
    # Reopened on 03-06 and done again on 03-10: counted once, on 03-10 (its last move into done).
    batch.add(WorkItem("t", "R-1", "P", "alpha", "R-1", "Story", created, "Done"))
    batch.extend(_moves("R-1", 3))
    batch.add(StatusTransition("t", "R-1", 3, datetime(2024, 3, 6, 9, tzinfo=UTC), "Done", "In Progress"))
    batch.add(StatusTransition("t", "R-1", 4, datetime(2024, 3, 10, 9, tzinfo=UTC), "In Progress", "Done"))
    # Cancelled on 03-05: never throughput. Beta's item: another team.
    batch.add(WorkItem("t", "C-1", "P", "alpha", "C-1", "Story", created, "Won't Do"))
    batch.add(StatusTransition("t", "C-1", 0, created, None, "Backlog"))
    batch.add(StatusTransition("t", "C-1", 1, datetime(2024, 3, 5, 9, tzinfo=UTC), "Backlog", "Won't Do"))
    batch.add(WorkItem("t", "B-1", "P", "beta", "B-1", "Story", created, "Done"))
    batch.extend(_moves("B-1", 3))
    with orgflow.open(tmp_path) as opened:
        opened.store.write(batch)
        yield opened


def test_the_daily_series_is_known_exactly(workspace: Workspace) -> None:
    series = daily_throughput(workspace, team="alpha", window_days=20, now=NOW)
    expected = EXPECTED.copy()
    expected[9] += 1  # R-1, finished for good on 03-10
    assert series.first_day.isoformat() == "2024-03-01"
    assert series.counts.tolist() == expected.tolist()
    assert series.params["until"] == "2024-03-20"
    everyone = daily_throughput(workspace, window_days=20, now=NOW)
    expected[2] += 1  # beta's B-1 on 03-03
    assert everyone.counts.tolist() == expected.tolist()


def test_days_before_the_first_item_are_not_zero_history(workspace: Workspace) -> None:
    series = daily_throughput(workspace, team="alpha", window_days=90, now=NOW)
    assert series.first_day.isoformat() == "2024-02-20"  # creation of the first item, not 90 days back
    assert series.days == 30


def test_unknown_team_and_too_little_history(workspace: Workspace) -> None:
    with pytest.raises(InputError, match="unknown team 'gamma'"):
        daily_throughput(workspace, team="gamma", now=NOW)
    with pytest.raises(InputError, match="not enough history"):
        forecast_when(daily_throughput(workspace, team="beta", now=NOW), 5)


def _cli(workspace: Workspace, *args: str) -> object:
    root = typer.Typer()
    root.add_typer(forecast_cli.app, name="forecast")
    runner = CliRunner()
    return runner.invoke(root, ["forecast", *args], env={"ORGFLOW_WORKSPACE": str(workspace.directory)})


def test_cli_when_and_how_many_json(workspace: Workspace) -> None:
    workspace.close()
    common = ["--team", "alpha", "--window", "20", "--now", "2024-03-21T10:00:00Z", "--seed", "5", "--format", "json"]
    result = _cli(workspace, "when", "--items", "12", *common)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) == {"metric", "definition", "params", "rows", "notes"}
    assert payload["metric"] == "forecast-when"
    assert [set(row) for row in payload["rows"]] == [{"confidence", "days", "date", "null_reason"}] * 4
    with orgflow.open(workspace.directory) as reopened:
        series = daily_throughput(reopened, team="alpha", window_days=20, now=NOW)
    expected = calibrate(forecast_when(series, 12, seed=5), series).rows()
    # A few weeks of history: no record to calibrate from, so every row is null with the reason. The one
    # past weekly forecast (7 days ago) of 12 items at about 1.2 a day (24 in 20 days) is not settled:
    # it needs about 10 days, so its own 95 % day has not passed and it does not enter the record.
    assert [row["days"] for row in payload["rows"]] == [None] * 4
    assert payload["rows"][2]["null_reason"] == (
        "too little history to calibrate: 0 past weekly forecasts of this question, 20 needed"
    )
    assert payload["params"]["calibration"]["record_forecasts"] == 0
    assert [row["days"] for row in payload["rows"]] == [row["days"] for row in expected]
    assert [row["date"] for row in payload["rows"]] == [row["date"] for row in expected] == [None] * 4
    assert [row["confidence"] for row in payload["rows"]] == [50, 70, 85, 95]

    result = _cli(workspace, "how-many", "--by", "2024-04-09", *common)
    payload = json.loads(result.output)
    assert [set(row) for row in payload["rows"]] == [{"confidence", "items", "null_reason"}] * 4
    assert payload["params"]["days"] == 20  # 03-21 … 04-09
    expected = calibrate(forecast_how_many(series, 20, seed=5), series).rows()
    assert [row["items"] for row in payload["rows"]] == [row["items"] for row in expected]

    exact = _cli(workspace, "when", "--items", "12", "--exact", *common)
    assert json.loads(exact.output)["params"]["method"] == "exact"

    # The terminal prints the reason once under the table, for the rows it applies to, not a column of it.
    table = _cli(workspace, "when", "--items", "12", *common[:-2])
    assert table.exit_code == 0, table.output
    assert "null_reason" not in table.output and "Null reason" not in table.output
    lines = [" ".join(line.split()) for line in table.output.splitlines()]
    assert (
        "– 50, 70, 85, 95: too little history to calibrate: 0 past weekly forecasts of this question, 20 needed"
        in lines
    )


def test_cli_plan_backtest_and_errors(workspace: Workspace, tmp_path: Path) -> None:
    workspace.close()
    plan = tmp_path / "plan.yaml"
    plan.write_text("initiatives:\n  - {name: x, teams: {alpha: 10}, target: 2024-04-05}\n", encoding="utf-8")
    result = _cli(workspace, "plan", str(plan), "--window", "20", "--now", "2024-03-21", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    # Too little history to calibrate the team: the probability is null (unknown), not 0.
    assert rows[0]["initiative"] == "x" and rows[0]["probability"] is None
    assert json.loads(result.output)["params"]["calibration"]["alpha"]["verdict"].startswith("too little history")
    board = _cli(workspace, "plan", str(plan), "--window", "20", "--now", "2024-03-21", "--board")
    assert json.loads(board.stdout)["teams"] == ["alpha"]
    plan.write_text("initiatives:\n  - {name: x, teams: {gamma: 10}}\n", encoding="utf-8")
    failed = _cli(workspace, "plan", str(plan), "--now", "2024-03-21")
    assert isinstance(failed.exception, InputError)
    assert failed.exception.record == "line 2" and failed.exception.field == "x.teams.gamma"
    result = _cli(
        workspace,
        "backtest",
        "--team",
        "alpha",
        "--window",
        "14",
        "--horizon",
        "3",
        "--step",
        "1",
        "--now",
        "2024-03-21",
        "--format",
        "json",
        "--seed",
        "1",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["metric"] == "backtest-how-many"
    # The history starts 02-20; origins need 14 days before and 3 days known after (03-05 … 03-18), and
    # a sufficient window: before 03-09 the 14 days hold fewer than 10 finished items. 03-09 … 03-18: 10.
    assert {row["forecasts"] for row in payload["rows"]} == {10}
