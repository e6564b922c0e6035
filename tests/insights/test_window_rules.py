"""The window rules (`orgflow.insights.window`), the flags of the dashboard's cards: each threshold
exactly at its boundary, the small-sample guard, the card showing what the rule found, and a threshold
set in `orgflow.yaml` moving both the rule's finding and the card of the web page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.insights.workspaces import BOARD, NOW, TODAY, at, build_workspace, flowing

from orgflow.config import load_config
from orgflow.flow.definitions import label_name
from orgflow.insights import window
from orgflow.insights.finding import InsightSettings
from orgflow.views.cards import make_card
from orgflow.views.context import Context, rows_by
from orgflow.views.filters import Filters
from orgflow.views.hub import MetricsHub
from orgflow.views.organization import summaries_now_and_before, team_cards

DEFAULTS = InsightSettings()
WIP, FLOW_TIME = label_name("wip"), label_name("cycle_time_p85")
VELOCITY, EFFICIENCY = label_name("throughput_per_week"), label_name("flow_efficiency")


def _row(small_sample: bool = False, **figures: float | None) -> dict[str, Any]:
    return {"small_sample": small_sample, "finished": 40, **figures}


def _titles(current: dict[str, Any], previous: dict[str, Any] | None, settings: InsightSettings = DEFAULTS) -> list:
    return [(f.rule, f.title) for f in window.find(current, previous, settings, subject="team:a", team="a")]


def test_defaults_are_the_cards_thresholds() -> None:
    assert (DEFAULTS.wip_growth, DEFAULTS.wip_growth_items) == (0.5, 5)
    assert (DEFAULTS.flow_time_growth, DEFAULTS.velocity_drop, DEFAULTS.efficiency_floor) == (0.25, 0.25, 0.15)


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (20, 29, []),  # +45 %: under +50 %
        (20, 30, [("window.wip-up", f"{WIP} up 50% (flag at +50%)")]),  # exactly +50 %, 10 items more
        (20, 31, [("window.wip-up", f"{WIP} up 55% (flag at +50%)")]),
        (6, 10, []),  # +67 % but 4 items more: under the 5 items
        (6, 11, [("window.wip-up", f"{WIP} up 83% (flag at +50%)")]),  # +83 %, 5 items more
        (0, 12, []),  # from 0: no share, no flag
    ],
)
def test_wip_up_at_its_boundary(before: int, now: int, expected: list) -> None:
    assert _titles(_row(wip=now), _row(wip=before)) == expected


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (10.0, 12.4, []),  # +24 %
        (10.0, 12.5, [("window.flow-time-up", f"{FLOW_TIME} up 25% (flag at +25%)")]),  # exactly +25 %
        (10.0, 12.6, [("window.flow-time-up", f"{FLOW_TIME} up 26% (flag at +25%)")]),
    ],
)
def test_flow_time_up_at_its_boundary(before: float, now: float, expected: list) -> None:
    assert _titles(_row(cycle_time_p85=now), _row(cycle_time_p85=before)) == expected


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (10.0, 7.6, []),  # -24 %
        (10.0, 7.5, [("window.velocity-down", f"{VELOCITY} down 25% (flag at -25%)")]),  # exactly -25 %
        (10.0, 7.4, [("window.velocity-down", f"{VELOCITY} down 26% (flag at -25%)")]),
    ],
)
def test_velocity_down_at_its_boundary(before: float, now: float, expected: list) -> None:
    assert _titles(_row(throughput_per_week=now), _row(throughput_per_week=before)) == expected


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (0.2, 0.15, []),  # exactly the floor: not under it
        (0.2, 0.14, [("window.efficiency-low", f"{EFFICIENCY} 14%, under 15% (was above)")]),
        (0.1, 0.14, [("window.efficiency-low", f"{EFFICIENCY} 14%, under 15%")]),
        (None, 0.14, [("window.efficiency-low", f"{EFFICIENCY} 14%, under 15%")]),
    ],
)
def test_efficiency_low_at_its_floor(before: float | None, now: float, expected: list) -> None:
    assert _titles(_row(flow_efficiency=now), _row(flow_efficiency=before)) == expected


def test_small_sample_flags_wip_only() -> None:
    # Flow time +50 %, velocity -50 %, efficiency 5 %, WIP +100 %: a small sample in either window keeps
    # only the WIP finding (a count of open items, whatever was finished).
    before = {"wip": 10, "cycle_time_p85": 10.0, "throughput_per_week": 4.0, "flow_efficiency": 0.3}
    now = {"wip": 20, "cycle_time_p85": 15.0, "throughput_per_week": 2.0, "flow_efficiency": 0.05}
    every = ["window.velocity-down", "window.flow-time-up", "window.wip-up", "window.efficiency-low"]
    assert [rule for rule, _title in _titles(_row(**now), _row(**before))] == every
    assert [rule for rule, _ in _titles(_row(True, **now), _row(**before))] == ["window.wip-up"]
    assert [rule for rule, _ in _titles(_row(**now), _row(True, **before))] == ["window.wip-up"]
    # No previous window: only the floor can be crossed (and WIP needs a previous value).
    assert [rule for rule, _ in _titles(_row(**now), None)] == ["window.efficiency-low"]


def test_finding_carries_its_evidence() -> None:
    (finding,) = window.find(_row(wip=30), _row(wip=20), DEFAULTS, subject="group:payments")
    assert (finding.severity, finding.subject, finding.team, finding.impact_item_days) == (
        "medium",
        "group:payments",
        None,
        None,
    )
    assert finding.evidence == {
        "figure": "wip",
        "column": "wip",
        "current": 30.0,
        "previous": 20.0,
        "change_share": 0.5,
        "threshold": 0.5,
    }


def test_the_card_shows_what_the_rule_found() -> None:
    now = _row(wip=31, cycle_time_p85=12.6, throughput_per_week=7.4, flow_efficiency=0.14)
    before = _row(wip=20, cycle_time_p85=10.0, throughput_per_week=10.0, flow_efficiency=0.2)
    card = make_card(group_id="a", name="A", kind="team", detail="", href=None, current=now, previous=before, link=None)
    found = window.find(now, before, DEFAULTS, subject="team:a", team="a")
    assert card.flags == [finding.title for finding in found]
    assert {figure.key: figure.flag for figure in card.figures} == {
        finding.evidence["figure"]: finding.title for finding in found
    }
    quiet = make_card(
        group_id="a",
        name="A",
        kind="team",
        detail="",
        href=None,
        current=_row(wip=29),
        previous=_row(wip=20),
        link=None,
    )
    assert quiet.flags == []


@dataclass(frozen=True)
class _NoLinks:
    """Paths of a view without pages to link to."""

    linked: bool = False

    def team(self, team_id: str) -> str | None:
        return None

    def group(self, group_id: str) -> str | None:
        return None

    def items(self, filters: Filters, **changes: Any) -> str | None:
        return None


def test_a_threshold_in_orgflow_yaml_moves_the_rule_and_the_card(tmp_path: Path) -> None:
    # Team alpha: 20 items started before the previous window's end and never finished, and 8 more started
    # in the page's window: WIP 20 at the end of the previous window, 28 at the end of this one: +40 %,
    # 8 items more. Under the default +50 % no flag; with `wip_growth: 0.4` in orgflow.yaml both the rule
    # and the team's card (as the organization page builds it) flag "+40 %".
    until = TODAY - timedelta(days=1)
    since = until - timedelta(days=89)
    old = [flowing(f"O-{n:02d}", "alpha", at(since - timedelta(days=30 + n)), ("In Progress", 999)) for n in range(20)]
    new = [flowing(f"N-{n:02d}", "alpha", at(since + timedelta(days=10 + n)), ("In Progress", 999)) for n in range(8)]
    build_workspace(tmp_path, [*old, *new]).close()
    filters = Filters(window="custom", since=since, until=until)

    def flags_and_findings(thresholds: str) -> tuple[list[str], list[str]]:
        (tmp_path / "orgflow.yaml").write_text(BOARD + thresholds, encoding="utf-8")
        hub = MetricsHub(tmp_path, now=NOW)
        try:
            context = Context(hub=hub, filters=filters, paths=_NoLinks())
            current, previous = summaries_now_and_before(context, by="team")
            now_row, before_row = rows_by(current, "team")["alpha"], rows_by(previous, "team")["alpha"]
            assert (now_row["wip"], before_row["wip"]) == (28, 20)
            found = window.find(now_row, before_row, context.settings, subject="team:alpha", team="alpha")
            (card,) = team_cards(context, context.tree.teams(), current, previous)
        finally:
            hub.close()
        return card.flags, [finding.title for finding in found]

    assert flags_and_findings("") == ([], [])
    flagged = [f"{WIP} up 40% (flag at +40%)"]
    assert flags_and_findings("thresholds:\n  wip_growth: 0.4\n") == (flagged, flagged)
    assert load_config(tmp_path / "orgflow.yaml").thresholds.wip_growth == 0.4
