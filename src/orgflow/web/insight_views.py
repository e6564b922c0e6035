"""What the insights page and the insights panel show: `orgflow.insights.find_insights` in rank order
(severity, then the item-days at stake), grouped by severity, with each finding's evidence, suggested
action and links to its items. The panel shows the top `TOP_FINDINGS` and links to the page for the
rest. Findings are computed once per (now, team, group) through the hub, under its lock. When there
are none, both say why, in the words `orgflow insights` prints (`orgflow.insights.Review.notes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from orgflow.flow.browse import org_tree
from orgflow.insights.ranking import TOP_FINDINGS
from orgflow.views.filters import parse_now
from orgflow.views.hub import MetricsHub
from orgflow.web.forecast_views import cut_label, items_href

RULE_TITLES = {
    "aging.past-sle": "Items past their SLE",
    "load.wip-growing": "WIP growing while throughput is flat",
    "stages.queue-growing": "Stage queues growing",
    "throughput.drop": "Throughput dropped",
    "plans.probability-fell": "Plans losing probability",
}
"""A heading per rule (docs/insights.md), in the order of `orgflow.insights.RULES`."""
SEVERITIES = ("high", "medium", "low")
ITEMS_SHOWN = 12
"""Item links shown per finding; the rest are behind its "all items" link."""


def review_cached(hub: MetricsHub, *, team: str | None, group: str | None, now_text: str | None) -> Any:
    """`ws.insights_at(now).review(team=..., group=...)` (`orgflow.insights.Review`: the ranked findings
    and what each rule checked), once per (now, team, group).

    Raises:
        InputError: an unknown team or group, or a bad `now`.
    """
    requested = parse_now(now_text)
    instant = hub.now(requested)
    key = ("insights", hub.service_key(requested), team, group)
    return hub.query(key, lambda workspace: workspace.insights_at(instant).review(team=team, group=group))


def find_cached(hub: MetricsHub, *, team: str | None, group: str | None, now_text: str | None) -> list[Any]:
    """`find_insights(ws, now=..., team=..., group=...)`, once per (now, team, group) (`review_cached`).

    Raises:
        InputError: an unknown team or group, or a bad `now`.
    """
    return review_cached(hub, team=team, group=group, now_text=now_text).findings


@dataclass(frozen=True)
class FindingView:
    """A finding as the page shows it: its evidence as label/text pairs, links to its items and, for
    aging, one row of figures per item (`item_rows`: item, href and label/text pairs)."""

    finding: Any
    team: str | None
    rule_title: str
    impact_text: str | None
    evidence: list[tuple[str, str]]
    items: list[tuple[str, str]]
    more_items: int
    items_href: str | None
    items_label: str
    item_rows: list[tuple[str, str, list[tuple[str, str]]]]


@dataclass(frozen=True)
class SeverityGroup:
    """The findings of one severity, in rank order."""

    severity: str
    findings: list[FindingView]

    @property
    def count(self) -> int:
        return len(self.findings)


@dataclass(frozen=True)
class InsightsView:
    """The findings for a team, a group or everything, grouped by severity, then rule."""

    team: str | None
    group: str | None
    label: str
    now: datetime
    now_text: str | None
    findings: list[Any]
    severities: list[SeverityGroup]
    notes: list[str]
    """Why nothing was found, when nothing was (`orgflow.insights.Review.notes`: a headline, then one
    line per rule); else empty."""

    @property
    def counts(self) -> dict[str, int]:
        return {group.severity: group.count for group in self.severities}

    @property
    def top_count(self) -> int:
        """How many findings a panel shows by default (`TOP_FINDINGS`)."""
        return TOP_FINDINGS

    def top(self, count: int = TOP_FINDINGS) -> list[Any]:
        """The first `count` findings in rank order (what a panel shows)."""
        return self.findings[:count]

    def more(self, count: int = TOP_FINDINGS) -> int:
        """How many findings are left after the first `count` (the panel's "and K more")."""
        return max(0, len(self.findings) - count)

    def page_href(self) -> str:
        values = {"team": self.team, "group": self.group, "now": self.now_text}
        query = urlencode({key: value for key, value in values.items() if value})
        return "/insights" + (f"?{query}" if query else "")


def _evidence_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_evidence_text(part) for part in value)
    return "" if value is None else str(value)


def _evidence_rows(evidence: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in evidence.items():
        if key in ("items", "per_item") and not prefix:
            continue
        label = f"{prefix}{key.replace('_', ' ')}"
        if isinstance(value, Mapping):
            rows += _evidence_rows(value, prefix=f"{label} · ")
        else:
            rows.append((label, _evidence_text(value)))
    return rows


def _finding_view(finding: Any, *, now: datetime, now_text: str | None) -> FindingView:
    """Where a finding's items are listed: per item, its timeline; all of them, the matching table."""
    kind, _, rest = finding.subject.partition(":")
    evidence = finding.evidence
    team = evidence.get("team") or (rest if kind == "team" else rest.partition(":")[0] if kind == "stage" else None)
    show: dict[str, Any] = {}
    label = "its items"
    if finding.rule == "aging.past-sle":
        show, label = {"show": "aging"}, f"aging work of {team}"
    elif finding.rule == "load.wip-growing":
        show, label = {"show": "open"}, f"work in progress of {team}"
    elif finding.rule == "stages.queue-growing":
        stage = evidence.get("stage") or rest.partition(":")[2]
        show, label = {"show": "open", "stage": stage}, f"open items of {team} in {stage}"
    elif finding.rule == "throughput.drop":
        yesterday = (now.date() - timedelta(days=1)).isoformat()
        show = {"show": "finished", "since": evidence.get("recent_since"), "until": yesterday}
        label = f"items {team} finished in the recent weeks"
    ids = [str(item) for item in evidence.get("items", [])]
    linked = team is not None
    items = [(item, items_href(now_text, team=team, item=item, **show) if linked else "") for item in ids]
    item_rows = [
        (
            str(row["item_id"]),
            items_href(now_text, team=team, item=str(row["item_id"]), **show) if linked else "",
            [(key.replace("_", " "), _evidence_text(value)) for key, value in row.items() if key != "item_id"],
        )
        for row in evidence.get("per_item", [])[:ITEMS_SHOWN]
    ]
    impact = finding.impact_item_days
    return FindingView(
        finding=finding,
        team=team,
        rule_title=RULE_TITLES.get(finding.rule, finding.rule),
        impact_text=None if impact is None else f"{impact:,.1f} item-days",
        evidence=_evidence_rows(evidence),
        items=items[:ITEMS_SHOWN],
        more_items=max(0, len(items) - ITEMS_SHOWN),
        items_href=items_href(now_text, team=team, **show) if linked and show else None,
        items_label=label,
        item_rows=item_rows,
    )


def insights_view(hub: MetricsHub, *, team: str | None, group: str | None, now_text: str | None) -> InsightsView:
    """The findings of `find_insights` for the cut, grouped by severity (high first), in rank order.

    Raises:
        InputError: an unknown team or group, or a bad `now`.
    """
    review = review_cached(hub, team=team, group=group, now_text=now_text)
    findings = review.findings
    now = hub.now(parse_now(now_text))
    views = [_finding_view(finding, now=now, now_text=now_text) for finding in findings]
    severities = [
        SeverityGroup(severity, [view for view in views if view.finding.severity == severity])
        for severity in SEVERITIES
    ]
    tree = hub.query("org_tree", org_tree)
    label = cut_label(tree, team, group, None)
    return InsightsView(team, group, label, now, now_text, findings, severities, review.notes())
