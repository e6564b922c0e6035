"""Single-item SLE and aging: each open item's age against its team's cycle-time percentiles.

Definitions (docs/metrics.md): an open item's **age** is now − start, in days. Its **SLE** comes from the
cycle times of its team's and item type's last N (`sle_items`, default 50) items finished before now:
the `sle_percentile` (default p85) is the expectation; the `sle_high_percentile` (default p95) marks an
item that is older than almost every recent item of its kind. Percentiles interpolate linearly
between order statistics (type 7), as everywhere in orgflow.

Rule ``aging.past-sle``: one finding per team whose open items are older than their SLE, listing
those items (oldest first) with their figures; severity ``high`` when any of them is past the high
percentile, ``medium`` when all are past the SLE only. Its impact is the sum of the items' days past
their SLE. An SLE from fewer than `sle_min_sample` finished items, or of less than `min_sle_days`
(items that went straight to done), is not used: nothing is late against it. Nor is one `flow sle` calls
unknown: a sample mostly skipped its start (`orgflow.flow.skipped`), or the team's statuses map to no done
or no active stage (`orgflow.flow.figure_steps.sle_reach`, the rule `flow age` applies too): its percentiles
are null and the row's `unknown_reasons` says why.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.flow.figure_steps import sle_reach
from orgflow.flow.flow_time import service_level_expectation, work_item_age
from orgflow.flow.mapped_stages import no_active_stage_reason, no_done_stage_reason
from orgflow.flow.queries import AGE_SLE_FIGURES, NO_SLE_SAMPLE
from orgflow.flow.service import FlowService
from orgflow.insights.finding import Check, Finding, InsightSettings, RuleRun, Scope, Severity
from orgflow.insights.statistics import rounded
from orgflow.query.window import Cut

RULE = "aging.past-sle"
BAND_PERCENTILES = (50, 70, 85, 95)
"""The percentiles every aging row shows, beside the configured SLE and high percentiles."""
_REASONS_SAID = 3
"""How many teams' and types' reasons for an unknown SLE the rule's check says before counting the rest."""
_SLE_COLUMNS = ("p50_days", "p70_days", "p85_days", "p95_days", "sle_days", "sle_high_days", "band")
"""The columns of `item_aging` an SLE ruled out by the mapping leaves null."""


def _label(percentile: float) -> str:
    return f"p{percentile:g}".replace(".", "_")


def item_aging(service: FlowService, *, cut: Cut | None = None, settings: InsightSettings) -> pa.Table:
    """Each started, unfinished item of `cut` with its age and its team's cycle-time percentiles.

    The percentiles come from the team's and item type's last `settings.sle_items` finished items
    (all items of the team, whatever the cut). Columns: source, item_id, title, team_id, item_type,
    current_stage, started_at, age_days, stage_age_days, sle_sample (finished items behind the
    percentiles), p50_days, p70_days, p85_days, p95_days, sle_days (the `sle_percentile`),
    sle_high_days (the `sle_high_percentile`), band (``below p50``, ``p50-p70``, ``p70-p85``,
    ``p85-p95``, ``above p95``, or null without history), unknown_reasons (why sle_days is null, as
    `flow age` says it: the SLE's sample, or the mapping, `mapped_unknown`; else null). Ordered by age,
    oldest first.
    """
    now = service.now.replace(tzinfo=None)
    ages = work_item_age(service.items_table(cut), now=now)
    history = service.items_table()
    wanted = {_label(p): p for p in BAND_PERCENTILES}
    wanted["sle"] = settings.sle_percentile
    wanted["sle_high"] = settings.sle_high_percentile
    joined: ir.Table = ages
    for index, (name, percentile) in enumerate(wanted.items()):
        table = service_level_expectation(
            history, until=now, percentile=percentile, last_items=settings.sle_items, figures=AGE_SLE_FIGURES
        )
        columns = {f"{name}_days": table.sle_days}
        if index == 0:
            columns["sle_sample"] = table["sample"]
            columns["unknown_reasons"] = table.unknown_reasons
        table = table.select("team_id", "item_type", **columns)
        joined = joined.left_join(table, ["team_id", "item_type"]).select(*joined.columns, *columns)
    band = ibis.cases(
        (_.p95_days.isnull(), ibis.null("string")),
        (_.age_days > _.p95_days, "above p95"),
        (_.age_days > _.p85_days, "p85-p95"),
        (_.age_days > _.p70_days, "p70-p85"),
        (_.age_days > _.p50_days, "p50-p70"),
        else_="below p50",
    )
    result = joined.mutate(sle_sample=_.sle_sample.fill_null(0), band=band).select(
        "source",
        "item_id",
        "title",
        "team_id",
        "item_type",
        "current_stage",
        "started_at",
        "age_days",
        "stage_age_days",
        "sle_sample",
        "p50_days",
        "p70_days",
        "p85_days",
        "p95_days",
        "sle_days",
        "sle_high_days",
        "band",
        unknown_reasons=ibis.ifelse(_.sle_days.isnull(), _.unknown_reasons.fill_null(NO_SLE_SAMPLE), None),
    )
    return mapped_unknown(service, service.fetch(result.order_by(ibis.desc("age_days"), "item_id")))


