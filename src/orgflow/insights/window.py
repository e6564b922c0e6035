"""Rules on a window against the window before it: the flags of the dashboard's cards.

A page shows a cut's flow summary over its window next to the same figures over the previous window
of equal length. Four rules, one per figure, test the pair of summary rows; each threshold is a key
under `thresholds:` in `orgflow.yaml` (`InsightSettings`), and a card flags exactly what they find.

- ``window.wip-up``: WIP at the window's end is at least `wip_growth` (0.5: +50 %) above the previous
  window's and at least `wip_growth_items` (5) items more (3 → 5 is +67 % but nothing to act on).
- ``window.flow-time-up``: flow time p85 is at least `flow_time_growth` (0.25: +25 %) above the
  previous window's.
- ``window.velocity-down``: flow velocity (items finished per week) is at least `velocity_drop`
  (0.25: −25 %) below the previous window's.
- ``window.efficiency-low``: flow efficiency is under `efficiency_floor` (0.15: 15 %).

A change is (this window − previous) / previous; it is unknown (and no rule fires on it) when either
figure is unknown or the previous one is 0. Flow time, velocity and efficiency are not tested when
either window is a small sample (its summary row says ``small_sample``): a few items make any change
look large. WIP is a count of open items, tested whatever the sample.

These rules compare two windows a person chose, with no test of noise; ``load.wip-growing`` and
``throughput.drop`` test a trend over fixed recent weeks against noise, so they fire later and on
smaller changes (`orgflow.insights.load`, `orgflow.insights.throughput`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orgflow.flow.definitions import label_name
from orgflow.insights.finding import Finding, InsightSettings
from orgflow.insights.statistics import rounded

WIP_UP = "window.wip-up"
FLOW_TIME_UP = "window.flow-time-up"
VELOCITY_DOWN = "window.velocity-down"
EFFICIENCY_LOW = "window.efficiency-low"
RULES = (VELOCITY_DOWN, FLOW_TIME_UP, WIP_UP, EFFICIENCY_LOW)
"""The window rules, in the order a card shows its figures (and so its flags)."""


def figure_value(row: Mapping[str, Any] | None, column: str) -> float | None:
    """A summary row's figure as a float; None when the row or the figure is missing or not a number."""
    if row is None:
        return None
    value = row.get(column)
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / previous; None when either is unknown or `previous` is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def _wip_up(label: str, current: float | None, previous: float | None, settings: InsightSettings) -> str | None:
    change = relative_change(current, previous)
    grew = (current or 0) - (previous or 0) >= settings.wip_growth_items
    if change is not None and change >= settings.wip_growth and grew:
        return f"{label} up {change:.0%} (flag at +{settings.wip_growth:.0%})"
    return None


def _flow_time_up(label: str, current: float | None, previous: float | None, settings: InsightSettings) -> str | None:
    change = relative_change(current, previous)
    if change is not None and change >= settings.flow_time_growth:
        return f"{label} up {change:.0%} (flag at +{settings.flow_time_growth:.0%})"
    return None


def _velocity_down(label: str, current: float | None, previous: float | None, settings: InsightSettings) -> str | None:
    change = relative_change(current, previous)
    if change is not None and change <= -settings.velocity_drop:
        return f"{label} down {-change:.0%} (flag at -{settings.velocity_drop:.0%})"
    return None


def _efficiency_low(label: str, current: float | None, previous: float | None, settings: InsightSettings) -> str | None:
    floor = settings.efficiency_floor
    if current is None or current >= floor:
        return None
    crossed = previous is not None and previous >= floor
    return f"{label} {current:.0%}, under {floor:.0%}" + (" (was above)" if crossed else "")


@dataclass(frozen=True)
class _Test:
    """One rule: the summary column it reads, the card figure it flags, its test, its threshold's key
    (in `InsightSettings`) and the action it suggests."""

    rule: str
    figure: str
    column: str
    check: Callable[[str, float | None, float | None, InsightSettings], str | None]
    threshold: str
    action: str
    any_sample: bool = False
    """Tested whatever the sample (WIP counts open items, not finished ones)."""


_TESTS = (
    _Test(
        VELOCITY_DOWN,
        "velocity",
        "throughput_per_week",
        _velocity_down,
        "velocity_drop",
        "Look for what slowed finishing (blocked items, a stage that queues, bigger items) before planning on "
        "the old pace.",
    ),
    _Test(
        FLOW_TIME_UP,
        "flow_time",
        "cycle_time_p85",
        _flow_time_up,
        "flow_time_growth",
        "Find where the slowest items waited (the time-in-stage chart) and act on that stage.",
    ),
    _Test(
        WIP_UP,
        "wip",
        "wip",
        _wip_up,
        "wip_growth",
        "Stop starting and start finishing: pull new work only as items finish.",
        any_sample=True,
    ),
    _Test(
        EFFICIENCY_LOW,
        "efficiency",
        "flow_efficiency",
        _efficiency_low,
        "efficiency_floor",
        "Find where finished items waited (the time-in-stage chart) and shorten those queues.",
    ),
)


def find(
    current: Mapping[str, Any] | None,
    previous: Mapping[str, Any] | None,
    settings: InsightSettings,
    *,
    subject: str,
    team: str | None = None,
) -> list[Finding]:
    """The window rules' findings for one cut: its summary row over the window (`current`) and over the
    previous window (`previous`; None when there is none), in the order of the card's figures.

    Args:
        subject: what the findings are about (``team:billing``, ``group:payments``, ``org:acme``).
        team: the team, for a team's cut.

    Returns:
        At most one finding per rule (``medium`` severity, no impact in item-days: two windows a person
        chose say nothing about how long the change lasted). Its title is the flag a card shows; its
        evidence holds the card's figure key (`figure`), both values, the change and the threshold.
    """
    reliable = not (current or {}).get("small_sample", True) and not (previous or {}).get("small_sample", False)
    findings = []
    for test in _TESTS:
        if not (test.any_sample or reliable):
            continue
        value = figure_value(current, test.column)
        before = figure_value(previous, test.column)
        title = test.check(label_name(test.column), value, before, settings)
        if title is None:
            continue
        change = relative_change(value, before)
        findings.append(
            Finding(
                rule=test.rule,
                severity="medium",
                subject=subject,
                title=title,
                evidence={
                    "figure": test.figure,
                    "column": test.column,
                    "current": rounded(value),
                    "previous": rounded(before),
                    "change_share": rounded(change),
                    "threshold": getattr(settings, test.threshold),
                },
                suggested_action=test.action,
                team=team,
            )
        )
    return findings
