"""Plans of initiatives: slowest team per trial, shared historical days, priorities and dependencies,
scope growth, the board and its lanes read by each team's calibration, and every kind of bad plan
named by file, line and field."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from orgflow.errors import InputError
from orgflow.forecast import (
    ThroughputSeries,
    exact_how_many,
    exact_when,
    forecast_plan,
    forecast_when,
    load_plan,
    parse_plan_csv,
    parse_plan_yaml,
)
from orgflow.forecast.calibrate import calibrate
from orgflow.forecast.calibration import RECORD_SCORES, Adjustment, Calibration, Question
from orgflow.forecast.plan import calibrate_plan

START = date(2024, 7, 1)


def constant(per_day: int, days: int = 60) -> ThroughputSeries:
    return ThroughputSeries(START - timedelta(days=days), np.full(days, per_day))


def test_two_independent_teams_each_at_p85_are_both_done_about_72_percent_of_the_time() -> None:
    rng = np.random.default_rng(21)
    first = ThroughputSeries(START - timedelta(days=3000), rng.poisson(1.5, 3000))
    second = ThroughputSeries(START - timedelta(days=3000), rng.poisson(1.5, 3000))
    # Each team gets the item count it finishes within 40 days with a probability closest to 85 %.
    target = START + timedelta(days=39)
    counts, alone = [], []
    for series in (first, second):
        reach = exact_how_many(series, 40)
        items = min(
            (reach.value_at(0.85), reach.value_at(0.85) + 1), key=lambda n: abs(reach.probability_at_least(n) - 0.85)
        )
        counts.append(items)
        alone.append(exact_when(series, items, start=START).probability_by(target))
    assert all(0.82 < chance < 0.88 for chance in alone)
    plan = parse_plan_yaml(
        f"initiatives:\n  - {{name: both, target: {target}, teams: {{a: {counts[0]}, b: {counts[1]}}}}}\n"
    )
    result = forecast_plan(plan, {"a": first, "b": second}, trials=100_000, seed=4, uncertainty=False)
    both = result.probability_by_initiative["both"]
    assert both == pytest.approx(alone[0] * alone[1], abs=0.01)
    assert both == pytest.approx(0.72, abs=0.035)


def test_teams_replay_the_same_days_so_identical_histories_finish_together() -> None:
    history = ThroughputSeries(START - timedelta(days=90), np.random.default_rng(3).poisson(2.0, 90))
    plan = parse_plan_yaml("initiatives:\n  - {name: x, teams: {a: 50, b: 50}}\n")
    result = forecast_plan(plan, {"a": history, "b": history}, trials=5_000, seed=2)
    lane_a, lane_b = result.lanes[("x", "a")][1], result.lanes[("x", "b")][1]
    assert np.array_equal(lane_a, lane_b)  # perfectly correlated: never one without the other
    assert np.array_equal(result.finish_days["x"], lane_a)


PLAN = """\
start: 2024-07-01
initiatives:
  - name: A
    priority: 1
    teams: {alpha: 10}
  - name: C
    priority: 3
    teams: {beta: 2}
  - name: B
    priority: 2
    depends_on: [A]
    target: 2024-07-08
    teams: {alpha: [K-1, K-2, K-3, K-4], beta: 3}
