"""A plan forecast made with a `now` after the data's last event says so in its notes, once, in the words
of a single forecast, on every surface: the CLI's table, JSON and CSV (stderr), the API and the plan page.
Beside it, the throughput definition those forecasts rest on: 0 inside the data, null outside it.

The workspace (built by hand): teams a and b, 15 items each, created 2024-03-01 09:00 UTC (a Friday),
started 2024-03-02 09:00, finished at 15:00 on the March days in `FINISHES`; the data's last event is
2024-03-29 15:00. With `--now 2024-04-15` the days 2024-03-30 to 2024-04-14 recorded nothing: the teams'
histories end with 2024-03-29 and the plan starts on 2024-03-30.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import escape, unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.forecast.hand_workspace import CONFIG

import orgflow
from orgflow import registry
from orgflow.forecast.plan import FORECAST_STARTS, forecast_plan, plan_after_data_note
from orgflow.forecast.plan_file import parse_plan_yaml
from orgflow.forecast.service import Sampling
from orgflow.model import StatusTransition, WorkItem
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.web.app import create_app

FINISHES = [4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29]  # days of March 2024; none 11 to 17
PLAN = "initiatives:\n  - name: X\n    teams: {a: 10, b: 6}\n"
NOW = ("--now", "2024-04-15")
SAMPLING = ("--trials", "200", "--seed", "1")
AFTER_DATA = (
    "the data ends on 2024-03-29: nothing was recorded from 2024-03-30 to 2024-04-14, so those days are not in "
    "the history (they are unknown, not days of 0 finishes); it ends with 2024-03-29 and the forecast starts "
    "the day after"
)
CALIBRATION = "calibration: too little history to calibrate: 0 past weekly forecasts of this question, 20 needed; "
CALIBRATIONS = [f"a: {CALIBRATION}no row is promised", f"b: {CALIBRATION}no row is promised"]
NOTE = re.compile(r"<li data-result-note>(.*?)</li>", re.S)
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two teams' workspace, closed, with `plan.yaml` in its folder."""
    root = tmp_path_factory.mktemp("plan-after-data") / "ws"
    orgflow.init(root).close()
    (root / "orgflow.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "plan.yaml").write_text(PLAN, encoding="utf-8")
    batch = ImportBatch("t", "test", "hand-built")
    created, started = datetime(2024, 3, 1, 9, tzinfo=UTC), datetime(2024, 3, 2, 9, tzinfo=UTC)
    for team in ("a", "b"):
        for number, day in enumerate(FINISHES):
            key = f"{team.upper()}-{number}"
            batch.add(WorkItem("t", key, "P", team, key, "Story", created, "Done"))
            batch.add(StatusTransition("t", key, 0, created, None, "Backlog"))
            batch.add(StatusTransition("t", key, 1, started, "Backlog", "In Progress"))
            batch.add(StatusTransition("t", key, 2, datetime(2024, 3, day, 15, tzinfo=UTC), "In Progress", "Done"))
    with orgflow.open(root) as opened:
        opened.store.write(batch)
    return root


@pytest.fixture
def plan_run(workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`orgflow -w WORKSPACE forecast plan PLAN ARGS...` in this process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        plan = str(workspace / "plan.yaml")
        return run_main(monkeypatch, capsys, "-w", str(workspace), "forecast", "plan", plan, *args)

    return run


def test_the_json_says_the_after_data_note_once_first(plan_run: Run) -> None:
    code, out, _ = plan_run(*NOW, *SAMPLING, "--format", "json")
    body = json.loads(out)
    assert code == 0
    assert list(body) == ["metric", "definition", "params", "rows", "notes"]
    assert body["notes"] == [AFTER_DATA, *CALIBRATIONS]
    params = body["params"]
    assert params["after_data"] == AFTER_DATA
    # The history ends with the data's last day and the plan starts the day after it, as the note says.
    assert (params["history_since"], params["history_until"], params["start"]) == (
        "2024-03-01",
        "2024-03-29",
        "2024-03-30",
    )
    assert (params["now"], params["now_basis"], params["data_as_of"]) == (
        "2024-04-15T00:00:00+00:00",
        "given",
        "2024-03-29T15:00:00+00:00",
    )


def test_the_table_and_csv_say_it_too(plan_run: Run) -> None:
    code, out, _ = plan_run(*NOW, *SAMPLING)
    flat = " ".join(out.split())  # the notes may wrap
    assert code == 0
    assert flat.count(f"note: {AFTER_DATA}") == 1
    assert flat.endswith(" ".join(f"note: {note}" for note in [AFTER_DATA, *CALIBRATIONS]))

    code, out, err = plan_run(*NOW, *SAMPLING, "--format", "csv")
    assert code == 0 and "note" not in out
    assert err.splitlines() == [f"note: {note}" for note in [AFTER_DATA, *CALIBRATIONS]]


def test_a_given_start_is_named_instead_of_the_day_after(plan_run: Run) -> None:
    code, out, _ = plan_run(*NOW, *SAMPLING, "--start", "2024-05-01", "--format", "json")
    body = json.loads(out)
    given = AFTER_DATA.removesuffix("and the forecast starts the day after")
    note = given + "and the plan starts on 2024-05-01, its given start"
    assert code == 0 and AFTER_DATA.endswith(FORECAST_STARTS)
    assert body["params"]["start"] == "2024-05-01"
    assert body["notes"] == [note, *CALIBRATIONS] and body["params"]["after_data"] == note

    # The day after the data's end, given, is the default start: the note is word for word a single forecast's.
    code, out, _ = plan_run(*NOW, *SAMPLING, "--start", "2024-03-30", "--format", "json")
    assert json.loads(out)["notes"] == [AFTER_DATA, *CALIBRATIONS]


def test_a_now_within_the_data_says_nothing_of_it(plan_run: Run) -> None:
    # Midnight after the data's last day: every day of the history up to it is known.
    code, out, _ = plan_run("--now", "2024-03-30", *SAMPLING, "--format", "json")
    body = json.loads(out)
    assert code == 0
    assert body["notes"] == CALIBRATIONS and "after_data" not in body["params"]
    assert (body["params"]["history_until"], body["params"]["start"]) == ("2024-03-29", "2024-03-30")


def test_the_single_forecast_says_the_same_words(plan_run: Run, workspace: Path) -> None:
    with orgflow.open(workspace) as opened:
        forecasts = opened.forecasts_at(datetime(2024, 4, 15, tzinfo=UTC))
        plan = parse_plan_yaml(PLAN, file="plan.yaml")
        series = forecasts.plan_series(plan)
        single = forecasts.when(forecasts.series(Cut(team="a")), 5, sampling=Sampling(trials=200, seed=1))
    assert single.metric_result().notes[0] == AFTER_DATA
    assert [series[team].params["after_data"] for team in ("a", "b")] == [AFTER_DATA, AFTER_DATA]
    assert plan_after_data_note(series, ["a", "b"], date(2024, 3, 30), date(2024, 3, 30)) == AFTER_DATA
    # The plain (uncalibrated) plan says it too, and once for both teams.
    plain = forecast_plan(plan, series, trials=200, seed=1)
    assert plain.metric_result().notes == [AFTER_DATA] == plain.notes()


def test_the_api_and_the_plan_page_say_it(plan_run: Run, workspace: Path) -> None:
    _, out, _ = plan_run(*NOW, *SAMPLING, "--format", "json")
    printed = json.loads(out)
    query = {"plan": "plan.yaml", "now": "2024-04-15", "trials": "200", "seed": "1"}
    with TestClient(create_app(workspace)) as client:
        answer = client.get("/api/forecasts/plan", params=query)
        page = client.get("/forecasts/plan", params=query)
    assert answer.status_code == 200 and page.status_code == 200
    body = answer.json()
    assert body["notes"] == printed["notes"] == [AFTER_DATA, *CALIBRATIONS]
    assert body["params"]["after_data"] == AFTER_DATA and body["rows"] == printed["rows"]
    assert [unescape(" ".join(note.split())) for note in NOTE.findall(page.text)] == [AFTER_DATA, *CALIBRATIONS]
    assert page.text.count(escape(AFTER_DATA)) == 1


def test_throughput_is_0_inside_the_data_and_null_outside_as_its_definition_says(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = (
        "Items finished (done) per period (weeks start Monday, labelled by their first day); started = arrivals; "
        "net_flow = started - finished. Inside the data, nothing finished or started counts as 0; the counts of a "
        "period wholly before the day of the data's first event or after the day of its last are null (unknown: "
        "nothing was recorded there), as are finished and net_flow of a group with no done stage."
    )
    assert registry.definition("throughput", "flow") == definition
    args = ("-w", str(workspace), "flow", "throughput", "--team", "a", "--since", "2024-02-19", *NOW, "-f", "json")
    code, out, _ = run_main(monkeypatch, capsys, *args)
    body = json.loads(out)
    assert code == 0 and body["definition"] == definition
    rows = [(row["period_start"], row["finished"], row["started"], row["net_flow"]) for row in body["rows"]]
    assert rows == [
        ("2024-02-19", None, None, None),  # ends before 2024-03-01, the data's first event
        ("2024-02-26", 0, 15, 15),  # holds the first event: measured
        ("2024-03-04", 5, 0, -5),
        ("2024-03-11", 0, 0, 0),  # inside the data, nothing happened: 0
        ("2024-03-18", 5, 0, -5),
        ("2024-03-25", 5, 0, -5),  # holds the last event (2024-03-29)
        ("2024-04-01", None, None, None),  # after the data's last day: unknown
        ("2024-04-08", None, None, None),
    ]
