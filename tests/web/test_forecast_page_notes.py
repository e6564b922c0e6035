"""The forecast pages say why a figure is missing: on the plan page a date null because a team's
calibration cannot hold reads "–" with the reason on hover (said in the page's notes too), and "beyond
horizon" only where every trial ran past the ten years; the forecasts page (when / how many) lists its
forecasts' notes once each, in the command line's order.

Two workspaces built by hand (`tests.forecast.hand_workspace`):

- "horizon": team a finishes 1, 0, 2, 1, 0, 1, 1 items on the days of each week from 2023-12-01 to
  2024-06-30 (183 items); team slow, whose items are created on 2024-06-01, finishes one item every third
  day from 2024-06-03 to 2024-06-30 (10 items). The plan gives slow 4,000 items (Big): at most one a day,
  more than ten years' work, so every trial of Big and of Small (a's 3 items, waiting for Big) runs past
  the horizon. The plan's question window is slow's 30 days, so slow's history holds no past forecast to
  calibrate by, and a's 213 days hold 26: one every 7 days back from 2024-06-24 to the first with 30 days
  before it (2024-01-01), each with at least 24 items in those 30 days and its 3 items done within the data.
- "after data": `tests.forecast.test_forecast_plan_after_data`'s teams a and b (15 items each, the data's
  last event 2024-03-29 15:00), forecast as of 2024-04-15, after the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.forecast.hand_workspace import Team, build_workspace
from tests.forecast.test_forecast_plan_after_data import AFTER_DATA, FINISHES
from tests.web.test_forecast_pages import _Elements

from orgflow.web.app import create_app

PATTERN = (1, 0, 2, 1, 0, 1, 1)
"""Team a's items finished on the days of each week from 2023-12-01."""
HORIZON_PLAN = """\
initiatives:
  - name: Big
    teams: {slow: 4000}
    target: 2025-06-30
  - name: Small
    teams: {a: 3}
    depends_on: [Big]
"""
SLOW = "too little history to calibrate: 0 past weekly forecasts of this question, 20 needed"
"""Slow's calibration verdict: its 30 days hold no day with 30 days of history before it to forecast from."""
CALIBRATION = f"calibration: {SLOW}; no row is promised"
"""The calibration line of each of the after-data workspace's forecasts (no history before it either)."""
NOTE = re.compile(r"<li data-result-note>(.*?)</li>", re.S)
CHANCE = re.compile(r'<td class="num"(?: data-null-reason="[^"]*" title="([^"]*)")?>([^<]*)</td>\s*</tr>')
"""A plan row's last cell, its chance of meeting its target: (the reason on hover, the text shown)."""
PLAN_QUERY = {"plan": "plan.yaml", "now": "2024-07-01", "trials": "200", "seed": "1"}


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _notes(text: str) -> list[str]:
    return [unescape(" ".join(note.split())) for note in NOTE.findall(text)]


def _app(root: Path) -> Iterator[FastAPI]:
    """The app over `root`, its hub closed after the module."""
    application = create_app(root)
    yield application
    application.state.hub.close()


@pytest.fixture(scope="module")
def horizon_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    first, last = date(2023, 12, 1), date(2024, 6, 30)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    steady = [_at(day, 15) for offset, day in enumerate(days) for _ in range(PATTERN[offset % 7])]
    slow = [_at(date(2024, 6, day), 15) for day in range(3, 31, 3)]
    teams = {
        "a": Team(_at(first, 9), _at(first, 10), steady),
        "slow": Team(_at(date(2024, 6, 1), 9), _at(date(2024, 6, 1), 10), slow),
    }
    root = build_workspace(tmp_path_factory.mktemp("horizon") / "ws", teams, {"plan.yaml": HORIZON_PLAN})
    yield from _app(root)


@pytest.fixture(scope="module")
def after_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    finishes = [datetime(2024, 3, day, 15, tzinfo=UTC) for day in FINISHES]
    team = Team(datetime(2024, 3, 1, 9, tzinfo=UTC), datetime(2024, 3, 2, 9, tzinfo=UTC), finishes)
    return build_workspace(tmp_path_factory.mktemp("after-data") / "ws", {"a": team, "b": team}, {})


@pytest.fixture(scope="module")
def after_data_app(after_data: Path) -> Iterator[FastAPI]:
    yield from _app(after_data)


