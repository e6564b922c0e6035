"""Unknown is not zero, for a mapping that cannot support a figure: a workflow none of whose statuses in
use maps to a done stage has no throughput (nothing can finish), and one with none mapped to an active
stage has no cycle time (its first unmapped status starts the item, so it would read as lead time).

Hand-built histories, every expected value worked out in the comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from tests.flow.histories import hand_built

import orgflow
from orgflow.flow.service import FlowService
from orgflow.flow.summary import NO_ACTIVE_STAGE, NO_DONE_STAGE, NO_FINISH_STAGE

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
  - name: proposals
    applies_to: {source: csv, projects: ["R"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [provisional]}
      - {name: Done, phase: Operate, category: done, statuses: [implemented]}
"""
HISTORIES = {
    # P (team p): mapped end to end; P-1 in progress 03-02 to 03-04: cycle 2 days, lead 3.
    ("P-1", "P"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")],
    # Q (team q): labels start the items ("triage" is unmapped) and nothing maps to an active stage.
    ("Q-1", "Q"): [("03-01", "triage"), ("03-02", "Open"), ("03-05", "Closed")],  # lead 4
    ("Q-2", "Q"): [("03-01", "triage"), ("03-03", "Closed")],  # lead 2
    # R (team r): "implementable" is unmapped and no item ever uses the done status "implemented".
    ("R-1", "R"): [("03-01", "provisional"), ("03-03", "implementable")],
}
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 10)}
"""10 days, of which the data covers 5 (to Q-1's close on 03-05, its last event): rates are per 5 / 7 weeks."""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowService]:
    folder = tmp_path_factory.mktemp("unmapped")
    hand_built(folder, BOARDS, HISTORIES)
    workspace = orgflow.open(folder)
    yield workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    workspace.close()


def test_no_status_mapped_to_done_leaves_throughput_unknown(service: FlowService) -> None:
    rows = {row["team"]: row for row in service.summary(**WINDOW, by="team").rows()}

    r = rows["r"]
    # Nothing can finish: the counts are unknown, not 0 (R's workflow has no cancelled stage either).
    assert (r["finished"], r["cancelled"], r["skipped_start"]) == (None, None, None)
    assert (r["throughput_per_week"], r["lead_time_p50"], r["cycle_time_p50"]) == (None, None, None)
    assert (
        r["unknown_reasons"]
        == NO_FINISH_STAGE
        == (
            "finished, cancelled, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency: "
            "no status maps to a done or cancelled stage: map them in orgflow.yaml, see `orgflow status`; no item "
            "can finish, so wip counts every started item as in progress"
        )
    )
    assert r["wip"] == 1  # R-1 started with its unmapped status on 03-03
    assert NO_DONE_STAGE == (
        "finished, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency: no status maps to a "
        "done stage: map them in orgflow.yaml, see `orgflow status`; no item can be done, so wip counts every "
        "started item that was not cancelled as in progress"
    )


def test_no_status_mapped_to_an_active_stage_leaves_cycle_time_unknown(service: FlowService) -> None:
    rows = {row["team"]: row for row in service.summary(**WINDOW, by="team").rows()}

    q = rows["q"]
    # Two items finished: throughput 2 / (5 / 7) = 2.8 a week, lead times [2, 4] -> p50 3.
    assert (q["finished"], q["lead_time_p50"]) == (2, 3.0)
    assert q["throughput_per_week"] == pytest.approx(2.8, abs=1e-12)
    assert [q[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == [None, None, None, None]
    assert q["flow_efficiency"] is None
    assert (
        q["unknown_reasons"]
        == NO_ACTIVE_STAGE
        == (
            "cycle_time, flow_efficiency: no status maps to an active stage (the start is the first unmapped "
            "status, so cycle time would be lead time): map them in orgflow.yaml, see `orgflow status`"
        )
    )


def test_a_mapped_workflow_keeps_its_figures(service: FlowService) -> None:
    rows = {row["team"]: row for row in service.summary(**WINDOW, by="team").rows()}

    p = rows["p"]
    # P-1: one item, 1 / (5 / 7) = 1.4 a week, cycle 2 days all active: efficiency 1.
    assert (p["finished"], p["cycle_time_p50"], p["lead_time_p50"], p["flow_efficiency"]) == (1, 2.0, 3.0, 1.0)
    assert p["throughput_per_week"] == pytest.approx(1.4, abs=1e-12)
    assert p["unknown_reasons"] is None
    # The whole workspace in one row: P's workflow finishes and starts work, so the figures stand.
    (whole,) = service.summary(**WINDOW).rows()
    assert (whole["finished"], whole["unknown_reasons"]) == (3, None)
    assert whole["throughput_per_week"] == pytest.approx(4.2, abs=1e-12)
