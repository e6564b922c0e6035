"""`orgflow forecast plan --board` keeps its JSON's shape and writes the plan's notes to stderr, as beside
CSV rows; `--start`'s help says the start the code takes.

The workspace is `test_forecast_plan_after_data`'s, built alike: teams a and b, 15 items each, created
2024-03-01 09:00 UTC, started 2024-03-02 09:00, finished at 15:00 on the March days in `FINISHES`; the data's
last event is 2024-03-29 15:00.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from tests.cli.in_process import run_main
from tests.forecast.hand_workspace import Team, build_workspace
from tests.forecast.test_forecast_plan_after_data import AFTER_DATA, CALIBRATIONS, FINISHES, PLAN

from orgflow.cli.forecast import START_HELP, app

REASON = "too little history to calibrate: 0 past weekly forecasts of this question, 20 needed"
"""Each team's calibration verdict (in `CALIBRATIONS`): no history before the plan to score past forecasts on."""
ROOT = Path(__file__).resolve().parents[2]
BOARD_KEYS = ["start", "confidence", "teams", "initiatives", "bars", "arrows"]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Teams a and b, `PLAN` in `plan.yaml` and, starting on 2024-05-06, in `dated-plan.yaml`."""
    finishes = [datetime(2024, 3, day, 15, tzinfo=UTC) for day in FINISHES]
    team = Team(datetime(2024, 3, 1, 9, tzinfo=UTC), datetime(2024, 3, 2, 9, tzinfo=UTC), finishes)
    files = {"plan.yaml": PLAN, "dated-plan.yaml": "start: 2024-05-06\n" + PLAN}
    return build_workspace(tmp_path_factory.mktemp("plan-board") / "ws", {"a": team, "b": team}, files)


@pytest.fixture
def plan_run(workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`orgflow -w WORKSPACE forecast plan FILE ARGS...` in this process: (exit code, stdout, stderr)."""

    def run(file: str, *args: str) -> tuple[int, str, str]:
        plan = str(workspace / file)
        return run_main(monkeypatch, capsys, "-w", str(workspace), "forecast", "plan", plan, *args)

    return run


def test_the_board_keeps_its_json_and_says_its_notes_on_stderr(plan_run: Run) -> None:
    code, out, err = plan_run("plan.yaml", "--now", "2024-04-15", "--trials", "200", "--seed", "1", "--board")
    board = json.loads(out)
    assert code == 0
    assert list(board) == BOARD_KEYS and "notes" not in out
    assert (board["start"], board["confidence"], board["teams"]) == ("2024-03-30", 0.85, ["a", "b"])
    # Neither team's calibration can hold: every finish is null with the reason, the initiative's and each lane's.
    (initiative,) = board["initiatives"]
    assert (initiative["finish_p50"], initiative["finish_confident"], initiative["null_reason"]) == (None, None, REASON)
    assert [(bar["team"], bar["finish_p50"], bar["null_reason"]) for bar in board["bars"]] == [
        ("a", None, REASON),
        ("b", None, REASON),
    ]
    # The notes of the table, JSON and CSV, in their order, each once.
    assert err.splitlines() == [f"note: {note}" for note in [AFTER_DATA, *CALIBRATIONS]]

    # Midnight after the data's last day: no day of the history is after the data, only the calibration speaks.
    code, out, err = plan_run("plan.yaml", "--now", "2024-03-30", "--trials", "200", "--seed", "1", "--board")
    assert code == 0 and list(json.loads(out)) == BOARD_KEYS
    assert err.splitlines() == [f"note: {note}" for note in CALIBRATIONS]


def test_start_help_says_the_start_the_code_takes(plan_run: Run) -> None:
    command = typer.main.get_command(app).commands["plan"]
    (option,) = [param for param in command.params if param.name == "start"]
    said = "First day of the plan (default: the plan's own start, else the day of --now, or the day after the "
    said += "data's last day when --now is later)."
    assert option.help == START_HELP == said
    # docs/forecasting.md says the same default.
    docs = " ".join((ROOT / "docs" / "forecasting.md").read_text(encoding="utf-8").replace("`", "").split())
    assert "--start is the first day of the plan " + START_HELP.removeprefix("First day of the plan ") in docs

    def start(file: str, *args: str) -> str:
        code, out, _ = plan_run(file, "--trials", "100", "--seed", "1", "--format", "json", *args)
        assert code == 0
        return json.loads(out)["params"]["start"]

    # --now inside the data (its history ends the day before): the day of --now.
    assert start("plan.yaml", "--now", "2024-03-27T12:00") == "2024-03-27"
    # --now after the data's last day (2024-03-29): the day after it.
    assert start("plan.yaml", "--now", "2024-04-15") == "2024-03-30"
    # The plan's own start comes first; --start overrides both.
    assert start("dated-plan.yaml", "--now", "2024-04-15") == "2024-05-06"
    assert start("dated-plan.yaml", "--now", "2024-04-15", "--start", "2024-05-13") == "2024-05-13"
