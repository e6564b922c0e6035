"""`orgflow sync`: help text, and a clear error when nothing is configured."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from orgflow.cli import workspace_commands
from orgflow.cli.sync import sync
from orgflow.errors import InputError
from orgflow.workspace import init_workspace


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(workspace_commands.root)
    app.command()(sync)
    return app


def test_sync_help_and_no_sources(tmp_path):
    runner = CliRunner()
    help_text = runner.invoke(_app(), ["sync", "--help"]).output
    assert "Pull Jira, GitHub and GitLab sources incrementally" in help_text and "--full" in help_text
    init_workspace(tmp_path).close()
    result = runner.invoke(_app(), ["--workspace", str(tmp_path), "sync"])
    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith("orgflow.yaml: sources: no sources configured")
