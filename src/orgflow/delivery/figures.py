"""The delivery figures, declared once: DORA's metrics and their detail rows, and pull-request flow.

Each figure's name, definition, columns (the order every result keeps, empty or not), options and the
service method computing it: `orgflow.delivery.service.DeliveryService` (``ws.delivery``) and
`orgflow.delivery.pr_service.PullRequestFlow` (``ws.pull_requests_at(now)``), each through its
``compute(name, **options)``. The services take their definitions and columns from here
(`orgflow.delivery.columns` adds each column's Arrow type). From the declarations come the commands
``orgflow dora ...`` and ``orgflow prs ...`` (`orgflow.cli.generated`) and the routes
``/api/dora/...`` and ``/api/prs/...`` (`orgflow.web.routes.generated`); the shared options they take
are named in `WINDOWED` and the others (window, scope, output, now).

Bad option values are rejected by the services, which name the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgflow.delivery.presentation import dora_headline, window_notes
from orgflow.registry import Column, Figure, calls, columns, option, pick

WINDOWED = ("window", "scope", "output", "now")
"""The shared options of a DORA figure: --since/--until, --service/--team/--group, output, --now."""
DORA = {"group": "dora", "blocks": WINDOWED, "present": window_notes}
"""A windowed DORA figure's command: ``orgflow dora ...`` with the shared options, noting a window
that ends with the data."""
PULLS = {
    "group": "prs",
    "door": "pull_requests",
    "blocks": ("window", "pulls", "output", "now"),
    "present": window_notes,
}
"""A pull-request figure's command: ``orgflow prs ...`` (``ws.pull_requests_at(now)``) with
--since/--until, --repo/--team, output and --now."""

_COMMIT_TIME = "authored or committed: when a change starts."


@dataclass(frozen=True, kw_only=True)
class SummaryOptions:
    """The DORA summary's options (checked by `DeliveryService.summary`)."""

    by: str = option("service, team or group.", default="service")
    commit_time: str = option(_COMMIT_TIME, default="committed")
    bands: bool = option("Add DORA 2023 performance band labels.", flag="--bands", default=False)


@dataclass(frozen=True, kw_only=True)
class LeadTimeOptions:
    """The change lead time's option: which commit time starts a change."""

    commit_time: str = option(_COMMIT_TIME, default="committed")


@dataclass(frozen=True, kw_only=True)
class PullSummaryOptions:
    """The pull-request summary's grouping (checked by `PullRequestFlow.summary`)."""

    by: str | None = option("repo, team or author.", default="repo")


COLUMNS: dict[str, Column] = columns(
    ("service", "Service"),
    ("owner", "Owner"),
    ("deployments", "Deploys"),
    ("deploys_per_day", "Deploys", "/day"),
    ("deploys_per_week", "Deploys", "/wk"),
    ("deploy_days_per_week_median", "Deploy days /wk p50"),
    ("changes", "Changes"),
    ("lead_time_p50_hours", "Change lead p50", "h"),
    ("lead_time_p85_hours", "Change lead p85", "h"),
    ("negative_lead_times", "Negative lead times"),
    ("failed_deployments", "Failed"),
    ("change_fail_rate", "Fail rate"),
    ("failures_explicit", "Failures explicit"),
    ("failures_inferred", "Failures inferred"),
    ("recovered", "Recovered"),
    ("unrecovered", "Unrecovered"),
    ("recovery_p50_hours", "Recovery p50", "h"),
    ("recovery_p85_hours", "Recovery p85", "h"),
    ("hotfixes", "Hotfixes"),
    ("rollbacks", "Rollbacks"),
    ("rework_rate", "Rework rate"),
    ("incidents", "Incidents"),
    ("deploy_frequency_band", "Frequency band"),
    ("lead_time_band", "Lead band"),
    ("change_fail_band", "Fail band"),
    ("recovery_band", "Recovery band"),
    ("lead_time_hours", "Change lead", "h"),
    ("recovery_hours", "Recovery", "h"),
    ("small_sample", "Small sample"),
)
"""The delivery columns with a label of their own (hours throughout: one unit per column); any other
reads its name with spaces (`orgflow.registry.default_label`)."""

SUMMARY_FIGURES = (
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
)
"""The summary's figures, after its group column (and before the bands, with --bands)."""
BAND_COLUMNS = ("deploy_frequency_band", "lead_time_band", "change_fail_band", "recovery_band")

