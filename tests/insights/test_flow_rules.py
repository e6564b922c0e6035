"""The team and stage rules on planted patterns, each expected figure worked out by hand.

Windows (see workspaces.py): 8 weeks = the 56 days 2024-04-08 .. 2024-06-02; WIP and queue samples
are taken at the end of 2024-04-07 (sample 0) and of each window day (samples 1 .. 56).
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction

import numpy as np
from tests.insights.workspaces import NOW, SINCE, TODAY, Build, Item, at, flowing

from orgflow.insights import find_insights
from orgflow.insights.statistics import significant


def _steady(team: str, *, first_day: int, last_day: int, cycle_days: float = 2, prefix: str = "S") -> list[Item]:
    """One item a day started at 09:00 and done `cycle_days` later, for days TODAY+first .. TODAY+last."""
    return [
        flowing(
            f"{prefix}-{offset + 400:03d}",
            team,
            at(TODAY + timedelta(days=offset)),
            ("In Progress", cycle_days),
            ("Done", 0),
        )
        for offset in range(first_day, last_day + 1)
    ]


def _binomial_upper(successes: int, trials: int, probability: Fraction) -> float:
    """P(X >= successes), X ~ Binomial(trials, probability), summed exactly in fractions."""
    total = sum(
        math.comb(trials, k) * probability**k * (1 - probability) ** (trials - k) for k in range(successes, trials + 1)
    )
    return float(total)


def test_wip_growing_while_throughput_is_flat(build: Build) -> None:
    # beta: a steady flow (one item a day, 2 days each: WIP 2 at every day's end, one done a day) since
    # long before the window, plus from SINCE one extra item a day that starts and never finishes.
    # WIP at sample k = 2 + k. Halves of samples 1..56: means 2 + 14.5 = 16.5 and 2 + 42.5 = 44.5,
    # growth 44.5 / 16.5 - 1 = 1.697; slope 1 a day = 7 a week. Arrivals 56 + 56 = 112, departures 56:
    # p = P(X >= 112 | n = 168, 1/2). Throughput 28 and 28 in the halves: p = P(X >= 28 | 56, 1/2).
    steady = _steady("beta", first_day=-120, last_day=-1)
    piled = [
        flowing(f"P-{day:02d}", "beta", at(SINCE + timedelta(days=day), 10), ("In Progress", 999)) for day in range(56)
    ]
    workspace = build([*steady, *piled])
    found = [finding for finding in find_insights(workspace, now=NOW) if finding.rule == "load.wip-growing"]
    assert len(found) == 1
    finding = found[0]
    assert (finding.severity, finding.subject) == ("high", "team:beta")
    # Impact: WIP above the 2 before the window, summed over its days: 1 + 2 + ... + 56 = 1,596 item-days.
    assert (finding.team, finding.impact_item_days) == ("beta", 1596.0)
    assert (
        finding.title
        == "beta: WIP grew 170% in 8 weeks (2 → 58) while throughput stayed flat (112 started, 56 finished)"
    )
    # Little's law over the window: mean WIP = 2 + 28.5 = 30.5; 56 done in 56 days = 1 a day; each took 2 days.
    # Its conditions fail: 112 arrivals against 56 departures, WIP 3 on the first day and 58 on the last.
    assert finding.evidence == {
        "weeks": 8,
        "since": "2024-04-08",
        "wip_start": 2,
        "wip_end": 58,
        "wip_mean_first_half": 16.5,
        "wip_mean_second_half": 44.5,
        "wip_growth_share": 1.697,
        "wip_slope_per_week": 7.0,
        "arrivals": 112,
        "departures": 56,
        "net_flow": 56,
        "net_flow_p_value": significant(_binomial_upper(112, 168, Fraction(1, 2))),
        "throughput_first_half": 28,
        "throughput_second_half": 28,
        "throughput_growth_p_value": significant(_binomial_upper(28, 56, Fraction(1, 2))),
        "littles_law": {
            "mean_wip": 30.5,
            "throughput_per_day": 1.0,
            "mean_cycle_time_days": 2.0,
            "predicted_wip": 2.0,
            "ratio": 15.25,
            "arrivals_match_departures": False,
            "wip_stable": False,
        },
        # Started in the window and open at its end: the piled items, then the steady items started on
        # the window's last two days (done only after it ends), by start.
        "items": [*(f"P-{day:02d}" for day in range(54)), "S-398", "P-54", "S-399", "P-55"],
    }


def test_a_stage_queue_grows(build: Build) -> None:
    # gamma: 100 items started in January wait in Ready all along (team WIP about 100, so the team's WIP
    # grows only 13 %: no load finding). From SINCE, every other day an item enters In Progress at
    # 09:00 and Review at 15:00, and stays there: the Review queue at sample j is ceil(j / 2).
    # Halves of samples 1..56: means 210 / 28 = 7.5 and 602 / 28 = 21.5, growth 1.867; 28 entries,
    # 0 exits: p = 0.5 ** 28. Queue 0 at sample 0, 28 at sample 56.
    waiting = [
        flowing(f"W-{index:03d}", "gamma", at(TODAY - timedelta(days=150)), ("Ready", 999)) for index in range(100)
    ]
    review = [
        flowing(f"R-{k:02d}", "gamma", at(SINCE + timedelta(days=2 * k)), ("In Progress", 0.25), ("Review", 999))
        for k in range(28)
    ]
    workspace = build([*waiting, *review])
    found = find_insights(workspace, now=NOW)
    assert "load.wip-growing" not in {finding.rule for finding in found}
    stage_findings = [finding for finding in found if finding.rule == "stages.queue-growing"]
    assert [finding.subject for finding in stage_findings] == ["stage:gamma:Review"]
    finding = stage_findings[0]
    queue = [math.ceil(j / 2) for j in range(57)]
    expected_slope = round(float(np.polyfit(np.arange(57), queue, 1)[0]) * 7, 3)
    assert finding.severity == "high"
    # Impact: the queue above the 0 before the window, summed over its days: 2 × (1 + ... + 28) = 812.
    assert (finding.team, finding.impact_item_days) == ("gamma", 812.0)
    assert finding.title == "gamma: the Review queue grew 187% in 8 weeks (0 → 28 items; 28 in, 0 out)"
    assert finding.evidence == {
        "team": "gamma",
        "stage": "Review",
        "weeks": 8,
        "since": "2024-04-08",
        "queue_start": 0,
        "queue_end": 28,
        "queue_mean_first_half": 7.5,
        "queue_mean_second_half": 21.5,
        "queue_growth_share": 1.867,
        "queue_slope_per_week": expected_slope,
        "entries": 28,
        "exits": 0,
        "p_value": significant(0.5**28),
        "items": [f"R-{k:02d}" for k in range(28)],
    }


def test_throughput_drop(build: Build) -> None:
    # delta: two items a day (09:00-17:00) for the 12 baseline weeks (2024-02-12 .. 2024-05-05), then one
    # every other day in the 4 recent weeks (2024-05-06 .. 2024-06-02). The last, E-26, finishes on 06-01
    # at 17:00, the data's last event: 06-02 lies after it, its throughput unknown (not a day of 0), so the
    # recent rate is over the 27 days the data covers: 14 items in 27/7 weeks, 98/27 = 3.63 a week against
    # 168 in 12 weeks, 14.0 a week, a drop of 1 - 7/27 = 20/27 (74 %). p = P(X <= 14 | n = 182,
    # (27/7) / (27/7 + 12) = 9/37). Every 27-day stretch of the baseline holds 54 items, so its 10th
    # percentile is 54 and 14 is below it.
    baseline_start = TODAY - timedelta(days=112)
    baseline = [
        flowing(
            f"D-{day:03d}{half}",
            "delta",
            at(baseline_start + timedelta(days=day), hour),
            ("In Progress", 1 / 3),
            ("Done", 0),
        )
        for day in range(84)
        for half, hour in (("a", 8), ("b", 9))
    ]
    recent = [
        flowing(f"E-{day:02d}", "delta", at(TODAY - timedelta(days=28 - day)), ("In Progress", 1 / 3), ("Done", 0))
        for day in range(0, 28, 2)
    ]
    workspace = build([*baseline, *recent])
    found = find_insights(workspace, now=NOW)
    assert [(finding.rule, finding.subject, finding.severity) for finding in found] == [
        ("throughput.drop", "team:delta", "high")
    ]
    # Impact: the baseline pace is 2 a day; the recent days finish one item on days 1, 3, 5, ... (E-00
    # starts at 09:00 on the first recent day and is done at 17:00): by day d, 2d expected and ceil(d / 2)
    # done, never ahead, over the 27 known days: 2 × 378 − (2 × (1 + ... + 13) + 14) = 756 − 196 = 560; a
    # brute loop agrees.
    shortfall, done = 0.0, 0
    for day in range(1, 28):
        done += day % 2
        shortfall += max(0.0, 2 * day - done)
    assert (found[0].team, found[0].impact_item_days) == ("delta", shortfall) and shortfall == 560.0
    p_value = 1 - _binomial_upper(15, 182, Fraction(9, 37))
    assert found[0].title == (
        "delta: throughput fell 74% in the last 4 weeks (3.6 a week over the 27 days the data covers against "
        "14.0 over the 12 before)"
    )
    assert found[0].evidence == {
        "recent_weeks": 4,
        "baseline_weeks": 12,
        "recent_since": "2024-05-06",
        "baseline_since": "2024-02-12",
        "recent_days_known": 27,
        "baseline_days_known": 84,
        "recent_finished": 14,
        "baseline_finished": 168,
        "recent_per_week": 3.63,
        "baseline_per_week": 14.0,
        "drop_share": 0.741,
        "p_value": significant(p_value),
        "baseline_p10_finished": 54.0,
        "items": [f"E-{day:02d}" for day in range(0, 28, 2)],
    }


def test_a_healthy_workspace_has_no_findings(build: Build) -> None:
    # One item a day, 2 days each, for 200 days: WIP 2, 7 done a week, every cycle time 2.0 days and
    # the two open items 0.125 and 1.125 days old; a second team the same with 1-day items.
    workspace = build(
        [
            *_steady("eps", first_day=-200, last_day=0),
            *_steady("zeta", first_day=-200, last_day=0, cycle_days=1, prefix="Z"),
        ]
    )
    assert find_insights(workspace, now=NOW) == []
    assert find_insights(workspace, now=NOW, plan={"checkout-v2": 0.9}) == []
