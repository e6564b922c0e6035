"""What every insight rule returns: a `Finding`, and the settings and scope the rules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from orgflow.query.window import Cut
from orgflow.registry import definition

if TYPE_CHECKING:
    from orgflow.config import Config
    from orgflow.flow.service import FlowService

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


DEFINITION = definition("insights", "insights")
"""The one-line definition of the `insights` result (docs/metrics.md#insights)."""


@dataclass(frozen=True)
class Finding:
    """One early-warning signal, with the numbers and items that back it.

    Attributes:
        rule: the rule's stable id (``aging.past-sle``, ``load.wip-growing``, ``stages.queue-growing``,
            ``throughput.drop``, ``plans.probability-fell``).
        severity: ``high``, ``medium`` or ``low``.
        subject: what the finding is about, as ``kind:id``: ``item:PAY-12``, ``team:billing``,
            ``stage:billing:Ready for Release``, ``initiative:checkout-v2``.
        title: one line a person reads first.
        evidence: the figures the rule tested (rounded for display; units in the key names) and,
            under ``items``, the ids of the items involved.
        suggested_action: one sentence on what to do next.
        team: the team the finding is about (None for an initiative).
        impact_item_days: what is at stake, in item-days (`orgflow.insights.ranking` defines it per
            rule); None where the rule has no such figure (plans).
    """

    rule: str
    severity: Severity
    subject: str
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    suggested_action: str = ""
    team: str | None = None
    impact_item_days: float | None = None

    def as_row(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict (rule, severity, subject, title, evidence, suggested_action,
        team, impact_item_days)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "subject": self.subject,
            "title": self.title,
            "evidence": self.evidence,
            "suggested_action": self.suggested_action,
            "team": self.team,
            "impact_item_days": self.impact_item_days,
        }


@dataclass(frozen=True)
class Check:
    """What one rule looked at, so that a run without findings can say why it raised none.

    Attributes:
        rule: the rule's id.
        text: what it checked and with what threshold, e.g. "81 started, unfinished items against their
            team's SLE (p85); none is past it".
        supported: False when the data cannot support the check (nothing to compare with), True when
            it was checked and nothing crossed the threshold (or something did).
        ran: False for a rule not run at all (the plan rule without a plan forecast).
    """

    rule: str
    text: str
    supported: bool = True
    ran: bool = True

    def line(self) -> str:
        """The check on one line: "rule: text"."""
        return f"{self.rule}: {self.text}"


@dataclass(frozen=True)
class RuleRun:
    """One rule's findings and what it checked."""

    findings: list[Finding]
    check: Check


@dataclass(frozen=True)
class InsightSettings:
    """The thresholds of the rules. Each reads `config.thresholds.<name>` when the config has it.

    Attributes:
        sle_percentile: the SLE (p85 by default); an open item older than it is past its SLE.
        sle_high_percentile: an item older than this percentile (p95) is a high-severity finding.
        sle_items: the SLE sample: each team's and item type's last N finished items.
        sle_min_sample: fewer finished items than this give no SLE to compare with.
        insight_weeks: the window of the WIP and stage-queue trends, in weeks of 7 whole days.
        growth_share: the least growth (0.2 = 20 %) of the mean of the window's second half over its
            first half that counts as growth.
        significance: the largest one-sided p-value of the rules' rate tests.
        throughput_recent_weeks: the recent weeks of the throughput-drop rule.
        throughput_baseline_weeks: the baseline weeks just before them.
        throughput_drop: the least drop of the weekly rate (0.3 = 30 %) that counts.
        plan_probability: an initiative below this probability of meeting its date is at risk.
        min_baseline_items: the least mean of the first half of a WIP or stage-queue window (items)
            for a growth to count: a growth from (almost) nothing has no meaningful share.
        min_sle_days: the least SLE (days) an item is compared with: an SLE of 0 (items that went
            straight to done) is no expectation to be late against.
        wip_growth: the window rule's least WIP growth over the previous window (0.5 = +50 %).
        wip_growth_items: ... and the least growth in items.
        flow_time_growth: the window rule's least growth of flow time p85 (0.25 = +25 %).
        velocity_drop: the window rule's least drop of flow velocity (0.25 = -25 %).
        efficiency_floor: the window rule's flow efficiency below which it fires (0.15 = 15 %).
    """

    sle_percentile: float = 85
    sle_high_percentile: float = 95
    sle_items: int = 50
    sle_min_sample: int = 5
    insight_weeks: int = 8
    growth_share: float = 0.2
    significance: float = 0.01
    throughput_recent_weeks: int = 4
    throughput_baseline_weeks: int = 12
    throughput_drop: float = 0.3
    plan_probability: float = 0.7
    min_baseline_items: float = 1.0
    min_sle_days: float = 0.01
    wip_growth: float = 0.5
    wip_growth_items: int = 5
    flow_time_growth: float = 0.25
    velocity_drop: float = 0.25
    efficiency_floor: float = 0.15

    @classmethod
    def from_config(cls, config: Config) -> InsightSettings:
        """The defaults, overridden by every same-named key of `config.thresholds`."""
        thresholds = config.thresholds
        values = {name: getattr(thresholds, name) for name in cls.__dataclass_fields__ if hasattr(thresholds, name)}
        return cls(**values)


@dataclass(frozen=True)
class Scope:
    """What the rules look at: the flow service (with its `now`), the cut, and the settings.

    `end_day` is the first day left out (today, UTC): windows are whole days ending yesterday.
    """

    service: FlowService
    cut: Cut
    settings: InsightSettings

    @property
    def now(self) -> datetime:
        return self.service.now

    @property
    def end_day(self) -> date:
        return self.service.now.date()

    def days_back(self, days: int) -> date:
        """The first day of a window of `days` whole days ending yesterday."""
        return self.end_day - timedelta(days=days)
