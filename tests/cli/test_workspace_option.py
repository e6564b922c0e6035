"""--workspace/-w before or after any command, through the real entry point; $ORGFLOW_WORKSPACE too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.entry_point import Run

CSV = """item_id,timestamp,from_status,to_status,team,type,created,title
A-1,2024-01-01T09:00:00+00:00,,Backlog,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-02T09:00:00+00:00,Backlog,In Progress,alpha,Story,2024-01-01T09:00:00+00:00,first
A-1,2024-01-04T21:00:00+00:00,In Progress,Done,alpha,Story,2024-01-01T09:00:00+00:00,first
"""
NOW = "2024-01-05T00:00:00Z"


@pytest.fixture(scope="module")
def workspace(orgflow: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace made with the option after `init` and after `import transitions` (tests only read it)."""
    tmp_path = tmp_path_factory.mktemp("option")
    directory = tmp_path / "ws"
    result = orgflow("init", "--workspace", str(directory))
    assert result.returncode == 0, result.stderr
    assert (directory / "orgflow.yaml").is_file()
    (tmp_path / "flow.csv").write_text(CSV, encoding="utf-8")
    result = orgflow("import", "transitions", str(tmp_path / "flow.csv"), "-w", str(directory))
    assert result.returncode == 0, result.stderr
    return directory


def _finished(result_stdout: str) -> int:
    return json.loads(result_stdout)["rows"][0]["finished"]


def test_init_takes_the_short_option_after_the_command(orgflow: Run, tmp_path: Path) -> None:
    result = orgflow("init", "-w", str(tmp_path / "short"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "short" / "orgflow.duckdb").is_file()


@pytest.mark.parametrize(
    "where",
    [
        ["-w", "{ws}", "flow", "summary"],
        ["flow", "-w", "{ws}", "summary"],
        ["flow", "summary", "--workspace", "{ws}"],
        ["flow", "summary", "-w", "{ws}"],
    ],
    ids=["before", "after the group", "after the command", "short, after the command"],
)
def test_flow_summary_reads_the_same_workspace(orgflow: Run, workspace: Path, where: list[str]) -> None:
    args = [part.replace("{ws}", str(workspace)) for part in where]
    result = orgflow(*args, "--format", "json", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert _finished(result.stdout) == 1


def test_status_after_the_command_and_with_the_variable(orgflow: Run, workspace: Path, tmp_path: Path) -> None:
    after = orgflow("status", "-w", str(workspace), "--format", "json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["sources"][0]["items"] == 1
    variable = orgflow("status", "--format", "json", env={"ORGFLOW_WORKSPACE": str(workspace)})
    assert variable.returncode == 0, variable.stderr
    assert variable.stdout == after.stdout


def test_the_option_wins_over_the_variable_and_the_last_one_wins(orgflow: Run, workspace: Path, tmp_path: Path) -> None:
    elsewhere = {"ORGFLOW_WORKSPACE": str(tmp_path / "nowhere")}
    before = orgflow("-w", str(workspace), "flow", "summary", "-f", "json", "--now", NOW, env=elsewhere)
    assert before.returncode == 0, before.stderr
    after = orgflow("flow", "summary", "-f", "json", "--now", NOW, "-w", str(workspace), env=elsewhere)
    assert after.returncode == 0, after.stderr
    twice = orgflow(
        "-w", str(tmp_path / "nowhere"), "flow", "summary", "-f", "json", "--now", NOW, "-w", str(workspace)
    )
    assert twice.returncode == 0, twice.stderr
    assert _finished(before.stdout) == _finished(after.stdout) == _finished(twice.stdout) == 1


def test_demo_takes_the_option_after_the_command(orgflow: Run, workspace: Path) -> None:
    """The demo refuses to overwrite the workspace the option names: proof it read the option, in no time."""
    result = orgflow("demo", "--workspace", str(workspace))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {workspace / 'orgflow.duckdb'}: a workspace already exists here; "
        "pass --force to replace it, or choose another --workspace"
    )


def test_every_command_lists_the_option_in_its_help() -> None:
    import typer.main

    from orgflow.cli import app

    def walk(command: object) -> list[object]:
        below = list(getattr(command, "commands", {}).values())
        return [command, *[found for child in below for found in walk(child)]]

    for command in walk(typer.main.get_command(app)):
        names = [name for param in command.params for name in getattr(param, "opts", ())]  # type: ignore[attr-defined]
        assert "--workspace" in names and "-w" in names, command
