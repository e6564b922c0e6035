"""Unknown is not zero beyond the summary: every flow figure that needs a done (or active) stage says so
when the mapping gives none, with the summary's reason, instead of reading 0 (`orgflow.flow.mapped_stages`).

Three hand-built teams (every expected value worked out in the comments):
- p: mapped end to end. P-1 started 03-02 (In Progress), finished 03-04: cycle 2 days, lead 3.
- q: done is mapped, nothing maps to an active stage ("triage" is unmapped and starts the items on 03-01).
  Q-1 finished 03-05 (lead 4), Q-2 finished 03-03 (lead 2).
- r: no status in use maps to a done stage; R-1 started 03-03 with its unmapped "implementable".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from tests.flow.histories import hand_built

import orgflow
from orgflow.errors import InputError
from orgflow.flow.figures import FIGURES
from orgflow.flow.mapped_stages import NEEDS
from orgflow.flow.service import FlowService
from orgflow.flow.summary import NO_DONE_STAGE
from orgflow.forecast.history import assess, series_from
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
  - name: proposals
    applies_to: {source: csv, projects: ["R"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [provisional]}
      - {name: Done, phase: Operate, category: done, statuses: [implemented]}
"""
HISTORIES = {
    ("P-1", "P"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")],
    ("Q-1", "Q"): [("03-01", "triage"), ("03-02", "Open"), ("03-05", "Closed")],
    ("Q-2", "Q"): [("03-01", "triage"), ("03-03", "Closed")],
    ("R-1", "R"): [("03-01", "provisional"), ("03-03", "implementable")],
}
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 10)}
HINT = "map them in orgflow.yaml, see `orgflow status`"
NO_DONE = "no status maps to a done stage: " + HINT
NO_ACTIVE = (
    "no status maps to an active stage (the start is the first unmapped status, so cycle time would be lead time): "
    + HINT
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("unmapped-figures")
    hand_built(folder, BOARDS, HISTORIES)
    opened = orgflow.open(folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def service(workspace: Workspace) -> FlowService:
    return workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))


def test_the_summary_and_the_figures_share_one_reason() -> None:
    reason = (
        f"finished, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency: {NO_DONE}; "
        "no item can be done, so wip counts every started item that was not cancelled as in progress"
    )
    assert reason == NO_DONE_STAGE
    assert set(NEEDS) <= {figure.name for figure in FIGURES}


def test_throughput_of_a_team_that_cannot_finish_is_unknown(service: FlowService) -> None:
    result = service.throughput(**WINDOW, by="team")
    rows = {(row["team"], row["period_start"].isoformat()): row for row in result.rows()}
    # Weeks start Monday: 02-26 (holds 03-01..03-03) and 03-04 (03-04..03-10).
    assert [
        (rows[("r", week)]["finished"], rows[("r", week)]["started"], rows[("r", week)]["net_flow"])
        for week in ("2024-02-26", "2024-03-04")
    ] == [(None, 1, None), (None, 0, None)]
    # q finishes (Q-2 on 03-03, Q-1 on 03-05): its counts stand, as do p's (P-1 on 03-04).
    assert [rows[("q", week)]["finished"] for week in ("2024-02-26", "2024-03-04")] == [1, 1]
    assert [rows[("p", week)]["finished"] for week in ("2024-02-26", "2024-03-04")] == [0, 1]
    assert result.params["no_done_stage"] == f"r: finished, net_flow: {NO_DONE}"
    assert result.notes == [f"r: finished, net_flow: {NO_DONE}"]


def test_throughput_of_the_whole_workspace_stands(service: FlowService) -> None:
    result = service.throughput(**WINDOW)
    assert [row["finished"] for row in result.rows()] == [1, 2]  # Q-2; P-1 and Q-1
    assert "no_done_stage" not in result.params and result.notes == []


def test_throughput_of_a_cut_that_cannot_finish(service: FlowService) -> None:
    result = service.throughput(cut=Cut(team="r"), **WINDOW)
    assert [(row["finished"], row["net_flow"]) for row in result.rows()] == [(None, None), (None, None)]
    assert result.params["no_done_stage"] == f"finished, net_flow: {NO_DONE}"


def test_lead_time_says_why_nothing_finished(service: FlowService) -> None:
    result = service.lead_time(cut=Cut(team="r"), **WINDOW)
    assert result.rows() == []
    assert result.params["no_done_stage"] == f"lead_time: {NO_DONE}"
    assert result.notes == [f"lead_time: {NO_DONE}"]
    mapped = service.lead_time(cut=Cut(team="q"), **WINDOW)
    assert [row["lead_time_days"] for row in mapped.rows()] == [2.0, 4.0]  # by finish
    assert "no_done_stage" not in mapped.params


