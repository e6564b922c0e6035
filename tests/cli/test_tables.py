"""Terminal tables: short labels with units, `--columns`, and a default that fits the terminal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
import typer.main
from rich.console import Console
from tests.cli.entry_point import Run
from typer.testing import CliRunner

from orgflow import registry
from orgflow.cli import app, render
from orgflow.cli.render import Format
from orgflow.cli.table_columns import column_label
from orgflow.delivery import columns as delivery_columns
from orgflow.flow import definitions
from orgflow.flow.service import MetricResult

CSV = """item_id,timestamp,from_status,to_status,team,type,created,title
A-1,2024-01-01T09:00:00+00:00,,Backlog,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-02T09:00:00+00:00,Backlog,In Progress,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-04T21:00:00+00:00,In Progress,Done,alpha,Story,2024-01-01T09:00:00+00:00,first
B-1,2024-01-02T09:00:00+00:00,,Backlog,beta,Bug,2024-01-02T09:00:00+00:00,second
B-1,2024-01-03T09:00:00+00:00,Backlog,In Progress,beta,Bug,2024-01-02T09:00:00+00:00,second
"""
SUMMARY = ("flow", "summary", "--by", "team", "--now", "2024-01-05T00:00:00Z")
COLUMNS = [
    "team",
    "finished",
    "cancelled",
    "lead_time_p50",
    "lead_time_p70",
    "lead_time_p85",
    "lead_time_p95",
    "cycle_time_p50",
    "cycle_time_p70",
    "cycle_time_p85",
    "cycle_time_p95",
    "throughput_per_week",
    "wip",
    "flow_efficiency",
    "skipped_start",
    "small_sample",
    "unknown_reasons",
]
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two teams: alpha finished A-1 (lead 3.5 d, flow time 2.5 d), beta has B-1 in progress."""
    directory = tmp_path_factory.mktemp("tables")
    (directory / "flow.csv").write_text(CSV, encoding="utf-8")
    assert runner.invoke(app, ["-w", str(directory), "init"]).exit_code == 0
    result = runner.invoke(app, ["-w", str(directory), "import", "transitions", str(directory / "flow.csv")])
    assert result.exit_code == 0, result.output
    return directory


def _header(lines: list[str]) -> list[list[str]]:
    """The header's lines, each as its stripped cells."""
    return [[cell.strip() for cell in line.strip("┃").split("┃")] for line in lines if line.startswith("┃")]


def _column_headers(lines: list[str]) -> list[str]:
    """Each column's header, its lines joined by spaces: a word split across lines would read "Flo w"."""
    header = _header(lines)
    return [" ".join(part for part in parts if part) for parts in zip(*header, strict=True)]


