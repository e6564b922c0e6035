"""Statuses no workflow maps: every rule runs, and the stage rule leaves ``unmapped`` out.

``unmapped`` has no stage order and is not a stage of the team's flow (it gathers whatever the config
does not name), so `stages.queue-growing` skips it; the item still counts as started (WIP, aging).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.insights.workspaces import NOW, SINCE, TODAY, Build, at, flowing

from orgflow.insights import Finding, find_insights
from orgflow.workspace import init_workspace

REPRO_NOW = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)


def _repro_csv(path: Path) -> Path:
    """30 items of team t, A-01 .. A-30: A-k enters In Progress on 2026-09-k at 09:00 and Done two days
    later; then the issue's one row, W-1 moving into a status the default workflow does not map."""
    rows = ["item_id,timestamp,from_status,to_status,team"]
    for k in range(1, 31):
        start = datetime(2026, 9, k, 9, tzinfo=UTC)
        finish = start + timedelta(days=2)
        rows.append(f"A-{k:02d},{start:%Y-%m-%dT%H:%M:%SZ},,In Progress,t")
        rows.append(f"A-{k:02d},{finish:%Y-%m-%dT%H:%M:%SZ},In Progress,Done,t")
    rows.append("W-1,2026-10-01T09:00:00Z,,Weird status,t")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_issue_repro_gives_its_one_finding(tmp_path: Path) -> None:
    # Seen from 2026-10-03 12:00 (window days end 2026-10-02). Every A item took 2.0 days, so p85 and
    # p95 are 2.0; W-1 started (an unmapped status counts as started) 2.125 days ago: past p95, high.
    # No other rule fires: 31 arrivals against 30 departures and 30 In Progress entries against 30
    # exits are noise; 28 items finished in the recent 4 weeks (A-03 .. A-30) against 2 in the baseline.
    workspace = init_workspace(tmp_path / "ws")
    try:
        workspace.import_files("transitions", [_repro_csv(tmp_path / "moves.csv")])
        findings = find_insights(workspace, now=REPRO_NOW)
    finally:
        workspace.close()
    assert findings == [
        Finding(
            rule="aging.past-sle",
            severity="high",
            subject="team:t",
            title=(
                "t: 1 item past its SLE, 1 past p95 (oldest W-1, 2.1 days against an SLE of 2.0; 0.1 days past in all)"
            ),
            evidence={
                "team": "t",
                "sle_percentile": 85,
                "sle_high_percentile": 95,
                "items_past_sle": 1,
                "items_past_high": 1,
                "days_past_sle": 0.125,
                "oldest_item": "W-1",
                "oldest_age_days": 2.125,
                "per_item": [
                    {
                        "item_id": "W-1",
                        "item_type": "Item",
                        "current_stage": "unmapped",
                        "age_days": 2.125,
                        "stage_age_days": 2.125,
                        "sle_days": 2.0,
                        "sle_high_days": 2.0,
                        "days_past_sle": 0.125,
                        "past": "p95",
                        "sample": 30,
                    }
                ],
                "items": ["W-1"],
            },
            suggested_action="Swarm on W-1 in t now: unblock, split or drop it.",
            team="t",
            impact_item_days=0.125,
        )
    ]


def test_an_unmapped_pile_is_no_stage_queue(build: Build) -> None:
    # gamma, as in test_flow_rules.test_a_stage_queue_grows: 100 items wait in Ready since January and
    # from SINCE every other day an item goes into Review and stays (the Review queue grows 0 → 28).
    # Beside them, on the other days, an item goes into a status the board does not map and stays:
    # the same growth, in `unmapped`, which the rule leaves out.
    waiting = [
        flowing(f"W-{index:03d}", "gamma", at(TODAY - timedelta(days=150)), ("Ready", 999)) for index in range(100)
    ]
    review = [
        flowing(f"R-{k:02d}", "gamma", at(SINCE + timedelta(days=2 * k)), ("In Progress", 0.25), ("Review", 999))
        for k in range(28)
    ]
    weird = [flowing(f"U-{k:02d}", "gamma", at(SINCE + timedelta(days=2 * k + 1)), ("Weird", 999)) for k in range(28)]
    workspace = build([*waiting, *review, *weird])
    found = find_insights(workspace, now=NOW)
    stage_findings = [finding for finding in found if finding.rule == "stages.queue-growing"]
    assert [finding.subject for finding in stage_findings] == ["stage:gamma:Review"]
    evidence = stage_findings[0].evidence
    assert (evidence["queue_start"], evidence["queue_end"], evidence["entries"], evidence["exits"]) == (0, 28, 28, 0)
    assert evidence["items"] == [f"R-{k:02d}" for k in range(28)]
    assert math.isclose(evidence["queue_mean_second_half"], 21.5)
