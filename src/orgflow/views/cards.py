"""Cards: a team's or group's headline figures, with trend arrows and flags.

A card shows four figures of the flow summary (flow velocity, flow time p85, WIP, flow efficiency)
next to the same figures over the previous window of equal length. The arrow says which way a figure
moved and whether that is good; a flag is a finding of the window rules (`orgflow.insights.window`,
thresholds under `thresholds:` in `orgflow.yaml`), which the card shows beside its figure. Nothing
here computes a metric or decides a flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orgflow.charts.base import Link
from orgflow.flow.definitions import label_name
from orgflow.insights import window
from orgflow.insights.finding import InsightSettings

FLAT = 0.05
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
    settings: InsightSettings | None = None,
    previous_label: str = "previous window",
) -> Card:
    """A card from a summary row (`current`) and the previous window's row for the same group.

    `link(**filters)` gives the items page behind a figure (finished items for velocity, flow time
    and efficiency; open items for WIP). `settings` are the window rules' thresholds (default: the
    defaults); each figure's flag is the title of the rule's finding about it.
    """
    subject = f"{kind}:{group_id}"
    findings = window.find(
        current, previous, settings or InsightSettings(), subject=subject, team=group_id if kind == "team" else None
    )
    flags = {finding.evidence["figure"]: finding.title for finding in findings}
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
    for measure in MEASURES:
        value = window.figure_value(current, measure.column)
        before = window.figure_value(previous, measure.column)
        change = window.relative_change(value, before)
        if change is None:
            trend = None
            good = None
            change_text = f"no figure for the {previous_label}" if previous is not None else ""
        else:
            trend = "flat" if abs(change) < FLAT else ("up" if change > 0 else "down")
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
                flag=flags.get(measure.key),
                href=link(show=measure.show) if link else None,
            )
        )
    return card
