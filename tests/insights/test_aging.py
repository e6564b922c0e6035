"""Single-item SLE and aging, and the rule `aging.past-sle`, against a hand calculation.

Team alpha, Story: five items finished long ago with cycle times 1, 2, 3, 4 and 10 days. Percentiles
(linear interpolation, position (n - 1) q over the sorted 1, 2, 3, 4, 10):
  p50: position 2.0 → 3            p70: 2.8 → 3 + 0.8 × 1 = 3.8
  p85: 3.4 → 4 + 0.4 × 6 = 6.4     p95: 3.8 → 4 + 0.8 × 6 = 8.8
Open Story items aged 5, 7 and 9.5 days at NOW fall in p70-p85, p85-p95 and above p95: the 7-day one
is past p85 (the SLE), the 9.5-day one past p95; both are listed in alpha's one (high) finding. A Bug of alpha has
no finished Bug to compare with, and team beta has only 4 finished items (below the sample of 5).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.insights.workspaces import NOW, Build, at, flowing

from orgflow.insights import Finding, InsightSettings, find_insights, item_aging

OLD = at(date(2024, 1, 8))


def _items() -> list:
    finished = [flowing(f"F-{days}", "alpha", OLD, ("In Progress", days), ("Done", 0)) for days in (1, 2, 3, 4, 10)]
    few = [flowing(f"G-{days}", "beta", OLD, ("In Progress", days), ("Done", 0)) for days in (1, 2, 3, 4)]
    open_items = [
        flowing("O-5", "alpha", NOW - timedelta(days=5), ("In Progress", 1), ("Review", 99)),
        flowing("O-7", "alpha", NOW - timedelta(days=7), ("In Progress", 99)),
        flowing("O-9", "alpha", NOW - timedelta(days=9.5), ("Ready", 2), ("In Progress", 99)),
        flowing("B-1", "alpha", NOW - timedelta(days=30), ("In Progress", 99), item_type="Bug"),
        flowing("H-1", "beta", NOW - timedelta(days=30), ("In Progress", 99)),
    ]
    return [*finished, *few, *open_items]


def test_item_aging_matches_the_hand_calculation(build: Build) -> None:
    workspace = build(_items())
    table = item_aging(workspace.flow_at(NOW), settings=InsightSettings())
    rows = {row["item_id"]: row for row in table.to_pylist()}
    assert [row["item_id"] for row in table.to_pylist()] == ["B-1", "H-1", "O-9", "O-7", "O-5"]
    o5, o7, o9 = rows["O-5"], rows["O-7"], rows["O-9"]
    for row in (o5, o7, o9):
        assert row["sle_sample"] == 5
        assert (row["p50_days"], row["p70_days"], row["p85_days"], row["p95_days"]) == pytest.approx(
            (3.0, 3.8, 6.4, 8.8), abs=1e-9
        )
        assert row["sle_days"] == pytest.approx(6.4, abs=1e-9)
        assert row["sle_high_days"] == pytest.approx(8.8, abs=1e-9)
    assert (o5["age_days"], o7["age_days"], o9["age_days"]) == pytest.approx((5, 7, 9.5), abs=1e-9)
    assert (o5["band"], o7["band"], o9["band"]) == ("p70-p85", "p85-p95", "above p95")
    assert o5["current_stage"] == "Review" and o5["stage_age_days"] == pytest.approx(4, abs=1e-9)
    assert rows["B-1"]["band"] is None and rows["B-1"]["sle_sample"] == 0
    assert rows["H-1"]["sle_sample"] == 4 and rows["H-1"]["band"] == "above p95"


def test_past_sle_findings_are_exact(build: Build) -> None:
    # One finding for team alpha listing both late items, oldest first: O-9 (9.5 days, 3.1 past the
    # SLE of 6.4, past p95 8.8) and O-7 (7.0 days, 0.6 past). Impact 3.1 + 0.6 = 3.7 item-days.
    workspace = build(_items())
    found = [finding for finding in find_insights(workspace, now=NOW) if finding.rule == "aging.past-sle"]
    shared = {
        "item_type": "Story",
        "current_stage": "In Progress",
        "sle_days": 6.4,
        "sle_high_days": 8.8,
        "sample": 5,
    }
    assert found == [
        Finding(
            rule="aging.past-sle",
            severity="high",
            subject="team:alpha",
            title="alpha: 2 items past their SLE, 1 past p95 (oldest O-9, 9.5 days against an SLE of 6.4; "
            "3.7 days past in all)",
            evidence={
                "team": "alpha",
                "sle_percentile": 85,
                "sle_high_percentile": 95,
                "items_past_sle": 2,
                "items_past_high": 1,
                "days_past_sle": 3.7,
                "oldest_item": "O-9",
                "oldest_age_days": 9.5,
                "per_item": [
                    {"item_id": "O-9", **shared, "age_days": 9.5, "stage_age_days": 7.5, "days_past_sle": 3.1}
                    | {"past": "p95"},
                    {"item_id": "O-7", **shared, "age_days": 7.0, "stage_age_days": 7.0, "days_past_sle": 0.6}
                    | {"past": "p85"},
                ],
                "items": ["O-9", "O-7"],
            },
            suggested_action=found[0].suggested_action,
            team="alpha",
            impact_item_days=3.7,
        )
    ]
    assert found[0].suggested_action == (
        "Swarm on O-9 in alpha now: unblock, split or drop it; raise the other 1 at the next stand-up."
    )


def test_the_team_cut_keeps_only_its_items(build: Build) -> None:
    workspace = build(_items())
    assert [f.subject for f in find_insights(workspace, now=NOW, team="beta")] == []
    assert [f.subject for f in find_insights(workspace, now=NOW, team="alpha")] == ["team:alpha"]
