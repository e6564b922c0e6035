"""Cards: a team's or group's headline figures, with trend arrows and threshold flags.

A card shows four figures of the flow summary (flow velocity, flow time p85, WIP, flow efficiency)
next to the same figures over the previous window of equal length. The arrow says which way a figure
moved and whether that is good; a flag says a figure crossed one of `CardThresholds`. Nothing here
computes a metric: it compares figures the summary already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orgflow.charts.base import Link
from orgflow.flow.definitions import label_name


@dataclass(frozen=True)
class CardThresholds:
    """When a card raises a flag (defaults; a change is relative to the previous window)."""

    wip_growth: float = 0.5
    """WIP grew by half or more."""
    flow_time_growth: float = 0.25
    """Flow time p85 grew by a quarter or more."""
    velocity_drop: float = 0.25
    """Flow velocity fell by a quarter or more."""
    efficiency_floor: float = 0.15
    """Flow efficiency under 15 %."""
    wip_min_items: int = 5
    """... and by at least this many items (3 → 5 is +67 % but nothing to flag)."""
    flat: float = 0.05
    """Changes under 5 % show as flat."""


@dataclass(frozen=True)
class _Measure:
    key: str
    label: str
    column: str
    unit: str
    higher_is_better: bool | None
    show: str


# Labels come from the one table the terminal uses (`orgflow.flow.definitions.LABELS`), without the
# unit, which the card prints beside each value.
MEASURES = (
    _Measure("velocity", label_name("throughput_per_week"), "throughput_per_week", "/wk", True, "finished"),
    _Measure("flow_time", label_name("cycle_time_p85"), "cycle_time_p85", "d", False, "finished"),
    _Measure("wip", label_name("wip"), "wip", "", None, "open"),
    _Measure("efficiency", label_name("flow_efficiency"), "flow_efficiency", "%", True, "finished"),
)


@dataclass
class Figure:
    """One figure on a card: its value, text, trend against the previous window and flag."""

    key: str
    label: str
    value: float | None
    text: str
    previous: float | None
    trend: str | None
    """"up", "down", "flat", or None without a previous value."""
    good: bool | None
    change_text: str
    flag: str | None
    href: str | None


@dataclass
class Card:
    """A team, cluster or the whole org as a card."""

    group_id: str
    name: str
    kind: str
    detail: str
    href: str | None
    finished: int
    small_sample: bool
    figures: list[Figure] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        return [figure.flag for figure in self.figures if figure.flag]

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    @property
    def idle(self) -> bool:
        """No item finished in the window and none in progress at its end: a card of blanks, which pages
        list by name below the others instead of drawing."""
        wip = next((figure.value for figure in self.figures if figure.key == "wip"), None)
        return self.finished == 0 and not wip


def split_idle(cards: list[Card]) -> tuple[list[Card], list[Card]]:
    """The cards with figures and the idle ones, each in their given order."""
    return [card for card in cards if not card.idle], [card for card in cards if card.idle]


def _text(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "d":
        return f"{value:.1f} d"
    if unit == "/wk":
        return f"{value:.1f}/wk"
    return f"{value:,.0f}"


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def _flag(
    measure: _Measure, current: float | None, previous: float | None, thresholds: CardThresholds, *, reliable: bool
) -> str | None:
    """Why a figure is flagged, or None. Flow time, velocity and efficiency of a small sample (in
    either window) are not flagged: a few items make any change look large."""
    change = _change(current, previous)
    if measure.key == "wip":
        grew = (current or 0) - (previous or 0) >= thresholds.wip_min_items
        if change is not None and change >= thresholds.wip_growth and grew:
            return f"{measure.label} up {change:.0%} (flag at +{thresholds.wip_growth:.0%})"
        return None
    if not reliable:
        return None
    if measure.key == "flow_time" and change is not None and change >= thresholds.flow_time_growth:
        return f"{measure.label} up {change:.0%} (flag at +{thresholds.flow_time_growth:.0%})"
    if measure.key == "velocity" and change is not None and change <= -thresholds.velocity_drop:
        return f"{measure.label} down {-change:.0%} (flag at -{thresholds.velocity_drop:.0%})"
    if measure.key == "efficiency" and current is not None and current < thresholds.efficiency_floor:
        crossed = previous is not None and previous >= thresholds.efficiency_floor
        return f"{measure.label} {current:.0%}, under {thresholds.efficiency_floor:.0%}" + (
            " (was above)" if crossed else ""
        )
    return None


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def make_card(
    *,
    group_id: str,
    name: str,
    kind: str,
    detail: str,
    href: str | None,
    current: dict[str, Any] | None,
    previous: dict[str, Any] | None,
    link: Link | None,
    thresholds: CardThresholds | None = None,
    previous_label: str = "previous window",
) -> Card:
    """A card from a summary row (`current`) and the previous window's row for the same group.

    `link(**filters)` gives the items page behind a figure (finished items for velocity, flow time
    and efficiency; open items for WIP).
    """
    thresholds = thresholds or CardThresholds()
    current = current or {}
    card = Card(
        group_id=group_id,
        name=name,
        kind=kind,
        detail=detail,
        href=href,
        finished=int(current.get("finished") or 0),
        small_sample=bool(current.get("small_sample", True)),
    )
    reliable = not card.small_sample and not (previous or {}).get("small_sample", False)
    for measure in MEASURES:
        value = _clean(current.get(measure.column))
        before = _clean(previous.get(measure.column)) if previous else None
        change = _change(value, before)
        if change is None:
            trend = None
            good = None
            change_text = f"no figure for the {previous_label}" if previous is not None else ""
        else:
            trend = "flat" if abs(change) < thresholds.flat else ("up" if change > 0 else "down")
            good = (
                None
                if measure.higher_is_better is None or trend == "flat"
                else ((trend == "up") == measure.higher_is_better)
            )
            change_text = f"{change:+.0%} vs {previous_label} ({_text(before, measure.unit)})"
        card.figures.append(
            Figure(
                key=measure.key,
                label=measure.label,
                value=value,
                text=_text(value, measure.unit),
                previous=before,
                trend=trend,
                good=good,
                change_text=change_text,
                flag=_flag(measure, value, before, thresholds, reliable=reliable),
                href=link(show=measure.show) if link else None,
            )
        )
    return card
