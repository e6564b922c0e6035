"""Dates outside the calendar the metrics cover are one clear error line, never an OverflowError."""

from __future__ import annotations

import pytest
from tests.cli.entry_point import Run

CALENDAR = "outside the calendar (1900-01-01 to 2199-12-31); give a day from 1900-01-01 to 2199-12-31"


@pytest.fixture(scope="module")
def workspace(orgflow: Run, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One empty workspace for every case (a refused date writes nothing)."""
    folder = tmp_path_factory.mktemp("odd-dates") / "ws"
    assert orgflow("-w", str(folder), "init").returncode == 0
    return str(folder)


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--now", "9999-12-31T23:00:00-12:00", "--now"),
        ("--now", "0001-01-01T00:00:00+14:00", "--now"),
        ("--now", "0001-01-01", "--now"),
        ("--until", "9999-12-31", "until"),
        ("--since", "0001-01-01", "since"),
    ],
)
def test_a_day_outside_the_calendar_is_one_line(
    orgflow: Run, workspace: str, option: str, value: str, field: str
) -> None:
    done = orgflow("-w", workspace, "flow", "summary", option, value)
    assert done.returncode == 1
    assert done.stderr == f"error: {field}: {value!r} is {CALENDAR}\n"
