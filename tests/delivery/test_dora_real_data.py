"""DORA on the real opentelemetry-collector history (8,527 commits, 176 release tags), against an independent walk.

The test reads the export's CSVs itself and walks parents with a plain breadth-first search from every
release: a release's new commits are its ancestors minus the ancestors of every earlier release.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import deque
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from tests.conftest import SHARED_DATA

from orgflow.config import Config
from orgflow.delivery.service import DeliveryService
from orgflow.query.context import AnalysisContext
from orgflow.sources import git
from orgflow.store import Store

RELEASE = r"^v\d+\.\d+\.\d+$"


@pytest.fixture(scope="module")
def otel() -> tuple[DeliveryService, dict[str, list[str]], dict[str, datetime], list[tuple[datetime, str, str]]]:
    folder = SHARED_DATA / "git"
    if not folder.is_dir():
        pytest.skip("the shared real-data pack is not beside the project")
    store = Store.open(None)
    options = {"repo": "otel", "deploy_tags": RELEASE, "service": "collector"}
    store.write(git.load([folder], config=Config(), options=options))
    service = DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2026, 9, 1, tzinfo=UTC)))
    parents: dict[str, list[str]] = {}
    committed: dict[str, datetime] = {}
    with gzip.open(folder / "otel-collector.commits.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parents[row["sha"]] = row["parent_shas"].split()
            committed[row["sha"]] = datetime.fromisoformat(row["commit_date_iso"])
    releases = []
    with open(folder / "otel-collector.tags.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if re.search(RELEASE, row["tag"]):
                releases.append(
                    (datetime.fromisoformat(row["tagger_date_iso"]), f"otel@{row['tag']}", row["commit_sha"])
                )
    releases.sort()
    return service, parents, committed, releases


def _ancestors(start: str, parents: dict[str, list[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for parent in parents.get(queue.popleft(), []):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return seen


def test_new_commits_and_lead_times_per_release(otel: tuple) -> None:  # type: ignore[type-arg]
    service, parents, committed, releases = otel
    expected: dict[tuple[str, str], float] = {}
    earlier: set[str] = set()
    first_reach: set[str] = set()
    for index, (tagged_at, deployment_id, sha) in enumerate(releases):
        reach = _ancestors(sha, parents)
        if index == 0:
            first_reach = reach
        else:
            for commit in reach - earlier:
                expected[(deployment_id, commit)] = (tagged_at - committed[commit]).total_seconds() / 3600
        earlier |= reach
    lead = service.lead_time(since=date(2019, 1, 1), until=date(2026, 8, 31))
    found = {(row["deployment_id"], row["sha"]): row["lead_time_hours"] for row in lead.rows()}
    assert len(found) == len(expected) and found == expected
    assert len(expected) > 7000
    before = service.before_first_deployment().rows()
    assert {row["sha"] for row in before} == first_reach
    assert {row["first_deployment_id"] for row in before} == {releases[0][1]}
    per_release = {
        row["deployment_id"]: row["new_commits"]
        for row in service.deployments(since=date(2019, 1, 1), until=date(2026, 8, 31)).rows()
    }
    counted: dict[str, int] = {}
    for deployment_id, _sha in expected:
        counted[deployment_id] = counted.get(deployment_id, 0) + 1
    assert {key: value for key, value in per_release.items() if value} == counted
    summary = service.summary(since=date(2019, 1, 1), until=date(2026, 8, 31)).rows()[0]
    values = list(expected.values())
    assert summary["changes"] == len(values)
    assert summary["lead_time_p50_hours"] == pytest.approx(float(np.percentile(values, 50)), abs=1e-9)
    assert summary["lead_time_p85_hours"] == pytest.approx(float(np.percentile(values, 85)), abs=1e-9)


@pytest.mark.parametrize(
    ("since", "until"), [(date(2020, 7, 1), date(2026, 8, 21)), (date(2024, 1, 1), date(2024, 12, 31))]
)
def test_deployment_frequency(otel: tuple, since: date, until: date) -> None:  # type: ignore[type-arg]
    service, _parents, _committed, releases = otel
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    inside = [tagged_at.astimezone(UTC) for tagged_at, _id, _sha in releases if start <= tagged_at < end]
    days = (end - start).days
    # Whole Monday-start weeks inside the window, and the distinct UTC days with a release in each.
    monday = start.date() + timedelta(days=(7 - start.weekday()) % 7)
    per_week = []
    while monday + timedelta(days=6) < end.date():
        week = {moment.date() for moment in inside if monday <= moment.date() <= monday + timedelta(days=6)}
        per_week.append(len(week))
        monday += timedelta(days=7)
    row = service.summary(since=since, until=until).rows()[0]
    assert row["deployments"] == len(inside)
    assert row["deploys_per_day"] == pytest.approx(len(inside) / days, rel=1e-12)
    assert row["deploys_per_week"] == pytest.approx(7 * len(inside) / days, rel=1e-12)
    assert row["deploy_days_per_week_median"] == float(np.median(per_week))
    # No incidents are loaded and release tags mark no hotfix: the rates are unknown, not 0.
    # The counts beside them are unknown too: how many failed, and how many were hotfixes.
    assert (row["change_fail_rate"], row["failed_deployments"], row["rework_rate"], row["hotfixes"]) == (None,) * 4
