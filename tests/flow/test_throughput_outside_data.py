"""Unknown is not zero, for throughput outside the data: nothing was recorded before the data's first event
or after its last, so the counts (`finished`, `started`, `net_flow`) of a period wholly before or after the
data are null (not 0) in every group, and the result says so in the params (`before_data`, `after_data`)
and its notes, in the words of `orgflow.flow.after_data`. The period holding the first event's day and the
one holding the last event's day are measured. Every output shows it: a dash in the table, an empty cell
in CSV, null in JSON and the API, a gap (no point, no line) in the chart.

The three items of tests/cli/three_items.py (the default workflow), seen as of 2024-03-30, after the data:
A-1 (alpha) created Friday 03-01 09:00 (the data's first event), started Saturday 03-02, done Tuesday 03-05;
A-2 (alpha) created 03-02, started Monday 03-04, open; B-1 (beta) created 03-01, started Sunday 03-03, done
Friday 03-08 12:00 (the last event). By hand, per week (Monday to Sunday) of 2024-02-19 .. 2024-03-24:

    week of   finished  started  net_flow   alpha (f, s, n)  beta (f, s, n)
    02-19        –         –        –          –                –          before the data
    02-26        0         2        2          0, 1, 1          0, 1, 1    holds 03-01
    03-04        2         1       -1          1, 1, 0          1, 0, -1   holds 03-08
    03-11        –         –        –          –                –          after the data
    03-18        –         –        –          –                –          after the data
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.cli.three_items import three_items_workspace

import orgflow
from orgflow import charts
from orgflow.flow.after_data import after_data_reason, before_data_reason
from orgflow.flow.service import FlowService
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 30, tzinfo=UTC)
AFTER = (
    "the periods from 2024-03-11 lie after the data's last event (data as of 2024-03-08): nothing there was "
    "recorded, so its counts are not a measurement (--now or --until sets an earlier end)"
)
BEFORE = (
    "the periods to 2024-02-19 lie before the data's first event (data from 2024-03-01): nothing there was "
    "recorded, so its counts are not a measurement (--since sets a later start)"
)
WEEKS = [
    ("2024-02-19", None, None, None),
    ("2024-02-26", 0, 2, 2),
    ("2024-03-04", 2, 1, -1),
    ("2024-03-11", None, None, None),
    ("2024-03-18", None, None, None),
]
"""(week, finished, started, net_flow) of 2024-02-19 .. 2024-03-24, worked out by hand (module docstring)."""


def day(text: str) -> date:
    return date.fromisoformat(f"2024-{text}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of the three items, closed (each test opens it its own way)."""
    return three_items_workspace(tmp_path_factory.mktemp("throughput-outside-data"))


@pytest.fixture
def service(folder: Path) -> Iterator[FlowService]:
    workspace = orgflow.open(folder, read_only=True)
    yield workspace.flow_at(NOW)
    workspace.close()


def _counts(rows: list[dict[str, object]]) -> list[tuple[str, object, object, object]]:
    return [(str(row["period_start"]), row["finished"], row["started"], row["net_flow"]) for row in rows]


def test_the_notes_are_the_rule_of_after_data() -> None:
    assert after_data_reason("2024-03-08T12:00:00+00:00", "the periods from 2024-03-11 lie") == AFTER
    assert before_data_reason("2024-03-01T09:00:00", "the periods to 2024-02-19 lie") == BEFORE


def test_weeks_wholly_outside_the_data_are_unknown(service: FlowService) -> None:
    weeks = service.throughput(since=day("02-19"), until=day("03-24"))

    assert _counts(weeks.rows()) == WEEKS
    # The params and notes are those that named the periods before; their counts are now null.
    assert weeks.params["after_data"] == AFTER and weeks.params["before_data"] == BEFORE
    assert weeks.notes == [AFTER, BEFORE]


def test_by_team_every_team_is_unknown_outside_the_data(service: FlowService) -> None:
    weeks = service.throughput(since=day("02-19"), until=day("03-24"), by="team")

    assert [
        (str(row["period_start"]), row["team"], row["finished"], row["started"], row["net_flow"])
        for row in weeks.rows()
    ] == [
        ("2024-02-19", "alpha", None, None, None),
        ("2024-02-19", "beta", None, None, None),
        ("2024-02-26", "alpha", 0, 1, 1),
        ("2024-02-26", "beta", 0, 1, 1),
        ("2024-03-04", "alpha", 1, 1, 0),
        ("2024-03-04", "beta", 1, 0, -1),
        ("2024-03-11", "alpha", None, None, None),
        ("2024-03-11", "beta", None, None, None),
        ("2024-03-18", "alpha", None, None, None),
        ("2024-03-18", "beta", None, None, None),
    ]
    assert weeks.notes == [AFTER, BEFORE]