# -- the plan page ------------------------------------------------------------------------------
def test_a_date_null_for_calibration_reads_a_dash_with_its_reason(horizon_app: FastAPI) -> None:
    client = TestClient(horizon_app)
    body = client.get("/api/forecasts/plan", params=PLAN_QUERY).json()
    response = client.get("/forecasts/plan", params=PLAN_QUERY)
    assert response.status_code == 200
    # Every trial of both initiatives runs past the horizon: no date at any confidence.
    assert [(row["initiative"], row["beyond_horizon"]) for row in body["rows"]] == [("Big", 1.0), ("Small", 1.0)]
    assert {row[key] for row in body["rows"] for key in ("p50", "p70", "p85", "p95")} == {None}
    page = _Elements(response.text)
    cells = [attrs for name, attrs in page.elements if name == "td" and "data-confidence" in attrs]
    shown = re.findall(r'<td data-confidence="(p\d+)"[^>]*>([^<]*)</td>', response.text)
    # Big (slow's part): slow's calibration cannot hold, so its dates are unknown, not beyond the horizon.
    assert shown == [(key, "–") for key in ("p50", "p70", "p85", "p95")] + [
        (key, "beyond horizon") for key in ("p50", "p70", "p85", "p95")
    ]
    assert [(cell.get("title"), cell.get("data-null-reason")) for cell in cells] == [(SLOW, SLOW)] * 4 + [
        (None, None)
    ] * 4
    # Small (a's part, a's calibration holds): its trials truly end beyond the horizon.
    assert [("data-beyond-horizon" in cell) for cell in cells] == [False] * 4 + [True] * 4
    # Big's chance of its target is null for the same reason; Small has no target.
    (big, small) = page.having("data-initiative", "tr")
    assert (big["data-probability"], small["data-probability"]) == ("", "")
    assert CHANCE.findall(response.text) == [(SLOW, "–"), ("", "—")]
    # The reason is in the page's notes, once: in slow's calibration line, as the JSON says it.
    notes = _notes(response.text)
    assert notes == body["notes"] and len(notes) == 2
    assert notes[0].startswith("a: calibration: 50 % read at ") and notes[0].endswith(" of 26)")
    assert notes[1] == f"slow: calibration: {SLOW}; no row is promised"
    assert sum(note.count(SLOW) for note in notes) == 1


# -- the forecasts page (when / how many) -------------------------------------------------------
FORECAST_QUERY = {"team": "a", "items": "5", "trials": "200", "seed": "1"}


def _cli_notes(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[list[str], list[str]]:
    """The notes `orgflow forecast when` and `how-many` print with --format json (how many: over 90 days, as the
    page asks by default)."""
    said = []
    for command, size in (("when", ("--items", "5")), ("how-many", ("--days", "90"))):
        common = ("--team", "a", "--trials", "200", "--seed", "1", "-f", "json", *args)
        code, out, _ = run_main(monkeypatch, capsys, "-w", str(root), "forecast", command, *size, *common)
        assert code == 0
        said.append(json.loads(out)["notes"])
    return said[0], said[1]


def test_the_forecasts_page_says_the_after_data_note_once(
    after_data: Path, after_data_app: FastAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    response = TestClient(after_data_app).get("/forecasts", params={**FORECAST_QUERY, "now": "2024-04-15"})
    assert response.status_code == 200
    assert _notes(response.text) == [AFTER_DATA]
    assert response.text.count(AFTER_DATA) == 1
    # The command line prints the same note first, then each forecast's calibration line, which the page shows
    # under its own answer (so once per answer, not again in the notes).
    when, how_many = _cli_notes(after_data, monkeypatch, capsys, "--now", "2024-04-15")
    assert when == how_many == [AFTER_DATA, CALIBRATION]
    page = _Elements(response.text)
    assert [attrs["data-calibration"] for attrs in page.having("data-calibration", "p")] == ["when", "how-many"]
    assert response.text.count(f">{CALIBRATION}</p>") == 2


def test_too_little_history_after_the_data_still_says_why(after_data_app: FastAPI) -> None:
    # The ten days before 2024-04-15 all lie after the data's last day: no day of history, no forecast.
    query = {**FORECAST_QUERY, "now": "2024-04-15", "window": "10"}
    response = TestClient(after_data_app).get("/forecasts", params=query)
    page = _Elements(response.text)
    assert response.status_code == 200 and page.having("data-verdict")[0]["data-verdict"] == "insufficient"
    assert _notes(response.text) == [AFTER_DATA]


def test_a_forecast_as_of_old_data_says_so(
    after_data: Path, after_data_app: FastAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without `now`, a forecast is as of the data's end (2024-03-29 15:00), long before today."""
    before = datetime.now(UTC)
    response = TestClient(after_data_app).get("/forecasts", params=FORECAST_QUERY)
    when, how_many = _cli_notes(after_data, monkeypatch, capsys)
    after = datetime.now(UTC)
    ages = {(moment - datetime(2024, 3, 29, 15, tzinfo=UTC)).days for moment in (before, after)}
    stale = {
        f"the data ends on 2024-03-29, {age} days ago: this forecast is as of that day, not today; pass --now to "
        "forecast as of another date"
        for age in ages
    }
    (note,) = _notes(response.text)
    assert note in stale
    assert when == how_many == [note, CALIBRATION]
