"""The Python API's rows carry timezone-aware UTC instants, while the JSON and CSV outputs keep writing
them as before (ISO 8601 with Z).

Over the three items of tests/cli/three_items.py: A-1 created 2024-03-01 09:00 UTC, started 03-02 09:00,
finished 03-05 09:00.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.cli.three_items import TRANSITIONS
from typer.testing import CliRunner

import orgflow
from orgflow.cli import app
from orgflow.workspace import Workspace

NOW = "2024-03-09"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("aware-rows")
    (base / "transitions.csv").write_text(TRANSITIONS, encoding="utf-8")
    for args in (["init"], ["import", "transitions", str(base / "transitions.csv")]):
        done = CliRunner().invoke(app, ["-w", str(base / "ws"), *args])
        assert done.exit_code == 0, done.output
    return base / "ws"


@pytest.fixture
def workspace(folder: Path) -> Iterator[Workspace]:
    opened = orgflow.open(folder, read_only=True)
    yield opened
    opened.close()


def _a1(rows: list[dict]) -> dict:
    (row,) = [row for row in rows if row["item_id"] == "A-1"]
    return row


def test_python_rows_have_aware_utc_instants(workspace: Workspace) -> None:
    row = _a1(workspace.flow_at(datetime(2024, 3, 9, tzinfo=UTC)).items().rows())
    assert (row["created_at"], row["started_at"], row["finished_at"]) == (
        datetime(2024, 3, 1, 9, tzinfo=UTC),
        datetime(2024, 3, 2, 9, tzinfo=UTC),
        datetime(2024, 3, 5, 9, tzinfo=UTC),
    )
    assert row["created_at"].tzinfo is UTC and row["finished_at"].tzinfo is UTC
    assert (row["lead_time_days"], row["cycle_time_days"]) == (4.0, 3.0)


def test_a_missing_instant_stays_none(workspace: Workspace) -> None:
    (row,) = [
        row for row in workspace.flow_at(datetime(2024, 3, 9, tzinfo=UTC)).items().rows() if row["item_id"] == "A-2"
    ]
    assert (row["started_at"], row["finished_at"]) == (datetime(2024, 3, 4, 9, tzinfo=UTC), None)


def _cli(folder: Path, fmt: str) -> str:
    done = CliRunner().invoke(app, ["-w", str(folder), "flow", "items", "--now", NOW, "--format", fmt])
    assert done.exit_code == 0, done.output
    return done.stdout


def test_json_and_csv_write_instants_with_z(folder: Path) -> None:
    row = _a1(json.loads(_cli(folder, "json"))["rows"])
    assert (row["created_at"], row["started_at"], row["finished_at"]) == (
        "2024-03-01T09:00:00Z",
        "2024-03-02T09:00:00Z",
        "2024-03-05T09:00:00Z",
    )
    lines = _cli(folder, "csv").splitlines()
    header = lines[0].split(",")
    (a1,) = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:] if ",A-1," in line]
    assert (a1["created_at"], a1["started_at"], a1["finished_at"]) == (
        "2024-03-01T09:00:00Z",
        "2024-03-02T09:00:00Z",
        "2024-03-05T09:00:00Z",
    )
