"""The command line: help on every command, the JSON shape, errors on one line with exit code 1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from orgflow import registry
from orgflow.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"

CSV = """item_id,timestamp,from_status,to_status,team,type,created,title
A-1,2024-01-01T09:00:00+00:00,,Backlog,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-02T09:00:00+00:00,Backlog,In Progress,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-04T21:00:00+00:00,In Progress,Done,alpha,Story,2024-01-01T09:00:00+00:00,first
B-1,2024-01-02T09:00:00+00:00,,Backlog,beta,Bug,2024-01-02T09:00:00+00:00,second
B-1,2024-01-03T09:00:00+00:00,Backlog,In Progress,beta,Bug,2024-01-02T09:00:00+00:00,second
"""


def run(*args: str, workspace: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess."""
    prefix = ["--workspace", str(workspace)] if workspace else []
    return subprocess.run(
        [sys.executable, "-c", "from orgflow.cli import main; main()", *prefix, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        found.append(path)
        found.extend(_commands(command, path))
    return found


def test_every_command_has_help_with_an_example() -> None:
    click_app = typer.main.get_command(app)
    commands = _commands(click_app)
    assert ("flow", "cfd") in commands and ("import", "jira") in commands
    for path in commands:
        command = click_app
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            continue
        assert command.help, f"{' '.join(path)} has no help"
        assert "Example: orgflow" in command.help, f"{' '.join(path)} shows no example call"


def test_every_registered_metric_is_defined_in_the_docs() -> None:
    """Every figure the registry declares (flow, delivery, organization, socio-technical, forecasts,
    simulation, insights) has a ``## name`` section in docs/metrics.md."""
    names = {figure.name for figure in registry.figures()}
    assert {"cycle-time", "dora-summary", "org-checks", "truck-factor", "forecast-plan", "simulate-run"} <= names
    assert {"insights", "pr-stages", "backtest-how-many"} <= names
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^## (\S+)\s*$", text, flags=re.MULTILINE))
    missing = sorted(names - headings)
    assert not missing, f"docs/metrics.md lacks sections for {missing}"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    assert run("init", workspace=tmp_path).returncode == 0
    (tmp_path / "flow.csv").write_text(CSV, encoding="utf-8")
    result = run("import", "transitions", str(tmp_path / "flow.csv"), workspace=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_summary_json_by_team(workspace: Path) -> None:
    result = run(
        "flow", "summary", "--by", "team", "--format", "json", "--now", "2024-01-05T00:00:00Z", workspace=workspace
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"metric", "definition", "params", "rows", "notes"}
    assert payload["metric"] == "summary"
    rows = {row["team"]: row for row in payload["rows"]}
    assert set(rows) == {"alpha", "beta"}
    # created 01-01 09:00, started 01-02 09:00, done 01-04 21:00 -> lead 3.5 d, cycle 2.5 d.
    assert rows["alpha"]["finished"] == 1
    assert rows["alpha"]["lead_time_p50"] == pytest.approx(3.5, abs=1e-12)
    assert rows["alpha"]["cycle_time_p85"] == pytest.approx(2.5, abs=1e-12)
    # B-1 started 01-03 and is open at 01-05: WIP 1, nothing finished.
    assert rows["beta"]["wip"] == 1 and rows["beta"]["finished"] == 0
    for key in ("lead_time_p95", "cycle_time_p50", "cycle_time_p95", "throughput_per_week", "flow_efficiency"):
        assert key in rows["alpha"]


def test_cfd_json_rows(workspace: Path) -> None:
    result = run(
        "flow",
        "cfd",
        "--team",
        "alpha",
        "--format",
        "json",
        "--since",
        "2024-01-01",
        "--until",
        "2024-01-04",
        "--now",
        "2024-01-05T00:00:00Z",
        workspace=workspace,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert {"date", "stage", "count"} <= set(rows[0])
    done = {row["date"]: row["count"] for row in rows if row["stage"] == "Done"}
    progress = {row["date"]: row["count"] for row in rows if row["stage"] == "In Progress"}
    assert done == {"2024-01-01": 0, "2024-01-02": 0, "2024-01-03": 0, "2024-01-04": 1}
    assert progress == {"2024-01-01": 0, "2024-01-02": 1, "2024-01-03": 1, "2024-01-04": 1}


def test_unknown_team_is_one_line_exit_1(workspace: Path) -> None:
    result = run("flow", "summary", "--team", "nobody", workspace=workspace)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    expected = "error: team: unknown team 'nobody'; see `orgflow status` for the teams"
    assert result.stderr.strip().splitlines() == [expected]


def test_bad_date_names_the_option(workspace: Path) -> None:
    result = run("flow", "throughput", "--since", "yesterday", workspace=workspace)
    assert result.returncode == 1
    assert "since: not a date ('yesterday')" in result.stderr


def test_failed_import_changes_nothing(workspace: Path) -> None:
    before = run("status", "--format", "json", workspace=workspace).stdout
    bad = workspace / "bad.csv"
    bad.write_text(CSV.replace("2024-01-03T09:00:00+00:00,Backlog", "not-a-time,Backlog"), encoding="utf-8")
    result = run("import", "transitions", str(bad), workspace=workspace)
    assert result.returncode == 1
    assert "bad.csv" in result.stderr and "line 6" in result.stderr and "timestamp" in result.stderr
    assert "Traceback" not in result.stderr
    after = run("status", "--format", "json", workspace=workspace).stdout
    assert json.loads(after)["tables"] == json.loads(before)["tables"]


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = run("status", workspace=tmp_path / "nowhere")
    assert result.returncode == 1
    assert "no orgflow workspace here" in result.stderr and "orgflow init" in result.stderr