def test_cycle_time_without_an_active_stage_is_unknown(service: FlowService) -> None:
    result = service.cycle_time(cut=Cut(team="q"), **WINDOW)
    assert [(row["item_id"], row["cycle_time_days"]) for row in result.rows()] == [("Q-2", None), ("Q-1", None)]
    assert result.params["no_active_stage"] == f"cycle_time: {NO_ACTIVE}"
    mapped = service.cycle_time(cut=Cut(team="p"), **WINDOW)
    assert [row["cycle_time_days"] for row in mapped.rows()] == [2.0]
    assert "no_active_stage" not in mapped.params and mapped.notes == []


def test_efficiency_per_team(service: FlowService) -> None:
    result = service.efficiency(**WINDOW, by="team")
    rows = {row["team"]: row for row in result.rows()}
    assert (rows["p"]["flow_efficiency"], rows["p"]["unknown_reasons"]) == (1.0, None)
    assert (rows["q"]["flow_efficiency"], rows["q"]["item_efficiency_p50"]) == (None, None)
    assert rows["q"]["unknown_reasons"] == f"flow_efficiency, item_efficiency_p50: {NO_ACTIVE}"
    # r finished nothing, so has no row: the notes say why, q's row says it itself.
    assert set(rows) == {"p", "q"}
    assert result.notes == [f"r: flow_efficiency, item_efficiency_p50: {NO_DONE}"]


def test_sle_per_team(service: FlowService) -> None:
    result = service.sle()
    rows = {row["team_id"]: row for row in result.rows()}
    assert set(rows) == {"p", "q"}  # r finished nothing
    assert (rows["p"]["sample"], rows["p"]["sle_days"]) == (1, 2.0)
    assert (rows["q"]["sample"], rows["q"]["sle_days"]) == (2, None)
    assert rows["q"]["unknown_reasons"] == f"sle_days: {NO_ACTIVE}"
    assert result.params["no_done_stage"] == f"r: sle_days: {NO_DONE}"
    assert result.params["no_active_stage"] == f"q: sle_days: {NO_ACTIVE}"


def test_littles_law_of_a_cut_that_cannot_finish(service: FlowService) -> None:
    (row,) = service.littles_law(cut=Cut(team="r"), **WINDOW).rows()
    assert (row["departures"], row["throughput_per_day"], row["ratio"]) == (None, None, None)
    assert row["arrivals_match_departures"] is None
    assert row["arrivals"] == 1  # R-1 started 03-03
    assert row["unknown_reasons"] == (
        "departures, throughput_per_day, mean_cycle_time_days, predicted_wip, ratio, arrivals_match_departures: "
        + NO_DONE
    )


def test_a_forecast_from_a_cut_that_cannot_finish_says_why(workspace: Workspace, service: FlowService) -> None:
    series = series_from(service, Cut(team="r"), window_days=30)
    verdict = assess(series)
    assert (verdict.ok, verdict.reasons) == (False, (f"throughput: {NO_DONE}",))
    with pytest.raises(InputError) as raised:
        verdict.require()
    assert str(raised.value) == (
        f"window: not enough history (19 days, 0 finished items, 0 days with a finish): throughput: {NO_DONE}"
    )


def test_time_per_stage_keeps_its_rows_and_says_why(service: FlowService) -> None:
    stages = service.stages(cut=Cut(team="r"), **WINDOW)
    assert stages.rows() == [] and stages.notes == [f"stages: {NO_DONE}"]
    per_item = service.time_in_stage(cut=Cut(team="r"))
    # provisional (Backlog) 03-01..03-03, then the unmapped "implementable" until now (03-20): 17 days.
    assert sorted((row["stage"], row["days"]) for row in per_item.rows()) == [("Backlog", 2.0), ("unmapped", 17.0)]
    assert per_item.params["no_done_stage"] == f"time-in-stage (the last visit of every item runs to now): {NO_DONE}"
    mapped = service.time_in_stage(cut=Cut(team="p"))
    assert "no_done_stage" not in mapped.params and mapped.notes == []


def test_a_cut_without_items_is_ruled_out_by_nothing(service: FlowService) -> None:
    result = service.throughput(cut=Cut(item_type="defect"), **WINDOW)  # every item is a Story (a feature)
    assert [(row["finished"], row["net_flow"]) for row in result.rows()] == [(0, 0), (0, 0)]
    assert "no_done_stage" not in result.params
