"""The note on reported time in status and the skipped-start reason agree: an item whose only history is
the source's reported time in status, and whose reported times hold no time in an active or wait status
(only Open, then Resolved or Closed), skipped every active stage. Its cycle time is not measured, so the
note claims for the reported times only the items they time (docs/metrics.md, "Reported time in status").

Hand-built Jira issues (status ids of the Apache export: 1 Open (backlog), 3 In Progress (active), 10002
Patch Available (wait), 5 Resolved and 6 Closed (done)), all resolved in January 2024, seen on 2024-02-01
over the default window (the 90 days before it):

- SK (a majority skipped): SK-1 reports In Progress 2 d (cycle 2 d); SK-2, SK-3 and SK-4 report only
  Open and Resolved or Closed. 3 of 4 skipped: cycle time and efficiency are unknown.
- MX (a minority skipped): MX-1 reports In Progress 1 d and Patch Available 1 d (cycle 2 d, active 1 d);
  MX-2 reports only Open; MX-3 has a changelog: In Progress 01-02, Resolved 01-05 (cycle 3 d, active 3 d).
  1 of 3 skipped: it counts with cycle time 0, so p50 of (0, 2, 3) = 2 d and efficiency = (1 + 0 + 3) /
  (2 + 0 + 3) = 0.8.
- AS (all skipped): AS-1 reports only Open and Resolved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.flow.statements import counted_statements

import orgflow
from orgflow.flow.reported_times import ReportedCount, reported_note_text
from orgflow.flow.service import FlowService
from orgflow.query.window import Cut
from orgflow.workspace import Workspace

DAY_MS = 86_400_000
STATUS_IDS = {"Open": "1", "In Progress": "3", "Resolved": "5", "Closed": "6", "Patch Available": "10002"}
HISTORY = "(they have no status history; docs/metrics.md, 'Reported time in status')"
SKIPPED = "no time in an active or wait status: they skipped every active stage (skipped_start)"


def _issue(
    key: str, created: str, resolved: str, reported: list[tuple[str, int]], moves: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """A Bug created at `created`, resolved (Fixed) at `resolved` (2024 instants, UTC), with its Time in
    Status field from `reported` ((status, ms), each entered once) and, given `moves` ((status, instant)
    after Open), a changelog."""
    last = moves[-1][0] if moves else "Resolved"
    issue: dict[str, Any] = {
        "id": str(sum(ord(letter) * 31**place for place, letter in enumerate(key))),
        "key": key,
        "fields": {
            "project": {"key": key.split("-")[0]},
            "summary": key,
            "issuetype": {"name": "Bug"},
            "status": {"id": STATUS_IDS[last], "name": last},
            "created": f"2024-{created}.000+0000",
            "resolutiondate": f"2024-{resolved}.000+0000",
            "resolution": {"name": "Fixed"},
            "customfield_12310222": "_*|*_".join(f"{STATUS_IDS[name]}_*:*_1_*:*_{ms}" for name, ms in reported),
        },
    }
    if moves:
        steps = [("Open", ""), *moves]
        issue["changelog"] = {
            "startAt": 0,
            "histories": [
                {
                    "id": str(index),
                    "created": f"2024-{at}.000+0000",
                    "items": [{"field": "status", "fromString": steps[index - 1][0], "toString": status}],
                }
                for index, (status, at) in enumerate(steps)
                if index > 0
            ],
        }
    return issue


ISSUES = [
    _issue(
        "SK-1", "01-01T00:00:00", "01-04T00:00:00", [("Open", DAY_MS), ("In Progress", 2 * DAY_MS), ("Resolved", 0)]
    ),
    _issue("SK-2", "01-02T00:00:00", "01-05T00:00:00", [("Open", 3 * DAY_MS), ("Resolved", 0)]),
    _issue("SK-3", "01-03T00:00:00", "01-06T00:00:00", [("Open", 3 * DAY_MS), ("Closed", 0)]),
    _issue("SK-4", "01-04T00:00:00", "01-08T00:00:00", [("Open", 4 * DAY_MS), ("Resolved", 0)]),
    _issue(
        "MX-1",
        "01-01T00:00:00",
        "01-04T00:00:00",
        [("Open", DAY_MS), ("In Progress", DAY_MS), ("Patch Available", DAY_MS), ("Resolved", 0)],
    ),
    _issue("MX-2", "01-02T00:00:00", "01-03T00:00:00", [("Open", DAY_MS), ("Resolved", 0)]),
    _issue(
        "MX-3",
        "01-01T00:00:00",
        "01-05T00:00:00",
        [("Open", DAY_MS), ("In Progress", 3 * DAY_MS), ("Resolved", 0)],
        moves=[("In Progress", "01-02T00:00:00"), ("Resolved", "01-05T00:00:00")],
    ),
    _issue("AS-1", "01-01T00:00:00", "01-03T00:00:00", [("Open", 2 * DAY_MS), ("Resolved", 0)]),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowService]:
    folder = tmp_path_factory.mktemp("reported-skipped")
    export = folder / "issues.jsonl"
    export.write_text("".join(json.dumps(issue) + "\n" for issue in ISSUES), encoding="utf-8")
    workspace: Workspace = orgflow.init(folder / "ws")
    workspace.import_files("jira", [export])
    # As of the data (its last day, 01-08): a later `now` would add the notes of a window past the data.
    yield workspace.flow_at(None)
    workspace.close()


def _summary(service: FlowService, team: str) -> tuple[dict[str, Any], list[str]]:
    result = service.summary(cut=Cut(team=team))
    (row,) = result.rows()
    return row, result.notes


def test_a_skipped_majority_is_said_alike_by_the_note_and_the_reason(service: FlowService) -> None:
    row, notes = _summary(service, "SK")
    assert (row["finished"], row["skipped_start"]) == (4, 3)
    assert row["cycle_time_p50"] is None and row["cycle_time_p85"] is None and row["flow_efficiency"] is None
    assert row["unknown_reasons"] == (
        "cycle_time, flow_efficiency: 3 of 4 finished items (75 %) skipped every active stage (skipped_start); "
        "cycle time is not measured for them"
    )
    # The reported times time SK-1 alone: the note claims 1 of 4, not 4 of 4.
    assert notes == [
        "cycle time and flow efficiency: from the source's reported time in status for 1 of 4 finished items "
        f"{HISTORY}; 3 more have reported times with {SKIPPED}"
    ]
    # Per item: SK-1's 2 d reported, the others flagged skipped_start: their cycle time is not measured (null).
    cycle = service.cycle_time(cut=Cut(team="SK"))
    per_item = {row["item_id"]: (row["cycle_time_days"], row["skipped_start"]) for row in cycle.rows()}
    assert per_item == {"SK-1": (2.0, False), "SK-2": (None, True), "SK-3": (None, True), "SK-4": (None, True)}
    assert cycle.notes == [
        "cycle_time: 3 of 4 finished items skipped every active stage (skipped_start); cycle time is not measured "
        "for them (null, not 0; their lead time stands)",
        "cycle time (started_at = finished_at - reported cycle time): from the source's reported time in status "
        f"for 1 of 4 finished items {HISTORY}; 3 more have reported times with {SKIPPED}",
    ]


def test_a_skipped_minority_counts_with_zero_and_the_changelog_item_is_named(service: FlowService) -> None:
    row, notes = _summary(service, "MX")
    assert (row["finished"], row["skipped_start"], row["unknown_reasons"]) == (3, 1, None)
    # Cycle times 0 (MX-2), 2 (MX-1), 3 (MX-3) days: p50 = 2; active 1 + 0 + 3 over cycle 2 + 0 + 3.
    assert row["cycle_time_p50"] == 2.0
    assert row["flow_efficiency"] == pytest.approx(4 / 5, abs=1e-12)
    assert notes == [
        "cycle time and flow efficiency: from the source's reported time in status for 1 of 3 finished items "
        f"{HISTORY}; 1 more has reported times with {SKIPPED}; from status changes for the other 1"
    ]


def test_reported_times_that_time_nothing_are_not_claimed(service: FlowService) -> None:
    row, notes = _summary(service, "AS")
    assert (row["finished"], row["skipped_start"], row["cycle_time_p50"]) == (1, 1, None)
    assert row["unknown_reasons"] == (
        "cycle_time, flow_efficiency: no status history in the active stages "
        "(every finished item went from backlog straight to done)"
    )
    assert notes == [
        "cycle time and flow efficiency: the source's reported time in status of 1 of 1 finished items "
        f"{HISTORY} holds {SKIPPED}"
    ]


def test_the_whole_workspace_counts_each_kind_once(service: FlowService) -> None:
    # 8 finished: timed by reported times SK-1 and MX-1; skipped SK-2, SK-3, SK-4, MX-2, AS-1; MX-3 changelog.
    result = service.summary()
    (row,) = result.rows()
    assert (row["finished"], row["skipped_start"]) == (8, 5)
    # 5 / 8 = 62.5 %, rounded half away from zero as SQL rounds (`skipped_majority_expression`).
    assert row["unknown_reasons"] == (
        "cycle_time, flow_efficiency: 5 of 8 finished items (63 %) skipped every active stage (skipped_start); "
        "cycle time is not measured for them"
    )
    assert result.notes == [
        "cycle time and flow efficiency: from the source's reported time in status for 2 of 8 finished items "
        f"{HISTORY}; 5 more have reported times with {SKIPPED}; from status changes for the other 1"
    ]


def test_the_note_text_by_counts() -> None:
    assert reported_note_text("cycle time", 3, ReportedCount(0, 0)) is None
    assert reported_note_text("cycle time", 3, ReportedCount(3, 0)) == (
        f"cycle time: from the source's reported time in status for 3 of 3 finished items {HISTORY}"
    )
    assert reported_note_text("cycle time", 5, ReportedCount(0, 2)) == (
        f"cycle time: the source's reported time in status of 2 of 5 finished items {HISTORY} holds {SKIPPED}; "
        "from status changes for the other 3"
    )


def test_nothing_reported_adds_no_note(tmp_path: Path) -> None:
    # MX-3 alone: its changelog gives its figures, so no note on reported times.
    export = tmp_path / "one.jsonl"
    export.write_text(json.dumps(ISSUES[6]) + "\n", encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    try:
        workspace.import_files("jira", [export])
        # As of the data: a later `now` would add the notes of a window past the data.
        service = workspace.flow_at(None)
        result = service.summary()
        (row,) = result.rows()
        assert (row["finished"], row["cycle_time_p50"], row["flow_efficiency"]) == (1, 3.0, 1.0)
        assert result.notes == []
        # No item's figures can come from reported times, so no figure counts them: no query is run.
        assert service.cycle_time().notes == []
        assert (service._facts.reported_items, service._runner.any_reported()) == (0, False)
        assert service._runner._reported == {}
    finally:
        workspace.close()


def test_the_items_reported_times_can_time_are_those_without_history(service: FlowService) -> None:
    # SK-1 to SK-4, MX-1, MX-2 and AS-1 have only reported times; MX-3's changelog is its history.
    assert (service._facts.reported_items, service._runner.any_reported()) == (7, True)


def test_many_teams_notes_are_counted_in_one_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = tmp_path / "issues.jsonl"
    export.write_text("".join(json.dumps(issue) + "\n" for issue in ISSUES), encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    try:
        workspace.import_files("jira", [export])
        service = workspace.flow_at(None)
        service.summary(cut=Cut(team="SK"))  # compiles a team's summary and its note's count
        single, batched = counted_statements(monkeypatch)
        asks = [(Cut(team=team), None, None) for team in ("MX", "AS")]
        results = service.compute_many("summary", asks)
        # Each team's data end (its default window), the summaries' rows, then the counts behind their
        # notes: one statement each for both teams.
        assert (batched, single) == ([2, 2, 2], [])
        assert [result.notes for result in results] == [
            [
                "cycle time and flow efficiency: from the source's reported time in status for 1 of 3 finished "
                f"items {HISTORY}; 1 more has reported times with {SKIPPED}; from status changes for the other 1"
            ],
            [
                "cycle time and flow efficiency: the source's reported time in status of 1 of 1 finished items "
                f"{HISTORY} holds {SKIPPED}"
            ],
        ]
    finally:
        workspace.close()
