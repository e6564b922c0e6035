"""Data is printed as written: Rich markup in names and titles, formula-like CSV cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from tests.cli.entry_point import Run
from typer.testing import CliRunner

from orgflow.cli import app
from orgflow.cli.render import Format, csv_cell, render
from orgflow.flow.service import MetricResult

FORMULA = "=cmd|' /C calc'!A0"
CSV = f"""item_id,timestamp,from_status,to_status,team,type,created,title
A-1,2024-01-01T09:00:00+00:00,,Backlog,[/team],Story,2024-01-01T09:00:00+00:00,[/bold]
A-1,2024-01-02T09:00:00+00:00,Backlog,In Progress,[/team],Story,2024-01-01T09:00:00+00:00,[/bold]
A-1,2024-01-04T21:00:00+00:00,In Progress,Done,[/team],Story,2024-01-01T09:00:00+00:00,[/bold]
B-1,2024-01-02T09:00:00+00:00,,Backlog,[red]team,Bug,2024-01-02T09:00:00+00:00,{FORMULA}
B-1,2024-01-03T09:00:00+00:00,Backlog,In Progress,[red]team,Bug,2024-01-02T09:00:00+00:00,{FORMULA}
C-1,2024-01-02T09:00:00+00:00,,Backlog,:bug: squad,Bug,2024-01-02T09:00:00+00:00,+1 -2 @here
"""
NOW = "2024-01-05T00:00:00Z"
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("markup")
    (directory / "flow.csv").write_text(CSV, encoding="utf-8")
    assert runner.invoke(app, ["-w", str(directory), "init"]).exit_code == 0
    result = runner.invoke(app, ["-w", str(directory), "import", "transitions", str(directory / "flow.csv")])
    assert result.exit_code == 0, result.output
    return directory


def _lines(workspace: Path, *args: str) -> list[str]:
    result = runner.invoke(app, ["-w", str(workspace), *args])
    assert result.exit_code == 0, result.exception or result.output
    return result.stdout.splitlines()


def _row(lines: list[str], first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`."""
    for line in lines:
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row starting {first_cell!r} in:\n" + "\n".join(lines))


def test_status_prints_markup_in_team_names_as_written(workspace: Path) -> None:
    rows = [line.split("│") for line in _lines(workspace, "status") if line.startswith("│ csv")]
    assert sorted(cells[2].strip() for cells in rows) == [":bug: squad", "[/team]", "[red]team"]


def test_flow_summary_by_team_prints_markup_as_written(workspace: Path) -> None:
    lines = _lines(workspace, "flow", "summary", "--by", "team", "--now", NOW)
    assert _row(lines, "[/team]")[1] == "1"
    assert _row(lines, "[red]team")[1] == "0"
    assert _row(lines, ":bug: squad")[1] == "0"


@pytest.mark.parametrize("command", ["items", "lead-time"])
def test_item_titles_with_markup_are_printed_as_written(workspace: Path, command: str) -> None:
    row = _row(_lines(workspace, "flow", command, "--now", NOW), "csv")
    assert row[1:4] == ["A-1", "[/bold]", "[/team]"]


def test_an_error_holding_markup_prints_it_as_written(orgflow: Run, workspace: Path) -> None:
    result = orgflow("-w", str(workspace), "flow", "summary", "--team", "[/team]x")
    assert result.returncode == 1
    # The team meant ("[/team]", one letter off) is suggested, its markup printed as written too.
    assert result.stderr.strip() == (
        "error: team: unknown team '[/team]x'; did you mean '[/team]'? (see `orgflow status` for the teams)"
    )


def test_flow_items_csv_escapes_formulas(workspace: Path) -> None:
    result = runner.invoke(app, ["-w", str(workspace), "flow", "items", "--format", "csv", "--now", NOW])
    assert result.exit_code == 0, result.output
    rows = {row["item_id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["B-1"]["title"] == "'" + FORMULA
    assert rows["C-1"]["title"] == "'+1 -2 @here"
    assert rows["A-1"]["title"] == "[/bold]"
    assert rows["A-1"]["lead_time_days"] == "3.5"
    assert f"csv,B-1,'{FORMULA},[red]team," in result.stdout


def test_csv_escapes_text_cells_only(capsys: pytest.CaptureFixture[str]) -> None:
    table = pa.table(
        {
            "name": ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\ry", "plain", "a=b", None],
            "delta": [-3.5, -1.0, 0.0, 2.0, None, 1.5, -0.25, 3.0, -7.0],
            "count": [-1, 2, -3, 4, 5, 6, 7, 8, -9],
        }
    )
    render(MetricResult("m", "d", {"rows": 9}, table), Format.csv)
    # CSV rows end in CRLF (RFC 4180); a cell holding a carriage return is quoted.
    assert capsys.readouterr().out.split("\r\n") == [
        "name,delta,count",
        "'=1+1,-3.5,-1",
        "'+1,-1.0,2",
        "'-2,0.0,-3",
        "'@SUM(A1),2.0,4",
        "'\tx,,5",
        '"\'\ry",1.5,6',
        "plain,-0.25,7",
        "a=b,3.0,8",
        ",-7.0,-9",
        "",
    ]


def test_csv_cell() -> None:
    assert csv_cell("-x") == "'-x"
    assert csv_cell(-3.5) == -3.5
    assert csv_cell(None) == ""
    assert csv_cell(float("nan")) == ""
    assert csv_cell("") == ""
