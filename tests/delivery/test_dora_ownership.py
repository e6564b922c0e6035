"""DORA's roll-up to teams follows component ownership over time: a deployment counts for the team that
owned the service on the deployment's day (a reorganization hands a service to another team)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from orgflow.config import Config
from orgflow.delivery.service import DeliveryService
from orgflow.model.delivery import Deployment
from orgflow.model.org import Component, ComponentOwnership, Group
from orgflow.query.context import AnalysisContext
from orgflow.store import ImportBatch, Store

REORG = date(2024, 2, 1)


def _service() -> DeliveryService:
    store = Store.open(None)
    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.extend(
        [
            Group("t", "org", "Org", "org"),
            Group("t", "old", "Old team", "team", parent_id="org", valid_to=REORG),
            Group("t", "new", "New team", "team", parent_id="org", valid_from=REORG),
            Component("t", "shop", "Shop", owner_id="new"),
            ComponentOwnership("t", "shop@old", "shop", "old", None, REORG),
            ComponentOwnership("t", "shop@new", "shop", "new", REORG, None),
        ]
    )
    # Jan 10 and Jan 31 (the last day of the old owner), then Feb 1 and Feb 20.
    for number, day in enumerate(("2024-01-10", "2024-01-31", "2024-02-01", "2024-02-20"), start=1):
        moment = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
        batch.add(Deployment("t", f"d{number}", "shop", "production", f"rev{number}", moment))
    store.write(batch)
    return DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 3, 1, tzinfo=UTC)))


def test_deployments_count_for_the_owner_on_their_day() -> None:
    service = _service()
    rows = service.summary(by="team", since=date(2024, 1, 1), until=date(2024, 2, 29)).rows()
    assert {row["team"]: row["deployments"] for row in rows} == {"old": 2, "new": 2}
    assert service.owner("shop", date(2024, 1, 31)) == "old"
    assert service.owner("shop", REORG) == "new"
    assert service.owner("shop") == "new"


def test_a_team_cut_keeps_only_the_deployments_it_owned() -> None:
    service = _service()
    old = service.summary(by="service", team="old", since=date(2024, 1, 1), until=date(2024, 2, 29)).rows()
    assert [(row["service"], row["deployments"]) for row in old] == [("shop", 2)]
    owners = [row["owner"] for row in service.deployments(since=date(2024, 1, 1), until=date(2024, 2, 29)).rows()]
    assert owners == ["old", "old", "new", "new"]