def test_summary_by_team_fits_120_columns_with_labels_and_units(workspace: Path, orgflow: Run) -> None:
    result = orgflow("-w", str(workspace), *SUMMARY, env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    # Ten columns fit with every header on at most two lines; the other six are named in the caption.
    assert [line for line in lines if line.startswith("┃")] == [
        "┃       ┃          ┃           ┃ Lead time ┃ Lead time ┃ Flow time ┃ Flow time ┃ Velocity ┃            ┃"
        "            ┃",
        "┃ Team  ┃ Finished ┃ Cancelled ┃   p50 (d) ┃   p85 (d) ┃   p50 (d) ┃   p85 (d) ┃      /wk ┃ Load (WIP) ┃"
        " Efficiency ┃",
    ]
    assert _column_headers(lines) == [
        "Team",
        "Finished",
        "Cancelled",
        "Lead time p50 (d)",
        "Lead time p85 (d)",
        "Flow time p50 (d)",
        "Flow time p85 (d)",
        "Velocity /wk",
        "Load (WIP)",
        "Efficiency",
    ]
    assert (
        "│ alpha │        1 │         0 │      3.50 │      3.50 │      2.50 │      2.50 │     1.75 │" in result.stdout
    )
    caption = " ".join(line.strip() for line in lines)
    assert (
        "left out to fit 120 columns: lead_time_p70, lead_time_p95, cycle_time_p70, cycle_time_p95, "
        "skipped_start, small_sample (--columns or --format csv shows them)"
    ) in caption


def test_a_narrow_terminal_keeps_the_core_columns_and_never_splits_a_header_word(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "console", Console(width=90, emoji=False))
    result = runner.invoke(app, ["-w", str(workspace), *SUMMARY])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 90
    headers = _column_headers(lines)
    assert headers == [column_label(name) for name in COLUMNS if name in registry.figure("summary").core]
    assert "left out to fit 90 columns: cancelled, lead_time_p70," in " ".join(line.strip() for line in lines)


def test_wide_enough_shows_every_column_on_one_header_line(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "console", Console(width=300, emoji=False))
    lines = runner.invoke(app, ["-w", str(workspace), *SUMMARY]).stdout.splitlines()
    (header,) = _header(lines)
    assert header == [column_label(name) for name in COLUMNS[:-1]]  # the reasons print under the table
    assert "left out" not in " ".join(lines)


def test_columns_chooses_and_orders_the_table(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "console", Console(width=120, emoji=False))
    result = runner.invoke(app, ["-w", str(workspace), *SUMMARY, "--columns", "wip, team,cycle_time_p85"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert _header(lines) == [["Load (WIP)", "Team", "Flow time p85 (d)"]]
    assert "│          0 │ alpha │              2.50 │" in lines
    assert "│          1 │ beta  │                 – │" in lines


def test_columns_chooses_and_orders_the_csv(workspace: Path) -> None:
    result = runner.invoke(
        app, ["-w", str(workspace), *SUMMARY, "-f", "csv", "--columns", "cycle_time_p85,team,wip,lead_time_p95"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "cycle_time_p85,team,wip,lead_time_p95\n2.5,alpha,0,3.5\n,beta,1,\n"


def test_csv_without_columns_keeps_every_column(workspace: Path) -> None:
    result = runner.invoke(app, ["-w", str(workspace), *SUMMARY, "-f", "csv"])
    assert next(csv.reader(io.StringIO(result.stdout))) == COLUMNS


def test_json_keeps_its_keys_whatever_the_columns(workspace: Path) -> None:
    plain = runner.invoke(app, ["-w", str(workspace), *SUMMARY, "-f", "json"])
    chosen = runner.invoke(app, ["-w", str(workspace), *SUMMARY, "-f", "json", "--columns", "wip,team"])
    assert plain.exit_code == chosen.exit_code == 0
    assert json.loads(chosen.stdout) == json.loads(plain.stdout)
    assert [list(row) for row in json.loads(plain.stdout)["rows"]] == [COLUMNS, COLUMNS]


def test_an_unknown_column_is_one_line_listing_the_columns_exit_1(workspace: Path, orgflow: Run) -> None:
    result = orgflow("-w", str(workspace), *SUMMARY, "--columns", "team,flow_time", "-f", "csv")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: --columns: unknown column flow_time; summary has: {', '.join(COLUMNS)}"
    ]


def _options(command: object) -> set[str]:
    return {option for param in getattr(command, "params", []) for option in getattr(param, "opts", [])}


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        found.append(((*path, name), command))
        found.extend(_commands(command, (*path, name)))
    return found


def test_every_command_with_a_table_takes_columns() -> None:
    commands = _commands(typer.main.get_command(app))
    without = {path for path, command in commands if "--format" in _options(command) - {"--columns"}}
    without -= {path for path, command in commands if "--columns" in _options(command)}
    # status prints several fixed tables, org team four parts of a Team API, insights its own columns.
    assert without == {("status",), ("insights",), ("org", "team")}


def test_labels_say_the_unit_of_the_column_name() -> None:
    """One unit per column: a name in days is labelled (d), in hours (h); JSON keys stay the names."""
    for name, label in {**definitions.LABELS, **delivery_columns.LABELS}.items():
        if name.endswith("_days") or (name.startswith(("lead_time_p", "cycle_time_p")) and "hours" not in name):
            assert label.endswith("(d)"), (name, label)
        if name.endswith("_hours"):
            assert label.endswith("(h)"), (name, label)


def test_a_column_without_a_label_reads_its_name_with_spaces() -> None:
    assert column_label("first_deployment_id") == "First deployment id"
    assert column_label("revision_known") == "Revision known"


def test_a_long_header_folds_at_spaces_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept columns wider than the terminal fold their headers at spaces, never inside a word."""
    console = Console(width=40, emoji=False, record=True, file=io.StringIO())
    monkeypatch.setattr(render, "console", console)
    table = pa.table({"team": ["a"], "cycle_time_p85": [1.0], "throughput_per_week": [2.0], "wip": [3]})
    render.render(MetricResult("summary", "d", {"rows": 1}, table), Format.table)
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 40
    assert _column_headers(lines) == ["Team", "Flow time p85 (d)", "Velocity /wk", "Load (WIP)"]
