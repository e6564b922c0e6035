"""Unknown is not zero per item: a finished item that skipped every active stage has no cycle time (null,
with the reason, its lead time kept), and no open item is judged against an SLE `flow sle` calls unknown
(`orgflow.flow.skipped`, `orgflow.flow.figure_steps.sle_reach`).

Two hand-built teams, seen from NOW = 2024-03-20 00:00 (every expected value worked out here):
- p: Open (backlog) → In Progress (active) → Resolved (done). Finished (created 03-01 each):
    P-1  In Progress 03-02, Resolved 03-04: cycle 2, lead 3
    P-2  Resolved 03-03 straight from Open: skipped_start, cycle unknown, lead 2
    P-3  In Progress 03-02, Resolved 03-06: cycle 4, lead 5
    P-5  In Progress 03-02, Resolved 03-03: cycle 1, lead 2
    P-6  In Progress 03-03, Resolved 03-08: cycle 5, lead 7
  Open: P-4, created 03-10, In Progress 03-12: age 8.
  One of five skipped (not a majority), so the group figures count P-2 with 0 (METRICS.md): over the
  sorted 0, 1, 2, 4, 5 the p50 is 2 (without it, over 1, 2, 4, 5, it would be 3) and the SLE (p85,
  position 0.85 x 4 = 3.4) is 4 + 0.4 x 1 = 4.4 (without it 4.55); p95 (3.8) is 4 + 0.8 = 4.8.
- q: Open (backlog) → Closed (done), nothing active; "triage" is unmapped and starts each item.
  Q-1..Q-5 created 03-01, triage 03-02, Closed 03-02 + i days: "cycle" 1..5 days, a copy of lead time
  less a day, so `flow sle` gives q no SLE. Q-6, created 03-01, triage 03-05, is open: age 15 days,
  past the 4.4 such a p85 would read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from tests.flow.histories import hand_built

import orgflow
from orgflow.charts.flow_time import SLE_UNKNOWN, aging_chart
from orgflow.flow.service import FlowService
from orgflow.insights import InsightSettings, find_insights, item_aging
from orgflow.query.window import Cut
from orgflow.workspace import Workspace

BOARDS = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
  - name: labels
    applies_to: {source: csv, projects: ["Q"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: Done, phase: Operate, category: done, statuses: [Closed]}
"""
HISTORIES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("P-1", "P"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")],
    ("P-2", "P"): [("03-01", "Open"), ("03-03", "Resolved")],
    ("P-3", "P"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-06", "Resolved")],
    ("P-4", "P"): [("03-10", "Open"), ("03-12", "In Progress")],
    ("P-5", "P"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Resolved")],
    ("P-6", "P"): [("03-01", "Open"), ("03-03", "In Progress"), ("03-08", "Resolved")],
    **{(f"Q-{i}", "Q"): [("03-01", "Open"), ("03-02", "triage"), (f"03-0{2 + i}", "Closed")] for i in range(1, 6)},
    ("Q-6", "Q"): [("03-01", "Open"), ("03-05", "triage")],
}
NOW = datetime(2024, 3, 20, tzinfo=UTC)
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 10)}
SKIPPED = "skipped every active stage (skipped_start); cycle time is not measured for it"
NO_ACTIVE = (
    "no status maps to an active stage (the start is the first unmapped status, so cycle time would be lead time): "
    "map them in orgflow.yaml, see `orgflow status`"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("unknown-per-item")
    hand_built(folder, BOARDS, HISTORIES)
    opened = orgflow.open(folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def service(workspace: Workspace) -> FlowService:
    return workspace.flow_at(NOW)


def by_item(rows: list[dict[str, Any]], *columns: str) -> dict[str, tuple[Any, ...]]:
    return {row["item_id"]: tuple(row[name] for name in columns) for row in rows}


def test_cycle_time_of_a_skipped_item_is_null_with_its_reason(service: FlowService) -> None:
    result = service.cycle_time(cut=Cut(team="p"), **WINDOW)
    assert [row["item_id"] for row in result.rows()] == ["P-2", "P-5", "P-1", "P-3", "P-6"]  # by finish
    assert by_item(result.rows(), "skipped_start", "cycle_time_days", "unknown_reasons") == {
        "P-2": (True, None, f"cycle_time: {SKIPPED}"),
        "P-5": (False, 1.0, None),
        "P-1": (False, 2.0, None),
        "P-3": (False, 4.0, None),
        "P-6": (False, 5.0, None),
    }
    assert result.notes == [
        "cycle_time: 1 of 5 finished items skipped every active stage (skipped_start); cycle time is not "
        "measured for them (null, not 0; their lead time stands)"
    ]
    # Its lead time stands.
    lead = service.lead_time(cut=Cut(team="p"), **WINDOW)
    assert by_item(lead.rows(), "lead_time_days")["P-2"] == (2.0,)


def test_the_items_list_keeps_every_item_and_agrees_with_cycle_time(service: FlowService) -> None:
    result = service.items(cut=Cut(team="p"), **WINDOW)
    assert by_item(result.rows(), "lead_time_days", "cycle_time_days", "age_days", "unknown_reasons") == {
        "P-1": (3.0, 2.0, None, None),
        "P-2": (2.0, None, None, f"cycle_time: {SKIPPED}"),
        "P-3": (5.0, 4.0, None, None),
        "P-4": (None, None, 8.0, None),
        "P-5": (2.0, 1.0, None, None),
        "P-6": (7.0, 5.0, None, None),
    }
    assert result.notes == [
        "cycle_time: 1 of 5 finished items skipped every active stage (skipped_start); cycle time is not "
        "measured for them (null, not 0; their lead time stands)"
    ]
    cycle = {row["item_id"]: row["cycle_time_days"] for row in service.cycle_time(cut=Cut(team="p"), **WINDOW).rows()}
    done = service.items(cut=Cut(team="p"), state="done", **WINDOW)
    assert {row["item_id"]: row["cycle_time_days"] for row in done.rows()} == cycle


def test_per_item_efficiency_of_a_skipped_item_is_null(service: FlowService) -> None:
    result = service.efficiency(cut=Cut(team="p"), per_item=True, **WINDOW)
    rows = by_item(result.rows(), "active_days", "cycle_time_days", "flow_efficiency", "unknown_reasons")
    assert rows["P-2"] == (0.0, None, None, f"cycle_time, flow_efficiency: {SKIPPED}")
    assert rows["P-1"] == (2.0, 2.0, 1.0, None)
    assert rows["P-6"] == (5.0, 5.0, 1.0, None)
    assert (
        "cycle_time, flow_efficiency: 1 of 5 finished items skipped every active stage (skipped_start); cycle time "
        "is not measured for them (null, not 0; their lead time stands)"
    ) in result.notes


def test_group_figures_keep_the_summary_rule(service: FlowService) -> None:
    # One of five skipped: not a majority, so the percentiles and the SLE count P-2 with 0.
    (summary,) = service.summary(cut=Cut(team="p"), **WINDOW).rows()
    assert (summary["skipped_start"], summary["cycle_time_p50"], summary["unknown_reasons"]) == (1, 2.0, None)
    sle = {row["team_id"]: row for row in service.sle().rows()}
    assert (sle["p"]["sample"], sle["p"]["sle_days"]) == (5, pytest.approx(4.4, abs=1e-9))
    assert (sle["q"]["sample"], sle["q"]["sle_days"], sle["q"]["unknown_reasons"]) == (
        5,
        None,
        f"sle_days: {NO_ACTIVE}",
    )


def test_age_uses_the_sle_of_flow_sle(service: FlowService) -> None:
    result = service.age()
    rows = by_item(result.rows(), "age_days", "sle_days", "over_sle", "unknown_reasons")
    assert rows["P-4"] == (8.0, pytest.approx(4.4, abs=1e-9), True, None)
    assert rows["Q-6"] == (15.0, None, None, f"sle_days, over_sle: {NO_ACTIVE}")
    assert result.params["no_active_stage"] == f"q: sle_days, over_sle: {NO_ACTIVE}"
    # Value and reason, row by row, are those of `flow sle` for the team and type.
    sle = {(row["team_id"], row["item_type"]): row for row in service.sle().rows()}
    for row in result.rows():
        expected = sle[(row["team_id"], row["item_type"])]
        assert row["sle_days"] == expected["sle_days"]
        reason = expected["unknown_reasons"]
        assert row["unknown_reasons"] == (
            None if reason is None else reason.replace("sle_days:", "sle_days, over_sle:")
        )
    # A cut without the team whose SLE is unknown says nothing of it.
    only_p = service.age(cut=Cut(team="p"))
    assert "no_active_stage" not in only_p.params and only_p.notes == []


def test_the_aging_chart_judges_no_item_against_an_unknown_sle(service: FlowService) -> None:
    chart = aging_chart(service.age(), percentiles={}, stage_order=["Backlog", "In Progress", "Done"])
    values = {value["item_id"]: value["sle"] for value in chart["data"]["values"]}
    assert values == {"P-4": "past its team's SLE", "Q-6": SLE_UNKNOWN}


def test_insights_flag_no_item_against_an_unknown_sle(workspace: Workspace, service: FlowService) -> None:
    table = item_aging(service, settings=InsightSettings())
    rows = {row["item_id"]: row for row in table.to_pylist()}
    q6 = rows["Q-6"]
    assert [q6[name] for name in ("p50_days", "p85_days", "p95_days", "sle_days", "sle_high_days", "band")] == [
        None
    ] * 6
    assert (q6["sle_sample"], q6["unknown_reasons"]) == (5, f"sle_days, over_sle: {NO_ACTIVE}")
    p4 = rows["P-4"]
    assert (p4["sle_days"], p4["sle_high_days"], p4["band"], p4["unknown_reasons"]) == (
        pytest.approx(4.4, abs=1e-9),
        pytest.approx(4.8, abs=1e-9),
        "above p95",
        None,
    )
    found = [finding for finding in find_insights(workspace, now=NOW) if finding.rule == "aging.past-sle"]
    # P-4 is 8 - 4.4 = 3.6 days past p's SLE and past its p95; q has none to be past.
    assert [(finding.subject, finding.severity, finding.evidence["items"]) for finding in found] == [
        ("team:p", "high", ["P-4"])
    ]
    assert found[0].evidence["days_past_sle"] == 3.6
