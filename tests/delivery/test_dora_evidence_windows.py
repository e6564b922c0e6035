"""What the DORA summary can say of a service: failure figures only with failure evidence for it, nothing
of a window outside the data, and no team id for deployments no team owns.

Hand-built (no commits; as of 2024-02-01), every deployment a successful production one at 10:00 UTC:
- "web" (team Payments) deploys D1 01-01, D2 01-03, D3 01-05, D4 01-08; incident I1 names web, starts
  01-03 12:00 and is resolved 01-03 18:00 (inferred: D2, the last deployment before it).
- "reports" (no owner) deploys R1 01-02 and R2 01-04, a rollback: R1 failed, no incident names reports.
- "batch" (no owner) deploys B1 01-02 and B2 01-06; no incident names it and nothing rolls it back.
The data's last event is D4 (2024-01-08 10:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgflow.config import Config
from orgflow.delivery.presentation import NO_OWNER_TEXT, dora_headline
from orgflow.delivery.rollup import FAILURE_FIGURES, NO_FAILURE_EVIDENCE, OUTSIDE_DATA_FIGURES
from orgflow.delivery.service import DeliveryService
from orgflow.flow.after_data import after_data_reason, before_data_reason
from orgflow.model.delivery import Deployment, Incident
from orgflow.model.org import Component, Group
from orgflow.query.context import AnalysisContext
from orgflow.store import ImportBatch, Store

SINCE, UNTIL = date(2024, 1, 1), date(2024, 1, 9)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def service() -> DeliveryService:
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="test")
    batch.add(Group("t", "payments", "Payments", "team"))
    batch.add(Component("t", "web", "Web", owner_id="payments"))
    for ident, service_name, day, kind in (
        ("D1", "web", 1, "normal"),
        ("D2", "web", 3, "normal"),
        ("D3", "web", 5, "normal"),
        ("D4", "web", 8, "normal"),
        ("R1", "reports", 2, "normal"),
        ("R2", "reports", 4, "rollback"),
        ("B1", "batch", 2, "normal"),
        ("B2", "batch", 6, "normal"),
    ):
        batch.add(Deployment("deploys", ident, service_name, "production", "a" * 40, _at(day), kind=kind))
    batch.add(Incident("pager", "I1", "web", "web down", _at(3, 12), _at(3, 18)))
    store.write(batch)
    return DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 2, 1, tzinfo=UTC)))


def _rows(service: DeliveryService, by: str = "service", **window: date) -> dict[str | None, dict]:  # type: ignore[type-arg]
    result = service.summary(by=by, **(window or {"since": SINCE, "until": UNTIL}))
    return {row[by]: row for row in result.rows()}


def test_failure_figures_need_evidence_for_the_service(service: DeliveryService) -> None:
    rows = _rows(service)
    web, reports, batch = rows["web"], rows["reports"], rows["batch"]
    # web: D2 failed (I1) of 4 = 0.25; recovery from D2 10:00 to I1's resolution 18:00 = 8 h.
    assert (web["failed_deployments"], web["change_fail_rate"], web["recovered"], web["recovery_p50_hours"]) == (
        1,
        0.25,
        1,
        8.0,
    )
    # reports: no incident, but the rollback R2 marks R1 failed: 1 of 2; recovered at R2, 48 h later.
    assert (reports["failed_deployments"], reports["change_fail_rate"], reports["recovery_p50_hours"]) == (1, 0.5, 48.0)
    # batch: nothing says whether B1 or B2 broke production, so neither a rate nor a count of 0.
    assert batch["deployments"] == 2
    assert {name: batch[name] for name in FAILURE_FIGURES} == dict.fromkeys(FAILURE_FIGURES)
    assert batch["unknown_reasons"] == (
        "lead_time_p50_hours, lead_time_p85_hours: no deployed commit with a lead time in the window; "
        f"change_fail_rate, recovery_p50_hours, recovery_p85_hours: {NO_FAILURE_EVIDENCE} (batch)"
    )
    # The deployments source marks rollbacks, so batch's 0 hotfixes is a count.
    assert (batch["hotfixes"], batch["rework_rate"]) == (0, 0.0)
    bands = {
        row["service"]: row["change_fail_band"] for row in service.summary(since=SINCE, until=UNTIL, bands=True).rows()
    }
    assert bands["batch"] is None  # never graded on no evidence
    notes = service.summary(since=SINCE, until=UNTIL).notes
    assert notes[0] == (
        "change_fail_rate, failed deployments and recovery are unknown (–), not 0, for batch: no loaded incident "
        "names or links to it and it has no rollback or hotfix (import its incidents)"
    )


def test_deployments_no_team_owns_have_no_team(service: DeliveryService) -> None:
    teams = _rows(service, by="team")
    assert set(teams) == {"payments", None}
    # The row without a team pools reports and batch: 4 deployments; batch has no evidence, so unknown.
    nobody = teams[None]
    assert (nobody["name"], nobody["deployments"], nobody["change_fail_rate"], nobody["failed_deployments"]) == (
        None,
        4,
        None,
        None,
    )
    assert f"{NO_FAILURE_EVIDENCE} (batch)" in nobody["unknown_reasons"]
    assert (teams["payments"]["deployments"], teams["payments"]["change_fail_rate"]) == (4, 0.25)
    result = service.summary(by="team", since=SINCE, until=UNTIL)
    assert (
        "4 deployments of batch, reports have no owning team (no component names the service with an owner): "
        "their row's team is empty, shown as (no owning team)"
    ) in result.notes
    # A terminal table names the row; JSON and CSV keep the team None.
    shown, _notes = dora_headline(result, {"by": "team"}, None)
    assert shown.table.column("team").to_pylist() == ["payments", NO_OWNER_TEXT]
    owners = {row["deployment_id"]: row["owner"] for row in service.deployments(since=SINCE, until=UNTIL).rows()}
    assert (owners["D1"], owners["R1"], owners["B2"]) == ("payments", None, None)


def test_a_window_after_the_data_is_unknown(service: DeliveryService) -> None:
    result = service.summary(since=date(2024, 1, 9), until=date(2024, 1, 20))
    reason = after_data_reason("2024-01-08T10:00:00+00:00")
    assert result.params["outside_data"] == reason
    assert reason.startswith("the window lies after the data's last event (data as of 2024-01-08)")
    for row in result.rows():
        assert {name: row[name] for name in OUTSIDE_DATA_FIGURES} == dict.fromkeys(OUTSIDE_DATA_FIGURES)
        assert row["unknown_reasons"].endswith(f"rework_rate, incidents: {reason}")
    assert service.deployments(since=date(2024, 1, 9), until=date(2024, 1, 20)).notes == [reason]
    # The window that holds the last event's day still measures: D4 is in it.
    assert _rows(service, since=date(2024, 1, 8), until=date(2024, 1, 20))["web"]["deployments"] == 1


def test_a_window_before_a_services_first_deployment_is_unknown(service: DeliveryService) -> None:
    # [2024-01-01, 2024-01-02): web's D1 is in it; batch and reports first deployed 01-02 10:00.
    rows = _rows(service, since=date(2024, 1, 1), until=date(2024, 1, 1))
    assert (rows["web"]["deployments"], rows["web"]["deploys_per_week"]) == (1, 7.0)
    reason = before_data_reason("2024-01-02T10:00:00")
    assert reason.startswith("the window lies before the data's first event (data from 2024-01-02)")
    for name in ("batch", "reports"):
        assert (rows[name]["deployments"], rows[name]["deploys_per_week"]) == (None, None)
        assert rows[name]["unknown_reasons"].endswith(f"rework_rate: {reason}")
        assert rows[name]["incidents"] == 0  # incidents were recorded then: none of them is about it
    earlier = service.summary(service="web", since=date(2023, 1, 1), until=date(2023, 12, 31))
    (web,) = earlier.rows()
    assert (web["deployments"], web["deploys_per_week"]) == (None, None)
    assert "the window lies before the first recorded deployment of web: their figures are unknown, not 0" in (
        earlier.notes
    )
    assert service.deployments(service="web", since=date(2023, 1, 1), until=date(2023, 12, 31)).notes == [
        before_data_reason("2024-01-01T10:00:00")
    ]
