"""`/api/insights` carries the same `notes` as `orgflow insights -f json`: why nothing was found, a
headline then one line per rule, or none when something was."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from tests.insights.test_cli_insights import NO_FINDING_NOTES, _run
from tests.insights.workspaces import NOW, Build, at, flowing

from orgflow.web.app import create_app


def test_api_notes_equal_the_cli_notes(build: Build, tmp_path: Path) -> None:
    # The workspace of tests/insights/test_cli_insights.py: cycle times 1, 2, 3, 4, 10 days finished in
    # January; one open item 9.5 days old. As of 2024-05-26 nothing is found (NO_FINDING_NOTES says why);
    # as of NOW (2024-06-03 12:00) the open item is past its SLE: one finding, no notes.
    finished = [
        flowing(f"F-{days}", "alpha", at(date(2024, 1, 8)), ("In Progress", days), ("Done", 0))
        for days in (1, 2, 3, 4, 10)
    ]
    build([*finished, flowing("O-9", "alpha", NOW - timedelta(days=9.5), ("In Progress", 99))]).close()
    cli_quiet = json.loads(_run(tmp_path, "--format", "json", now=("--now", "2024-05-26")))
    cli_found = json.loads(_run(tmp_path, "--format", "json", now=("--now", "2024-06-03T12:00:00Z")))
    app = create_app(tmp_path)
    try:
        client = TestClient(app)
        quiet = client.get("/api/insights", params={"now": "2024-05-26"}).json()
        found = client.get("/api/insights", params={"now": "2024-06-03T12:00:00Z"}).json()
    finally:
        app.state.hub.close()

    assert quiet["findings"] == [] and quiet["notes"] == cli_quiet["notes"] == NO_FINDING_NOTES
    assert len(found["findings"]) == len(cli_found["rows"]) == 1
    assert found["notes"] == cli_found["notes"] == []
