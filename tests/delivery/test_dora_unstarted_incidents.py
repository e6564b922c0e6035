"""An incident with no start time started in no known window: `dora incidents` and `dora summary` leave it
out of every window's rows and counts, and say how many were left out (a note, and in the params for
JSON).

Hand-built, without commits: "shop" deploys on 01-03 and 01-10. Incidents: I1 of shop, 01-11 10:00 to
12:00 (in the window 01-08 to 01-14, inferred to D2); I2 of shop and I3 of "billing" with no start time
(I2 resolved 01-12); I4 with neither a service nor a start time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgflow.config import Config
from orgflow.delivery.service import DeliveryService
from orgflow.model.delivery import Deployment, Incident
from orgflow.query.context import AnalysisContext
from orgflow.store import ImportBatch, Store

SINCE, UNTIL = date(2024, 1, 8), date(2024, 1, 14)
NOTE = "3 incidents have no start time: they started in no known window, so no window's counts include them"


@pytest.fixture(scope="module")
def service() -> DeliveryService:
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="test")
    for ident, day in (("D1", 3), ("D2", 10)):
        batch.add(Deployment("deploys", ident, "shop", "production", "a" * 40, datetime(2024, 1, day, 12, tzinfo=UTC)))
    at = lambda day, hour: datetime(2024, 1, day, hour, tzinfo=UTC)  # noqa: E731
    batch.add(Incident("pager", "I1", "shop", "shop down", at(11, 10), at(11, 12)))
    batch.add(Incident("pager", "I2", "shop", "shop slow", None, at(12, 9)))
    batch.add(Incident("pager", "I3", "billing", "billing down", None))
    batch.add(Incident("pager", "I4", None, "something broke", None))
    store.write(batch)
    return DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 2, 1, tzinfo=UTC)))


def test_incidents_lists_only_those_started_in_the_window(service: DeliveryService) -> None:
    result = service.incidents(since=SINCE, until=UNTIL)
    assert [(row["incident_id"], row["link"], row["deployment_id"]) for row in result.rows()] == [
        ("I1", "inferred", "D2")
    ]
    assert result.notes == [NOTE]
    assert (result.params["incidents_without_start"], result.params["incidents_without_start_reason"]) == (3, NOTE)
    # A cut counts its own: shop has I2 alone, billing I3 alone; I4 (no service) only without a cut.
    shop = service.incidents(since=SINCE, until=UNTIL, service="shop")
    assert shop.params["incidents_without_start"] == 1
    assert shop.notes == [
        "1 incident has no start time: it started in no known window, so no window's counts include it"
    ]


def test_summary_counts_no_incident_without_a_start(service: DeliveryService) -> None:
    result = service.summary(since=SINCE, until=UNTIL)
    rows = {row["service"]: row for row in result.rows()}
    # billing is known only from I3, which has no start: it is in no window, so no row.
    assert list(rows) == ["shop"]
    shop = rows["shop"]
    assert (shop["deployments"], shop["incidents"], shop["incidents_inferred"], shop["failed_deployments"]) == (
        1,
        1,
        1,
        1,
    )
    # D2 failed (I1): recovery from its finish (01-10 12:00) to I1's resolution (01-11 12:00) = 24 h.
    assert (shop["recovery_p50_hours"], shop["change_fail_rate"]) == (24.0, 1.0)
    assert NOTE in result.notes and result.params["incidents_without_start"] == 3
    assert not any("no service and no link" in note for note in result.notes)


def test_no_note_when_every_incident_has_a_start() -> None:
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="test")
    batch.add(Incident("pager", "I1", "shop", "shop down", datetime(2024, 1, 11, 10, tzinfo=UTC)))
    store.write(batch)
    result = DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 2, 1, tzinfo=UTC))).incidents(
        since=SINCE, until=UNTIL
    )
    assert "incidents_without_start" not in result.params and result.notes == []
