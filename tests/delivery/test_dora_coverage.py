"""Unknown is not zero in the DORA summary: a service no loaded deployment source covers (known only
from its incidents) has unknown deployment figures with a reason; a covered service without a
deployment in the window has 0.

Hand-built, without commits: "shop" deploys 01-03 and 01-20 (so none in the window 01-08 to 01-15);
"billing" has one incident (01-09 10:00 to 12:00) and no deployment anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgflow.config import Config
from orgflow.delivery.rollup import DEPLOYMENT_FIGURES, NOT_COVERED
from orgflow.delivery.service import DeliveryService
from orgflow.model.delivery import Deployment, Incident
from orgflow.query.context import AnalysisContext
from orgflow.store import ImportBatch, Store

SINCE, UNTIL = date(2024, 1, 8), date(2024, 1, 15)


@pytest.fixture(scope="module")
def service() -> DeliveryService:
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="test")
    for ident, day in (("D1", 3), ("D2", 20)):
        batch.add(Deployment("deploys", ident, "shop", "production", "a" * 40, datetime(2024, 1, day, 12, tzinfo=UTC)))
    batch.add(
        Incident(
            "pager",
            "I1",
            "billing",
            "billing down",
            datetime(2024, 1, 9, 10, tzinfo=UTC),
            datetime(2024, 1, 9, 12, tzinfo=UTC),
        )
    )
    store.write(batch)
    return DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 2, 1, tzinfo=UTC)))


def test_a_service_known_only_from_incidents_has_unknown_deployment_figures(service: DeliveryService) -> None:
    rows = {row["service"]: row for row in service.summary(since=SINCE, until=UNTIL, bands=True).rows()}
    billing = rows["billing"]
    assert {name: billing[name] for name in DEPLOYMENT_FIGURES} == dict.fromkeys(DEPLOYMENT_FIGURES)
    assert (billing["commits_before_first_deployment"], billing["small_sample"]) == (None, None)
    assert (billing["incidents"], billing["incidents_unlinked"]) == (1, 1)
    assert billing["deploy_frequency_band"] is None
    assert billing["unknown_reasons"] == (
        "deployments, deploys_per_week, deploy_days_per_week_median, changes, lead_time_p50_hours, "
        f"lead_time_p85_hours, change_fail_rate, recovery_p50_hours, recovery_p85_hours, rework_rate: {NOT_COVERED}; "
        "deploy_frequency_band: deploys_per_week unknown; lead_time_band: lead_time_p50_hours unknown; "
        "change_fail_band: change_fail_rate unknown; recovery_band: recovery_p50_hours unknown"
    )


def test_a_covered_service_without_a_deployment_in_the_window_counts_zero(service: DeliveryService) -> None:
    shop = {row["service"]: row for row in service.summary(since=SINCE, until=UNTIL).rows()}["shop"]
    # One whole week (01-08 to 01-15) with no deployment day: median 0 days a week.
    assert (shop["deployments"], shop["deploys_per_week"], shop["deploy_days_per_week_median"]) == (0, 0.0, 0.0)
    assert (shop["changes"], shop["failed_deployments"], shop["hotfixes"], shop["small_sample"]) == (0, 0, 0, True)
    assert (shop["change_fail_rate"], shop["rework_rate"], shop["lead_time_p50_hours"]) == (None, None, None)
    assert shop["incidents"] == 0
