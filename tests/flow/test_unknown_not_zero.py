"""Unknown is not zero: a figure the loaded data cannot support is null with a reason, never 0 or graded.

Hand-built cases with every expected value worked out in the comments, then the real exports in
../shared/data (a Jira export without changelog, whose cycle time now comes from its reported time in
status, and the opentelemetry-collector git history without incidents).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy
import pyarrow as pa
import pytest

import orgflow
from orgflow.cli.render import Format, render
from orgflow.config import Config, status_key
from orgflow.delivery.rollup import INCIDENT_COUNTS
from orgflow.delivery.service import NO_INCIDENTS, NO_KINDS, DeliveryService
from orgflow.flow.service import MetricResult
from orgflow.flow.summary import NO_STATUS_HISTORY, skipped_majority_reason
from orgflow.model import PullRequest, StatusTransition, WorkItem
from orgflow.model.delivery import Deployment, Incident
from orgflow.query.context import AnalysisContext
from orgflow.sources import git
from orgflow.sources.jira import KNOWN_STATUS_IDS, TIME_IN_STATUS_FIELD
from orgflow.store import ImportBatch, Store
from orgflow.workspace import Workspace

SINCE, UNTIL = date(2024, 1, 1), date(2024, 1, 14)
BANDS = ("deploy_frequency_band", "lead_time_band", "change_fail_band", "recovery_band")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


def _add_histories(batch: ImportBatch, histories: dict[tuple[str, str], tuple[tuple[str, str], ...]]) -> None:
    """Add each (key, team) item of 2024 with its ("MM-DD", status) moves: created at the first move, its
    status the last one."""
    for (key, team), moves in histories.items():
        created = _utc(f"2024-{moves[0][0]}T00:00:00")
        batch.add(
            WorkItem(
                source="t",
                source_id=key,
                project="P",
                team_id=team,
                title=key,
                item_type="Story",
                created_at=created,
                status=moves[-1][1],
            )
        )
        for seq, (day, status) in enumerate(moves):
            batch.add(StatusTransition("t", key, seq, _utc(f"2024-{day}T00:00:00"), None, status))


def _delivery(*, incidents: bool, hotfix: bool, small_sample: int = 20, now: datetime | None = None) -> DeliveryService:
    """Service "web" deploys D1 01-01, D2 01-02, D3 01-03, D4 01-08 and D5 01-10 (10:00 UTC each), from a
    deployments file: no commits are loaded. With `hotfix`, D5 is a hotfix; with `incidents`, incident I1
    (explicitly linked to D2) starts 01-02 12:00 and is resolved 01-02 18:00."""
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="hand-built")
    for name, day in (("D1", "01"), ("D2", "02"), ("D3", "03"), ("D4", "08"), ("D5", "10")):
        kind = "hotfix" if hotfix and name == "D5" else "normal"
        batch.add(
            Deployment("deploys", name, "web", "production", "f" * 40, _utc(f"2024-01-{day}T10:00:00"), kind=kind)
        )
    if incidents:
        batch.add(
            Incident(
                "pager",
                "I1",
                "web",
                "checkout down",
                _utc("2024-01-02T12:00:00"),
                _utc("2024-01-02T18:00:00"),
                deployment_id="D2",
            )
        )
    store.write(batch)
    config = Config(thresholds={"small_sample": small_sample})
    return DeliveryService(AnalysisContext.over(store, config, now=now))


def _row(result: Any) -> dict[str, Any]:
    (row,) = result.rows()
    return row


def test_without_incidents_fail_rate_and_recovery_are_unknown_not_zero() -> None:
    service = _delivery(incidents=False, hotfix=False, small_sample=2)
    row = _row(service.summary(since=SINCE, until=UNTIL, bands=True))

    assert row["deployments"] == 5 and row["failed_deployments"] is None
    # No incident is loaded at all: the row's incident counts are unknown too, not 0.
    assert [row[name] for name in INCIDENT_COUNTS] == [None, None, None, None]
    assert (row["change_fail_rate"], row["recovery_p50_hours"], row["recovery_p85_hours"]) == (None, None, None)
    # Its only deployment source marks no hotfix or rollback: the rework rate has nothing to count.
    assert row["rework_rate"] is None
    # 5 deployments over 14 days: 2.5 a week is "high"; the other three have no figure, so no band.
    assert [row[band] for band in BANDS] == ["high", None, None, None]
    assert row["unknown_reasons"] == (
        f"lead_time_p50_hours, lead_time_p85_hours: no deployed commit with a lead time in the window; "
        f"change_fail_rate, recovery_p50_hours, recovery_p85_hours, incidents: {NO_INCIDENTS}; "
        f"rework_rate: {NO_KINDS}; "
        "lead_time_band: lead_time_p50_hours unknown; change_fail_band: change_fail_rate unknown; "
        "recovery_band: recovery_p50_hours unknown"
    )
    assert any("no incidents imported" in note for note in service.summary(since=SINCE, until=UNTIL).notes)


def test_one_linked_incident_gives_the_exact_rate_recovery_and_bands() -> None:
    service = _delivery(incidents=True, hotfix=True, small_sample=2)
    row = _row(service.summary(since=SINCE, until=UNTIL, bands=True))

    # Failed: D2 (I1 names it) and D4 (the hotfix D5 follows it): 2 of 5 = 0.4, above 15 %: low.
    assert (row["failed_deployments"], row["change_fail_rate"]) == (2, 0.4)
    assert (row["failures_explicit"], row["failures_inferred"]) == (1, 1)
    # Recovery: D2 10:00 -> I1 resolved 18:00 = 8 h; D4 01-08 10:00 -> D5 01-10 10:00 = 48 h.
    # p50 = 28 h (a day or more, under a week: medium); p85 at h = 0.85 -> 8 + 0.85 * 40 = 42 h.
    assert (row["recovered"], row["recovery_p50_hours"]) == (2, 28.0)
    assert row["recovery_p85_hours"] == pytest.approx(42.0, abs=1e-12)
    assert (row["hotfixes"], row["rework_rate"]) == (1, 0.2)
    assert [row[band] for band in BANDS] == ["high", None, "low", "medium"]
    assert row["unknown_reasons"] == (
        "lead_time_p50_hours, lead_time_p85_hours: no deployed commit with a lead time in the window; "
        "lead_time_band: lead_time_p50_hours unknown"
    )


def test_no_band_below_the_minimum_sample() -> None:
    service = _delivery(incidents=True, hotfix=True)  # thresholds.small_sample defaults to 20
    row = _row(service.summary(since=SINCE, until=UNTIL, bands=True))

    assert row["change_fail_rate"] == 0.4 and row["recovery_p50_hours"] == 28.0  # the figures stay
    assert [row[band] for band in BANDS] == [None, None, None, None]
    assert (
        "deploy_frequency_band, change_fail_band: 5 deployments, under the minimum sample of 20"
        in (row["unknown_reasons"])
    )
    assert "recovery_band: 2 recovered failures, under the minimum sample of 20" in row["unknown_reasons"]


def test_default_window_ends_with_the_data_not_today() -> None:
    # No --until and no --now: the data's last day is 01-10 (D5), weeks before today.
    service = _delivery(incidents=False, hotfix=False)
    result = service.summary()
    row = _row(result)

    # [01-01, 01-11): 10 days, 5 deployments -> 0.5 a day, 3.5 a week; the one whole week (01-01 to
    # 01-07) has 3 deployment days (the week of 01-08 is cut by the end).
    assert (result.params["since"], result.params["until"]) == ("2024-01-01T00:00:00Z", "2024-01-11T00:00:00Z")
    assert (row["deploys_per_day"], row["deploys_per_week"], row["deploy_days_per_week_median"]) == (0.5, 3.5, 3.0)
    assert result.params["window_end"] == "data as of"
    assert result.params["data_as_of"] == "2024-01-10T10:00:00+00:00"
    assert any("ends with the data's last day, 2024-01-10" in note for note in result.notes)
    assert service.deployments().params["until"] == "2024-01-11T00:00:00Z"
    assert service.lead_time().params["window_end"] == "data as of"


def test_explicit_now_and_until_keep_their_end() -> None:
    at_now = _delivery(incidents=False, hotfix=False, now=datetime(2024, 2, 1, 12, tzinfo=UTC)).summary()
    # --now 2024-02-01: [01-01, 02-01) is 31 days, as before this change.
    assert at_now.params["until"] == "2024-02-01T00:00:00Z" and at_now.params["window_end"] == "now"
    assert _row(at_now)["deploys_per_week"] == 7 * 5 / 31
    until = _delivery(incidents=False, hotfix=False).summary(until=date(2024, 1, 3))
    assert until.params["until"] == "2024-01-04T00:00:00Z" and until.params["window_end"] == "until"
    assert _row(until)["deployments"] == 3


# -- flow: histories without status changes ---------------------------------------------------------------

BOARD = """
thresholds: {sle_items: 4, sle_percentile: 85}
workflows:
  - name: board
    applies_to: {source: t, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
"""


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Workspace]:
    """alpha: K-1 Open 03-01 -> Resolved 03-05, K-2 Open 03-02 -> Resolved 03-08 (only created and
    resolved, as an export without changelog gives). beta: L-1 Open 03-01 -> In Progress 03-02 -> Resolved
    03-05 (3 days active), L-2 Open 03-01 -> Resolved 03-04 (backlog straight to done)."""
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    workspace = orgflow.open(tmp_path)
    batch = ImportBatch("t", "test", "hand-built")
    histories = {
        ("K-1", "alpha"): (("03-01", "Open"), ("03-05", "Resolved")),
        ("K-2", "alpha"): (("03-02", "Open"), ("03-08", "Resolved")),
        ("L-1", "beta"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-05", "Resolved")),
        ("L-2", "beta"): (("03-01", "Open"), ("03-04", "Resolved")),
    }
    _add_histories(batch, histories)
    workspace.write(batch)
    yield workspace
    workspace.close()


def test_cycle_time_and_efficiency_without_status_history_are_null(board: Workspace) -> None:
    service = board.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    summary = service.summary(since=date(2024, 3, 1), until=date(2024, 3, 10), by="team")
    rows = {row["team"]: row for row in summary.rows()}

    alpha, beta = rows["alpha"], rows["beta"]
    # alpha: lead times 4 and 6 days are known; no item spent time started, so no cycle time.
    assert (alpha["finished"], alpha["lead_time_p50"], alpha["skipped_start"]) == (2, 5.0, 2)
    assert [alpha[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == [None, None, None, None]
    assert alpha["flow_efficiency"] is None
    assert alpha["unknown_reasons"] == NO_STATUS_HISTORY
    # beta: L-1 has a history (cycle 3, active 3), L-2 skipped its start (cycle 0, counted as such):
    # cycle [0, 3] -> p50 1.5; efficiency 3 / 3.
    assert beta["cycle_time_p50"] == pytest.approx(1.5, abs=1e-12)
    assert beta["flow_efficiency"] == pytest.approx(1.0, abs=1e-12)
    assert beta["unknown_reasons"] is None
    efficiency = {row["team"]: row for row in service.efficiency(since=date(2024, 3, 1), by="team").rows()}
    assert (efficiency["alpha"]["flow_efficiency"], efficiency["alpha"]["item_efficiency_p50"]) == (None, None)
    # SLE over the last 4 stories: alpha has no measurable cycle time; beta p85 of [0, 3] = 2.55.
    sle = {row["team_id"]: (row["sample"], row["sle_days"]) for row in service.sle().rows()}
    assert sle["alpha"] == (2, None)
    assert sle["beta"][0] == 2 and sle["beta"][1] == pytest.approx(2.55, abs=1e-12)


SKIP_BOARD = """
workflows:
  - name: board
    applies_to: {source: t, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Waiting, phase: Create, category: wait, statuses: [Waiting]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
"""
# Every item is created 03-01 00:00 (the first move) and resolved in March 2024.
SKIP_HISTORIES = {
    # gamma: 2 timed items, 3 that went from Open straight to Resolved (skipped_start): 3 of 5.
    ("G-1", "gamma"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Resolved")),
    ("G-2", "gamma"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-05", "Resolved")),
    ("G-3", "gamma"): (("03-01", "Open"), ("03-04", "Resolved")),
    ("G-4", "gamma"): (("03-01", "Open"), ("03-05", "Resolved")),
    ("G-5", "gamma"): (("03-01", "Open"), ("03-06", "Resolved")),
    # delta: 3 timed items (cycle 1, 2 and 4 days; D-3 waits 2 of its 4), 2 skipped: 2 of 5.
    ("D-1", "delta"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Resolved")),
    ("D-2", "delta"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")),
    ("D-3", "delta"): (("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Waiting"), ("03-06", "Resolved")),
    ("D-4", "delta"): (("03-01", "Open"), ("03-07", "Resolved")),
    ("D-5", "delta"): (("03-01", "Open"), ("03-08", "Resolved")),
}


def test_cycle_time_is_unknown_when_most_finished_items_skipped_their_start(tmp_path: Path) -> None:
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(SKIP_BOARD, encoding="utf-8")
    workspace = orgflow.open(tmp_path)
    try:
        batch = ImportBatch("t", "test", "hand-built")
        _add_histories(batch, SKIP_HISTORIES)
        workspace.write(batch)
        service = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
        summary = service.summary(since=date(2024, 3, 1), until=date(2024, 3, 10), by="team")
        rows = {row["team"]: row for row in summary.rows()}
    finally:
        workspace.close()

    gamma, delta = rows["gamma"], rows["delta"]
    # gamma: 3 of 5 skipped (60 %), more than half: no cycle time, no efficiency, and the reason says the share.
    assert (gamma["finished"], gamma["skipped_start"]) == (5, 3)
    assert [gamma[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == [None, None, None, None]
    assert gamma["flow_efficiency"] is None
    assert (
        gamma["unknown_reasons"]
        == skipped_majority_reason(3, 5)
        == (
            "cycle_time, flow_efficiency: 3 of 5 finished items (60 %) skipped every active stage (skipped_start); "
            "cycle time is not measured for them"
        )
    )
    # Lead time and throughput keep every item: lead times 2, 4, 3, 4, 5 -> p50 of [2, 3, 4, 4, 5] = 4;
    # 5 items over the 8 days of the window the data covers (03-01 to 03-08, its last event) = 4.375 a week.
    assert gamma["lead_time_p50"] == 4.0
    assert gamma["throughput_per_week"] == pytest.approx(4.375, abs=1e-12)
    # delta: 2 of 5 skipped, not a majority: they count with cycle time 0, as METRICS.md defines.
    # Sorted cycle times [0, 0, 1, 2, 4]: p50 at h = 2 -> 1; p70 h = 2.8 -> 1 + 0.8 * 1 = 1.8;
    # p85 h = 3.4 -> 2 + 0.4 * 2 = 2.8; p95 h = 3.8 -> 2 + 0.8 * 2 = 3.6 (0-based positions).
    assert (delta["finished"], delta["skipped_start"]) == (5, 2)
    assert [delta[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == pytest.approx([1.0, 1.8, 2.8, 3.6], abs=1e-12)
    # Active 1 + 2 + 2 (D-3 waited 2 of its 4 days) over cycle 1 + 2 + 4: 5 / 7.
    assert delta["flow_efficiency"] == pytest.approx(5 / 7, abs=1e-12)
    assert delta["unknown_reasons"] is None


def test_the_skipped_share_is_a_whole_percent_that_never_reads_as_half_or_all() -> None:
    assert skipped_majority_reason(2919, 2966).startswith(
        "cycle_time, flow_efficiency: 2919 of 2966 finished items (98 %)"
    )
    assert "(51 %)" in skipped_majority_reason(501, 1000)
    assert "(99 %)" in skipped_majority_reason(999, 1000)


# -- the real exports ------------------------------------------------------------------------------------


def _reported_cycle_days(export: Path) -> dict[str, tuple[float, float]]:
    """Per issue of the export, (cycle days, active days) worked out from the raw "Time in Status" text:
    the milliseconds of every entry whose status the default workflow puts in an active or wait stage
    (or in none: unmapped counts as waiting), active ones apart."""
    workflow = Config().workflow_for("jira", "ANY")
    category = {status_key(status): stage.category for stage in workflow.stages for status in stage.statuses}
    times: dict[str, tuple[float, float]] = {}
    with gzip.open(export, "rt", encoding="utf-8") as lines:
        for line in lines:
            issue = json.loads(line)
            text = issue["fields"].get(TIME_IN_STATUS_FIELD)
            if not text:
                continue
            names = {**KNOWN_STATUS_IDS, issue["fields"]["status"]["id"]: issue["fields"]["status"]["name"]}
            started = active = 0
            for entry in text.split("_*|*_"):
                status_id, _entered, millis = entry.split("_*:*_")
                kind = category.get(status_key(names.get(status_id, "?")), "unmapped")
                if kind in ("active", "wait", "unmapped"):
                    started += int(millis)
                if kind == "active":
                    active += int(millis)
            times[issue["key"]] = (started / 86_400_000, active / 86_400_000)
    return times


def test_jira_export_without_changelog_uses_reported_time_in_status(tmp_path: Path, shared_data: Path) -> None:
    # Until the reported "Time in Status" field was used, this export (no changelog: every item went from
    # Open straight to its resolved status) had null cycle time, efficiency and SLE. Now they come from
    # the field (docs/metrics.md, "Reported time in status") and equal a loop over the raw text.
    export = shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"
    workspace = orgflow.init(tmp_path)
    try:
        workspace.import_files("jira", [export])
        service = workspace.flow_at(datetime(2019, 12, 31, tzinfo=UTC))
        # The whole history (from 2004), not the default window's last 90 days.
        history = date(2004, 1, 1)
        summary = service.summary(by="team", since=history)
        rows = {row["team"]: row for row in summary.rows()}
        assert rows.keys() == {"AMQ", "ZOOKEEPER"}
        reported = _reported_cycle_days(export)
        done: dict[str, list[str]] = {}
        for item in service.lead_time(since=history).rows():
            done.setdefault(item["team_id"], []).append(item["item_id"])
        for team, row in rows.items():
            assert row["finished"] == len(done[team]) > 0 and row["lead_time_p50"] > 0, team
            # Every done item of this export carries the field; skipped_start counts those reporting 0 days.
            cycles = [reported[key][0] for key in done[team]]
            assert row["skipped_start"] == sum(1 for cycle in cycles if cycle == 0), team
            if row["skipped_start"] * 2 > row["finished"]:
                continue
            expected = [float(numpy.percentile(cycles, p)) for p in (50, 70, 85, 95)]
            assert [row[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == pytest.approx(expected, abs=1e-9), team
            active = sum(reported[key][1] for key in done[team])
            assert row["flow_efficiency"] == pytest.approx(active / sum(cycles), abs=1e-12), team
            assert row["unknown_reasons"] is None, team
        # AMQ resolved nearly every issue straight from Open: 2,919 of its 2,966 done items report no time in
        # a started status (AMQ's workflow had no working status in use; the field says 0 days in one), so
        # its percentiles and efficiency are unknown rather than a 0 and a 100 % measured on 47 items.
        # ZOOKEEPER's issues wait in Patch Available.
        assert (rows["AMQ"]["finished"], rows["AMQ"]["skipped_start"]) == (2966, 2919)
        assert [rows["AMQ"][f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == [None, None, None, None]
        assert rows["AMQ"]["flow_efficiency"] is None
        assert rows["AMQ"]["unknown_reasons"] == skipped_majority_reason(2919, 2966)
        assert rows["ZOOKEEPER"]["unknown_reasons"] is None
        assert rows["ZOOKEEPER"]["cycle_time_p50"] == pytest.approx(3.3275072395833334, abs=1e-12)
        assert rows["ZOOKEEPER"]["flow_efficiency"] == pytest.approx(0.015455220574419774, abs=1e-12)
        # Every done item has reported times; they time only those that report time in a started status.
        skipped = rows["AMQ"]["skipped_start"] + rows["ZOOKEEPER"]["skipped_start"]
        claimed = (
            f"reported time in status for {3940 - skipped} of 3940 finished items (they have no status history; "
            f"docs/metrics.md, 'Reported time in status'); {skipped} more have reported times with no time in an "
            "active or wait status"
        )
        assert any(claimed in note for note in summary.notes)
        # The SLE reads each team's last 50 finished bugs, and the same rule: most of them report no time in
        # a started status (49 of AMQ's, 41 of ZOOKEEPER's recent ones), so neither SLE is measured.
        sle = {(row["team_id"], row["item_type"]): row for row in service.sle().rows()}
        assert sle.keys() == {("AMQ", "Bug"), ("ZOOKEEPER", "Bug")}
        finished = service.lead_time(since=history).rows()
        finished.sort(key=lambda item: item["item_id"])
        finished.sort(key=lambda item: item["finished_at"], reverse=True)
        skipped = {}
        for team in ("AMQ", "ZOOKEEPER"):
            last = [item["item_id"] for item in finished if item["team_id"] == team and item["item_type"] == "Bug"]
            skipped[team] = sum(1 for key in last[:50] if reported[key][0] == 0)
            assert (sle[(team, "Bug")]["sample"], sle[(team, "Bug")]["sle_days"]) == (50, None)
            assert sle[(team, "Bug")]["unknown_reasons"] == skipped_majority_reason(skipped[team], 50, "sle_days")
        assert skipped == {"AMQ": 49, "ZOOKEEPER": 41}
    finally:
        workspace.close()


def test_git_history_without_incidents_has_no_fail_rate(shared_data: Path) -> None:
    folder = shared_data / "git"
    store = Store.open(None)
    release = r"^v\d+\.\d+\.\d+$"
    store.write(
        git.load([folder], config=Config(), options={"repo": "otel", "deploy_tags": release, "service": "otel"})
    )
    service = DeliveryService(AnalysisContext.over(store, Config()))
    result = service.summary(bands=True)
    row = _row(result)

    assert row["deployments"] == 176 and row["incidents"] is None  # none loaded: unknown, not 0
    assert (row["change_fail_rate"], row["recovery_p50_hours"], row["rework_rate"]) == (None, None, None)
    assert (row["change_fail_band"], row["recovery_band"]) == (None, None)
    assert row["lead_time_p50_hours"] is not None and row["lead_time_band"] is not None
    # The window runs from the first release's day to the end of the last day with data: the newest
    # commit (2026-08-21), four days after the last release, not today.
    with open(folder / "otel-collector.tags.csv", encoding="utf-8", newline="") as handle:
        tagged = sorted(
            datetime.fromisoformat(entry["tagger_date_iso"]).astimezone(UTC)
            for entry in csv.DictReader(handle)
            if re.search(release, entry["tag"])
        )
    assert len(tagged) == 176
    start = datetime.combine(tagged[0].date(), datetime.min.time())
    end = datetime(2026, 8, 22)
    if datetime.now(UTC).date() <= end.date() - timedelta(days=1):
        pytest.skip("the machine's clock is not past the data's end")
    assert result.params["window_end"] == "data as of"
    assert (result.params["since"], result.params["until"]) == (start.isoformat() + "Z", end.isoformat() + "Z")
    assert row["deploys_per_week"] == 7 * 176 / ((end - start).total_seconds() / 86_400)


def test_pull_request_window_ends_with_its_data(tmp_path: Path) -> None:
    # PR 1 opened 05-01 10:00, merged 05-02 10:00; PR 2 opened 05-02 11:00, closed unmerged 05-03 10:00.
    workspace = orgflow.init(tmp_path)
    try:
        batch = ImportBatch(source="t", kind="test", origin="hand-built")
        batch.extend(
            [
                PullRequest("t", "shop#1", "shop", 1, "one", "ann", _utc("2024-05-01T10:00:00"),
                            merged_at=_utc("2024-05-02T10:00:00"), closed_at=_utc("2024-05-02T10:00:00")),
                PullRequest("t", "shop#2", "shop", 2, "two", "bob", _utc("2024-05-02T11:00:00"),
                            closed_at=_utc("2024-05-03T10:00:00")),
            ]
        )  # fmt: skip
        workspace.write(batch)
        stages = workspace.pull_requests_at(None).stages()
        assert (stages.params["since"], stages.params["until"]) == ("2024-05-01T00:00:00Z", "2024-05-04T00:00:00Z")
        assert stages.params["window_end"] == "data as of"
        assert stages.params["data_as_of"] == "2024-05-03T10:00:00+00:00"
        assert stages.table.num_rows == 2
        given = workspace.pull_requests_at(datetime(2024, 6, 1, tzinfo=UTC)).summary()
        assert given.params["until"] == "2024-06-01T00:00:00Z" and given.params["window_end"] == "now"
    finally:
        workspace.close()


def test_terminal_table_prints_a_dash_and_the_reason_under_it(capsys: pytest.CaptureFixture[str]) -> None:
    table = pa.table(
        {
            "team": ["AMQ", "ZOOKEEPER", "KAFKA"],
            "cycle_time_p50": [None, None, 2.5],
            "unknown_reasons": [NO_STATUS_HISTORY, NO_STATUS_HISTORY, None],
        }
    )
    render(MetricResult("summary", "headline figures", {"rows": 3}, table), Format.table)
    out = capsys.readouterr().out
    assert "unknown_reasons" not in out and "2.50" in out and out.count("–") == 3  # two cells, one footnote
    assert f"– AMQ, ZOOKEEPER: {NO_STATUS_HISTORY}" in out
    render(MetricResult("summary", "headline figures", {"rows": 3}, table), Format.json)
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert (rows[0]["cycle_time_p50"], rows[0]["unknown_reasons"]) == (None, NO_STATUS_HISTORY)
