"""Cards: a team's or group's headline figures, with trend arrows and flags.

A card shows four figures of the flow summary (flow velocity, flow time p85, WIP, flow efficiency)
next to the same figures over the previous window of equal length. The arrow says which way a figure
moved and whether that is good; a flag is a finding of the window rules (`orgflow.insights.window`,
thresholds under `thresholds:` in `orgflow.yaml`), which the card shows beside its figure. Nothing
here computes a metric or decides a flag.
"""

from __future__ import annotations

import re
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
    reason: str | None = None
    """Why the value is unknown (null), from the summary row's ``unknown_reasons`` that name its figure
    (`figure_reason`); None when it is known or no reason names it."""


@dataclass
class Card:
    """A team, cluster or the whole org as a card."""

    group_id: str
    name: str
    kind: str
    detail: str
    href: str | None
    finished: int
    """Items finished in the window (0 when the data cannot say: `finished_known` is then False)."""
    small_sample: bool
    figures: list[Figure] = field(default_factory=list)
    finished_known: bool = True
    """False when the summary row has the finished count unknown (its window lies before the data, or
    the workspace has no work items): such a card is not idle, its figures say why they are blank."""

    @property
    def flags(self) -> list[str]:
        return [figure.flag for figure in self.figures if figure.flag]

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    @property
    def idle(self) -> bool:
        """No item finished in the window and none in progress at its end: a card of blanks, which pages
        list by name below the others instead of drawing. Not when the data cannot say (a window before
        the data): nothing recorded there is not a team without work."""
        wip = next((figure.value for figure in self.figures if figure.key == "wip"), None)
        return self.finished_known and self.finished == 0 and not wip


def split_idle(cards: list[Card]) -> tuple[list[Card], list[Card]]:
    """The cards with figures and the idle ones, each in their given order."""
    return [card for card in cards if not card.idle], [card for card in cards if card.idle]


# The start of one reason of ``unknown_reasons``: the figures it names, then ": " ("cycle_time, wip: ...").
_NAMED = re.compile(r"([a-z0-9_]+(?:, [a-z0-9_]+)*): ")


def figure_reason(reasons: str | None, name: str) -> str | None:
    """The reasons of `reasons` (a summary row's ``unknown_reasons``: "names: text", several joined by
    "; ") that name the figure `name` (a column's figure: ``cycle_time`` for ``cycle_time_p85``), joined
    by "; "; None when none does. A "; " not followed by names continues the reason before it."""
    if not reasons:
        return None
    parts: list[tuple[list[str], str]] = []
    for piece in reasons.split("; "):
        named = _NAMED.match(piece)
        if named is not None:
            parts.append((named.group(1).split(", "), piece))
        elif parts:
            names, text = parts[-1]
            parts[-1] = (names, f"{text}; {piece}")
    found = [text for names, text in parts if name in names]
    return "; ".join(found) if found else None


def _figure_name(column: str) -> str:
    """The figure a summary column shows, as reasons name it: ``cycle_time_p85`` -> ``cycle_time``."""
    return re.sub(r"_p[0-9]+$", "", column)


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
    defaults); each figure's flag is the title of the rule's finding about it, and an unknown figure's
    reason the row's ``unknown_reasons`` that name it (`figure_reason`: no work items loaded, nothing
    finished in the window...).
    """
    subject = f"{kind}:{group_id}"
    findings = window.find(
        current, previous, settings or InsightSettings(), subject=subject, team=group_id if kind == "team" else None
    )
    flags = {finding.evidence["figure"]: finding.title for finding in findings}
    current = current or {}
    finished_known = not current or current.get("finished") is not None
    card = Card(
        group_id=group_id,
        name=name,
        kind=kind,
        detail=detail,
        href=href,
        finished=int(current.get("finished") or 0),
        small_sample=bool(current.get("small_sample", True)),
        finished_known=finished_known,
    )
    reasons = current.get("unknown_reasons")
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
                reason=None if value is not None else figure_reason(reasons, _figure_name(measure.column)),
            )
        )
    return card
