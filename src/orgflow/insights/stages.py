"""Rule ``stages.queue-growing``: a stage of a team where items pile up.

A stage's **queue** on a day is the number of the team's items in that stage at the end of the day
(each transition's interval, docs/metrics.md, clipped to the item's finish; backward moves and
re-entries counted where the item really is). Backlog, done and cancelled stages are left out: a
queue is work the team has started. Statuses no workflow maps are left out too: ``unmapped`` is not
a stage but whatever the config does not name yet (typos, free text, backlog or done statuses of
another tool), so a queue there says nothing about a step of the team's flow, and `orgflow status`
already lists those statuses. Over the last `insight_weeks` weeks (7 whole days each, ending
yesterday, UTC) a team's stage fires when all of these hold:

1. the daily queue has a positive least-squares slope;
2. the mean queue of the window's first half is at least `min_baseline_items` (1: a queue growing
   from an empty stage has no growth share), and the second half's is at least `growth_share`
   (20 %) and at least `MIN_GROWTH_ITEMS` (2) items above it;
3. more items entered the stage than left it, beyond noise: one-sided p-value
   P(X >= entries), X ~ Binomial(entries + exits, 1/2), at most `significance` (0.01).

Severity is ``high`` when the mean queue grew by 40 % or more (a linear queue that doubled over the
window), else ``medium``. The impact is the items × days waiting in the extra queue: the sum over the
window's days of the queue above its level at the end of the day before the window. One finding per
team and stage: each stage is its own cause, with its own items and action. Halves compare whole
weeks, so a weekly or two-weekly release train (a queue that fills and empties on schedule) does
not look like growth unless the queue it leaves behind grows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import ibis
import numpy as np
from ibis import _

from orgflow.flow.history import instant
from orgflow.insights.finding import Check, Finding, RuleRun, Scope
from orgflow.insights.ranking import excess_item_days
from orgflow.insights.statistics import growth, half_means, rate_higher_p_value, rounded, significant, slope
from orgflow.query.window import day_start

RULE = "stages.queue-growing"
HIGH_GROWTH = 0.4
"""As for WIP (`orgflow.insights.load.HIGH_GROWTH`): a linear queue that doubled over the window."""
MIN_GROWTH_ITEMS = 2.0
_NOT_QUEUES = ("backlog", "done", "cancelled", "unmapped")
"""Categories that hold no queue of started work (``unmapped``: statuses no workflow maps, which have
no stage order either)."""


def _events(scope: Scope) -> list[dict[str, Any]]:
    """Per team, stage and day before today: items that entered and left the stage that day."""
    service = scope.service
    spans = service.stage_spans(scope.cut).filter(_.duration_us > 0, ~_.category.isin(_NOT_QUEUES))
    end = instant(day_start(scope.end_day).replace(tzinfo=None))
    keys = ["team_id", "stage", "stage_order"]
    entered = (
        spans.filter(_.entered_at < end)
        .group_by([*keys, _.entered_at.date().name("day")])
        .aggregate(entered=_.count(), left=ibis.literal(0, type="int64"))
    )
    left = (
        spans.filter(_.left_at < end)
        .group_by([*keys, _.left_at.date().name("day")])
        .aggregate(entered=ibis.literal(0, type="int64"), left=_.count())
    )
    both = entered.union(left).group_by([*keys, "day"]).aggregate(entered=_.entered.sum(), left=_.left.sum())
    return service.fetch(both.order_by([*keys, "day"])).to_pylist()


def queues(scope: Scope, *, since: date) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (team, stage): the daily queue from the end of the day before `since` to yesterday
    (`queue`, one value more than the window's days) and the entries and exits inside the window."""
    first_sample = since - timedelta(days=1)
    days = (scope.end_day - first_sample).days
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in _events(scope):
        grouped[(row["team_id"], row["stage"])].append(row)
    result = {}
    for key, rows in grouped.items():
        delta = np.zeros(days, dtype=np.int64)
        opening = entries = exits = 0
        for row in rows:
            offset = (row["day"] - first_sample).days
            change = row["entered"] - row["left"]
            if offset < 0:
                opening += change
                continue
            delta[offset] += change
            if offset > 0:
                entries += row["entered"]
                exits += row["left"]
        result[key] = {
            "stage_order": rows[0]["stage_order"],
            "queue": (opening + np.cumsum(delta)).tolist(),
            "entries": entries,
            "exits": exits,
        }
    return result