def test_months_and_windows_wholly_outside(service: FlowService) -> None:
    # Months of 2024-01-15 .. 2024-04-10: January and February end before 03-01, March holds both the first
    # and the last event (2 finished, 3 started: A-1 03-02, B-1 03-03, A-2 03-04), April starts after 03-08.
    months = service.throughput(since=day("01-15"), until=day("04-10"), period="month")
    assert _counts(months.rows()) == [
        ("2024-01-01", None, None, None),
        ("2024-02-01", None, None, None),
        ("2024-03-01", 2, 3, 1),
        ("2024-04-01", None, None, None),
    ]
    assert months.notes == [
        AFTER.replace("2024-03-11", "2024-04-01"),
        BEFORE.replace("2024-02-19", "2024-02-01"),
    ]
    # A window wholly before the data, and one wholly after it: every period unknown.
    early = service.throughput(since=day("02-05"), until=day("02-18"))
    assert _counts(early.rows()) == [("2024-02-05", None, None, None), ("2024-02-12", None, None, None)]
    assert early.notes == [BEFORE.replace("2024-02-19", "2024-02-12")]
    late = service.throughput(since=day("03-11"), until=day("03-24"))
    assert _counts(late.rows()) == [("2024-03-11", None, None, None), ("2024-03-18", None, None, None)]
    assert late.notes == [AFTER]
    # The days of the data: measured, with zeros on the days nothing happened, and nothing to say.
    days = service.throughput(since=day("03-01"), until=day("03-08"), period="day")
    assert [row["finished"] for row in days.rows()] == [0, 0, 0, 0, 1, 0, 0, 1] and days.notes == []


# -- the command line, in process ------------------------------------------------------------------
_main = run_main


def _throughput(folder: Path, *more: str) -> list[str]:
    window = ["--since", "2024-02-19", "--until", "2024-03-24", "--now", "2024-03-30"]
    return ["-w", str(folder), "flow", "throughput", *window, *more]


