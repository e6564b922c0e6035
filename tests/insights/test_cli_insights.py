"""`orgflow insights`: the command's JSON rows, CSV columns and one-line errors.

The command is mounted on a small app with the root --workspace option, as the orgflow app does.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from tests.insights.workspaces import NOW, Build, at, flowing
from typer.testing import CliRunner

from orgflow.cli import workspace_commands
from orgflow.cli.insights import insights
from orgflow.errors import InputError

app = typer.Typer()
app.callback()(workspace_commands.root)
app.command()(insights)


@pytest.fixture
def workspace(build: Build, tmp_path: Path) -> Path:
    # Cycle times 1, 2, 3, 4, 10 days: p85 6.4, p95 8.8; one open item 9.5 days old (see test_aging).
    finished = [
        flowing(f"F-{days}", "alpha", at(date(2024, 1, 8)), ("In Progress", days), ("Done", 0))
        for days in (1, 2, 3, 4, 10)
    ]
    build([*finished, flowing("O-9", "alpha", NOW - timedelta(days=9.5), ("In Progress", 99))]).close()
    return tmp_path


def _run(workspace: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--workspace", str(workspace), "insights", "--now", "2024-06-03T12:00:00Z", *args]
    )
    if result.exception:
        raise result.exception
    return result.output


def test_json_rows(workspace: Path) -> None:
    payload = json.loads(_run(workspace, "--format", "json"))
    assert payload["metric"] == "insights"
    assert payload["params"] == {"now": "2024-06-03T12:00:00+00:00", "rows": 1}
    (row,) = payload["rows"]
    assert list(row) == [
        "rule",
        "severity",
        "subject",
        "title",
        "evidence",
        "suggested_action",
        "team",
        "impact_item_days",
    ]
    assert (row["rule"], row["severity"], row["subject"], row["team"]) == (
        "aging.past-sle",
        "high",
        "team:alpha",
        "alpha",
    )
    (item,) = row["evidence"]["per_item"]
    assert item["age_days"] == 9.5 and item["sle_high_days"] == 8.8 and item["days_past_sle"] == 3.1
    assert row["evidence"]["items"] == ["O-9"] and row["impact_item_days"] == 3.1


def test_csv_columns_and_team_cut(workspace: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(workspace, "--format", "csv", "--team", "alpha"))))
    assert [(row["rule"], row["subject"], row["impact_item_days"]) for row in rows] == [
        ("aging.past-sle", "team:alpha", "3.1")
    ]
    assert "oldest_age_days=9.5" in rows[0]["evidence"] and "items: O-9" in rows[0]["evidence"]
    assert rows[0]["suggested_action"].startswith("Swarm on O-9 in alpha now")
    assert "O-9" in _run(workspace)


def test_unknown_team_is_an_input_error(workspace: Path) -> None:
    with pytest.raises(InputError, match="unknown team 'nobody'"):
        _run(workspace, "--team", "nobody")
    with pytest.raises(InputError, match="--now"):
        _run(workspace, "--now", "yesterday")
