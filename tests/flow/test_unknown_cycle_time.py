"""Unknown is not zero, for every figure built on cycle time: when more than half of the finished items
went from backlog straight to done (skipped_start), the SLE, the over-SLE flag of age, Little's law's
mean cycle time, flow efficiency and the simulation's cycle times are null with the summary's reason
(`orgflow.flow.skipped`), and a group with half or fewer skipped keeps its figures.

Hand-built histories, every expected value worked out in the comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pytest
from tests.flow.histories import history_batch

import orgflow
from orgflow.cli.render import Format, render
from orgflow.flow.figure_steps import age_notes
from orgflow.flow.service import FlowService
from orgflow.flow.skipped import no_status_history_reason, skipped_majority_reason
from orgflow.query.window import Cut
from orgflow.simulate.backtest import compare_with_history
from orgflow.simulate.calibrate import calibrate
from orgflow.simulate.history import History
from orgflow.simulate.replicate import RunSettings
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Waiting, phase: Create, category: wait, statuses: [Waiting]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
"""
HISTORIES = {
    # gamma: G-1 (cycle 1 day, all active) and G-2 (3 days) timed; G-3..G-5 Open -> Resolved: 3 of 5 skipped.
    ("G-1", "gamma", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Resolved")],
    ("G-2", "gamma", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-05", "Resolved")],
    ("G-3", "gamma", "Story"): [("03-01", "Open"), ("03-04", "Resolved")],
    ("G-4", "gamma", "Story"): [("03-01", "Open"), ("03-05", "Resolved")],
    ("G-5", "gamma", "Story"): [("03-01", "Open"), ("03-06", "Resolved")],
    ("G-6", "gamma", "Story"): [("03-01", "Open"), ("03-10", "In Progress")],  # open: 10 days old on 03-20
    # delta: cycle 1, 2 and 4 days (D-3 waits 2 of its 4), D-4 and D-5 skipped: 2 of 5, not a majority.
    ("D-1", "delta", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Resolved")],
    ("D-2", "delta", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")],
    ("D-3", "delta", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Waiting"), ("03-06", "Resolved")],  # noqa: E501
    ("D-4", "delta", "Story"): [("03-01", "Open"), ("03-07", "Resolved")],
    ("D-5", "delta", "Story"): [("03-01", "Open"), ("03-08", "Resolved")],
    ("D-6", "delta", "Story"): [("03-01", "Open"), ("03-12", "In Progress")],  # open: 8 days old
    ("D-7", "delta", "Story"): [("03-01", "Open"), ("03-19", "In Progress")],  # open: 1 day old
    # epsilon: one open item and nothing finished: no sample for an SLE at all.
    ("E-1", "epsilon", "Story"): [("03-01", "Open"), ("03-15", "In Progress")],
}  # fmt: skip
NOW = datetime(2024, 3, 20, tzinfo=UTC)
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 10)}  # [03-01, 03-11): 10 days
GAMMA_SHARE = (
    "3 of 5 finished items (60 %) skipped every active stage (skipped_start); cycle time is not measured for them"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowService]:
    folder = tmp_path_factory.mktemp("skipped")
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    workspace: Workspace = orgflow.open(folder)
    workspace.write(history_batch(HISTORIES))
    yield workspace.flow_at(NOW)
    workspace.close()


def test_the_sle_of_a_mostly_skipped_sample_is_unknown(service: FlowService) -> None:
    rows = {row["team_id"]: row for row in service.sle().rows()}

    # gamma: 3 of its 5 stories skipped: no SLE, and the reason gives the share.
    assert (rows["gamma"]["sample"], rows["gamma"]["sle_days"]) == (5, None)
    assert rows["gamma"]["unknown_reasons"] == skipped_majority_reason(3, 5, "sle_days") == f"sle_days: {GAMMA_SHARE}"
    # delta: 2 of 5 skipped count with 0: cycle [0, 0, 1, 2, 4], p85 at h = 3.4 -> 2 + 0.4 * 2 = 2.8.
    assert rows["delta"]["sample"] == 5 and rows["delta"]["sle_days"] == pytest.approx(2.8, abs=1e-12)
    assert rows["delta"]["unknown_reasons"] is None
    assert "epsilon" not in rows


def test_age_flags_nothing_against_an_unknown_sle(service: FlowService) -> None:
    result = service.age()
    rows = {
        row["item_id"]: (row["age_days"], row["sle_days"], row["over_sle"], row["unknown_reasons"])
        for row in result.rows()
    }

    assert rows["G-6"] == (10.0, None, None, f"sle_days, over_sle: {GAMMA_SHARE}")
    assert rows["E-1"] == (5.0, None, None, "sle_days, over_sle: no item of its team and type finished before now")
    # delta's SLE is 2.8 days: D-6 (8 days) is past it, D-7 (1 day) is not.
    assert rows["D-6"][0] == 8.0 and rows["D-6"][2:] == (True, None)
    assert rows["D-7"][0] == 1.0 and rows["D-7"][2:] == (False, None)
    # The terminal says each reason once, with the team, type and item count, instead of a column.
    shown, notes = age_notes(result, {}, None)
    assert "unknown_reasons" not in shown.table.column_names and shown.table.num_rows == 4
    assert notes == [
        f"gamma Story, 1 item: sle_days, over_sle: {GAMMA_SHARE}",
        "epsilon Story, 1 item: sle_days, over_sle: no item of its team and type finished before now",
    ]


def test_flow_efficiency_of_a_mostly_skipped_row_is_unknown(service: FlowService) -> None:
    rows = {row["team"]: row for row in service.efficiency(**WINDOW, by="team").rows()}

    gamma, delta = rows["gamma"], rows["delta"]
    # gamma: the two timed items were active all their 1 + 3 days: it would read 1.00 from 2 of 5 items.
    assert (gamma["finished"], gamma["active_days"], gamma["cycle_days"]) == (5, 4.0, 4.0)
    assert (gamma["flow_efficiency"], gamma["item_efficiency_p50"]) == (None, None)
    assert gamma["unknown_reasons"] == f"flow_efficiency, item_efficiency_p50: {GAMMA_SHARE}"
    # delta: active 1 + 2 + 2 over cycle 1 + 2 + 4 = 5 / 7; per item [1, 1, 0.5] -> median 1.
    assert delta["flow_efficiency"] == pytest.approx(5 / 7, abs=1e-12)
    assert (delta["item_efficiency_p50"], delta["unknown_reasons"]) == (1.0, None)


def test_littles_law_has_no_mean_cycle_time_when_most_departures_skipped(service: FlowService) -> None:
    (gamma,) = service.littles_law(cut=Cut(team="gamma"), **WINDOW).rows()
    (delta,) = service.littles_law(cut=Cut(team="delta"), **WINDOW).rows()
    (epsilon,) = service.littles_law(cut=Cut(team="epsilon"), **WINDOW).rows()

    # gamma: 5 departures in 10 days (0.5 a day) stay; what is built on its cycle time does not.
    assert (gamma["departures"], gamma["throughput_per_day"]) == (5, 0.5)
    assert (gamma["mean_cycle_time_days"], gamma["predicted_wip"], gamma["ratio"]) == (None, None, None)
    assert gamma["unknown_reasons"] == f"mean_cycle_time_days, predicted_wip, ratio: {GAMMA_SHARE}"
    # delta: mean cycle (0 + 0 + 1 + 2 + 4) / 5 = 1.4, predicted 0.5 * 1.4 = 0.7; WIP at the end of
    # 03-01..03-10 is 0, 3, 2, 1, 1, 0, 0, 0, 0, 0: mean 0.7, ratio 1.
    assert delta["mean_cycle_time_days"] == pytest.approx(1.4, abs=1e-12)
    assert delta["predicted_wip"] == pytest.approx(0.7, abs=1e-12)
    assert delta["ratio"] == pytest.approx(1.0, abs=1e-12)
    assert delta["unknown_reasons"] is None
    # epsilon: nothing departed in the window.
    assert (epsilon["departures"], epsilon["mean_cycle_time_days"], epsilon["predicted_wip"]) == (0, None, None)
    assert epsilon["unknown_reasons"] == "mean_cycle_time_days, predicted_wip, ratio: no item finished in the window"


def test_the_reason_is_printed_under_the_sle_table(service: FlowService, capsys: pytest.CaptureFixture[str]) -> None:
    render(service.sle(), Format.table)
    out = capsys.readouterr().out
    assert f"– gamma: sle_days: {GAMMA_SHARE}" in " ".join(out.split()).replace("( ", "(")
    render(service.sle(), Format.json)
    assert f'"unknown_reasons": "sle_days: {GAMMA_SHARE}"' in capsys.readouterr().out


# -- the simulation --------------------------------------------------------------------------------------


def _history(skipped: dict[str, int], items: int = 24) -> History:
    """Per team, `items` finished items, item i of the team starting on day i: the first `skipped[team]`
    go from backlog straight to done (start = finish, no stage visited), the others spend 1 day in the
    active stage Build."""
    teams, start, finish, span_item, span_enter = [], [], [], [], []
    for team, count in skipped.items():
        for i in range(items):
            index = len(teams)
            teams.append(team)
            start.append(float(i))
            finish.append(float(i) if i < count else i + 1.0)
            if i >= count:
                span_item.append(index)
                span_enter.append(float(i))
    spans = len(span_item)
    enter = np.array(span_enter)
    return History(
        teams=np.array(teams, dtype=object),
        groups=[None] * len(teams),
        flow_types=np.array(["feature"] * len(teams), dtype=object),
        start=np.array(start),
        finish=np.array(finish),
        cancelled=np.zeros(len(teams), dtype=bool),
        span_item=np.array(span_item, dtype=np.int64),
        span_stage=np.array(["Build"] * spans, dtype=object),
        span_category=np.array(["active"] * spans, dtype=object),
        span_order=np.ones(spans, dtype=np.int64),
        span_enter=enter,
        span_leave=enter + 1,
        stage_phase={"Build": "Create"},
        staffing={},
        end=30.0,
    )


def test_the_simulation_leaves_an_unmeasured_cycle_time_unknown() -> None:
    # t: 13 of 24 finished items skipped (54 %); u: 12 of 24, not a majority.
    history = _history({"t": 13, "u": 12})
    network = calibrate(history, since=0.0, until=30.0, dependencies=False)

    predicted = skipped_majority_reason(13, 24, "cycle_time_p50, cycle_time_p85 predicted")
    assert predicted.endswith(": 13 of 24 finished items (54 %) skipped every active stage (skipped_start); "
                              "cycle time is not measured for them")  # fmt: skip
    assert network.notes["cycle_time_unknown"] == {"t": predicted}
    rows = compare_with_history(
        history, network, since=0.0, until=30.0, settings=RunSettings(replications=2, seed=1), warmup=10.0
    )
    by = {(row["team"], row["figure"]): row for row in rows}
    actual = skipped_majority_reason(13, 24, "cycle_time_p50, cycle_time_p85 actual")
    for figure in ("cycle_time_p50", "cycle_time_p85"):
        assert (by[("t", figure)]["predicted"], by[("t", figure)]["actual"]) == (None, None)
        assert by[("t", figure)]["unknown_reasons"] == f"{predicted}; {actual}"
        assert by[("u", figure)]["predicted"] is not None and by[("u", figure)]["unknown_reasons"] is None
    # u: actual cycle times twelve 0s and twelve 1s: p50 between the 12th and 13th = 0.5, p85 = 1.
    assert (by[("u", "cycle_time_p50")]["actual"], by[("u", "cycle_time_p85")]["actual"]) == (0.5, 1.0)
    # Throughput is measured either way: 24 items over 30 days.
    assert by[("t", "throughput_per_week")]["actual"] == pytest.approx(24 / (30 / 7), abs=1e-12)
    assert by[("t", "throughput_per_week")]["unknown_reasons"] is None


def test_a_history_with_no_timed_item_says_so() -> None:
    network = calibrate(_history({"t": 24}), since=0.0, until=30.0, dependencies=False)
    assert network.notes["cycle_time_unknown"] == {
        "t": no_status_history_reason("cycle_time_p50, cycle_time_p85 predicted")
    }