FIGURES: tuple[Figure, ...] = (
    Figure(
        "dora-summary",
        "delivery",
        "DORA's five metrics per service (or owner team, or group): successful production "
        "deployments per day and week and median deployment days per week; change lead time p50/p85 in hours "
        "(deploy finish - commit time, over commits first brought to production in the window); change fail "
        "rate (deployments followed by a rollback or hotfix, or with an attributed incident); failed deployment "
        "recovery time p50 in hours; rework rate (hotfix deployments / deployments); with link counts. A figure "
        "the data cannot support is null, never 0, and unknown_reasons says why.",
        help="DORA's five metrics with sample sizes and link counts. Example: orgflow dora summary --by team",
        options=SummaryOptions,
        reads=("deployments",),
        build=calls("summary"),
        verb="summary",
        **(DORA | {"present": dora_headline}),
        columns=pick(COLUMNS, *SUMMARY_FIGURES),
        core=(
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
    ),
    Figure(
        "deployments",
        "delivery",
        "Successful production deployments finishing in the window, each with the commits it "
        "brought to production first, whether it failed, why, how its failure was linked, and its recovery.",
        help="Every production deployment: new commits, failure and its link, recovery. "
        "Example: orgflow dora deployments",
        reads=("deployments",),
        build=calls("deployments"),
        **DORA,
        columns=pick(
            COLUMNS,
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
        ),
    ),
    Figure(
        "change-lead-time",
        "delivery",
        "Deploy finish - commit time, in hours, for every commit a deployment in the window "
        "brought to production for the first time.",
        help="Change lead time of every deployed commit. Example: orgflow dora lead-time --service api --format csv",
        options=LeadTimeOptions,
        reads=("deployments",),
        build=calls("lead_time"),
        verb="lead-time",
        **DORA,
        columns=pick(
            COLUMNS,
            "sha",
            "service",
            "deployment_id",
            "commit_at",
            "authored_at",
            "committed_at",
            "deployed_at",
            "lead_time_hours",
        ),
    ),
    Figure(
        "incidents",
        "delivery",
        "Incidents started in the window and the deployment each is attributed to: an explicit link "
        "first, else the last production deployment of its service before it started (inferred), else unlinked.",
        help="Incidents with the deployment each is attributed to, and how (explicit, inferred, unlinked).\n\n"
        "Example: orgflow dora incidents --service payments-api",
        reads=("incidents",),
        build=calls("incidents"),
        **DORA,
        columns=pick(
            COLUMNS,
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
        ),
    ),
    Figure(
        "delivery-quality",
        "delivery",
        "Delivery data-quality warnings: one row per kind with the number of records and an example.",
        build=calls("quality"),
        command=False,
        columns=pick(COLUMNS, "warning", "count", "example"),
    ),
    Figure(
        "before-first-deployment",
        "delivery",
        "Commits that were in production by a service's first recorded deployment "
        "(arrival time unknown): never counted as that deployment's changes.",
        help="Commits in production before a service's first recorded deployment (never counted as changes).\n\n"
        "Example: orgflow dora before-first --service otel-collector",
        reads=("deployments",),
        build=calls("before_first_deployment"),
        window=False,
        verb="before-first",
        **(DORA | {"blocks": ("output", "now", "service")}),
        columns=pick(
            COLUMNS, "service", "first_deployment_id", "first_deployed_at", "sha", "authored_at", "committed_at"
        ),
    ),
    Figure(
        "pr-summary",
        "delivery",
        "Distribution of each pull-request stage (coding, pickup, review, deploy) per group: count, p50, p85, "
        "p95 and mean hours (percentiles interpolated linearly); small_sample when fewer pull requests than the "
        "threshold.",
        help="Distribution of coding, pickup, review and deploy time. Example: orgflow prs summary --by team",
        options=PullSummaryOptions,
        reads=("pull_requests",),
        build=calls("summary"),
        verb="summary",
        **PULLS,
    ),
    Figure(
        "pr-stages",
        "delivery",
        "Per pull request finished (merged, or closed unmerged) in the window, in hours: coding = first commit "
        "(earliest author date) → opened; pickup = opened → first review by someone other than the author; "
        "review = first review → merge; deploy = merge → the first successful production deployment whose "
        "revision contains the merge commit. A stage is empty when its end has not happened.",
        help="Every pull request finished in the window with its four stages in hours. Example: orgflow prs list",
        reads=("pull_requests",),
        build=calls("stages"),
        verb="list",
        **PULLS,
    ),
)
"""Every delivery figure, in the order ``orgflow dora ...`` and ``orgflow prs ...`` list their commands."""


def column_names(name: str) -> list[str]:
    """The names of the columns of the delivery figure `name`, in order."""
    return [column.name for figure in FIGURES if figure.name == name for column in figure.columns]
