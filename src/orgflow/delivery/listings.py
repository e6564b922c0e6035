"""The rows behind DORA's figures: deployments, lead times, incidents, commits before the first
deployment, and the delivery data-quality warnings. Each function turns analysed facts
(`orgflow.delivery.dora.analyze`) into one dict per row, in the order the listing shows them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from orgflow.delivery import dora
from orgflow.delivery.commit_graph import CommitGraph, DeployedCommits


def deployment_rows(
    outcomes: list[dora.Outcome], walk: DeployedCommits, *, owner: Callable[[str, date], str | None]
) -> list[dict[str, Any]]:
    """One row per deployment (finish order): new commits, failure, link kind, recovery; `owner` names
    the group owning a service on a day (None: no team owns it)."""
    rows = []
    for outcome in sorted(outcomes, key=lambda o: (o.deployment.finished_at, o.deployment.deployment_id)):
        deployment = outcome.deployment
        rows.append(
            {
                "deployment_id": deployment.deployment_id,
                "source": deployment.source,
                "service": deployment.service,
                "owner": owner(deployment.service, deployment.finished_at.date()),
                "environment": deployment.environment,
                "revision": deployment.revision,
                "finished_at": deployment.finished_at,
                "kind": deployment.kind,
                "time_basis": deployment.time_basis,
                "revision_known": outcome.revision_known,
                "first_recorded": outcome.first_recorded,
                "new_commits": len(outcome.new_commits),
                "commits_before_first_deployment": len(walk.before_first[deployment.service])
                if outcome.first_recorded
                else 0,
                "failed": outcome.failed,
                "failure_causes": ",".join(outcome.causes) or None,
                "failure_link": outcome.failure_link,
                "incident_ids": ",".join(a.incident.incident_id for a in outcome.incidents) or None,
                "restored_at": outcome.restored_at,
                "recovery_hours": outcome.recovery_hours,
            }
        )
    return rows


def lead_time_rows(
    outcomes: list[dora.Outcome],
    graph: CommitGraph,
    *,
    commit_time: str,
    lead_hours: Callable[[dora.Outcome], list[tuple[int, float]]],
) -> list[dict[str, Any]]:
    """One row per commit first brought to production by one of `outcomes`, by deployment then commit."""
    times = graph.committed_at if commit_time == "committed" else graph.authored_at
    rows = []
    for outcome in outcomes:
        deployment = outcome.deployment
        for commit, lead in lead_hours(outcome):
            rows.append(
                {
                    "sha": graph.shas[commit],
                    "service": deployment.service,
                    "deployment_id": deployment.deployment_id,
                    "commit_at": times[commit],
                    "authored_at": graph.authored_at[commit],
                    "committed_at": graph.committed_at[commit],
                    "deployed_at": deployment.finished_at,
                    "lead_time_hours": lead,
                }
            )
    rows.sort(key=lambda row: (row["deployed_at"], row["service"], row["commit_at"], row["sha"]))
    return rows


def incident_rows(attributions: list[dora.Attribution]) -> list[dict[str, Any]]:
    """One row per incident with its attribution: explicit, inferred or unlinked."""
    return [
        {
            "incident_id": a.incident.incident_id,
            "source": a.incident.source,
            "service": a.incident.service,
            "title": a.incident.title,
            "severity": a.incident.severity,
            "started_at": a.incident.started_at,
            "resolved_at": a.incident.resolved_at,
            "link": a.link,
            "deployment_id": a.deployment_id,
            "reason": a.reason,
        }
        for a in attributions
    ]


def before_first_rows(facts: dora.DeliveryFacts, *, service: str | None) -> list[dict[str, Any]]:
    """Commits in production by each service's first recorded deployment (of `service` alone when given)."""
    graph = facts.graph
    rows = []
    for name in sorted(facts.walk.before_first):
        if service is not None and name != service:
            continue
        first = facts.walk.baseline[name]
        for commit in sorted(facts.walk.before_first[name], key=lambda c: (graph.committed_at[c], graph.shas[c])):
            rows.append(
                {
                    "service": name,
                    "first_deployment_id": first,
                    "first_deployed_at": facts.outcomes[first].deployment.finished_at,
                    "sha": graph.shas[commit],
                    "authored_at": graph.authored_at[commit],
                    "committed_at": graph.committed_at[commit],
                }
            )
    return rows


def quality_rows(facts: dora.DeliveryFacts) -> list[dict[str, Any]]:
    """Delivery data-quality warnings (warning, count, example); none when all is well."""
    graph = facts.graph
    rows: list[dict[str, Any]] = []

    def warn(warning: str, count: int, example: str | None) -> None:
        if count:
            rows.append({"warning": warning, "count": count, "example": example})

    unknown = sorted(facts.walk.unknown)
    warn("deployments whose revision is not a loaded commit (no lead time)", len(unknown), _first(unknown))
    early = sorted(
        deployment_id
        for deployment_id, position in facts.walk.revision.items()
        if facts.outcomes[deployment_id].deployment.finished_at < graph.committed_at[position]
    )
    warn("deployments that finished before their revision was committed", len(early), _first(early))
    no_service = sorted(a.incident.incident_id for a in facts.attributions if not a.incident.service)
    warn("incidents without a service", len(no_service), _first(no_service))
    unlinked = sorted(
        f"{a.incident.incident_id} ({a.reason})" for a in facts.attributions if a.link == dora.LINK_UNLINKED
    )
    warn("incidents that could not be linked to a deployment", len(unlinked), _first(unlinked))
    before = sorted(facts.walk.before_first.items())
    warn(
        "commits in production before the first recorded deployment (not counted as changes)",
        sum(len(commits) for _service, commits in before),
        _first([f"{name}: {len(commits)} by {facts.walk.baseline[name]}" for name, commits in before]),
    )
    warn("commit parents that are not loaded (history cut short)", graph.missing_parents, None)
    return rows


def _first(values: list[str]) -> str | None:
    return values[0] if values else None
