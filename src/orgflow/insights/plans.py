"""Rule ``plans.probability-fell``: an initiative whose chance of meeting its date fell below a threshold.

The current chances come from a plan forecast (`orgflow.forecast.plan.forecast_plan`): its result
itself (see `chances_of`), or a mapping of initiative id → probability (0-1), or → (target,
probability) where target names the date the probability is about (an ISO date). The previous run
is the latest row of the bookkeeping table `forecast_snapshots (subject, target, computed_at,
probability)` computed before now.

An initiative fires when its probability now is below `plan_probability` (0.7) while the previous
run had it at or above: it crossed the line since the last run. An initiative with no previous run,
or already below the line last time, does not fire again. Severity is ``high`` below
`HIGH_RISK` (0.5: more likely late than on time), else ``medium``.

Storing the new run is a write, kept out of the rules: the caller records it with
`record_snapshot` after reading the findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis
from ibis import _

from orgflow.insights.finding import Check, Finding, RuleRun, Scope
from orgflow.insights.statistics import rounded
from orgflow.store import Store
from orgflow.values import json_value

if TYPE_CHECKING:
    from orgflow.forecast.plan import PlanResult

RULE = "plans.probability-fell"
HIGH_RISK = 0.5

Chance = float | tuple[str | None, float]
"""A probability of meeting the date, or (target, probability)."""


def split_chance(chance: Chance) -> tuple[str, float]:
    """(target, probability) of a chance; the target is empty when not given.

    Raises:
        ValueError: a probability outside 0-1.
    """
    target, probability = chance if isinstance(chance, tuple) else (None, chance)
    probability = float(probability)
    if not 0 <= probability <= 1:
        raise ValueError(f"a probability must lie in 0-1 (got {probability})")
    return (target or "", probability)


def chances_of(result: PlanResult) -> dict[str, tuple[str, float]]:
    """(target ISO date, probability of finishing by it) of each initiative of a plan forecast that
    has a target date (`orgflow.forecast.plan.forecast_plan`'s result). With the plan calibrated
    (`orgflow.forecast.plan.calibrate_plan`) the probability is the calibrated one, the same the plan
    shows; an initiative whose calibration cannot hold (null probability) is left out."""
    chances = {}
    for item in result.order:
        if item.target is None:
            continue
        probability = result.probability(item.name, item.target)
        if probability is not None:  # no calibration can hold: no chance to compare, not a zero
            chances[item.name] = (item.target.isoformat(), probability)
    return chances


def previous_runs(scope: Scope, subjects: list[str]) -> dict[str, dict[str, Any]]:
    """The latest snapshot before now of each subject: {subject: {target, computed_at, probability}}."""
    if not subjects:
        return {}
    snapshots = scope.service.backend.table("forecast_snapshots")
    now = scope.now.astimezone(UTC).replace(tzinfo=None)
    latest = ibis.window(group_by="subject", order_by=[ibis.desc("computed_at"), ibis.desc("probability")])
    ranked = snapshots.filter(_.computed_at < now, _.subject.isin(subjects)).mutate(rank=ibis.row_number().over(latest))
    rows = scope.service.fetch(ranked.filter(_.rank == 0).select("subject", "target", "computed_at", "probability"))
    return {row.pop("subject"): row for row in rows.to_pylist()}


def find(scope: Scope, chances: Mapping[str, Chance] | None) -> RuleRun:
    """Rule ``plans.probability-fell`` for the initiatives in `chances` (see the module docstring);
    None or none: not run (there is nothing to compare)."""
    if not chances:
        return RuleRun([], Check(RULE, "not run: it needs a plan forecast's chances, and none was given", ran=False))
    threshold = scope.settings.plan_probability
    current = {initiative: split_chance(chance) for initiative, chance in chances.items()}
    previous = previous_runs(scope, sorted(current))
    findings = []
    for initiative in sorted(current):
        target, probability = current[initiative]
        before = previous.get(initiative)
        if before is None or probability >= threshold or before["probability"] < threshold:
            continue
        severity = "high" if probability < HIGH_RISK else "medium"
        date_text = f" of {target}" if target else ""
        findings.append(
            Finding(
                rule=RULE,
                severity=severity,
                subject=f"initiative:{initiative}",
                title=(
                    f"{initiative}: the chance of meeting its date{date_text} fell to {probability:.0%} "
                    f"(was {before['probability']:.0%}), below {threshold:.0%}"
                ),
                evidence={
                    "target": target or None,
                    "probability": rounded(probability),
                    "previous_probability": rounded(before["probability"]),
                    "previous_target": before["target"] or None,
                    "previous_computed_at": json_value(before["computed_at"]),
                    "drop": rounded(before["probability"] - probability),
                    "threshold": threshold,
                    "items": [],
                },
                suggested_action=(
                    f"Re-plan {initiative} now: cut scope, move the date or free the slowest team, "
                    "and tell its stakeholders what changed."
                ),
            )
        )
    compared = sum(initiative in previous for initiative in current)
    outcome = f"{len(findings)} fell" if findings else f"none fell below {threshold:.0%} since"
    text = f"{len(current)} initiatives' chances, {compared} with an earlier run to compare with; {outcome}"
    return RuleRun(findings, Check(RULE, text))


def record_snapshot(store: Store, chances: Mapping[str, Chance], *, computed_at: datetime) -> int:
    """Store one run of plan probabilities in `forecast_snapshots`, the table the next run compares with.

    One row per initiative (subject = initiative id, target, computed_at, probability), in one
    transaction of the store (`Store.transaction`). Rows of the same subject at the same
    `computed_at` are replaced, so recording a run twice changes nothing.

    Args:
        store: the workspace store, opened for writing.
        chances: initiative id → probability (0-1), or → (target, probability).
        computed_at: when the probabilities were computed (an aware instant; stored as naive UTC).

    Returns:
        The number of rows written.

    Raises:
        ValueError: a naive `computed_at` or a probability outside 0-1.
    """
    if computed_at.tzinfo is None:
        raise ValueError(f"naive datetime {computed_at!r}: pass an aware UTC instant")
    when = computed_at.astimezone(UTC).replace(tzinfo=None)
    rows = [(subject, *split_chance(chance)) for subject, chance in sorted(chances.items())]
    with store.transaction() as connection:
        for subject, target, probability in rows:
            connection.execute("DELETE FROM forecast_snapshots WHERE subject = ? AND computed_at = ?", [subject, when])
            connection.execute(
                "INSERT INTO forecast_snapshots VALUES (?, ?, ?, ?)", [subject, target, when, probability]
            )
    return len(rows)
