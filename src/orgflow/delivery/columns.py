"""The delivery results' definitions and columns: each result's one-line definition, its columns in order,
and each column's Arrow type (read from its name: ``_at`` instants, ``_hours`` and rates floats, counts ints).

Empty results keep their columns and types, so every surface can render them alike.
"""

from __future__ import annotations

import pyarrow as pa

DEFINITIONS: dict[str, str] = {
    "dora-summary": "DORA's five metrics per service (or owner team, or group): successful production "
    "deployments per day and week and median deployment days per week; change lead time p50/p85 in hours "
    "(deploy finish - commit time, over commits first brought to production in the window); change fail "
    "rate (deployments followed by a rollback or hotfix, or with an attributed incident); failed deployment "
    "recovery time p50 in hours; rework rate (hotfix deployments / deployments); with link counts. A figure "
    "the data cannot support is null, never 0, and unknown_reasons says why.",
    "deployments": "Successful production deployments finishing in the window, each with the commits it "
    "brought to production first, whether it failed, why, how its failure was linked, and its recovery.",
    "change-lead-time": "Deploy finish - commit time, in hours, for every commit a deployment in the window "
    "brought to production for the first time.",
    "incidents": "Incidents started in the window and the deployment each is attributed to: an explicit link "
    "first, else the last production deployment of its service before it started (inferred), else unlinked.",
    "delivery-quality": "Delivery data-quality warnings: one row per kind with the number of records and an example.",
    "before-first-deployment": "Commits that were in production by a service's first recorded deployment "
    "(arrival time unknown): never counted as that deployment's changes.",
}


SUMMARY_FIGURES = [
    "deployments",
    "deploys_per_day",
    "deploys_per_week",
    "deploy_days_per_week_median",
    "changes",
    "lead_time_p50_hours",
    "lead_time_p85_hours",
    "negative_lead_times",
    "failed_deployments",
    "change_fail_rate",
    "failures_explicit",
    "failures_inferred",
    "recovered",
    "unrecovered",
    "recovery_p50_hours",
    "recovery_p85_hours",
    "hotfixes",
    "rollbacks",
    "rework_rate",
    "incidents",
    "incidents_explicit",
    "incidents_inferred",
    "incidents_unlinked",
    "unknown_revisions",
    "first_recorded_deployments",
    "commits_before_first_deployment",
    "small_sample",
]
BAND_COLUMNS = ["deploy_frequency_band", "lead_time_band", "change_fail_band", "recovery_band"]
DEPLOYMENT_COLUMNS = [
    "deployment_id",
    "source",
    "service",
    "owner",
    "environment",
    "revision",
    "finished_at",
    "kind",
    "time_basis",
    "revision_known",
    "first_recorded",
    "new_commits",
    "commits_before_first_deployment",
    "failed",
    "failure_causes",
    "failure_link",
    "incident_ids",
    "restored_at",
    "recovery_hours",
]
LEAD_TIME_COLUMNS = [
    "sha",
    "service",
    "deployment_id",
    "commit_at",
    "authored_at",
    "committed_at",
    "deployed_at",
    "lead_time_hours",
]
INCIDENT_COLUMNS = [
    "incident_id",
    "source",
    "service",
    "title",
    "severity",
    "started_at",
    "resolved_at",
    "link",
    "deployment_id",
    "reason",
]
BEFORE_FIRST_COLUMNS = ["service", "first_deployment_id", "first_deployed_at", "sha", "authored_at", "committed_at"]
QUALITY_COLUMNS = ["warning", "count", "example"]


LABELS: dict[str, str] = {
    "service": "Service",
    "owner": "Owner",
    "deployments": "Deploys",
    "deploys_per_day": "Deploys /day",
    "deploys_per_week": "Deploys /wk",
    "deploy_days_per_week_median": "Deploy days /wk p50",
    "changes": "Changes",
    "lead_time_p50_hours": "Change lead p50 (h)",
    "lead_time_p85_hours": "Change lead p85 (h)",
    "negative_lead_times": "Negative lead times",
    "failed_deployments": "Failed",
    "change_fail_rate": "Fail rate",
    "failures_explicit": "Failures explicit",
    "failures_inferred": "Failures inferred",
    "recovered": "Recovered",
    "unrecovered": "Unrecovered",
    "recovery_p50_hours": "Recovery p50 (h)",
    "recovery_p85_hours": "Recovery p85 (h)",
    "hotfixes": "Hotfixes",
    "rollbacks": "Rollbacks",
    "rework_rate": "Rework rate",
    "incidents": "Incidents",
    "deploy_frequency_band": "Frequency band",
    "lead_time_band": "Lead band",
    "change_fail_band": "Fail band",
    "recovery_band": "Recovery band",
    "lead_time_hours": "Change lead (h)",
    "recovery_hours": "Recovery (h)",
    "small_sample": "Small sample",
}
"""Each delivery column's short terminal label, unit in brackets (hours throughout: one unit per
column). JSON and CSV keep the column names."""

CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dora-summary": (
        "service",
        "owner",
        "team",
        "group",
        "deployments",
        "deploys_per_week",
        "lead_time_p50_hours",
        "change_fail_rate",
        "recovery_p50_hours",
        "rework_rate",
    ),
}
"""The columns a terminal table keeps when it must leave some out to fit (see `definitions.CORE_COLUMNS`)."""


_COUNTS = frozenset(
    [
        "deployments",
        "changes",
        "negative_lead_times",
        "failed_deployments",
        "failures_explicit",
        "failures_inferred",
        "recovered",
        "unrecovered",
        "hotfixes",
        "rollbacks",
        "incidents",
        "incidents_explicit",
        "incidents_inferred",
        "incidents_unlinked",
        "unknown_revisions",
        "first_recorded_deployments",
        "commits_before_first_deployment",
        "new_commits",
        "count",
    ]
)
_FLAGS = frozenset({"small_sample", "revision_known", "first_recorded", "failed"})
_RATIOS = ("_hours", "_rate", "_per_day", "_per_week", "_median")


def _column_type(name: str) -> pa.DataType:
    """A result column's Arrow type, from its name (every name says its unit)."""
    if name.endswith("_at"):
        return pa.timestamp("us")
    if name.endswith(_RATIOS):
        return pa.float64()
    if name in _COUNTS:
        return pa.int64()
    if name in _FLAGS:
        return pa.bool_()
    return pa.string()


def result_schema(columns: list[str]) -> pa.Schema:
    """The Arrow schema of a result with these columns."""
    return pa.schema([(name, _column_type(name)) for name in columns])
