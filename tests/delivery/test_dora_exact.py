"""DORA's five metrics on a real repository built with git, with deployments and incidents written directly.

Every expected figure below is computed by hand from the fixed times of the history:

    c1 01-01 09:00 ─ c2 01-02 09:00 ─ c3 01-05 12:00 ─ m1 01-06 09:00 ─ s1 01-08 09:00 ─ r1 01-08 18:00 ─ c4 ─ c5
                         └ f1 01-04 09:00 ─ f2 01-05 09:00 ┘  (merge)   (squash of g1, g2)  (revert s1)
                                                     m1 └ p1 01-09 12:00 (release branch)
    g1 01-07 09:00, g2 01-07 15:00: on a branch only squash-merged, never deployed.

Service "shop" (team payments < cluster commerce < org acme) deploys from tags: v1 on c2 (annotated,
01-03 12:00, its first recorded deployment), v2 on m1 (lightweight: m1's committed time 01-06 09:00),
v3 on r1 (01-09 10:00), v2.1 on p1 (01-09 14:00), v4 on c4 (01-10 12:00); then a hotfix H1 of c5
(01-11 08:00), a rollback R1 to c4 (01-12 10:00) and U1 of an unknown revision (01-12 12:00). A failed
deploy and a staging deploy do not count. Service "api" (unowned) deploys c5 at 01-11 05:00, before c5
was committed (a data-quality warning), then p1 at 01-13 10:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.gitrepo import GitRepo

from orgflow.config import Config
from orgflow.delivery.service import DeliveryService
from orgflow.errors import InputError
from orgflow.model.delivery import Deployment, Incident
from orgflow.model.org import Component, Group
from orgflow.query.context import AnalysisContext
from orgflow.sources import git
from orgflow.store import ImportBatch, Store

SINCE, UNTIL = date(2024, 1, 1), date(2024, 1, 14)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00").astimezone(UTC)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[DeliveryService, dict[str, str]]:
    repo = GitRepo(tmp_path_factory.mktemp("dora") / "shop")
    c: dict[str, str] = {}
    c["c1"] = repo.commit("c1", at="2024-01-01T09:00:00Z")
    c["c2"] = repo.commit("c2", at="2024-01-02T09:00:00Z")
    repo.tag("v1", at="2024-01-03T12:00:00Z")
    repo.branch("feature")
    c["f1"] = repo.commit("f1", at="2024-01-04T09:00:00Z", authored="2024-01-04T08:00:00Z", files={"f.txt": "1"})
    c["f2"] = repo.commit("f2", at="2024-01-05T09:00:00Z", files={"f.txt": "2"})
    repo.checkout("main")
    c["c3"] = repo.commit("c3", at="2024-01-05T12:00:00Z")
    c["m1"] = repo.merge("feature", at="2024-01-06T09:00:00Z")
    repo.tag("v2")
    repo.branch("feature2")
    c["g1"] = repo.commit("g1", at="2024-01-07T09:00:00Z", files={"g.txt": "1"})
    c["g2"] = repo.commit("g2", at="2024-01-07T15:00:00Z", files={"g.txt": "2"})
    repo.checkout("main")
    c["s1"] = repo.squash("feature2", at="2024-01-08T09:00:00Z", message="s1")
    c["r1"] = repo.revert(c["s1"], at="2024-01-08T18:00:00Z")
    repo.tag("v3", at="2024-01-09T10:00:00Z")
    repo.branch("release-2", c["m1"])
    c["p1"] = repo.commit("p1", at="2024-01-09T12:00:00Z", files={"p.txt": "1"})
    repo.tag("v2.1", at="2024-01-09T14:00:00Z")
    repo.checkout("main")
    c["c4"] = repo.commit("c4", at="2024-01-10T09:00:00Z")
    repo.tag("v4", at="2024-01-10T12:00:00Z")
    c["c5"] = repo.commit("c5", at="2024-01-11T06:00:00Z")

    store = Store.open(None)
    store.write(
        git.load([repo.path], config=Config(), options={"repo": "shop", "deploy_tags": "^v", "service": "shop"})
    )
    extra = ImportBatch(source="test", kind="delivery", origin="test")

    def deploy(ident: str, service: str, revision: str, at: str, **fields: str) -> None:
        extra.add(
            Deployment("deploys", ident, service, fields.pop("environment", "production"), revision, _utc(at), **fields)
        )  # type: ignore[arg-type]

    deploy("H1", "shop", c["c5"], "2024-01-11T08:00:00", kind="hotfix")
    deploy("R1", "shop", c["c4"], "2024-01-12T10:00:00", kind="rollback")
    deploy("U1", "shop", "f" * 40, "2024-01-12T12:00:00")
    deploy("F1", "shop", c["c5"], "2024-01-12T13:00:00", status="failure")
    deploy("S1", "shop", c["c5"], "2024-01-12T14:00:00", environment="staging")
    deploy("E1", "api", c["c5"], "2024-01-11T05:00:00")
    deploy("E2", "api", c["p1"], "2024-01-13T10:00:00")

    def incident(ident: str, service: str | None, started: str, resolved: str | None, **links: str) -> None:
        extra.add(
            Incident(
                "pager",
                ident,
                service,
                f"incident {ident}",
                _utc(started),
                _utc(resolved) if resolved else None,
                **links,
            )
        )  # type: ignore[arg-type]

    incident("I1", "shop", "2024-01-09T11:00:00", "2024-01-09T13:00:00")
    incident("I2", "shop", "2024-01-09T15:00:00", "2024-01-09T20:00:00", deployment_id="shop@v2")
    incident("I3", "shop", "2024-01-10T20:00:00", "2024-01-11T09:00:00", commit_id=c["c4"][:10])
    incident("I4", None, "2024-01-10T01:00:00", "2024-01-10T02:00:00")
    incident("I5", "shop", "2024-01-12T09:00:00", None, commit_id=c["c1"])
    extra.add(Group("org", "payments", "Payments", "team", parent_id="commerce"))
    extra.add(Group("org", "commerce", "Commerce", "cluster", parent_id="acme"))
    extra.add(Group("org", "acme", "Acme", "org"))
    extra.add(Component("catalog", "shop", "shop", owner_id="payments"))
    store.write(extra)
    return DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 2, 1, tzinfo=UTC))), c


def _by(result: object, key: str) -> dict[str, dict[str, object]]:
    return {row[key]: row for row in result.rows()}  # type: ignore[attr-defined]


def test_deployment_sets(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, c = history
    rows = _by(service.deployments(since=SINCE, until=UNTIL), "deployment_id")
    assert list(rows) == ["shop@v1", "shop@v2", "shop@v3", "shop@v2.1", "shop@v4", "E1", "H1", "R1", "U1", "E2"]
    assert {key: row["new_commits"] for key, row in rows.items()} == {
        "shop@v1": 0,
        "shop@v2": 4,
        "shop@v3": 2,
        "shop@v2.1": 1,
        "shop@v4": 1,
        "E1": 0,
        "H1": 1,
        "R1": 0,
        "U1": 0,
        "E2": 1,
    }
    assert rows["shop@v1"]["first_recorded"] and rows["shop@v1"]["commits_before_first_deployment"] == 2
    assert rows["E1"]["first_recorded"] and rows["E1"]["commits_before_first_deployment"] == 10
    assert rows["shop@v2"]["time_basis"] == "commit"
    assert rows["shop@v2"]["finished_at"] == datetime(2024, 1, 6, 9, tzinfo=UTC)
    assert not rows["U1"]["revision_known"]
    lead = service.lead_time(since=SINCE, until=UNTIL)
    pairs = {(row["deployment_id"], row["sha"]) for row in lead.rows()}
    assert pairs == {
        ("shop@v2", c["f1"]),
        ("shop@v2", c["f2"]),
        ("shop@v2", c["c3"]),
        ("shop@v2", c["m1"]),
        ("shop@v3", c["s1"]),
        ("shop@v3", c["r1"]),
        ("shop@v2.1", c["p1"]),
        ("shop@v4", c["c4"]),
        ("H1", c["c5"]),
        ("E2", c["p1"]),
    }
    # g1 and g2 were squash-merged: their own commits never reach production.
    assert not {c["g1"], c["g2"]} & {row["sha"] for row in lead.rows()}


def test_patch_release_does_not_bring_main_commits_twice(history: tuple[DeliveryService, dict[str, str]]) -> None:
    """v4 follows v2.1 (a patch on an older branch); diffing only against v2.1 would count s1 and r1 again."""
    service, c = history
    lead = service.lead_time(since=SINCE, until=UNTIL, service="shop")
    assert [row["sha"] for row in lead.rows() if row["deployment_id"] == "shop@v4"] == [c["c4"]]


def test_exact_lead_times(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, c = history
    committed = {
        row["sha"]: row["lead_time_hours"] for row in service.lead_time(service="shop", since=SINCE, until=UNTIL).rows()
    }
    assert committed == {
        c["f1"]: 48,
        c["f2"]: 24,
        c["c3"]: 21,
        c["m1"]: 0,
        c["s1"]: 25,
        c["r1"]: 16,
        c["p1"]: 2,
        c["c4"]: 3,
        c["c5"]: 2,
    }
    authored = service.lead_time(service="shop", since=SINCE, until=UNTIL, commit_time="authored")
    assert {row["sha"]: row["lead_time_hours"] for row in authored.rows()}[c["f1"]] == 49
    summary = _by(service.summary(since=SINCE, until=UNTIL), "service")["shop"]
    # sorted: 0 2 2 3 16 21 24 25 48 -> p50 = 16; p85 at rank 6.8 -> 24 + 0.8 * (25 - 24)
    assert summary["changes"] == 9
    assert summary["lead_time_p50_hours"] == 16
    assert summary["lead_time_p85_hours"] == pytest.approx(24.8, abs=1e-12)
    authored_summary = _by(service.summary(since=SINCE, until=UNTIL, commit_time="authored"), "service")["shop"]
    assert authored_summary["lead_time_p85_hours"] == pytest.approx(24.8, abs=1e-12)  # f1's 49 is above p85 anyway


def test_frequency_failures_recovery_rework(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, _c = history
    shop = _by(service.summary(since=SINCE, until=UNTIL, bands=True), "service")["shop"]
    assert shop["deployments"] == 8  # v1 v2 v3 v2.1 v4 H1 R1 U1; not the failed or the staging one
    assert shop["deploys_per_day"] == 8 / 14 and shop["deploys_per_week"] == 4.0
    assert shop["deploy_days_per_week_median"] == 3.0  # weeks of Jan 1 and Jan 8: 2 and 4 deployment days
    # Failed: v2 (I2 explicit), v3 (I1 inferred), v4 (hotfix H1 follows, and I3 explicit by commit), H1 (rolled back).
    assert (shop["failed_deployments"], shop["change_fail_rate"]) == (4, 0.5)
    assert (shop["failures_explicit"], shop["failures_inferred"]) == (2, 2)
    # Recovery: v2 01-06 09:00 -> I2 resolved 01-09 20:00 = 83 h; v3 10:00 -> 13:00 = 3 h;
    # v4 01-10 12:00 -> I3 resolved 01-11 09:00 = 21 h; H1 01-11 08:00 -> next deploy R1 01-12 10:00 = 26 h.
    assert (shop["recovered"], shop["unrecovered"]) == (4, 0)
    assert shop["recovery_p50_hours"] == 23.5
    assert shop["recovery_p85_hours"] == pytest.approx(26 + 0.55 * (83 - 26))
    assert (shop["hotfixes"], shop["rollbacks"], shop["rework_rate"]) == (1, 1, 0.125)
    assert (shop["incidents"], shop["incidents_explicit"], shop["incidents_inferred"], shop["incidents_unlinked"]) == (
        4,
        2,
        1,
        1,
    )
    assert (shop["unknown_revisions"], shop["first_recorded_deployments"], shop["commits_before_first_deployment"]) == (
        1,
        1,
        2,
    )
    # Under the default minimum sample (20) no figure is graded: 8 deployments, 9 lead times, 4 recoveries.
    band_columns = ("deploy_frequency_band", "lead_time_band", "change_fail_band", "recovery_band")
    assert [shop[band] for band in band_columns] == [None, None, None, None]
    assert shop["unknown_reasons"] == (
        "deploy_frequency_band, change_fail_band: 8 deployments, under the minimum sample of 20; "
        "lead_time_band: 9 lead times, under the minimum sample of 20; "
        "recovery_band: 4 recovered failures, under the minimum sample of 20"
    )
    # With a minimum of 4 every sample is enough: 4 deploys a week is high, 16 h elite, 50 % low, 23.5 h high.
    lenient = DeliveryService(
        AnalysisContext.over(service.context.store, Config(thresholds={"small_sample": 4}), now=service.context.now)
    )
    graded = _by(lenient.summary(since=SINCE, until=UNTIL, bands=True), "service")["shop"]
    assert [graded[band] for band in band_columns] == ["high", "elite", "low", "high"]
    assert graded["unknown_reasons"] is None
    lenient5 = DeliveryService(
        AnalysisContext.over(service.context.store, Config(thresholds={"small_sample": 5}), now=service.context.now)
    )
    graded5 = _by(lenient5.summary(since=SINCE, until=UNTIL, bands=True), "service")["shop"]
    assert [graded5[band] for band in band_columns] == ["high", "elite", "low", None]
    deployments = _by(service.deployments(since=SINCE, until=UNTIL), "deployment_id")
    assert deployments["shop@v4"]["failure_causes"] == "hotfix,incident"
    assert deployments["shop@v4"]["failure_link"] == "explicit"
    assert deployments["H1"]["failure_causes"] == "rollback" and deployments["H1"]["recovery_hours"] == 26


def test_explicit_link_is_never_reattributed(history: tuple[DeliveryService, dict[str, str]]) -> None:
    """I2 started after v2.1 (the heuristic's pick) but links v2; I5 links a commit older than v1."""
    service, _c = history
    incidents = _by(service.incidents(since=SINCE, until=UNTIL), "incident_id")
    assert {key: (row["link"], row["deployment_id"]) for key, row in incidents.items()} == {
        "I1": ("inferred", "shop@v3"),
        "I2": ("explicit", "shop@v2"),
        "I3": ("explicit", "shop@v4"),
        "I4": ("unlinked", None),
        "I5": ("unlinked", None),
    }
    assert incidents["I5"]["reason"] == "linked commit reached production before the first recorded deployment"
    assert incidents["I4"]["reason"] == "no service and no link"


def test_commits_before_first_deployment_are_reported_not_pinned(
    history: tuple[DeliveryService, dict[str, str]],
) -> None:
    service, c = history
    rows = service.before_first_deployment(service="shop").rows()
    assert [(row["first_deployment_id"], row["sha"]) for row in rows] == [("shop@v1", c["c1"]), ("shop@v1", c["c2"])]
    assert not {c["c1"], c["c2"]} & {row["sha"] for row in service.lead_time(since=SINCE, until=UNTIL).rows()}


def test_rollups_by_team_and_group(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, _c = history
    shop = _by(service.summary(since=SINCE, until=UNTIL), "service")["shop"]
    api = _by(service.summary(since=SINCE, until=UNTIL), "service")["api"]
    teams = _by(service.summary(by="team", since=SINCE, until=UNTIL), "team")
    # api's deployments belong to no team: their row's team (and group) is None, never a team id.
    assert set(teams) == {"payments", None}
    assert (teams["payments"]["name"], teams[None]["name"]) == ("Payments", None)
    groups = _by(service.summary(by="group", since=SINCE, until=UNTIL), "group")
    assert set(groups) == {"payments", "commerce", "acme", None}
    figures = [name for name in shop if name not in ("service",)]
    for key in ("payments", "commerce", "acme"):
        assert {name: groups[key][name] for name in figures} == {name: shop[name] for name in figures}
    assert {name: teams[None][name] for name in figures} == {name: api[name] for name in figures}
    assert api["deployments"] == 2 and api["changes"] == 1 and api["lead_time_p50_hours"] == 94
    # No incident names api and neither of its deployments is a rollback or hotfix: its failures are unknown.
    assert (api["failed_deployments"], api["change_fail_rate"], api["recovered"]) == (None, None, None)
    only = service.summary(by="service", since=SINCE, until=UNTIL, group="commerce")
    assert [row["service"] for row in only.rows()] == ["shop"]


def test_quality_warnings(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, _c = history
    warnings = {row["warning"]: (row["count"], row["example"]) for row in service.quality().rows()}
    assert warnings == {
        "deployments whose revision is not a loaded commit (no lead time)": (1, "U1"),
        "deployments that finished before their revision was committed": (1, "E1"),
        "incidents without a service": (1, "I4"),
        "incidents that could not be linked to a deployment": (2, "I4 (no service and no link)"),
        "commits in production before the first recorded deployment (not counted as changes)": (12, "api: 10 by E1"),
    }


def test_bad_arguments(history: tuple[DeliveryService, dict[str, str]]) -> None:
    service, _c = history
    with pytest.raises(InputError):
        service.summary(by="repo")
    with pytest.raises(InputError):
        service.summary(commit_time="pushed")
    with pytest.raises(InputError):
        service.summary(service="nope")
    with pytest.raises(InputError):
        service.summary(team="nope")


def test_empty_store_gives_empty_tables(tmp_path: Path) -> None:
    service = DeliveryService(AnalysisContext.over(Store.open(None), Config()))
    summary = service.summary()
    assert summary.table.num_rows == 0 and "lead_time_p50_hours" in summary.table.column_names
    assert service.quality().table.num_rows == 0