def mapped_unknown(service: FlowService, table: pa.Table) -> pa.Table:
    """`table` (of `item_aging`) with the SLE columns null on the rows of teams whose statuses map to no done
    or no active stage (`orgflow.flow.figure_steps.sle_reach`: `flow sle` gives them no SLE either), and
    `unknown_reasons` giving the mapping's reason there."""
    import pyarrow.compute as pc

    teams = table.column("team_id").to_pylist()
    reach = sle_reach(service, teams)
    if not reach.no_done and not reach.no_active:
        return table
    reasons = dict.fromkeys(reach.no_active, no_active_stage_reason(AGE_SLE_FIGURES))
    reasons |= dict.fromkeys(reach.no_done, no_done_stage_reason(AGE_SLE_FIGURES))
    hit = pa.array([team in reasons for team in teams])
    for name in _SLE_COLUMNS:
        index = table.column_names.index(name)
        column = table.column(name)
        table = table.set_column(index, name, pc.if_else(hit, pa.scalar(None, column.type), column))
    index = table.column_names.index("unknown_reasons")
    said = [reasons.get(team, reason) for team, reason in zip(teams, table.column(index).to_pylist(), strict=True)]
    return table.set_column(index, "unknown_reasons", pa.array(said, pa.string()))


def find(scope: Scope) -> RuleRun:
    """Rule ``aging.past-sle``: one finding per team with open items older than their SLE (see the
    module docstring); its items are listed under it, oldest first."""
    settings = scope.settings
    table = item_aging(scope.service, cut=scope.cut, settings=settings)
    late: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = table.to_pylist()
    compared = 0
    for row in rows:
        sle, high, age = row["sle_days"], row["sle_high_days"], row["age_days"]
        # No SLE, a sample too small, or an SLE of (nearly) 0 days is no expectation to be late against.
        if sle is None or age is None or row["sle_sample"] < settings.sle_min_sample or sle < settings.min_sle_days:
            continue
        compared += 1
        if age <= sle:
            continue
        late[row["team_id"]].append({**row, "past_high": high is not None and age > high})
    findings = [_team_finding(team, rows, settings) for team, rows in sorted(late.items())]
    unknown = sorted(
        {f"{row['team_id']} {row['item_type']}: {row['unknown_reasons']}" for row in rows if row["unknown_reasons"]}
    )
    return RuleRun(findings, _check(len(rows), compared, len(findings), settings, unknown))


