"""Errors a user can fix, through the console entry point in-process: one line, the exit code of the kind.

Each case reaches a real raise site (a missing workspace or file, an unknown team or source, a workspace
that already exists, a bad date). The codes are `orgflow.cli.EXIT_CODES`: every kind exits 1 today; a
second run with distinct codes proves each site raises the kind it should and that `main` maps it there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orgflow import cli
from orgflow.errors import ErrorKind
from orgflow.workspace import init_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty workspace (config and store, no data)."""
    directory = tmp_path_factory.mktemp("error-kinds")
    init_workspace(directory).close()
    return directory


def _cases(workspace: Path) -> list[tuple[list[str], ErrorKind, str]]:
    """(arguments, kind, the one line on stderr)."""
    nowhere = workspace.parent / "nowhere"
    missing = workspace / "missing.json"
    store = workspace / "orgflow.duckdb"
    return [
        (
            ["-w", str(nowhere), "status"],
            ErrorKind.NOT_FOUND,
            f"error: {nowhere / 'orgflow.duckdb'}: no orgflow workspace here; "
            "run `orgflow init` (or `orgflow demo`) there, or set ORGFLOW_WORKSPACE",
        ),
        (
            ["-w", str(workspace), "import", "jira", str(missing)],
            ErrorKind.NOT_FOUND,
            f"error: {missing}: no such file or folder",
        ),
        (
            ["-w", str(workspace), "flow", "summary", "--team", "nobody"],
            ErrorKind.NOT_FOUND,
            "error: team: unknown team 'nobody'; see `orgflow status` for the teams",
        ),
        (
            ["-w", str(workspace), "sync", "nosuch"],
            ErrorKind.NOT_FOUND,
            "error: orgflow.yaml: sources: no source named 'nosuch'; configured: none; see docs/sources.md",
        ),
        (
            ["demo", "--workspace", str(workspace)],
            ErrorKind.CONFLICT,
            f"error: {store}: a workspace already exists here; "
            "pass --force to replace it, or choose another --workspace",
        ),
        (
            ["-w", str(workspace), "flow", "summary", "--since", "yesterday"],
            ErrorKind.BAD_INPUT,
            "error: since: not a date ('yesterday'); use YYYY-MM-DD",
        ),
    ]


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    """`orgflow ARGS` through `cli.main`: (exit code, stderr)."""
    monkeypatch.delenv("ORGFLOW_WORKSPACE", raising=False)
    monkeypatch.setattr(sys, "argv", ["orgflow", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    code = done.value.code
    assert isinstance(code, int)
    return code, capsys.readouterr().err


def test_every_kind_exits_1_with_one_line(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, _kind, line in _cases(workspace):
        code, err = _run(monkeypatch, capsys, args)
        assert (code, err.splitlines()) == (1, [line]), args


def test_the_exit_code_comes_from_the_kind(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = {ErrorKind.BAD_INPUT: 11, ErrorKind.NOT_FOUND: 12, ErrorKind.CONFLICT: 13}
    monkeypatch.setattr(cli, "EXIT_CODES", codes)
    for args, kind, _line in _cases(workspace):
        code, _err = _run(monkeypatch, capsys, args)
        assert code == codes[kind], (args, kind)


def test_the_codes_are_in_the_help(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["orgflow", "--help"])
    try:
        cli.main()
    except SystemExit as done:
        assert done.code in (0, None)
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 0 done; 1 an error you can fix" in help_text
    assert "2 a usage mistake" in help_text
