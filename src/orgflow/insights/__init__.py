"""Early-warning insights: findings with evidence and a suggested action.

`ws.insights_at(now).find()` (an `InsightService`; `find_insights(ws, now=...)` for short) runs every
rule over a workspace as of `now` and returns its findings, ranked by severity and by the item-days at
stake (`ranking`). The rules, one module each (their docstrings state the exact tests):

- ``aging.past-sle`` (`aging`): a team's open items older than their SLE (p85; high past p95).
- ``load.wip-growing`` (`load`): a team whose WIP grows while its throughput does not.
- ``stages.queue-growing`` (`stages`): a stage of a team where items pile up.
- ``throughput.drop`` (`throughput`): a team whose throughput fell below its own baseline.
- ``plans.probability-fell`` (`plans`): an initiative whose chance of meeting its date fell below
  the threshold since the last run (needs the plan forecast's probabilities).

The window rules (`window`: ``window.wip-up``, ``window.flow-time-up``, ``window.velocity-down``,
``window.efficiency-low``) compare a page's window with the one before it; the dashboard's cards show
their findings as flags (`window.find`, called on the two summary rows, not by `find_insights`).

Thresholds come from `config.thresholds` where it has them (see `InsightSettings`). The rules only
read the store; `record_snapshot` (`InsightService.record`) is the one write, for the plan
probabilities, in a transaction of the store's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orgflow.insights import aging, load, plans, stages, throughput
from orgflow.insights.aging import item_aging
from orgflow.insights.finding import Check, Finding, InsightSettings, Scope
from orgflow.insights.plans import Chance, chances_of, record_snapshot
from orgflow.insights.ranking import TOP_FINDINGS, ranked
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.forecast.plan import PlanResult
    from orgflow.query.context import AnalysisContext
    from orgflow.workspace import Workspace

RULES = (aging.RULE, load.RULE, stages.RULE, throughput.RULE, plans.RULE)
"""Every rule id, in the order findings of equal severity are listed."""

__all__ = [
    "RULES",
    "TOP_FINDINGS",
    "Chance",
    "Finding",
    "InsightService",
    "InsightSettings",
    "Review",
    "chances_of",
    "find_insights",
    "item_aging",
    "record_snapshot",
]


@dataclass(frozen=True)
class Review:
    """One run of every rule: the ranked `findings`, what each rule `checks`ed (in `RULES` order), and
    the as-of params of the flow figures they read (`orgflow.query.as_of.as_of_params`: ``now``,
    ``now_basis``, ``data_as_of``, ``data_as_of_basis``)."""

    findings: list[Finding]
    checks: list[Check]
    as_of: dict[str, Any]

    def notes(self) -> list[str]:
        """Why nothing was found, when nothing was: a headline (no rule crossed its threshold, or the
        data cannot support some rules) and one line per rule saying what it checked; else []."""
        if self.findings:
            return []
        unsupported = [check.rule for check in self.checks if not check.supported]
        clear = [check.rule for check in self.checks if check.supported and check.ran]
        parts = []
        if unsupported:
            parts.append(f"the data cannot support {', '.join(unsupported)}")
        if clear:
            parts.append(f"nothing crossed the threshold of {', '.join(clear)}")
        headline = "no finding: " + ("; ".join(parts) or "no rule ran")
        return [headline, *(check.line() for check in self.checks)]


class InsightService:
    """The early-warning rules of one workspace as of the context's `now` (aware; None: as every flow
    figure, the current time, or the end of the data's last day when the data stops earlier). Later
    history is ignored.

    Raises:
        ValueError: a naive `now`.
    """

    def __init__(self, context: AnalysisContext) -> None:
        if context.now is not None and context.now.tzinfo is None:
            raise ValueError(f"naive datetime {context.now!r}: pass an aware UTC instant")
        self.context = context if context.now is None else context.at(context.now.astimezone(UTC))

    def find(
        self,
        *,
        team: str | None = None,
        group: str | None = None,
        plan: PlanResult | Mapping[str, Chance] | None = None,
    ) -> list[Finding]:
        """Every finding of every rule, ranked: most severe, then most at stake (`review`'s findings).

        Args:
            team: only this team's items and figures.
            group: only the items and figures of the teams in this group (any level).
            plan: the plan forecast (`forecast_plan`'s result) or its current chance per initiative
                (id → probability, or → (target, probability)); without it the plan rule is skipped. It
                is compared with the latest snapshot before `now`; store this run afterwards with
                `record`.

        Returns:
            Findings, one per team and rule (per team and stage for stage queues; per initiative for
            plans), ordered by severity (high first), then by impact in item-days (largest first; none
            last), then by rule (the order of `RULES`), then by subject (`orgflow.insights.ranking`).

        Raises:
            InputError: an unknown team or group, or inconsistent thresholds.
        """
        return self.review(team=team, group=group, plan=plan).findings

    def review(
        self,
        *,
        team: str | None = None,
        group: str | None = None,
        plan: PlanResult | Mapping[str, Chance] | None = None,
    ) -> Review:
        """Every rule run over the cut (arguments as `find`): the ranked findings, what each rule checked,
        and the instant they are as of (the flow figures' `now`: given, or the end of the data's last
        day when the data stops before the clock).

        Raises:
            InputError: an unknown team or group, or inconsistent thresholds.
        """
        service = self.context.flow_service()
        settings = InsightSettings.from_config(self.context.config)
        scope = Scope(service=service, cut=Cut(team=team, group=group), settings=settings)
        service.items_table(scope.cut)  # checks the team and group before any rule runs
        chances = plan if plan is None or isinstance(plan, Mapping) else chances_of(plan)
        runs = [
            aging.find(scope),
            load.find(scope),
            stages.find(scope),
            throughput.find(scope),
            plans.find(scope, chances),
        ]
        findings = ranked([finding for run in runs for finding in run.findings], RULES)
        return Review(findings, [run.check for run in runs], service.as_of_params())

    def record(self, chances: Mapping[str, Chance], *, computed_at: datetime | None = None) -> int:
        """Store one run of plan probabilities for the next run to compare with (`record_snapshot`), as
        computed at `computed_at` (default: the context's `now`, else the current time)."""
        at = computed_at or self.context.now or datetime.now(UTC)
        return record_snapshot(self.context.store, chances, computed_at=at)


def find_insights(
    ws: Workspace,
    *,
    now: datetime | None = None,
    team: str | None = None,
    group: str | None = None,
    plan: PlanResult | Mapping[str, Chance] | None = None,
) -> list[Finding]:
    """Every finding of every rule for the workspace as of `now`, ranked: most severe, then most at
    stake (`ws.insights_at(now).find(...)`; see `InsightService.find`).

    Args:
        ws: the open workspace.
        now: the instant to look from (aware; default: the current time, or the end of the data's
            last day when the data stops earlier, as every flow figure). Later history is ignored.
        team, group, plan: as `InsightService.find`.

    Raises:
        InputError: an unknown team or group, or inconsistent thresholds.
        ValueError: a naive `now`.
    """
    return ws.insights_at(now).find(team=team, group=group, plan=plan)
