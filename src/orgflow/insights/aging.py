"""Single-item SLE and aging: each open item's age against its team's cycle-time percentiles.

Definitions (METRICS.md §2): an open item's **age** is now − start, in days. Its **SLE** comes from the
cycle times of its team's and item type's last N (`sle_items`, default 50) items finished before now:
the `sle_percentile` (default p85) is the expectation; the `sle_high_percentile` (default p95) marks an
item that is older than almost every recent item of its kind. Percentiles interpolate linearly
between order statistics (type 7), as everywhere in orgflow.

Rule ``aging.past-sle``: one finding per open item older than its SLE; severity ``high`` past the
high percentile, ``medium`` past the SLE only. An SLE from fewer than `sle_min_sample` finished items
is not used.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.insights.finding import Finding, InsightSettings, Scope
from orgflow.insights.statistics import rounded
from orgflow.metrics.flow_time import service_level_expectation, work_item_age
from orgflow.metrics.service import FlowService
from orgflow.metrics.window import Cut

RULE = "aging.past-sle"
BAND_PERCENTILES = (50, 70, 85, 95)
"""The percentiles every aging row shows, beside the configured SLE and high percentiles."""


def _label(percentile: float) -> str:
    return f"p{percentile:g}".replace(".", "_")


def item_aging(service: FlowService, *, cut: Cut | None = None, settings: InsightSettings) -> pa.Table:
    """Each started, unfinished item of `cut` with its age and its team's cycle-time percentiles.

    The percentiles come from the team's and item type's last `settings.sle_items` finished items
    (all items of the team, whatever the cut). Columns: source, item_id, title, team_id, item_type,
    current_stage, started_at, age_days, stage_age_days, sle_sample (finished items behind the
    percentiles), p50_days, p70_days, p85_days, p95_days, sle_days (the `sle_percentile`),
    sle_high_days (the `sle_high_percentile`), band (``below p50``, ``p50-p70``, ``p70-p85``,
    ``p85-p95``, ``above p95``, or null without history). Ordered by age, oldest first.
    """
    now = service.now.replace(tzinfo=None)
    ages = work_item_age(service.items_table(cut), now=now)
    history = service.items_table()
    wanted = {_label(p): p for p in BAND_PERCENTILES}
    wanted["sle"] = settings.sle_percentile
    wanted["sle_high"] = settings.sle_high_percentile
    joined: ir.Table = ages
    for index, (name, percentile) in enumerate(wanted.items()):
        table = service_level_expectation(history, until=now, percentile=percentile, last_items=settings.sle_items)
        columns = {f"{name}_days": table.sle_days}
        if index == 0:
            columns["sle_sample"] = table["sample"]
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
    )
    return service.fetch(result.order_by(ibis.desc("age_days"), "item_id"))


def find(scope: Scope) -> list[Finding]:
    """Rule ``aging.past-sle``: every open item older than its team's SLE (see the module docstring)."""
    settings = scope.settings
    table = item_aging(scope.service, cut=scope.cut, settings=settings)
    findings = []
    for row in table.to_pylist():
        sle, high = row["sle_days"], row["sle_high_days"]
        if sle is None or row["sle_sample"] < settings.sle_min_sample or row["age_days"] <= sle:
            continue
        severity = "high" if high is not None and row["age_days"] > high else "medium"
        item_id = row["item_id"]
        reached = f"p{settings.sle_high_percentile:g}" if severity == "high" else f"p{settings.sle_percentile:g}"
        limit = high if severity == "high" else sle
        title = (
            f"{item_id} is {row['age_days']:.1f} days old, past the {reached} of {limit:.1f} days "
            f"for {row['team_id']} {row['item_type']} items"
        )
        if severity == "high":
            action = (
                f"Swarm on {item_id} now: it is older than almost all recent {row['item_type']} items of "
                f"{row['team_id']}; unblock it, split it or decide to drop it."
            )
        else:
            action = f"Raise {item_id} at the next stand-up and agree what it needs to finish before it ages further."
        findings.append(
            Finding(
                rule=RULE,
                severity=severity,
                subject=f"item:{item_id}",
                title=title,
                evidence={
                    "team": row["team_id"],
                    "item_type": row["item_type"],
                    "current_stage": row["current_stage"],
                    "age_days": rounded(row["age_days"]),
                    "stage_age_days": rounded(row["stage_age_days"]),
                    "sle_percentile": settings.sle_percentile,
                    "sle_days": rounded(sle),
                    "sle_high_percentile": settings.sle_high_percentile,
                    "sle_high_days": rounded(high),
                    "sample": row["sle_sample"],
                    "items": [item_id],
                },
                suggested_action=action,
            )
        )
    return findings
