"""Cycle time, flow efficiency and time per stage from Jira's reported "Time in Status" field.

The field holds entries ``statusId_*:*_timesEntered_*:*_milliseconds`` joined by ``_*|*_``: the total
time the issue spent in each status. For an item without status history (an export without changelog),
cycle time = the reported time in active and wait statuses, active time = the time in active ones
(docs/metrics.md, "Reported time in status"). Status ids of the Apache export: 1 Open and 4 Reopened
(backlog), 3 In Progress (active), 10002 Patch Available (wait), 5 Resolved and 6 Closed (done).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import orgflow
from orgflow.flow import reported_times, stored_facts
from orgflow.flow.service import FlowService
from orgflow.workspace import Workspace

HISTORY = date(2005, 1, 1)
"""Before the first of the three issues: figures over their whole history (the default window is 90 days)."""

DAY_MS = 86_400_000
REAL_ISSUES = ("AMQ-280", "ZOOKEEPER-541", "ZOOKEEPER-1653")


def _by_item(rows: list[dict[str, Any]], column: str) -> dict[str, Any]:
    return {row["item_id"]: row[column] for row in rows}


@pytest.fixture
def real_issues(tmp_path: Path, shared_data: Path) -> Iterator[Workspace]:
    """Three issues of ../shared/data/jira/apache-amq-zookeeper.jsonl.gz, imported alone."""
    chosen = tmp_path / "chosen.jsonl"
    with gzip.open(shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz", "rt", encoding="utf-8") as lines:
        kept = [line for line in lines if json.loads(line)["key"] in REAL_ISSUES]
    chosen.write_text("".join(kept), encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    workspace.import_files("jira", [chosen])
    yield workspace
    workspace.close()


def test_cycle_time_from_the_field_equals_a_hand_computation_on_real_issues(real_issues: Workspace) -> None:
    """The raw field of each issue, and the hand computation:

    AMQ-280 (Fixed; created 2005-06-29 14:04:20, resolved 15:44:16):
        3_*:*_1_*:*_5988000_*|*_1_*:*_1_*:*_8000_*|*_5_*:*_1_*:*_0
        In Progress 5,988,000 ms; Open 8,000 ms (backlog); Resolved 0.
        cycle = 5,988 s = 5988 / 86400 days; active = cycle: efficiency 1.
    ZOOKEEPER-541 (Fixed; created 2009-10-06 00:04:47.423, resolved 10-13 23:14:58.861):
        3_*:*_1_*:*_363506617_*|*_10002_*:*_2_*:*_245632029_*|*_1_*:*_1_*:*_79072792_*|*_5_*:*_1_*:*_0
        cycle = In Progress 363,506,617 + Patch Available 245,632,029 = 609,138,646 ms;
        efficiency = 363,506,617 / 609,138,646. (With Open's 79,072,792 ms the three add up to
        688,211,438 ms = 7 d 23:10:11.438, exactly its lead time.)
    ZOOKEEPER-1653 (Fixed, reopened once):
        3_*:*_1_*:*_410859_*|*_10002_*:*_6_*:*_3166220905_*|*_1_*:*_6_*:*_12452355522_*|*_5_*:*_2_*:*_7956679070
        _*|*_4_*:*_1_*:*_3417266
        cycle = In Progress 410,859 + Patch Available 3,166,220,905 = 3,166,631,764 ms; Open
        (12,452,355,522), Reopened (3,417,266: backlog) and Resolved (7,956,679,070: done) do not count.
        efficiency = 410,859 / 3,166,631,764.
    """
    service = real_issues.flow_at(datetime(2020, 1, 1, tzinfo=UTC))
    result = service.cycle_time(since=HISTORY)
    cycle = _by_item(result.rows(), "cycle_time_days")
    assert cycle == {
        "AMQ-280": 5_988_000 / DAY_MS,
        "ZOOKEEPER-541": 609_138_646 / DAY_MS,
        "ZOOKEEPER-1653": 3_166_631_764 / DAY_MS,
    }
    assert any("reported time in status for 3 of 3 finished items" in note for note in result.notes)
    efficiency = _by_item(service.efficiency(per_item=True, since=HISTORY).rows(), "flow_efficiency")
    assert efficiency == {
        "AMQ-280": 1.0,
        "ZOOKEEPER-541": 363_506_617 / 609_138_646,
        "ZOOKEEPER-1653": 410_859 / 3_166_631_764,
    }
    # Time per stage over the three: Backlog = Open 8,000 + 79,072,792 + 12,452,355,522 + Reopened
    # 3,417,266 ms; In Progress = 5,988,000 + 363,506,617 + 410,859 ms (3 items); Awaiting Review
    # (Patch Available) = 245,632,029 + 3,166,220,905 ms (2 items). Resolved is after the finish.
    stages = {row["stage"]: (row["items"], row["total_days"]) for row in service.stages(since=HISTORY).rows()}
    assert stages == {
        "Backlog": (3, pytest.approx(12_534_853_580 / DAY_MS, abs=1e-12)),
        "In Progress": (3, pytest.approx(369_905_476 / DAY_MS, abs=1e-12)),
        "Awaiting Review": (2, pytest.approx(3_411_852_934 / DAY_MS, abs=1e-12)),
    }
    # The summary (one team per project): AMQ's one item, ZOOKEEPER's two (p50 interpolates).
    rows = {row["team"]: row for row in service.summary(by="team", since=HISTORY).rows()}
    assert rows["AMQ"]["cycle_time_p50"] == 5_988_000 / DAY_MS
    assert rows["ZOOKEEPER"]["cycle_time_p50"] == pytest.approx((609_138_646 + 3_166_631_764) / 2 / DAY_MS, abs=1e-12)
    assert rows["ZOOKEEPER"]["flow_efficiency"] == pytest.approx(
        (363_506_617 + 410_859) / (609_138_646 + 3_166_631_764), abs=1e-12
    )
    assert rows["ZOOKEEPER"]["skipped_start"] == 0 and rows["ZOOKEEPER"]["unknown_reasons"] is None
    # Facts built for `now` rather than read from the store key the reported times alike.
    built = FlowService(real_issues, now=datetime(2020, 1, 1, tzinfo=UTC), stored_facts=False)
    assert service.uses_stored_facts and not built.uses_stored_facts
    assert built.summary(by="team", since=HISTORY).rows() == service.summary(by="team", since=HISTORY).rows()
    assert built.stages(since=HISTORY).rows() == service.stages(since=HISTORY).rows()


# -- a history with both a changelog and the field ---------------------------------------------------------

STATUS_IDS = {"Open": "1", "In Progress": "3", "Reopened": "4", "Resolved": "5", "Patch Available": "10002"}


def _jira_issue(
    key: str, moves: list[tuple[str, str]], reported: list[tuple[str, int, int]], *, changelog: bool
) -> dict[str, Any]:
    """An issue created in moves[0]'s status at its instant (UTC), moving through the rest, resolved
    (Fixed) at the last move; `reported` is its Time in Status as (status, times entered, ms). Without
    `changelog` the moves are left out, as in an export without ``expand=changelog``."""
    last_status, last_at = moves[-1]
    issue: dict[str, Any] = {
        "id": str(sum(ord(letter) * 31**place for place, letter in enumerate(key))),
        "key": key,
        "fields": {
            "project": {"key": key.split("-")[0]},
            "summary": key,
            "issuetype": {"name": "Bug"},
            "status": {"id": STATUS_IDS[last_status], "name": last_status},
            "created": f"{moves[0][1]}.000+0000",
            "resolutiondate": f"{last_at}.000+0000",
            "resolution": {"name": "Fixed"},
            "customfield_12310222": "_*|*_".join(
                f"{STATUS_IDS[status]}_*:*_{times}_*:*_{millis}" for status, times, millis in reported
            ),
        },
    }
    if changelog:
        histories = [
            {
                "id": str(index),
                "created": f"{at}.000+0000",
                "items": [{"field": "status", "fromString": moves[index - 1][0], "toString": status}],
            }
            for index, (status, at) in enumerate(moves)
            if index > 0
        ]
        issue["changelog"] = {"startAt": 0, "histories": histories}
    return issue


FORWARD = [
    ("Open", "2024-01-01T00:00:00"),
    ("In Progress", "2024-01-02T00:00:00"),
    ("Patch Available", "2024-01-03T12:00:00"),
    ("In Progress", "2024-01-04T00:00:00"),
    ("Resolved", "2024-01-05T06:00:00"),
]
# Its consistent field: Open 1 d; In Progress 1.5 d + 1.25 d = 2.75 d over two entries; Patch Available 0.5 d.
FORWARD_REPORTED = [("Open", 1, 86_400_000), ("In Progress", 2, 237_600_000), ("Patch Available", 1, 43_200_000)]
REOPENED = [
    ("Open", "2024-01-01T00:00:00"),
    ("In Progress", "2024-01-02T00:00:00"),
    ("Resolved", "2024-01-03T00:00:00"),
    ("Reopened", "2024-01-05T00:00:00"),
    ("In Progress", "2024-01-06T00:00:00"),
    ("Resolved", "2024-01-07T00:00:00"),
]
# Open 1 d; In Progress 1 d + 1 d; Resolved 2 d (then 0, as the field gives for the final status); Reopened 1 d.
REOPENED_REPORTED = [
    ("Open", 1, DAY_MS),
    ("In Progress", 2, 2 * DAY_MS),
    ("Resolved", 2, 2 * DAY_MS),
    ("Reopened", 1, DAY_MS),
]


@pytest.fixture
def both(tmp_path: Path) -> Iterator[Workspace]:
    """Each history twice: with its changelog (projects CL, RCL) and as an export without changelog gives
    it, with only the field (projects TS, RTS)."""
    issues = [
        _jira_issue("CL-1", FORWARD, FORWARD_REPORTED, changelog=True),
        _jira_issue("TS-1", FORWARD, FORWARD_REPORTED, changelog=False),
        _jira_issue("RCL-1", REOPENED, REOPENED_REPORTED, changelog=True),
        _jira_issue("RTS-1", REOPENED, REOPENED_REPORTED, changelog=False),
    ]
    export = tmp_path / "both.jsonl"
    export.write_text("".join(json.dumps(issue) + "\n" for issue in issues), encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    workspace.import_files("jira", [export])
    yield workspace
    workspace.close()


def test_changelog_and_field_agree_exactly_on_a_consistent_history(both: Workspace) -> None:
    service = both.flow_at(datetime(2024, 2, 1, tzinfo=UTC))
    histories = dict(both.store.connection.execute("SELECT source_id, history FROM work_items").fetchall())
    assert histories == {"CL-1": "changelog", "TS-1": "inferred", "RCL-1": "changelog", "RTS-1": "inferred"}

    cycle = _by_item(service.cycle_time().rows(), "cycle_time_days")
    # 01-02 00:00 (start) -> 01-05 06:00 (finish) = 3.25 d from the changelog; 2.75 + 0.5 d reported.
    assert cycle["CL-1"] == cycle["TS-1"] == 3.25
    efficiency = _by_item(service.efficiency(per_item=True).rows(), "flow_efficiency")
    assert efficiency["CL-1"] == efficiency["TS-1"] == 2.75 / 3.25
    summary = {row["team"]: row for row in service.summary(by="team").rows()}
    for column in ("cycle_time_p50", "cycle_time_p95", "flow_efficiency", "skipped_start", "unknown_reasons"):
        assert summary["CL"][column] == summary["TS"][column], column
    stages = service.stages(by="team").rows()
    per_team = {(row["team"], row["stage"]): (row["items"], row["total_days"]) for row in stages}
    for stage, days in (("Backlog", 1.0), ("In Progress", 2.75), ("Awaiting Review", 0.5)):
        assert per_team[("CL", stage)] == per_team[("TS", stage)] == (1, days), stage


def test_after_a_reopen_the_field_leaves_out_done_and_backlog_time(both: Workspace) -> None:
    # The one way they differ, by convention: the changelog's cycle time runs from the first start to
    # the final finish (01-02 -> 01-07 = 5 d, with Resolved 2 d and Reopened 1 d inside it); the field
    # cannot place Resolved and Reopened time before or after the finish, so it counts only In Progress
    # (2 d). Active time agrees (2 d).
    service = both.flow_at(datetime(2024, 2, 1, tzinfo=UTC))
    cycle = _by_item(service.cycle_time().rows(), "cycle_time_days")
    assert (cycle["RCL-1"], cycle["RTS-1"]) == (5.0, 2.0)
    active = _by_item(service.efficiency(per_item=True).rows(), "active_days")
    assert active["RCL-1"] == active["RTS-1"] == 2.0


def test_the_reported_tables_are_built_once_per_workspace_until_someone_else_builds(
    both: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Their memory is the workspace's `Lookups`: a second figure (as of another `now`, read from the
    # stored facts) reuses them; a build by anyone else on the connection makes the workspace build again.
    built: list[str] = []
    create = reported_times._create_tables

    def counted(connection: Any, facts: str, names: reported_times.ReportedTables) -> None:
        built.append(names.items)
        create(connection, facts, names)

    monkeypatch.setattr(reported_times, "_create_tables", counted)
    first = both.flow_at(datetime(2024, 2, 1, tzinfo=UTC)).cycle_time()
    assert built == ["of_reported_items"]
    again = both.flow_at(datetime(2024, 3, 1, tzinfo=UTC)).cycle_time()
    assert built == ["of_reported_items"]
    # TS-1's 2.75 d In Progress + 0.5 d Patch Available, reported (as in the test above).
    assert _by_item(first.rows(), "cycle_time_days")["TS-1"] == 3.25
    assert _by_item(again.rows(), "cycle_time_days")["TS-1"] == 3.25

    # A build with no `Lookups` of its own (remembering nothing) replaces the tables under the same names.
    names = reported_times.ReportedTables()
    reported_times.build_reported_tables(both.store.connection, stored_facts.ITEMS_TABLE, names)
    later = both.flow_at(datetime(2024, 3, 1, tzinfo=UTC)).cycle_time()
    assert built == ["of_reported_items"] * 3
    assert _by_item(later.rows(), "cycle_time_days")["TS-1"] == 3.25
