"""The plan rule against snapshots of earlier runs, and `record_snapshot` (the one write)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.insights.workspaces import NOW, TODAY, Build, at, flowing

from orgflow.insights import Finding, chances_of, find_insights, record_snapshot


def _healthy(build: Build):
    return build(
        [
            flowing(f"S-{day}", "eps", at(TODAY - timedelta(days=day)), ("In Progress", 1), ("Done", 0))
            for day in range(1, 60)
        ]
    )


def test_an_initiative_that_fell_below_the_threshold_since_the_last_run(build: Build) -> None:
    workspace = _healthy(build)
    last_week = NOW - timedelta(days=7)
    assert (
        record_snapshot(
            workspace.store,
            {"checkout-v2": ("2024-09-30", 0.82), "search": 0.9, "late": 0.4, "rewrite": 0.71},
            computed_at=last_week - timedelta(days=7),
        )
        == 4
    )
    # The latest run before NOW is the one that counts; a run after NOW is ignored.
    record_snapshot(workspace.store, {"checkout-v2": ("2024-09-30", 0.8), "rewrite": 0.3}, computed_at=last_week)
    record_snapshot(workspace.store, {"checkout-v2": 0.1, "search": 0.1}, computed_at=NOW + timedelta(hours=1))
    now_chances = {"checkout-v2": ("2024-09-30", 0.55), "search": 0.75, "late": 0.3, "rewrite": 0.2, "new": 0.1}
    found = find_insights(workspace, now=NOW, plan=now_chances)
    # checkout-v2: 0.80 → 0.55 crosses 0.7 (medium: not below 0.5). search stays above, late and rewrite were
    # already below last time, new has no earlier run.
    assert found == [
        Finding(
            rule="plans.probability-fell",
            severity="medium",
            subject="initiative:checkout-v2",
            title="checkout-v2: the chance of meeting its date of 2024-09-30 fell to 55% (was 80%), below 70%",
            evidence={
                "target": "2024-09-30",
                "probability": 0.55,
                "previous_probability": 0.8,
                "previous_target": "2024-09-30",
                "previous_computed_at": "2024-05-27T12:00:00Z",
                "drop": 0.25,
                "threshold": 0.7,
                "items": [],
            },
            suggested_action=found[0].suggested_action,
        )
    ]
    assert found[0].suggested_action.startswith("Re-plan checkout-v2 now")
    worse = find_insights(workspace, now=NOW, plan={"checkout-v2": 0.45})
    assert [(f.severity, f.evidence["probability"], f.evidence["target"]) for f in worse] == [("high", 0.45, None)]


def test_recording_a_run_twice_changes_nothing(build: Build) -> None:
    workspace = _healthy(build)
    for _ in range(2):
        record_snapshot(workspace.store, {"a": 0.5, "b": ("2024-07-01", 0.25)}, computed_at=NOW)
    rows = workspace.store.connection.execute(
        "SELECT subject, target, computed_at, probability FROM forecast_snapshots ORDER BY subject"
    ).fetchall()
    assert rows == [("a", "", NOW.replace(tzinfo=None), 0.5), ("b", "2024-07-01", NOW.replace(tzinfo=None), 0.25)]


def test_bad_snapshots_write_nothing(build: Build) -> None:
    workspace = _healthy(build)
    with pytest.raises(ValueError, match="0-1"):
        record_snapshot(workspace.store, {"a": 0.5, "b": 1.5}, computed_at=NOW)
    with pytest.raises(ValueError, match="naive"):
        record_snapshot(workspace.store, {"a": 0.5}, computed_at=NOW.replace(tzinfo=None))
    assert workspace.store.connection.execute("SELECT count(*) FROM forecast_snapshots").fetchone() == (0,)


def test_a_write_that_fails_half_way_leaves_the_snapshots_as_they_were(build: Build) -> None:
    workspace = _healthy(build)
    workspace.insights_at(NOW).record({"a": 0.5})
    with pytest.raises(RuntimeError, match="half way"), workspace.store.transaction() as connection:
        connection.execute("DELETE FROM forecast_snapshots")
        connection.execute("INSERT INTO forecast_snapshots VALUES ('b', '', ?, 0.1)", [NOW.replace(tzinfo=None)])
        raise RuntimeError("failed half way")
    rows = workspace.store.connection.execute("SELECT subject, computed_at, probability FROM forecast_snapshots")
    assert rows.fetchall() == [("a", NOW.replace(tzinfo=None), 0.5)]


def test_the_plan_forecast_result_is_read_directly(build: Build) -> None:
    from orgflow.forecast.history import ThroughputSeries
    from orgflow.forecast.plan import forecast_plan
    from orgflow.forecast.plan_file import Initiative, Plan

    workspace = _healthy(build)
    start = TODAY
    # Team t finishes exactly 1 item every day: 10 items take 10 days whatever the trial, so A (due on
    # day 10) is certain; B (due on day 5) cannot make it; C has no target and is left out.
    plan = Plan(
        (
            Initiative("A", {"t": 10}, 1, target=start + timedelta(days=9)),
            Initiative("B", {"t": 10}, 2, target=start + timedelta(days=4)),
            Initiative("C", {"t": 3}, 3),
        ),
        start=start,
    )
    series = {"t": ThroughputSeries(TODAY - timedelta(days=90), [1] * 90)}
    result = forecast_plan(plan, series, trials=200, seed=1)
    chances = chances_of(result)
    assert chances == {"A": ("2024-06-12", 1.0), "B": ("2024-06-07", 0.0)}
    record_snapshot(workspace.store, {"A": 0.9, "B": 0.9}, computed_at=NOW - timedelta(days=1))
    found = find_insights(workspace, now=NOW, plan=result)
    assert [(f.subject, f.severity, f.evidence["probability"]) for f in found] == [("initiative:B", "high", 0.0)]
