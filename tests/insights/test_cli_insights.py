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


def _run(workspace: Path, *args: str, now: tuple[str, ...] = ("--now", "2024-06-03T12:00:00Z")) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(workspace), "insights", *now, *args])
    if result.exception:
        raise result.exception
    return result.output


def test_json_rows(workspace: Path) -> None:
    payload = json.loads(_run(workspace, "--format", "json"))
    assert payload["metric"] == "insights"
    checks = payload["params"].pop("checks")
    assert payload["params"] == {
        "now": "2024-06-03T12:00:00+00:00",
        "now_basis": "given",
        "data_as_of": "2024-05-25T00:00:00+00:00",
        "data_as_of_basis": "latest event",
        "rows": 1,
    }
    assert (
        checks["aging.past-sle"]
        == "1 started, unfinished item compared with their team's SLE (p85); 1 team with items past it"
    )
    assert payload["notes"] == []  # a finding needs no note saying why there is none
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


# Without --now the data's last event, O-9 entering In Progress at NOW - 9.5 days = 2024-05-25 00:00,
# makes "now" the end of that day, 2024-05-26 00:00 (as every flow command does): O-9 is then 1 day
# old, under its SLE of 6.4 days. The 8-week windows start 56 days before, on 2024-03-31; the
# throughput baseline (12 weeks before the last 4) starts 112 days before, on 2024-02-04, after the
# five items finished in January, so that rule has no rate to compare with.
NO_FINDING_NOTES = [
    "no finding: the data cannot support throughput.drop; nothing crossed the threshold of aging.past-sle, "
    "load.wip-growing, stages.queue-growing",
    "aging.past-sle: 1 started, unfinished item compared with their team's SLE (p85); none is past it",
    "load.wip-growing: the daily WIP of 1 team over the 8 weeks from 2024-03-31; none grew 20% or more with "
    "more started than finished (p <= 0.01) and flat throughput",
    "stages.queue-growing: 1 stage queue of 1 team over the 8 weeks from 2024-03-31; none grew 20% and 2 items "
    "or more with more entries than exits (p <= 0.01)",
    "throughput.drop: no team finished an item in the 12 baseline weeks from 2024-02-04: no rate to drop from",
    "plans.probability-fell: not run: it needs a plan forecast's chances, and none was given",
]


def test_default_now_is_the_end_of_the_data(workspace: Path) -> None:
    payload = json.loads(_run(workspace, "--format", "json", now=()))
    assert {key: payload["params"][key] for key in ("now", "now_basis", "data_as_of", "rows")} == {
        "now": "2024-05-26T00:00:00+00:00",
        "now_basis": "data as of",
        "data_as_of": "2024-05-25T00:00:00+00:00",
        "rows": 0,
    }
    assert payload["rows"] == []
    assert payload["notes"] == NO_FINDING_NOTES
    assert payload["params"]["checks"] == dict(line.split(": ", 1) for line in NO_FINDING_NOTES[1:])
    # The same instant given explicitly gives the same findings: the default is that instant.
    given = json.loads(_run(workspace, "--format", "json", now=("--now", "2024-05-26")))
    assert given["rows"] == [] and given["notes"] == NO_FINDING_NOTES


def test_table_prints_the_as_of_footer_and_why_nothing_was_found(workspace: Path) -> None:
    lines = _run(workspace, now=()).splitlines()
    at = lines.index("as of 2024-05-25 (the latest event in the data; --now to choose)")
    assert lines[at + 1 :] == [f"note: {note}" for note in NO_FINDING_NOTES]
    assert "as of 2024-06-03 12:00 UTC (--now)" in _run(workspace).splitlines()
