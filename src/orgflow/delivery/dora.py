"""DORA's five metrics (docs/dora.md): deployment frequency, change lead time, change fail rate,
failed deployment recovery time and deployment rework rate, per service.

Pure functions over small fact tables (deployments, incidents, the commit graph); the store binding,
windows and roll-ups live in `orgflow.delivery.service`. Instants are naive UTC datetimes.

Definitions:
- A deployment is a successful deploy (status "success") to a production environment; rollback and
  hotfix deploys are deployments too.
- Change lead time: deploy finish - commit time (committed, or authored on request), for every commit a
  deployment brings to production for the first time (`orgflow.delivery.commit_graph`), in hours.
- A deployment failed (needed immediate intervention) when the service's next deployment is a rollback
  or a hotfix, or when an incident is attributed to it.
- Incident attribution: the explicit link first (a deployment, or the deployment that first brought the
  linked commit); an explicit link that does not resolve leaves the incident unlinked and is never
  replaced by the heuristic. Otherwise the last production deployment of the incident's service that
  finished at or before the incident started (inferred).
- Recovery: from the failed deployment (or its earliest incident's start, if earlier) to the resolution
  of the last of its incidents; a failure without incidents recovers at the service's next deployment.
- Rework: hotfix deployments (unplanned, made because of a production incident) / deployments.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from orgflow.delivery.commit_graph import CommitGraph, DeployedCommits, DeploymentRef, deployed_commits

PRODUCTION_ENVIRONMENTS = ("production", "prod")
"""Environment names (compared case-insensitively) that count as production."""
REMEDIATION_KINDS = ("rollback", "hotfix")

LINK_EXPLICIT, LINK_INFERRED, LINK_UNLINKED = "explicit", "inferred", "unlinked"


@dataclass(frozen=True, slots=True)
class DeploymentFact:
    """One deployment as the metrics read it (`deployment_id` is the record's source_id)."""

    deployment_id: str
    source: str
    service: str
    environment: str
    revision: str
    finished_at: datetime
    status: str = "success"
    kind: str = "normal"
    time_basis: str = "reported"

    @property
    def counts(self) -> bool:
        """A successful production deployment (what every DORA figure counts)."""
        return self.status == "success" and self.environment.casefold() in PRODUCTION_ENVIRONMENTS


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """One incident, with its optional explicit links (a deployment's source_id, a commit sha)."""

    incident_id: str
    source: str
    service: str | None
    title: str
    started_at: datetime | None
    resolved_at: datetime | None = None
    severity: str | None = None
    deployment_id: str | None = None
    commit_id: str | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """Which deployment an incident is attributed to, how (explicit, inferred, unlinked) and why."""

    incident: IncidentFact
    deployment_id: str | None
    link: str
    reason: str


@dataclass
class Outcome:
    """What became of one counted deployment: the commits it brought, whether it failed, its recovery."""

    deployment: DeploymentFact
    new_commits: list[int] = field(default_factory=list)
    first_recorded: bool = False
    revision_known: bool = True
    causes: list[str] = field(default_factory=list)
    incidents: list[Attribution] = field(default_factory=list)
    restored_at: datetime | None = None
    recovery_hours: float | None = None

    @property
    def failed(self) -> bool:
        return bool(self.causes)

    @property
    def failure_link(self) -> str | None:
        """explicit when an explicitly linked incident names it, inferred for any other failure, else None."""
        if not self.causes:
            return None
        return LINK_EXPLICIT if any(item.link == LINK_EXPLICIT for item in self.incidents) else LINK_INFERRED


@dataclass
class DeliveryFacts:
    """Every counted deployment's outcome, every incident's attribution, and the commit walk behind them."""

    outcomes: dict[str, Outcome]
    attributions: list[Attribution]
    walk: DeployedCommits
    graph: CommitGraph


def analyze(
    graph: CommitGraph, deployments: Iterable[DeploymentFact], incidents: Iterable[IncidentFact]
) -> DeliveryFacts:
    """Walk the commits, attribute the incidents, find failures and recoveries, over the whole history."""
    counted = sorted((d for d in deployments if d.counts), key=lambda d: (d.service, d.finished_at, d.deployment_id))
    walk = deployed_commits(
        graph, (DeploymentRef(d.deployment_id, d.service, d.finished_at, d.revision) for d in counted)
    )
    outcomes = {d.deployment_id: Outcome(d) for d in counted}
    for deployment_id, outcome in outcomes.items():
        outcome.new_commits = walk.new.get(deployment_id, [])
        outcome.revision_known = deployment_id in walk.revision
    for deployment_id in walk.baseline.values():
        outcomes[deployment_id].first_recorded = True
    by_service: dict[str, list[DeploymentFact]] = {}
    for deployment in counted:
        by_service.setdefault(deployment.service, []).append(deployment)
    next_of: dict[str, DeploymentFact] = {}
    for sequence in by_service.values():
        for previous, current in itertools.pairwise(sequence):
            next_of[previous.deployment_id] = current
            if current.kind in REMEDIATION_KINDS:
                outcomes[previous.deployment_id].causes.append(current.kind)
    attributions = [_attribute(incident, outcomes, by_service, walk, graph) for incident in incidents]
    for attribution in attributions:
        if attribution.deployment_id is not None:
            outcome = outcomes[attribution.deployment_id]
            outcome.incidents.append(attribution)
            if "incident" not in outcome.causes:
                outcome.causes.append("incident")
    for outcome in outcomes.values():
        _recover(outcome, next_of.get(outcome.deployment.deployment_id))
    return DeliveryFacts(outcomes, attributions, walk, graph)


def _attribute(
    incident: IncidentFact,
    outcomes: dict[str, Outcome],
    by_service: dict[str, list[DeploymentFact]],
    walk: DeployedCommits,
    graph: CommitGraph,
) -> Attribution:
    """The explicit link first; the service-and-time heuristic only for incidents without one."""
    if incident.deployment_id:
        if incident.deployment_id in outcomes:
            return Attribution(incident, incident.deployment_id, LINK_EXPLICIT, "linked deployment")
        return Attribution(
            incident,
            None,
            LINK_UNLINKED,
            f"linked deployment {incident.deployment_id} is not a successful production deployment that is loaded",
        )
    if incident.commit_id:
        position = graph.resolve(incident.commit_id)
        if position is None:
            return Attribution(incident, None, LINK_UNLINKED, f"linked commit {incident.commit_id} is not loaded")
        services = [incident.service] if incident.service else sorted(by_service)
        candidates = [
            outcomes[walk.first_deployment[(service, position)]].deployment
            for service in services
            if (service, position) in walk.first_deployment
        ]
        if candidates:
            first = min(candidates, key=lambda d: (d.finished_at, d.deployment_id))
            return Attribution(
                incident, first.deployment_id, LINK_EXPLICIT, "deployment that first shipped the linked commit"
            )
        if any(position in walk.before_first.get(service, ()) for service in services):
            reason = "linked commit reached production before the first recorded deployment"
        else:
            reason = "linked commit is not in any production deployment"
        return Attribution(incident, None, LINK_UNLINKED, reason)
    if not incident.service:
        return Attribution(incident, None, LINK_UNLINKED, "no service and no link")
    if incident.started_at is None:
        return Attribution(incident, None, LINK_UNLINKED, "no start time and no link")
    before = [d for d in by_service.get(incident.service, ()) if d.finished_at <= incident.started_at]
    if not before:
        return Attribution(incident, None, LINK_UNLINKED, "no production deployment of the service before it started")
    return Attribution(incident, before[-1].deployment_id, LINK_INFERRED, "last deployment of the service before it")


def _recover(outcome: Outcome, following: DeploymentFact | None) -> None:
    """Set when a failed deployment's service was restored, and how long that took (hours)."""
    if not outcome.causes:
        return
    deployment = outcome.deployment
    starts = [item.incident.started_at for item in outcome.incidents if item.incident.started_at is not None]
    start = min([deployment.finished_at, *starts])
    if outcome.incidents:
        resolved = [item.incident.resolved_at for item in outcome.incidents]
        restored = None if any(value is None for value in resolved) else max(resolved)  # type: ignore[type-var]
    else:
        restored = following.finished_at if following is not None else None
    outcome.restored_at = restored
    outcome.recovery_hours = None if restored is None else hours(restored - start)


def hours(delta: timedelta) -> float:
    """A duration in hours (float)."""
    return delta.total_seconds() / 3600


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation (numpy's default, Hyndman-Fan 7); None when empty."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def deployment_days_per_week(finished: Iterable[datetime], *, since: datetime, until: datetime) -> list[int]:
    """Days (UTC) with at least one deployment, per Monday-start week inside [since, until).

    Only whole weeks count, so a window that cuts a week does not bias the median down; when the
    window holds no whole week, the weeks it touches count.
    """
    first_day, last_day = since.date(), (until - timedelta(microseconds=1)).date()
    monday = week_start(first_day)
    weeks: list[date] = []
    while monday <= last_day:
        weeks.append(monday)
        monday += timedelta(days=7)
    whole = [week for week in weeks if week >= first_day and week + timedelta(days=6) <= last_day]
    chosen = whole or weeks
    days: dict[date, set[date]] = {week: set() for week in chosen}
    for instant in finished:
        if since <= instant < until:
            day = instant.date()
            bucket = days.get(week_start(day))
            if bucket is not None:
                bucket.add(day)
    return [len(days[week]) for week in chosen]


def frequency(finished: Sequence[datetime], *, since: datetime, until: datetime) -> dict[str, float | int | None]:
    """Deployments in [since, until), per day and per week, and the median deployment days per week."""
    count = sum(1 for instant in finished if since <= instant < until)
    days = (until - since).total_seconds() / 86_400
    per_week = deployment_days_per_week(finished, since=since, until=until)
    return {
        "deployments": count,
        "deploys_per_day": count / days if days else None,
        "deploys_per_week": 7 * count / days if days else None,
        "deploy_days_per_week_median": float(np.median(per_week)) if per_week else None,
        "weeks": len(per_week),
    }


# Boundaries of DORA's 2023 performance table, as orgflow reads them (a label, never the figure).
_DAY, _WEEK, _MONTH = 24.0, 24.0 * 7, 24.0 * 30


def band_deploy_frequency(deploys_per_week: float | None) -> str | None:
    """elite: daily or more; high: weekly or more; medium: monthly or more; else low."""
    if deploys_per_week is None:
        return None
    if deploys_per_week >= 7:
        return "elite"
    if deploys_per_week >= 1:
        return "high"
    return "medium" if deploys_per_week >= 7 / 30 else "low"


def band_lead_time(hours_p50: float | None) -> str | None:
    """elite: under a day; high: under a week; medium: under a month; else low."""
    return _band_by_duration(hours_p50, (_DAY, _WEEK, _MONTH))


def band_recovery(hours_p50: float | None) -> str | None:
    """elite: under an hour; high: under a day; medium: under a week; else low."""
    return _band_by_duration(hours_p50, (1.0, _DAY, _WEEK))


def band_change_fail(rate: float | None) -> str | None:
    """elite: 5 % or less; high: 10 % or less; medium: 15 % or less; else low."""
    if rate is None:
        return None
    return "elite" if rate <= 0.05 else "high" if rate <= 0.10 else "medium" if rate <= 0.15 else "low"


def _band_by_duration(value: float | None, limits: tuple[float, float, float]) -> str | None:
    if value is None:
        return None
    for label, limit in zip(("elite", "high", "medium"), limits, strict=True):
        if value < limit:
            return label
    return "low"
