"""Usage mistakes through the real entry point: two lines on stderr, the closest name, exit code 2."""

from __future__ import annotations

import click
import pytest
from tests.cli.entry_point import Run

from orgflow import cli

# args, text the first line must hold, the command whose help the second line names.
CASES = [
    (["flow", "sumary"], "no such command 'sumary' in 'orgflow flow'; did you mean 'summary'?", "orgflow flow"),
    (
        ["flow", "summary", "--tem", "x"],
        "no such option '--tem' for 'orgflow flow summary'; did you mean '--team'?",
        "orgflow flow summary",
    ),
    (
        ["flow", "summary", "--bogus"],
        "no such option '--bogus' for 'orgflow flow summary'; options: --team, --group",
        "orgflow flow summary",
    ),
    (
        ["flow", "summary", "--by"],
        "option '--by' requires an argument; --by: Group rows by team",
        "orgflow flow summary",
    ),
    (["flow", "--team", "x", "summary"], "e.g. 'orgflow flow summary --team'", "orgflow flow"),
    (["import", "jira"], "missing argument", "orgflow import jira"),
    (["import", "jra", "export.json"], "did you mean 'jira'?", "orgflow import"),
    (["dora", "summary", "--servce", "api"], "did you mean '--service'?", "orgflow dora summary"),
    (["dora", "-w", "ws"], "missing command; commands: summary, deployments", "orgflow dora"),
    (["prs", "lst"], "did you mean 'list'?", "orgflow prs"),
    (["org", "members"], "missing argument", "orgflow org members"),
    (["deps", "truck-factr"], "did you mean 'truck-factor'?", "orgflow deps"),
    (["forecast", "when"], "missing option '--items'", "orgflow forecast when"),
    (["insights", "--tem", "x"], "did you mean '--team'?", "orgflow insights"),
    (["sync", "--ful"], "did you mean '--full'?", "orgflow sync"),
    (["serve", "--prot", "8001"], "did you mean '--port'?", "orgflow serve"),
    (["report", "--outpt", "x.html"], "did you mean '--output'?", "orgflow report"),
    (["init", "--worksapce", "ws"], "did you mean '--workspace'?", "orgflow init"),
    (["demo", "--item", "200"], "did you mean '--items'?", "orgflow demo"),
    (["status", "--format", "xml"], "'xml' is not one of 'table', 'csv', 'json'", "orgflow status"),
    (["refresh", "now"], "unexpected extra argument", "orgflow refresh"),
    (["stauts"], "no such command 'stauts' in 'orgflow'; did you mean 'status'?", "orgflow"),
    (["bogus"], "no such command 'bogus' in 'orgflow'; commands: init, status, refresh", "orgflow"),
]


@pytest.mark.parametrize(("args", "expected", "command"), CASES, ids=[" ".join(case[0]) for case in CASES])
def test_usage_error_is_two_lines_exit_2(orgflow: Run, args: list[str], expected: str, command: str) -> None:
    result = orgflow(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert lines[1].endswith(f"see '{command} --help'")


def test_missing_argument_shows_the_usage(orgflow: Run) -> None:
    lines = orgflow("import", "jira").stderr.strip().splitlines()
    assert lines[1].startswith("usage: orgflow import jira [OPTIONS] ")


def test_group_without_a_command_prints_its_help(orgflow: Run) -> None:
    result = orgflow("flow")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "orgflow flow [OPTIONS] COMMAND" in result.stdout and "summary" in result.stdout


def _click_context() -> click.Context:
    command = click.Command("summary", params=[click.Option(["--team", "-t"], help="Only this team's items.")])
    return click.Context(command, info_name="orgflow flow summary")


def test_click_exceptions_get_the_same_treatment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """click's own exception classes (older typers raise those) are handled like typer's copies."""

    def raise_click_error(**_options: object) -> None:
        raise click.exceptions.NoSuchOption("--tem", ctx=_click_context())

    monkeypatch.setattr(cli, "app", raise_click_error)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: no such option '--tem' for 'orgflow flow summary'; did you mean '--team'?",
        "see 'orgflow flow summary --help'",
    ]


def test_click_option_without_value_names_its_help() -> None:
    error = click.exceptions.BadOptionUsage("--team", "Option '--team' requires an argument.", ctx=_click_context())
    assert cli._is_click_error(error)
    assert cli._usage_lines(error) == [
        "[bold red]error:[/bold red] option '--team' requires an argument; --team: Only this team's items.",
        "see 'orgflow flow summary --help'",
    ]


def test_closest_ignores_dashes_and_far_names() -> None:
    assert cli._closest("--tem", ["--team", "-t", "--type"]) == "--team"
    assert cli._closest("sumary", ["summary", "sle"]) == "summary"
    assert cli._closest("--bogus", ["--team", "--by", "--now"]) is None