def test_the_command_says_so_in_every_format(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(monkeypatch, capsys, *_throughput(folder, "--format", "json"))
    payload = json.loads(out)
    assert code == 0 and err == ""
    assert [tuple(row.values()) for row in payload["rows"]] == WEEKS
    assert list(payload["rows"][0]) == ["period_start", "finished", "started", "net_flow"]
    assert payload["notes"] == [AFTER, BEFORE]
    assert (payload["params"]["after_data"], payload["params"]["before_data"]) == (AFTER, BEFORE)

    code, out, err = _main(monkeypatch, capsys, *_throughput(folder, "--format", "csv"))
    assert code == 0
    assert out.splitlines() == [
        "period_start,finished,started,net_flow",
        "2024-02-19,,,",
        "2024-02-26,0,2,2",
        "2024-03-04,2,1,-1",
        "2024-03-11,,,",
        "2024-03-18,,,",
    ]
    assert err.splitlines() == [f"note: {AFTER}", f"note: {BEFORE}"]

    code, out, err = _main(monkeypatch, capsys, *_throughput(folder))
    assert code == 0
    # An unknown count is a dash, never 0; the notes under the table.
    cells = [line.split("│")[1:-1] for line in out.splitlines() if line.startswith("│ 2024-")]
    assert [[cell.strip() for cell in row] for row in cells] == [
        [week, *("–" if value is None else str(value) for value in counts)] for week, *counts in WEEKS
    ]
    flat = " ".join((out + err).split())
    assert f"note: {AFTER}" in flat and f"note: {BEFORE}" in flat


# -- the API and the pages ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(folder, now=NOW)
    yield TestClient(app)
    app.state.hub.close()


def test_the_api_says_so(client: TestClient) -> None:
    weeks = client.get("/api/throughput", params={"since": "2024-02-19", "until": "2024-03-24"}).json()
    assert [tuple(row.values()) for row in weeks["rows"]] == WEEKS
    assert weeks["notes"] == [AFTER, BEFORE]
    assert (weeks["params"]["after_data"], weeks["params"]["before_data"]) == (AFTER, BEFORE)
    by_team = client.get("/api/throughput", params={"since": "2024-03-04", "until": "2024-03-17", "by": "team"}).json()
    assert [(row["period_start"], row["team"], row["finished"]) for row in by_team["rows"]] == [
        ("2024-03-04", "alpha", 1),
        ("2024-03-04", "beta", 1),
        ("2024-03-11", "alpha", None),
        ("2024-03-11", "beta", None),
    ]
    assert by_team["notes"] == [AFTER]


def _spec(page: str, key: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" data-spec-for="{key}">(.*?)</script>', page, re.S)
    assert found is not None, key
    return json.loads(html.unescape(found.group(1)))


def test_the_team_page_draws_no_zeros_outside_the_data(client: TestClient) -> None:
    page = client.get("/teams/alpha", params={"since": "2024-02-19", "until": "2024-03-24"})
    assert page.status_code == 200
    values = _spec(page.text, "throughput")["data"]["values"]  # type: ignore[index]
    # alpha's weeks: 02-26 finished 0, started 1; 03-04 finished 1, started 1.
    assert [(value["period_start"], value["measure"], value["items"]) for value in values] == [
        ("2024-02-19", "finished", None),
        ("2024-02-19", "started", None),
        ("2024-02-26", "finished", 0),
        ("2024-02-26", "started", 1),
        ("2024-03-04", "finished", 1),
        ("2024-03-04", "started", 1),
        ("2024-03-11", "finished", None),
        ("2024-03-11", "started", None),
        ("2024-03-18", "finished", None),
        ("2024-03-18", "started", None),
    ]
    flat = " ".join(html.unescape(page.text).split())
    assert AFTER in flat and BEFORE in flat


def test_a_page_of_a_window_after_the_data_has_no_throughput_chart(client: TestClient) -> None:
    page = client.get("/teams/alpha", params={"since": "2024-03-11", "until": "2024-03-24"}).text
    assert 'data-empty-chart="throughput"' in page
    assert AFTER in " ".join(html.unescape(page).split())


# -- the chart: gaps, not zeros ------------------------------------------------------------------------
def test_the_chart_leaves_the_weeks_outside_the_data_blank(service: FlowService) -> None:
    weeks = service.throughput(since=day("02-19"), until=day("03-24"))
    spec = charts.throughput_chart(weeks, width=360)
    values = spec["data"]["values"]
    assert [(value["period_start"], value["measure"], value["items"]) for value in values] == [
        (week, measure, count)
        for week, finished, started, _net in WEEKS
        for measure, count in (("finished", finished), ("started", started))
    ]
    # A window wholly outside the data: nothing to draw (the page shows its notes instead).
    assert charts.throughput_chart(service.throughput(since=day("03-11"), until=day("03-24")))["data"]["values"] == []
    assert charts.throughput_chart(service.throughput(since=day("02-05"), until=day("02-18")))["data"]["values"] == []

    vl_convert = pytest.importorskip("vl_convert")
    svg = vl_convert.vegalite_to_svg({key: value for key, value in spec.items() if key != "$schema"})
    lines = re.findall(r'aria-roledescription="line mark"[^>]*?\sd="([^"]*)"', svg)
    # The x axis runs from the week of 02-19 (0) to that of 03-18 (360): the lines join the two known
    # weeks, 02-26 (90) and 03-04 (180), and draw nothing before or after; a point for each known value.
    assert sorted(lines) == ["M90,0L180,110", "M90,220L180,0"]
    assert svg.count('aria-roledescription="point"') == 4


# -- the forecast's history ----------------------------------------------------------------------------
def test_a_forecast_history_ends_with_the_data(service: FlowService, folder: Path) -> None:
    from orgflow.forecast.history import after_data_note, series_from
    from orgflow.query.window import Cut

    # As of 03-30 the days 03-09 .. 03-29 lie after the data's last event (B-1's finish, 03-08): unknown,
    # so not 21 days of 0 finishes. The history is 03-01 .. 03-08 (A-1 done 03-05, B-1 done 03-08) and a
    # forecast from it starts on 03-09.
    series = series_from(service, Cut(), window_days=None)
    assert (series.first_day, series.counts.tolist(), series.end_day) == (
        day("03-01"),
        [0, 0, 0, 0, 1, 0, 0, 1],
        day("03-09"),
    )
    note = (
        "the data ends on 2024-03-08: nothing was recorded from 2024-03-09 to 2024-03-29, so those days are not "
        "in the history (they are unknown, not days of 0 finishes); it ends with 2024-03-08 and the forecast "
        "starts the day after"
    )
    assert after_data_note(day("03-09"), day("03-30")) == note
    assert (series.params["since"], series.params["until"], series.params["after_data"]) == (
        "2024-03-01",
        "2024-03-08",
        note,
    )
    # A window of the last 10 days lies wholly after the data: no day of history, the data's days are its past.
    recent = series_from(service, Cut(), window_days=10)
    assert (recent.days, recent.end_day, recent.past.tolist()) == (0, day("03-09"), [0, 0, 0, 0, 1, 0, 0, 1])
    # As of the data's end (no --now: 03-09 00:00), nothing is cut.
    workspace = orgflow.open(folder, read_only=True)
    try:
        own = series_from(workspace.flow, Cut(), window_days=None)
    finally:
        workspace.close()
    assert (own.counts.tolist(), own.end_day, "after_data" in own.params) == (
        [0, 0, 0, 0, 1, 0, 0, 1],
        day("03-09"),
        False,
    )