def _items_in_stage(scope: Scope, team: str, stage: str) -> list[str]:
    """Ids of the team's open items whose current stage is `stage` (longest there first)."""
    items = scope.service.items_table(scope.cut)
    now = instant(scope.now.replace(tzinfo=None))
    found = items.filter(_.team_id == team, _.current_stage == stage, _.finished_at.isnull(), _.started_at < now)
    ordered = found.order_by("current_stage_since", "item_id").select("item_id")
    return scope.service.fetch(ordered).column("item_id").to_pylist()


def find(scope: Scope) -> RuleRun:
    """Rule ``stages.queue-growing`` (see the module docstring)."""
    settings = scope.settings
    weeks = settings.insight_weeks
    since = scope.days_back(7 * weeks)
    findings = []
    per_stage = queues(scope, since=since)
    for (team, stage), data in sorted(per_stage.items(), key=lambda pair: (pair[0][0], pair[1]["stage_order"])):
        series = data["queue"]
        before, after = half_means(series[1:])
        grown = growth(before, after)
        p_value = rate_higher_p_value(data["entries"], 1, data["exits"], 1)
        queue_slope = slope(series)
        if (
            queue_slope <= 0
            or before < settings.min_baseline_items
            or grown is None
            or after - before < MIN_GROWTH_ITEMS
            or grown < settings.growth_share
            or p_value > settings.significance
        ):
            continue
        severity = "high" if grown >= HIGH_GROWTH else "medium"
        share = f"{grown:.0%}"
        findings.append(
            Finding(
                rule=RULE,
                severity=severity,
                subject=f"stage:{team}:{stage}",
                title=(
                    f"{team}: the {stage} queue grew {share} in {weeks} weeks "
                    f"({series[0]} → {series[-1]} items; {data['entries']} in, {data['exits']} out)"
                ),
                evidence={
                    "team": team,
                    "stage": stage,
                    "weeks": weeks,
                    "since": since.isoformat(),
                    "queue_start": series[0],
                    "queue_end": series[-1],
                    "queue_mean_first_half": rounded(before),
                    "queue_mean_second_half": rounded(after),
                    "queue_growth_share": rounded(grown),
                    "queue_slope_per_week": rounded(queue_slope * 7),
                    "entries": data["entries"],
                    "exits": data["exits"],
                    "p_value": significant(p_value),
                    "items": _items_in_stage(scope, team, stage),
                },
                suggested_action=(
                    f"Find what stops items leaving {stage} in {team} (capacity, approvals, release cadence) "
                    "and pull from it before starting anything that feeds it."
                ),
                team=team,
                impact_item_days=rounded(excess_item_days(series)),
            )
        )
    return RuleRun(findings, _check(per_stage, len(findings), scope, since=since))


def _check(per_stage: dict[tuple[str, str], dict[str, Any]], found: int, scope: Scope, *, since: date) -> Check:
    """What the rule checked: the daily queue of each (team, stage) in `per_stage` over the window."""
    settings = scope.settings
    if not per_stage:
        return Check(
            RULE,
            "no item ever spent time in a started stage (not backlog, done, cancelled or unmapped), so there "
            "is no stage queue to follow (a history of created and resolved dates alone has none)",
            supported=False,
        )
    teams = len({team for team, _stage in per_stage})
    queues = f"{len(per_stage)} stage queue{'s' if len(per_stage) != 1 else ''}"
    outcome = (
        f"{found} growing"
        if found
        else f"none grew {settings.growth_share:.0%} and {MIN_GROWTH_ITEMS:g} items or more with more entries "
        f"than exits (p <= {settings.significance:g})"
    )
    return Check(
        RULE,
        f"{queues} of {teams} team{'s' if teams != 1 else ''} over the {settings.insight_weeks} weeks from "
        f"{since.isoformat()}; {outcome}",
    )
