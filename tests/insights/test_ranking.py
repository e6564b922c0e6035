"""Grouped findings, their impact and rank, the panel's cap, and no finding from a baseline of 0.

Every workspace is hand-built (workspaces.py) and seen from NOW; expected figures are worked out in
the comments.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.insights.workspaces import NOW, SINCE, TODAY, Build, Item, at, flowing

from orgflow.insights import find_insights
from orgflow.insights.ranking import excess_item_days, shortfall_item_days
from orgflow.web.app import create_app

OLD = at(date(2024, 1, 8))


def _history(team: str, cycle_days: tuple[float, ...], prefix: str) -> list[Item]:
    """Finished items of `team` started in January with the given cycle times (the SLE sample)."""
    return [
        flowing(f"{prefix}-F{index}", team, OLD, ("In Progress", days), ("Done", 0))
        for index, days in enumerate(cycle_days)
    ]


def _open(key: str, team: str, age_days: float) -> Item:
    return flowing(key, team, NOW - timedelta(days=age_days), ("In Progress", 999))


def test_many_late_items_of_a_team_make_one_finding(build: Build) -> None:
    # Cycle times 1, 2, 3, 4, 10: SLE p85 6.4, p95 8.8 (test_aging). Open items aged 20, 12, 9.5, 8, 7
    # and 5 days: the first five are past the SLE by 13.6, 5.6, 3.1, 1.6 and 0.6 days (three past
    # p95), the 5-day one is not late. One finding; impact 13.6 + 5.6 + 3.1 + 1.6 + 0.6 = 24.5.
    ages = {"A-20": 20, "A-12": 12, "A-9": 9.5, "A-8": 8, "A-7": 7, "A-5": 5}
    workspace = build([*_history("alpha", (1, 2, 3, 4, 10), "A"), *(_open(k, "alpha", v) for k, v in ages.items())])
    (finding,) = find_insights(workspace, now=NOW)
    assert (finding.rule, finding.severity, finding.subject, finding.team) == (
        "aging.past-sle",
        "high",
        "team:alpha",
        "alpha",
    )
    assert finding.evidence["items"] == ["A-20", "A-12", "A-9", "A-8", "A-7"]
    assert [row["days_past_sle"] for row in finding.evidence["per_item"]] == [13.6, 5.6, 3.1, 1.6, 0.6]
    assert [row["past"] for row in finding.evidence["per_item"]] == ["p95", "p95", "p95", "p85", "p85"]
    assert finding.impact_item_days == pytest.approx(24.5, abs=1e-9)
    assert (finding.evidence["items_past_sle"], finding.evidence["items_past_high"]) == (5, 3)
    assert finding.title == (
        "alpha: 5 items past their SLE, 3 past p95 (oldest A-20, 20.0 days against an SLE of 6.4; "
        "24.5 days past in all)"
    )
    assert finding.suggested_action == (
        "Swarm on the 3 items past p95 (oldest A-20) in alpha now: unblock, split or drop them; "
        "raise the other 2 at the next stand-up."
    )


def test_findings_rank_by_severity_then_impact(build: Build) -> None:
    # beta (as test_flow_rules' WIP test): a steady flow of one 2-day item a day, and from SINCE one
    # extra item a day that starts In Progress at 10:00 and stays. WIP and the In Progress queue are
    # 2 + k at the end of window day k: both impacts are 1 + ... + 56 = 1,596 (high; the tie goes
    # to the rule order: load before stages). Every beta cycle time is 2.0 days (SLE 2.0); the piled
    # item of day d is 56 - d + 1/12 days old: P-55 (1.083 days) is not late, and aging's impact is the
    # sum over d = 0..54 of (54 - d + 1/12) = (0 + 1 + ... + 54) + 55/12 = 1,485 + 4.583 (high).
    # alpha: the two late items of test_aging (high, 3.1 + 0.6 = 3.7).
    # gamma: cycle times 3, 6, 9, 12, 30 (p85 19.2, p95 26.4), one open item 25 days old: medium,
    # 25 - 19.2 = 5.8, more than alpha's 3.7 but ranked after it, being less severe.
    steady = [
        flowing(f"S-{offset + 400:03d}", "beta", at(TODAY + timedelta(days=offset)), ("In Progress", 2), ("Done", 0))
        for offset in range(-120, 0)
    ]
    piled = [
        flowing(f"P-{day:02d}", "beta", at(SINCE + timedelta(days=day), 10), ("In Progress", 999)) for day in range(56)
    ]
    alpha = [*_history("alpha", (1, 2, 3, 4, 10), "A"), _open("A-9", "alpha", 9.5), _open("A-7", "alpha", 7)]
    gamma = [*_history("gamma", (3, 6, 9, 12, 30), "G"), _open("G-25", "gamma", 25)]
    workspace = build([*steady, *piled, *alpha, *gamma])
    found = find_insights(workspace, now=NOW)
    assert [(f.severity, f.rule, f.subject) for f in found] == [
        ("high", "load.wip-growing", "team:beta"),
        ("high", "stages.queue-growing", "stage:beta:In Progress"),
        ("high", "aging.past-sle", "team:beta"),
        ("high", "aging.past-sle", "team:alpha"),
        ("medium", "aging.past-sle", "team:gamma"),
    ]
    assert [f.impact_item_days for f in found] == pytest.approx([1596, 1596, 1485 + 55 / 12, 3.7, 5.8], abs=1e-3)
    assert found[2].evidence["items"] == [f"P-{day:02d}" for day in range(55)]


def test_a_growth_from_an_empty_baseline_does_not_fire(build: Build) -> None:
    # gamma: 100 items wait in Ready since January (team WIP about 100). Review stays empty for the
    # window's first half; from its day 28 one item a day enters Review and stays: the queue grows
    # from 0 to 28 with 28 entries and no exit, but its first-half mean is 0 (below 1 item): no
    # growth share, no finding. (It used to fire high, "grew from nothing".) The WIP growth is
    # 128 / 100 at most, and the team's steady items keep arrivals and departures apart by noise only.
    waiting = [
        flowing(f"W-{index:03d}", "gamma", at(TODAY - timedelta(days=150)), ("Ready", 999)) for index in range(100)
    ]
    review = [
        flowing(f"R-{k:02d}", "gamma", at(SINCE + timedelta(days=28 + k)), ("In Progress", 0.25), ("Review", 999))
        for k in range(28)
    ]
    workspace = build([*waiting, *review])
    assert [f for f in find_insights(workspace, now=NOW) if f.rule == "stages.queue-growing"] == []


def test_an_sle_of_zero_days_does_not_fire(build: Build) -> None:
    # Five items went straight through (In Progress and Done at the same instant: cycle time 0), so
    # every percentile is 0 days; an open item 3 days old is not "past an SLE of 0".
    instant = [flowing(f"Z-{k}", "zeta", OLD + timedelta(days=k), ("In Progress", 0), ("Done", 0)) for k in range(5)]
    workspace = build([*instant, _open("Z-open", "zeta", 3)])
    assert find_insights(workspace, now=NOW) == []


def test_impact_helpers_match_a_hand_count() -> None:
    assert excess_item_days([2, 3, 4, 1, 5]) == 1 + 2 + 0 + 3
    assert excess_item_days([]) == 0
    # 1 a day expected; finished 0, 0, 3, 0: gaps 1, 2, 0 (ahead), 1.
    assert shortfall_item_days([0, 0, 3, 0], baseline_per_day=1) == 4


def test_the_panel_shows_the_top_five_and_links_the_rest(build: Build, tmp_path: Path) -> None:
    # Seven teams, each with the history of test_aging and one open item a little older than the one
    # before: seven aging findings, all high (past p95 8.8), impacts 9.6 - 6.4 = 3.2 up to 15.6 - 6.4
    # = 9.2. The panel shows the five largest, then "and 2 more" linking to the insights page.
    items: list[Item] = []
    for index in range(7):
        team = f"team-{index}"
        items += [*_history(team, (1, 2, 3, 4, 10), f"T{index}"), _open(f"T{index}-open", team, 9.6 + index)]
    build(items).close()
    expected = [f"team:team-{index}" for index in range(6, -1, -1)]
    app = create_app(tmp_path, now=NOW)
    try:
        client = TestClient(app)
        body = client.get("/api/insights").json()
        assert [finding["subject"] for finding in body["findings"]] == expected
        panel = client.get("/insights/panel").text
        assert panel.count("<li ") == 5
        for position, subject in enumerate(expected):
            assert (f'data-subject="{subject}"' in panel) == (position < 5)
        assert 'data-findings="7"' in panel and 'data-more="2" href="/insights">and 2 more →</a>' in panel
        page = client.get("/insights").text
        assert [subject for subject in expected if f'data-subject="{subject}"' in page] == expected
    finally:
        app.state.hub.close()
