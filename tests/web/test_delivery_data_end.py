"""The delivery pages read a history that stopped where it stops: with no "now" given, the preset windows
end with the delivery data's last day (as `orgflow dora` does), a window after the data is unknown, and
deployments no team owns are "(no owning team)", not a team.

Hand-built: "web" (team Payments) deploys D1 01-01, D2 01-03, D3 01-05, D4 01-08 2024 (10:00 UTC), and
incident I1 names web (01-03 12:00 to 18:00); "batch" (no owner) deploys B1 01-02 and B2 01-06. The data's
last event is D4 (2024-01-08 10:00), long before the clock's today.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orgflow.flow.after_data import after_data_reason
from orgflow.model import Component, Deployment, Group, Incident
from orgflow.store import ImportBatch
from orgflow.web.app import create_app
from orgflow.workspace import init_workspace

DATA_END_NOTE = (
    "The window ends with the delivery data's last day, 2024-01-08 (latest deployment, commit or incident), "
    "not today: nothing was recorded after it; give since and until for another window."
)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("delivery-data-end")
    workspace = init_workspace(folder)
    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.extend(
        [
            Group("t", "payments", "Payments", "team"),
            Component("t", "web", "Web", owner_id="payments"),
            *(
                Deployment("deploys", f"D{n}", "web", "production", "a" * 40, _at(day))
                for n, day in enumerate((1, 3, 5, 8), 1)
            ),
            *(
                Deployment("deploys", f"B{n}", "batch", "production", "b" * 40, _at(day))
                for n, day in enumerate((2, 6), 1)
            ),
            Incident("pager", "I1", "web", "web down", _at(3, 12), _at(3, 18)),
        ]
    )
    workspace.write(batch)
    workspace.close()
    application = create_app(folder, live=False)  # no "now": the clock's today, years after the data
    yield TestClient(application)
    application.state.hub.close()


def _get(client: TestClient, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_default_window_ends_with_the_data(client: TestClient) -> None:
    body = _get(client, "/api/delivery")
    # The 90 days before 2024-01-09 (the day after the data's last day): 2023-10-11 to 2024-01-08.
    assert body["window"] == "last 90 days (2023-10-11 to 2024-01-08)"
    assert body["notes"][0] == DATA_END_NOTE
    services = {row["service"]: row for row in body["services"]["rows"]}
    # 4 deployments in 90 days: 7 * 4 / 90 a week.
    assert (services["web"]["deployments"], services["web"]["deploys_per_week"]) == (4, 7 * 4 / 90)
    assert (services["web"]["failed_deployments"], services["web"]["change_fail_rate"]) == (1, 0.25)
    # No incident names batch and nothing rolls it back: its failures are unknown, not 0.
    assert (services["batch"]["failed_deployments"], services["batch"]["change_fail_rate"]) == (None, None)
    year = _get(client, "/api/delivery", window="365")
    assert year["window"] == "last 365 days (2023-01-09 to 2024-01-08)"


def test_an_explicit_now_keeps_its_own_window(client: TestClient) -> None:
    body = _get(client, "/api/delivery", now="2024-01-20T00:00:00Z")
    assert body["window"] == "last 90 days (2023-10-22 to 2024-01-19)"
    assert DATA_END_NOTE not in body["notes"]


def test_a_window_after_the_data_is_unknown_on_the_page(client: TestClient) -> None:
    body = _get(client, "/api/delivery", since="2024-02-01", until="2024-03-01")
    reason = after_data_reason("2024-01-08T10:00:00+00:00")
    assert f"every figure is unknown: {reason}" in body["notes"]
    (web,) = [row for row in body["services"]["rows"] if row["service"] == "web"]
    assert (web["deployments"], web["deploys_per_week"], web["incidents"]) == (None, None, None)
    page = client.get("/delivery", params={"since": "2024-02-01", "until": "2024-03-01"}).text
    assert "the window lies after the data&#39;s last event (data as of 2024-01-08)" in page


def test_deployments_no_team_owns_are_no_team(client: TestClient) -> None:
    body = _get(client, "/api/delivery")
    teams = {row["team"]: row for row in body["teams"]["rows"]}
    assert set(teams) == {"payments", None}
    assert (teams[None]["name"], teams[None]["deployments"]) == (None, 2)
    assert (
        "2 deployments of batch have no owning team (no component names the service with an owner): "
        "their row's team is empty, shown as (no owning team)"
    ) in body["notes"]
    chart = body["charts"]["deployments-per-week"]["data"]["values"]
    assert sorted({value["team"] for value in chart}) == ["(no owning team)", "Payments"]
    page = client.get("/delivery").text
    assert "(no owning team)" in page and "unowned" not in page
    batch = _get(client, "/api/delivery/services/batch")
    assert batch["owner"] is None
    assert "batch has no owning team: no component names it with an owner." in batch["notes"]
