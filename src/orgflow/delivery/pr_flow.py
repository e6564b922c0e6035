"""Pull-request flow: coding, pickup, review and deploy stages per pull request, and their distributions.

Stages of one pull request (hours, from exact microseconds; 1 hour = 3,600 s):
    - coding: first commit (earliest commit author date) → opened (created_at); 0 when the first
      commit was authored after the pull request was opened (a rebase kept no earlier work).
    - pickup: opened → first review (by someone other than the author, not pending, not a bot; see
      `orgflow.sources.github_pulls`).
    - review: first review → merge.
    - deploy: merge → the first production deployment that contains the merge commit.

A review submitted after the merge is not part of the flow: such a pull request counts as merged
without review (no pickup, no review stage). A stage is null when its end has not happened or its
start is unknown, and summaries count only the stages that have a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.store.engine import duckdb

STAGES = ("coding", "pickup", "review", "deploy")
PERCENTILES = (50, 85, 95)
MICROSECONDS_PER_HOUR = 3_600 * 1_000_000


def pr_stages(
    connection: ibis.BaseBackend | duckdb.DuckDBPyConnection,
    *,
    since: datetime,
    until: datetime,
    repo: str | None = None,
    deployed_at: Mapping[str, datetime] | None = None,
) -> ir.Table:
    """Stage durations per pull request finished in [since, until), in hours.

    A pull request finishes when it is merged, or closed without a merge; it is in the window when
    that instant is. Columns: source, pr_id, repo, number, title, author, outcome ("merged" or
    "closed"), created_at, first_commit_at, first_review_at, merged_at, finished_at, merge_commit,
    deployed_at, reviewed (a review before the merge, or any review of a closed one), coding_hours,
    pickup_hours, review_hours, deploy_hours. Ordered by finished_at, pr_id.

    Args:
        connection: the Ibis backend over the store (``Workspace.ibis``) or the store's DuckDB
            connection.
        since: start of the window (aware, or naive meaning UTC).
        until: end of the window, excluded.
        repo: only this repository ("owner/name").
        deployed_at: merge commit sha → finish time of the first production deployment containing it
            (built from the commit graph by the caller). None: the deploy stage stays null. A
            deployment before the merge cannot contain it, so it is ignored.
    """
    backend = connection if isinstance(connection, ibis.BaseBackend) else ibis.duckdb.from_connection(connection)
    pulls = backend.table("pull_requests")
    if repo is not None:
        pulls = pulls.filter(_.repo == repo)
    finished_at = ibis.coalesce(_.merged_at, _.closed_at)
    pulls = pulls.mutate(finished_at=finished_at).filter(
        _.finished_at >= _instant(since), _.finished_at < _instant(until)
    )
    mapping = deployed_at or {}
    deployments = ibis.memtable(
        pa.table(
            {
                "merge_commit": pa.array(list(mapping), pa.string()),
                "deployed_at": pa.array([_naive_utc(value) for value in mapping.values()], pa.timestamp("us")),
            }
        )
    )
    joined = pulls.left_join(deployments, "merge_commit").select(pulls, deployments.deployed_at)
    merged = joined.merged_at.notnull()
    reviewed = joined.first_review_at.notnull() & (~merged | (joined.first_review_at <= joined.merged_at))
    deployed = merged & joined.deployed_at.notnull() & (joined.deployed_at >= joined.merged_at)
    result = joined.select(
        "source",
        pr_id=_.source_id,
        repo=_.repo,
        number=_.number,
        title=_.title,
        author=_.author,
        outcome=ibis.ifelse(merged, "merged", "closed"),
        created_at=_.created_at,
        first_commit_at=_.first_commit_at,
        first_review_at=_.first_review_at,
        merged_at=_.merged_at,
        finished_at=_.finished_at,
        merge_commit=_.merge_commit,
        deployed_at=ibis.ifelse(deployed, _.deployed_at, ibis.null("timestamp(6)")),
        reviewed=reviewed,
        # greatest() skips nulls on DuckDB, so an unknown first commit is tested first.
        coding_hours=ibis.ifelse(
            _.first_commit_at.isnull(),
            ibis.null("float64"),
            ibis.greatest(_hours(_.first_commit_at, _.created_at), 0.0),
        ),
        pickup_hours=ibis.ifelse(reviewed, _hours(_.created_at, _.first_review_at), ibis.null("float64")),
        review_hours=ibis.ifelse(reviewed & merged, _hours(_.first_review_at, _.merged_at), ibis.null("float64")),
        deploy_hours=ibis.ifelse(deployed, _hours(_.merged_at, _.deployed_at), ibis.null("float64")),
    )
    return result.order_by("finished_at", "pr_id")


def pr_summary(stages: ir.Table, *, by: Sequence[str] = ("repo",), small_sample: int = 20) -> ir.Table:
    """Distribution of each stage per group of pull requests, in hours.

    One row per group and stage (coding, pickup, review, deploy, in that order): [by columns], stage,
    prs (pull requests in the group), count (those with a value for the stage), p50_hours, p85_hours,
    p95_hours (linear interpolation between order statistics, as numpy's default), mean_hours, and
    small_sample (count below `small_sample`: percentiles are unreliable). Percentiles are null when
    count is 0.

    Args:
        stages: the output of `pr_stages`, optionally with extra columns to group by (a team).
        by: columns to group by; empty for one group of every pull request.
        small_sample: the count under which a distribution is flagged.
    """
    groups = list(by)
    parts = []
    for order, stage in enumerate(STAGES):
        column = stages[f"{stage}_hours"]
        metrics: dict[str, ir.Value] = {
            "prs": stages.count(),
            "count": column.count(),
        }
        for percentile in PERCENTILES:
            metrics[f"p{percentile}_hours"] = column.quantile(percentile / 100)
        metrics["mean_hours"] = column.mean()
        grouped = stages.group_by(groups).aggregate(**metrics) if groups else stages.aggregate(**metrics)
        parts.append(grouped.mutate(stage=ibis.literal(stage), stage_order=ibis.literal(order)))
    table = ibis.union(*parts)
    table = table.mutate(small_sample=_["count"] < small_sample)
    columns = [*groups, "stage", "prs", "count", *[f"p{p}_hours" for p in PERCENTILES], "mean_hours", "small_sample"]
    return table.order_by(*groups, "stage_order").select(*columns)


def _hours(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """end - start in hours, from exact microseconds."""
    return end.delta(start, unit="microsecond") / MICROSECONDS_PER_HOUR


def _naive_utc(value: datetime) -> datetime:
    """An instant as the store keeps it: naive UTC (a naive value is taken to be UTC already)."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _instant(value: datetime) -> ir.TimestampScalar:
    return ibis.literal(_naive_utc(value), type="timestamp(6)")