def _check(open_items: int, compared: int, teams: int, settings: InsightSettings, unknown: list[str]) -> Check:
    """What the rule checked: `open_items` started, unfinished items, `compared` of them with an SLE;
    `unknown` the reasons ("team type: reason") the others' SLEs are unknown, said after it."""
    sle = f"p{settings.sle_percentile:g}"
    if open_items == 0:
        return Check(RULE, "no started, unfinished item to compare with an SLE", supported=False)
    items = "1 started, unfinished item" if open_items == 1 else f"{open_items} started, unfinished items"
    why = "".join(f"; {reason}" for reason in unknown[:_REASONS_SAID])
    if len(unknown) > _REASONS_SAID:
        why += f"; and {len(unknown) - _REASONS_SAID} more teams and types without an SLE"
    if compared == 0:
        return Check(
            RULE,
            f"none of {items} has an SLE to compare with (its team's and type's {sle} needs "
            f"{settings.sle_min_sample} finished items with a cycle time){why}",
            supported=False,
        )
    which = items if compared == open_items else f"{compared} of {items} (the others have no SLE{why})"
    outcome = f"{teams} team{'s' if teams != 1 else ''} with items past it" if teams else "none is past it"
    return Check(RULE, f"{which} compared with their team's SLE ({sle}); {outcome}")


def _team_finding(team: str, rows: list[dict[str, Any]], settings: InsightSettings) -> Finding:
    """The grouped finding of one team's items past their SLE (`rows` oldest first)."""
    oldest = rows[0]
    past_high = sum(row["past_high"] for row in rows)
    days_past = sum(row["age_days"] - row["sle_days"] for row in rows)
    count = len(rows)
    sle_label, high_label = f"p{settings.sle_percentile:g}", f"p{settings.sle_high_percentile:g}"
    headline = f"{team}: 1 item past its SLE" if count == 1 else f"{team}: {count} items past their SLE"
    highs = f", {past_high} past {high_label}" if past_high else ""
    title = (
        f"{headline}{highs} (oldest {oldest['item_id']}, {oldest['age_days']:.1f} days against an SLE of "
        f"{oldest['sle_days']:.1f}; {days_past:.1f} days past in all)"
    )
    severity: Severity = "high" if past_high else "medium"
    if severity == "high":
        first_high = next(row["item_id"] for row in rows if row["past_high"])
        lead = first_high if past_high == 1 else f"the {past_high} items past {high_label} (oldest {first_high})"
        rest = count - past_high
        action = f"Swarm on {lead} in {team} now: unblock, split or drop {'it' if past_high == 1 else 'them'}" + (
            f"; raise the other {rest} at the next stand-up." if rest else "."
        )
    else:
        action = (
            f"Raise {'this item' if count == 1 else f'these {count} items'} at {team}'s next stand-up and agree "
            "what each needs to finish before it ages further."
        )
    per_item = [
        {
            "item_id": row["item_id"],
            "item_type": row["item_type"],
            "current_stage": row["current_stage"],
            "age_days": rounded(row["age_days"]),
            "stage_age_days": rounded(row["stage_age_days"]),
            "sle_days": rounded(row["sle_days"]),
            "sle_high_days": rounded(row["sle_high_days"]),
            "days_past_sle": rounded(row["age_days"] - row["sle_days"]),
            "past": high_label if row["past_high"] else sle_label,
            "sample": row["sle_sample"],
        }
        for row in rows
    ]
    return Finding(
        rule=RULE,
        severity=severity,
        subject=f"team:{team}",
        title=title,
        evidence={
            "team": team,
            "sle_percentile": settings.sle_percentile,
            "sle_high_percentile": settings.sle_high_percentile,
            "items_past_sle": count,
            "items_past_high": past_high,
            "days_past_sle": rounded(days_past),
            "oldest_item": oldest["item_id"],
            "oldest_age_days": rounded(oldest["age_days"]),
            "per_item": per_item,
            "items": [row["item_id"] for row in rows],
        },
        suggested_action=action,
        team=team,
        impact_item_days=rounded(days_past),
    )