"""


def test_priorities_and_dependencies_on_constant_throughput_by_hand() -> None:
    """alpha finishes 2 items a day, beta 1. Order: A (priority 1), then B (2, after A), then C (3).
    alpha: A's 10 items by day 5; B's 4 by day 7. beta waits for A (days 1-5 lost to the plan),
    then B's 3 by day 8; then C's 2 by day 10. B finishes with its slowest team on day 8 = 07-08."""
    plan = parse_plan_yaml(PLAN, file="plan.yaml")
    result = forecast_plan(plan, {"alpha": constant(2), "beta": constant(1)}, trials=200, seed=1)
    assert [item.name for item in result.order] == ["A", "B", "C"]
    assert {name: set(days.tolist()) for name, days in result.finish_days.items()} == {
        "A": {5},
        "B": {8},
        "C": {10},
    }
    assert set(result.lanes[("B", "alpha")][1].tolist()) == {7}
    assert set(result.lanes[("B", "beta")][0].tolist()) == {6}  # starts the day after A finished
    rows = {row["initiative"]: row for row in result.rows()}
    assert rows["B"]["p50"] == rows["B"]["p95"] == date(2024, 7, 8)
    assert rows["B"]["probability"] == 1.0 and rows["A"]["probability"] is None
    assert result.probability_by_initiative == {"A": None, "B": 1.0, "C": None}
    board = result.board()
    assert board["arrows"] == [{"from": "A", "to": "B"}]
    assert board["teams"] == ["alpha", "beta"]
    bar = next(bar for bar in board["bars"] if bar["team"] == "beta" and bar["initiative"] == "C")
    assert (bar["start"], bar["finish_p50"]) == ("2024-07-09", "2024-07-10")


def test_one_day_late_target_has_no_chance() -> None:
    plan = parse_plan_yaml(PLAN.replace("2024-07-08", "2024-07-07"))
    result = forecast_plan(plan, {"alpha": constant(2), "beta": constant(1)}, trials=100, seed=1)
    assert result.probability_by_initiative["B"] == 0.0


def test_scope_growth_and_split_rate() -> None:
    """1 item a day, 10 items: x2 split -> 20 days; +50 % growth -> 15 days; growth uniform in
    [0, 1] -> ceil(10 (1 + g)) days: 11 to 20, each with probability 1/10, 15.5 on average."""
    fixed = parse_plan_yaml(
        "initiatives:\n  - {name: s, teams: {a: 10}, split_rate: [2, 2]}\n"
        "  - {name: g, teams: {b: 10}, scope_growth: 0.5}\n"
    )
    result = forecast_plan(fixed, {"a": constant(1), "b": constant(1)}, trials=50, seed=1)
    assert set(result.finish_days["s"].tolist()) == {20}
    assert set(result.finish_days["g"].tolist()) == {15}
    ranged = parse_plan_yaml("initiatives:\n  - {name: r, teams: {a: 10}, scope_growth: [0, 1]}\n")
    days = forecast_plan(ranged, {"a": constant(1)}, trials=100_000, seed=1).finish_days["r"]
    assert days.min() == 11 and days.max() == 20
    assert days.mean() == pytest.approx(15.5, abs=0.05)  # standard error 0.009


def test_csv_and_yaml_give_the_same_forecast(tmp_path: Path) -> None:
    csv_path = tmp_path / "plan.csv"
    csv_path.write_text(
        "initiative,team,items,priority,depends_on,target\n"
        "A,alpha,10,1,,\n"
        "C,beta,2,3,,\n"
        "B,alpha,K-1 K-2 K-3 K-4,2,A,2024-07-08\n"
        "B,beta,3,,,\n",
        encoding="utf-8",
    )
    yaml_path = tmp_path / "plan.yaml"
    yaml_path.write_text(PLAN, encoding="utf-8")
    history = {
        "alpha": ThroughputSeries(START - timedelta(days=60), np.random.default_rng(1).poisson(2, 60)),
        "beta": ThroughputSeries(START - timedelta(days=60), np.random.default_rng(2).poisson(1, 60)),
    }
    from_csv = forecast_plan(load_plan(csv_path), history, trials=2_000, seed=7, start=START)
    from_yaml = forecast_plan(load_plan(yaml_path), history, trials=2_000, seed=7)
    assert from_csv.rows() == from_yaml.rows()


def test_unknown_team_is_named_with_file_line_and_field() -> None:
    plan = parse_plan_yaml(PLAN.replace("beta: 3", "gamma: 3"), file="plan.yaml")
    with pytest.raises(InputError) as caught:
        forecast_plan(plan, {"alpha": constant(2), "beta": constant(1)})
    error = caught.value
    assert (error.file, error.record, error.field) == ("plan.yaml", "line 13", "B.teams.gamma")
    assert "unknown team 'gamma'" in error.message


def test_a_dependency_cycle_is_named() -> None:
    text = PLAN.replace("    priority: 1\n", "    priority: 1\n    depends_on: [B]\n")
    with pytest.raises(InputError) as caught:
        forecast_plan(parse_plan_yaml(text, file="plan.yaml"), {"alpha": constant(2), "beta": constant(1)})
    assert "dependency cycle" in caught.value.message
    assert "A" in caught.value.message and "B" in caught.value.message
    assert caught.value.file == "plan.yaml" and caught.value.field == "depends_on"
    assert caught.value.record in ("line 3", "line 11")


def test_other_bad_plans() -> None:
    history = {"alpha": constant(2), "beta": constant(1)}
    with pytest.raises(InputError, match="unknown initiative 'Z'") as caught:
        forecast_plan(parse_plan_yaml(PLAN.replace("[A]", "[Z]"), file="p.yaml"), history)
    assert caught.value.record == "line 9"  # the initiative that names it
    with pytest.raises(InputError, match="unknown key 'team'"):
        parse_plan_yaml("initiatives:\n  - {name: x, team: {a: 1}}\n")
    with pytest.raises(InputError, match="not a date") as caught:
        parse_plan_yaml("initiatives:\n  - name: x\n    teams: {a: 1}\n    target: soon\n", file="p.yaml")
    assert caught.value.record == "line 2"
    with pytest.raises(InputError, match="low <= high"):
        parse_plan_yaml("initiatives:\n  - {name: x, teams: {a: 1}, scope_growth: [0.5, 0.1]}\n")
    with pytest.raises(InputError, match="differs from line 2") as caught:
        parse_plan_csv("initiative,team,items,target\nA,a,1,2024-01-01\nA,b,1,2024-02-01\n", file="p.csv")
    assert (caught.value.record, caught.value.field) == ("line 3", "target")
    with pytest.raises(InputError, match="defined twice"):
        forecast_plan(
            parse_plan_yaml("initiatives:\n  - {name: x, teams: {alpha: 1}}\n  - {name: x, teams: {alpha: 2}}\n"),
            history,
        )


def test_a_team_with_too_little_history_is_a_verdict() -> None:
    plan = parse_plan_yaml(PLAN, file="plan.yaml")
    short = ThroughputSeries(START - timedelta(days=5), np.full(5, 3))
    with pytest.raises(InputError, match="team 'beta': not enough history") as caught:
        forecast_plan(plan, {"alpha": constant(2), "beta": short})
    assert caught.value.record == "line 8"  # beta's first appearance (initiative C)


def test_slow_trials_are_extended_not_dropped_and_one_team_matches_forecast_when() -> None:
    """1 item on each of 10 days in 60 (a mean of 1/6 a day): 10 items take 60 days at the mean, so
    trials start with 1.3 x 60 + 30 = 108 days; with parameter uncertainty some resampled windows are
    much slower and must be extended. A one-team plan is the same model as `forecast_when`."""
    history = ThroughputSeries(START - timedelta(days=60), np.array(([1] + [0] * 5) * 10))
    plan = parse_plan_yaml("initiatives:\n  - {name: slow, teams: {a: 10}}\n")
    result = forecast_plan(plan, {"a": history}, trials=20_000, seed=8)
    days = result.finish_days["slow"]
    assert days.max() > 108 and result.horizon_days >= days.max()
    assert result.rows()[0]["beyond_horizon"] == 0.0
    alone = forecast_when(history, 10, trials=20_000, seed=9)
    for confidence in (0.5, 0.85, 0.95):
        planned = result.percentile_day(days, confidence)
        assert abs(planned - alone.value_at(confidence)) <= max(2, 0.03 * planned)


def test_board_lanes_are_read_by_each_teams_calibration() -> None:
    """Team a's calibration reads 50 % at 60 % and 85 % at 93 %, no earlier than 3 x the median; team b
    has a regime change (every row null). A lane is read by its own team: a's lane on y at the 60th
    and the 93rd percentile of its trials' finish days (the latter held to 3 x its median); b's lane on
    x and initiative x (it has b) are null with b's reason; initiative y (a alone) is read like a's lane.
    Without the calibrations the board reads the plain percentiles."""
    rng = np.random.default_rng(8)
    series = {
        team: ThroughputSeries(START - timedelta(days=120), rng.poisson(rate, 120))
        for team, rate in (("a", 1.5), ("b", 0.8))
    }
    plan = parse_plan_yaml("initiatives:\n  - {name: x, teams: {a: 20, b: 10}}\n  - {name: y, teams: {a: 15}}\n")
    plain = forecast_plan(plan, series, trials=2_000, seed=3)
    reason = "regime change: 60 items finished in the last 28 days"
    a = (Adjustment(0.5, 0.6), Adjustment(0.7, 0.8), Adjustment(0.85, 0.93, scale=3.0), Adjustment(0.95, 0.97))
    b = tuple(Adjustment(q, None, reason) for q in (0.5, 0.7, 0.85, 0.95))
    calibrations = {
        "a": Calibration(Question("when", 120, items=35), (), a),
        "b": Calibration(Question("when", 120, items=10), (), b, reason),
    }
    result = dataclasses.replace(plain, calibrations=calibrations)
    board = result.board()
    bars = {(bar["initiative"], bar["team"]): bar for bar in board["bars"]}

    def iso(days: int | None) -> str | None:
        return None if days is None else (START + timedelta(days=days - 1)).isoformat()

    for samples, shown in (
        (plain.lanes[("y", "a")][1], bars[("y", "a")]),
        (plain.finish_days["y"], board["initiatives"][1]),
    ):
        median = plain.percentile_day(samples, 0.5)
        p93 = plain.percentile_day(samples, 0.93)
        assert median is not None and p93 is not None
        assert shown["finish_p50"] == iso(plain.percentile_day(samples, 0.6))
        assert shown["finish_confident"] == iso(max(p93, 3 * median))
        assert shown["null_reason"] is None
        assert p93 < 3 * median  # the scale decides: slower than the trials' 93rd percentile
    for shown in (bars[("x", "b")], board["initiatives"][0]):
        assert (shown["finish_p50"], shown["finish_confident"], shown["null_reason"]) == (None, None, reason)
    assert [row["p85"] for row in result.rows()] == [
        None,
        date.fromisoformat(board["initiatives"][1]["finish_confident"]),
    ]
    unread = next(bar for bar in plain.board()["bars"] if (bar["initiative"], bar["team"]) == ("x", "b"))
    lane = plain.lanes[("x", "b")][1]
    assert {key: value for key, value in unread.items() if key.startswith("finish")} == {
        "finish_p50": iso(plain.percentile_day(lane, 0.5)),
        "finish_confident": iso(plain.percentile_day(lane, 0.85)),
    }


def test_a_plans_team_calibration_is_its_single_forecast_calibration() -> None:
    """A team's record in a plan is the record of its own "when will its plan items be done" forecast:
    the same past forecasts, scores and adjustments as `calibrate(forecast_when(...))` for its 30 items."""
    counts = np.random.default_rng(12).poisson(1.2, 700)
    series = ThroughputSeries(START - timedelta(days=90), counts[-90:], past=counts[:-90])
    plan = parse_plan_yaml("initiatives:\n  - {name: x, teams: {a: 30}}\n")
    planned = calibrate_plan(forecast_plan(plan, {"a": series}, trials=2_000, seed=1), {"a": series})
    single = calibrate(forecast_when(series, 30, trials=2_000, seed=1), series).calibration
    assert planned.calibrations is not None and single is not None
    assert planned.calibrations["a"] == single
    assert len(single.record) == RECORD_SCORES and single.verdict is None


def test_a_lane_without_a_finish_is_a_faint_stub_with_its_reason() -> None:
    """A lane whose team's calibration cannot hold has no finish: the board chart draws a one-day stub at
    its start (faint, opacity 0.25), says why in its tooltip field and subtitle, and draws no tail."""
    from orgflow.charts.plan_board import board_layout, plan_board_chart

    reason = "too little history to calibrate: 3 past weekly forecasts of this question, 20 needed"
    board = {
        "start": "2027-01-01",
        "confidence": 0.85,
        "teams": ["a", "b"],
        "initiatives": [{"name": "X", "target": None, "probability": None}],
        "bars": [
            {"team": "a", "initiative": "X", "start": "2027-01-03", "finish_p50": "2027-01-09"},
            {"team": "b", "initiative": "X", "start": "2027-01-05", "finish_p50": None, "null_reason": reason},
        ],
        "arrows": [],
    }
    for bar in board["bars"]:
        bar["finish_confident"] = None
    drawn = {bar["team"]: bar for bar in board_layout(board)["bars"]}
    assert [(drawn[t]["p50_end"], drawn[t]["confident_end"], drawn[t]["opacity"]) for t in "ab"] == [
        ("2027-01-10", "2027-01-10", 0.9),
        ("2027-01-06", "2027-01-06", 0.25),
    ]
    assert (drawn["a"]["unknown"], drawn["b"]["unknown"]) == ("", reason)
    chart = plan_board_chart(board)
    assert chart["title"]["subtitle"] == f"1 lane without a finish (faint): {reason}"
