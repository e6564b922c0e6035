"""Unknown is not zero on the delivery pages: a team whose services no loaded deployment source covers is
told its deployments are unknown, never that it had none; a covered team without a deployment in the
window is told it had none.

Hand-built (as of 2024-02-01, window 2024-01-08 to 01-15): team Shopping owns "shop", which deploys on
01-03 and 01-20 (none in the window); team Payments owns "billing", known only from one incident on
01-09; team Idle owns no service.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orgflow.model import Component, Deployment, Group, Incident
from orgflow.store import ImportBatch
from orgflow.web.app import create_app
from orgflow.workspace import init_workspace

WINDOW = {"since": "2024-01-08", "until": "2024-01-15"}
NO_PULL_REQUESTS = "No pull request finished in this window, so there is no stage breakdown."


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("delivery-notes")
    workspace = init_workspace(folder)
    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.extend(
        [
            Group("t", "payments", "Payments", "team"),
            Group("t", "shopping", "Shopping", "team"),
            Group("t", "idle", "Idle", "team"),
            Component("t", "billing", "Billing", owner_id="payments"),
            Component("t", "shop", "Shop", owner_id="shopping"),
            Deployment("deploys", "D1", "shop", "production", "a" * 40, _at(3)),
            Deployment("deploys", "D2", "shop", "production", "a" * 40, _at(20)),
            Incident("pager", "I1", "billing", "billing down", _at(9, 10), _at(9, 12)),
        ]
    )
    workspace.write(batch)
    workspace.close()
    application = create_app(folder, now=datetime(2024, 2, 1, tzinfo=UTC), live=False)
    yield TestClient(application)
    application.state.hub.close()


def _notes(client: TestClient, team: str) -> list[str]:
    answer = client.get(f"/api/delivery/teams/{team}", params=WINDOW)
    assert answer.status_code == 200, answer.text
    return [note for note in answer.json()["notes"] if not note.startswith("a band needs")]


def test_a_team_no_deployment_source_covers_has_unknown_deployments(client: TestClient) -> None:
    assert _notes(client, "payments") == [
        "Deployments of Payments are unknown, not zero: no loaded deployment source covers any service it owns "
        "(import its deployments, or set its services' owner).",
        NO_PULL_REQUESTS,
    ]


def test_a_team_without_services_has_unknown_deployments(client: TestClient) -> None:
    assert _notes(client, "idle") == [
        "Deployments of Idle are unknown, not zero: no loaded deployment source covers any service it owns "
        "(import its deployments, or set its services' owner).",
        NO_PULL_REQUESTS,
    ]


def test_a_covered_team_without_a_deployment_in_the_window_had_none(client: TestClient) -> None:
    assert _notes(client, "shopping") == [
        "No successful production deployment of Shopping in this window.",
        NO_PULL_REQUESTS,
    ]
