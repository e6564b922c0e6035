"""A figure whose store tables hold nothing says so under its table, naming how to load them: an empty
table there means "nothing loaded", not "none". JSON keeps its keys and carries the note in its `notes`
list (CSV: on stderr).

The workspace holds one kind of data, a deployment of "shop" (so deployments are loaded and pull
requests, incidents, groups and commits are not).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orgflow import cli
from orgflow.model import Deployment
from orgflow.store import ImportBatch, Store

NOTES = {
    "pull_requests": "note: no pull requests are loaded in this workspace (nothing to show, which is not zero): "
    "load them with `orgflow import github-delivery` or `orgflow import gitlab`",
    "incidents": "note: no incidents are loaded in this workspace (nothing to show, which is not zero): "
    "load them with `orgflow import incidents FILE`",
    "groups": "note: no groups are loaded in this workspace (nothing to show, which is not zero): "
    "load them with `orgflow import org FILE.yaml` or `orgflow import backstage`",
    "commits": "note: no commits are loaded in this workspace (nothing to show, which is not zero): "
    "load them with `orgflow import git REPO`",
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    assert _main(monkeypatch, capsys, "-w", str(tmp_path), "init")[0] == 0
    store = Store.open(tmp_path / "orgflow.duckdb")
    batch = ImportBatch(source="test", kind="deployments", origin="test")
    batch.add(Deployment("deploys", "D1", "shop", "production", "a" * 40, datetime(2024, 1, 3, 12, tzinfo=UTC)))
    store.write(batch)
    store.close()
    return tmp_path


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["orgflow", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "table"),
    [
        (["prs", "summary"], "pull_requests"),
        (["dora", "incidents"], "incidents"),
        (["org", "summary"], "groups"),
        (["deps", "truck-factor"], "commits"),
    ],
)
def test_an_empty_figure_names_the_table_not_loaded(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str], table: str
) -> None:
    code, out = _main(monkeypatch, capsys, "-w", str(workspace), *command)
    assert code == 0
    notes = [" ".join(line.split()) for line in out.splitlines() if line.startswith("note: no ")]
    assert notes == [NOTES[table]]


def test_loaded_tables_get_no_note_and_json_keeps_its_shape(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _main(monkeypatch, capsys, "-w", str(workspace), "dora", "deployments", "--now", "2024-02-01")
    assert code == 0 and "note: no " not in out  # one deployment is loaded: rows, no "nothing loaded"
    code, out = _main(monkeypatch, capsys, "-w", str(workspace), "prs", "summary", "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["rows"] == [] and list(body) == ["metric", "definition", "params", "rows", "notes"]
    assert body["notes"] == [NOTES["pull_requests"].removeprefix("note: ")]
