"""`DeliveryService`: DORA's five metrics bound to one workspace's deployments, incidents and commits.

It reads the small delivery tables once, walks the commit graph and attributes incidents over the whole
history (`orgflow.delivery.dora.analyze`), then cuts windows, filters and roll-ups from those facts.
Every figure comes back as a `MetricResult` with its definition, parameters and sample sizes. Rolling
up: a service's owner is the group of the component named like it (``components.owner_id``), else
"unowned"; ``by="group"`` counts a service in its owner and in every ancestor group.

Unknown is not zero: a figure the loaded data cannot support is None, never 0, and the summary's
``unknown_reasons`` column says why (no incidents imported, no deployment kinds recorded, no sample).
A band is given only to a known figure whose sample reaches ``thresholds.small_sample``. Without
``until`` or an explicit ``now``, the window ends at the data's end (the latest deployment, commit
or incident loaded), not today, so a history that stopped does not gain empty weeks.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from orgflow.delivery import dora
from orgflow.delivery.columns import (
    BAND_COLUMNS,
    BEFORE_FIRST_COLUMNS,
    DEFINITIONS,
    DEPLOYMENT_COLUMNS,
    INCIDENT_COLUMNS,
    LEAD_TIME_COLUMNS,
    QUALITY_COLUMNS,
    SUMMARY_FIGURES,
    result_schema,
)
from orgflow.delivery.commit_graph import CommitGraph
from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.query.window import Window, make_window

if TYPE_CHECKING:
    from orgflow.config import Config
    from orgflow.store import Store

UNOWNED = "unowned"
COMMIT_TIMES = ("committed", "authored")
BY = ("service", "team", "group")

NO_INCIDENTS = "no incidents imported"
NO_KINDS = "no deployment kinds recorded (its deployment sources mark no hotfix or rollback)"
NO_DEPLOYMENTS = "no deployments in the window"
NO_CHANGES = "no deployed commit with a lead time in the window"
NO_RECOVERIES = "no recovered failed deployment in the window"

WINDOW_END_UNTIL, WINDOW_END_NOW, WINDOW_END_DATA = "until", "now", "data as of"
"""What ended a window: the `until` given, the start of `now`'s day, or the day of the data's end."""

# Each band, the figure it labels, and the summary count that is its sample.
_BANDS = (
    ("deploy_frequency_band", "deploys_per_week", "deployments", dora.band_deploy_frequency),
    ("lead_time_band", "lead_time_p50_hours", "lead_times", dora.band_lead_time),
    ("change_fail_band", "change_fail_rate", "deployments", dora.band_change_fail),
    ("recovery_band", "recovery_p50_hours", "recovered", dora.band_recovery),
)
_SAMPLE_NOUNS = {"deployments": "deployments", "lead_times": "lead times", "recovered": "recovered failures"}


class _WorkspaceLike(Protocol):
    store: Store
    config: Config


class DeliveryService:
    """DORA metrics of one workspace as of `now` (default: the current UTC time).

    The default window ends at the start of `now`'s day when `now` is given, else at the end of the
    data's last day (`data_as_of`), if that is earlier than today.
    """

    def __init__(self, workspace: _WorkspaceLike, *, now: datetime | None = None) -> None:
        self._workspace = workspace
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self._now_given = now is not None
        self._as_of: tuple[datetime | None] | None = None
        self._evidence_cache: tuple[bool, frozenset[str]] | None = None
        self._cached: dora.DeliveryFacts | None = None
        self._owner_cache: tuple[dict[str, str], dict[str, tuple[str | None, str]]] | None = None
        self._dated_owners: dict[str, list[tuple[date | None, date | None, str]]] = {}

    # -- facts -----------------------------------------------------------------------------------
    def facts(self) -> dora.DeliveryFacts:
        """The analysed history (commit walk, attributions, failures), computed once."""
        if self._cached is None:
            connection = self._workspace.store.connection
            graph = CommitGraph.from_store(connection)
            deployments = [
                dora.DeploymentFact(*row)
                for row in connection.execute(
                    "SELECT source_id, source, service, environment, revision, finished_at, status, kind, "
                    "time_basis FROM deployments ORDER BY finished_at, source_id"
                ).fetchall()
            ]
            incidents = [
                dora.IncidentFact(*row)
                for row in connection.execute(
                    "SELECT source_id, source, nullif(service, ''), title, started_at, resolved_at, severity, "
                    "nullif(deployment_id, ''), nullif(commit_id, '') FROM incidents ORDER BY started_at, source_id"
                ).fetchall()
            ]
            self._cached = dora.analyze(graph, deployments, incidents)
        return self._cached

    def _owners(self) -> tuple[dict[str, str], dict[str, tuple[str | None, str]]]:
        """service -> owner group id, and group id -> (parent id, name)."""
        if self._owner_cache is None:
            connection = self._workspace.store.connection
            owners: dict[str, str] = {}
            # A service is named by its component's id or its display name.
            for source_id, name, owner in connection.execute(
                "SELECT source_id, name, owner_id FROM components WHERE owner_id IS NOT NULL ORDER BY source, source_id"
            ).fetchall():
                owners.setdefault(source_id, owner)
                owners.setdefault(name, owner)
            dated: dict[str, list[tuple[date | None, date | None, str]]] = {}
            for source_id, name, owner, since, until in connection.execute(
                "SELECT c.source_id, c.name, o.group_id, o.valid_from, o.valid_to FROM component_ownerships o "
                "JOIN components c ON c.source_id = o.component_id ORDER BY o.valid_from NULLS FIRST"
            ).fetchall():
                for key in {source_id, name}:
                    dated.setdefault(key, []).append((since, until, owner))
            groups = {
                group_id: (parent, name)
                for group_id, parent, name in connection.execute(
                    "SELECT source_id, parent_id, name FROM groups ORDER BY source, source_id"
                ).fetchall()
            }
            self._owner_cache = (owners, groups)
            self._dated_owners = dated
        return self._owner_cache

    def owner(self, service: str, on: date | None = None) -> str:
        """The group owning `service` on day `on` (ownership over time when recorded, else the component's
        owner; `on` None: the current owner), or "unowned"."""
        current = self._owners()[0].get(service, UNOWNED)
        periods = self._dated_owners.get(service)
        if not periods:
            return current
        if on is None:
            return periods[-1][2]
        for since, until, owner in periods:
            if (since is None or since <= on) and (until is None or on < until):
                return owner
        return current

    def _keys(self, service: str, by: str, on: date | None = None) -> list[str]:
        """The rows a service counts in on day `on`: itself, its owner team, or its owner and every ancestor."""
        if by == "service":
            return [service]
        owner = self.owner(service, on)
        if by == "team" or owner == UNOWNED:
            return [owner]
        groups = self._owners()[1]
        chain = [owner]
        parent = groups.get(owner, (None, ""))[0]
        while parent and parent not in chain:
            chain.append(parent)
            parent = groups.get(parent, (None, ""))[0]
        return chain

    def _selected(
        self, service: str, *, only: str | None, team: str | None, group: str | None, on: date | None = None
    ) -> bool:
        if only is not None and service != only:
            return False
        if team is not None and self.owner(service, on) != team:
            return False
        return group is None or group in self._keys(service, "group", on)

    def _check_cut(self, service: str | None, team: str | None, group: str | None) -> None:
        known = {outcome.deployment.service for outcome in self.facts().outcomes.values()}
        if service is not None and service not in known:
            raise InputError(
                f"no production deployment of service {service!r}",
                field="service",
                hint="see `orgflow dora deployments`",
            )
        groups = self._owners()[1]
        for name, value in (("team", team), ("group", group)):
            if value is not None and value != UNOWNED and value not in groups:
                if name == "team" and value in self._attributed_teams():
                    continue  # a unit work is attributed to (a project key): a team that owns no service
                raise InputError(f"unknown {name} {value!r}", field=name, hint="see `orgflow status`")

    def _attributed_teams(self) -> set[str]:
        """The units work items are attributed to (`orgflow.org.attribution.attributed_units`): teams
        everywhere, with or without an org file, though no service names them as its owner."""
        from orgflow.org.attribution import attributed_units

        connection = self._workspace.store.connection
        order = tuple(self._workspace.config.org.attribution)
        return {row["team_id"] for row in attributed_units(connection, order).to_pylist()}

    @property
    def now_given(self) -> bool:
        """Whether `now` was given (it then ends default windows) rather than read from the clock."""
        return self._now_given

    def data_as_of(self) -> datetime | None:
        """The data's end (UTC): the latest deployment finish, commit time or incident start loaded."""
        if self._as_of is None:
            (latest,) = self._workspace.store.connection.execute(
                "SELECT greatest((SELECT max(finished_at) FROM deployments), "
                "(SELECT max(committed_at) FROM commits), (SELECT max(started_at) FROM incidents))"
            ).fetchone()
            self._as_of = (None if latest is None else latest.replace(tzinfo=UTC),)
        return self._as_of[0]

    def window_end(self, *, since: date | None = None, until: date | None = None) -> tuple[date | None, str]:
        """The last day of the window and what chose it (`WINDOW_END_UNTIL`, `_NOW` or `_DATA`).

        An explicit `until` or `now` is kept as given. Otherwise the window ends with the data's last
        day when that is before today (today is never complete) and not before `since`.
        """
        as_of = None if self._now_given else self.data_as_of()
        return default_window_end(since=since, until=until, now=self.now, as_of=as_of)

    def window(self, *, since: date | None = None, until: date | None = None) -> Window:
        """[since, until + 1 day) in UTC; defaults: the first deployment's day, and the end of the data's
        last day (or the start of today, when `now` was given or the data reaches today); see `window_end`."""
        finished = [outcome.deployment.finished_at for outcome in self.facts().outcomes.values()]
        earliest = min(finished).replace(tzinfo=UTC) if finished else None
        last_day, _basis = self.window_end(since=since, until=until)
        return make_window(since=since, until=last_day, now=self.now, earliest=earliest)

    def _in_window(self, window: Window, **cut: str | None) -> list[dora.Outcome]:
        return [
            outcome
            for outcome in self.facts().outcomes.values()
            if window.since <= outcome.deployment.finished_at < window.until
            and self._selected(
                outcome.deployment.service,
                only=cut["service"],
                team=cut["team"],
                group=cut["group"],
                on=outcome.deployment.finished_at.date(),
            )
        ]

    def _incidents_in(self, window: Window, **cut: str | None) -> list[dora.Attribution]:
        """Incidents started in the window (or without a start), of a selected service when they have one."""
        chosen = []
        for attribution in self.facts().attributions:
            incident = attribution.incident
            if incident.started_at is not None and not window.since <= incident.started_at < window.until:
                continue
            service = self._service_of(attribution)
            if service is None:
                if any(cut.values()):
                    continue
            elif not self._selected(
                service, only=cut["service"], team=cut["team"], group=cut["group"], on=_day_of(incident.started_at)
            ):
                continue
            chosen.append(attribution)
        return chosen

    def _service_of(self, attribution: dora.Attribution) -> str | None:
        if attribution.deployment_id is not None:
            return self.facts().outcomes[attribution.deployment_id].deployment.service
        return attribution.incident.service

    def _lead_hours(self, outcome: dora.Outcome, commit_time: str) -> list[tuple[int, float]]:
        graph = self.facts().graph
        times = graph.committed_at if commit_time == "committed" else graph.authored_at
        deployed = outcome.deployment.finished_at
        return [(commit, dora.hours(deployed - times[commit])) for commit in outcome.new_commits]

    # -- results ---------------------------------------------------------------------------------
    def summary(
        self,
        *,
        by: str = "service",
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
        commit_time: str = "committed",
        bands: bool = False,
    ) -> MetricResult:
        """One row per service, owner team or group with DORA's five metrics and their sample sizes."""
        if by not in BY:
            raise InputError(f"cannot group by {by!r} (use {', '.join(BY)})", field="by")
        _check_commit_time(commit_time)
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        outcomes_by_key: dict[str, list[dora.Outcome]] = {}
        for outcome in self.facts().outcomes.values():
            on = outcome.deployment.finished_at.date()
            if self._selected(outcome.deployment.service, only=service, team=team, group=group, on=on):
                for key in self._keys(outcome.deployment.service, by, on):
                    outcomes_by_key.setdefault(key, [])
        for outcome in self._in_window(window, **cut):
            for key in self._keys(outcome.deployment.service, by, outcome.deployment.finished_at.date()):
                outcomes_by_key[key].append(outcome)
        incidents_by_key: dict[str, list[dora.Attribution]] = {}
        for attribution in self._incidents_in(window, **cut):
            owner_service = self._service_of(attribution)
            if owner_service is not None:
                for key in self._keys(owner_service, by, _day_of(attribution.incident.started_at)):
                    incidents_by_key.setdefault(key, []).append(attribution)
        walk = self.facts().walk
        before_first: Counter[str] = Counter()
        for name, commits in walk.before_first.items():
            if self._selected(name, only=service, team=team, group=group):
                for key in self._keys(name, by):
                    before_first[key] += len(commits)
        small = self._workspace.config.thresholds.small_sample
        groups = self._owners()[1]
        rows = []
        for key in sorted(set(outcomes_by_key) | set(incidents_by_key)):
            row: dict[str, Any] = {by: key}
            if by != "service":
                row["name"] = groups.get(key, (None, key))[1]
            figures, reasons = self._figures(
                outcomes_by_key.get(key, []), incidents_by_key.get(key, []), window, commit_time=commit_time
            )
            row.update(figures)
            row["commits_before_first_deployment"] = before_first[key]
            row["small_sample"] = row["deployments"] < small
            if bands:
                samples = {**row, "lead_times": row["changes"] - row["negative_lead_times"]}
                for band, figure, sample, label in _BANDS:
                    row[band] = None
                    if row[figure] is None:
                        reasons[band] = f"{figure} unknown"
                    elif samples[sample] < small:
                        noun = _SAMPLE_NOUNS[sample]
                        reasons[band] = f"{samples[sample]} {noun}, under the minimum sample of {small}"
                    else:
                        row[band] = label(row[figure])
            row["unknown_reasons"] = _reason_text(reasons)
            rows.append(row)
        notes = self._unknown_notes(rows, bands=bands, small=small)
        notes.extend(self._window_notes(since=since, until=until))
        unlinked_without_service = sum(
            1 for a in self._incidents_in(window, **cut) if a.link == dora.LINK_UNLINKED and self._service_of(a) is None
        )
        if unlinked_without_service:
            notes.append(
                f"{unlinked_without_service} incident(s) in the window have no service and no link: "
                "they are in no row (see `incidents`)"
            )
        params = {
            **_cut_params(cut),
            "by": by,
            "commit_time": commit_time,
            "bands": bands,
            **self._window_params(since=since, until=until),
        }
        columns = [
            by,
            *(["name"] if by != "service" else []),
            *SUMMARY_FIGURES,
            *(BAND_COLUMNS if bands else []),
            "unknown_reasons",
        ]
        return self._result("dora-summary", rows, params, window, notes=notes, columns=columns)

    def _evidence(self) -> tuple[bool, frozenset[str]]:
        """Whether any incident is loaded, and the deployment sources that mark hotfixes or rollbacks.

        A source that never marks a deployment's kind (release tags, GitHub releases) cannot tell a
        hotfix from a planned release: its deployments support no rework rate.
        """
        if self._evidence_cache is None:
            facts = self.facts()
            kinds = frozenset(
                outcome.deployment.source
                for outcome in facts.outcomes.values()
                if outcome.deployment.kind in dora.REMEDIATION_KINDS
            )
            self._evidence_cache = (bool(facts.attributions), kinds)
        return self._evidence_cache

    def _unknown_notes(self, rows: list[dict[str, Any]], *, bands: bool, small: int) -> list[str]:
        """Notes on the summary's unknown figures that say how to fill them in (each row's own reasons are
        in its `unknown_reasons`)."""
        notes = []
        incidents_loaded, _kinds = self._evidence()
        if rows and not incidents_loaded:
            notes.append(
                "change_fail_rate and recovery are unknown (–), not 0: no incidents imported "
                "(`orgflow import incidents`)"
            )
        if bands and any(row[band] is None for row in rows for band in BAND_COLUMNS):
            notes.append(f"a band needs a known figure and a sample of at least {small} (thresholds.small_sample)")
        return notes

    def _window_params(self, *, since: date | None, until: date | None) -> dict[str, Any]:
        """What ended the window (see `window_end`), and the data's end."""
        _last_day, basis = self.window_end(since=since, until=until)
        as_of = self.data_as_of()
        return {"window_end": basis, "data_as_of": None if as_of is None else as_of.isoformat()}

    def _window_notes(self, *, since: date | None, until: date | None) -> list[str]:
        last_day, basis = self.window_end(since=since, until=until)
        if basis != WINDOW_END_DATA:
            return []
        return [f"the window ends with the data's last day, {last_day} (latest deployment, commit or incident); "
                "--until or --now sets another end"]  # fmt: skip

    def _figures(
        self, outcomes: list[dora.Outcome], incidents: list[dora.Attribution], window: Window, *, commit_time: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The five metrics and their counts over one row's deployments and incidents, and a reason for
        each figure left unknown (None): a figure the data cannot support is never 0."""
        figures: dict[str, Any] = dict(
            dora.frequency([o.deployment.finished_at for o in outcomes], since=window.since, until=window.until)
        )
        figures.pop("weeks")
        leads = [lead for outcome in outcomes for _commit, lead in self._lead_hours(outcome, commit_time)]
        valid = [lead for lead in leads if lead >= 0]
        failed = [o for o in outcomes if o.failed]
        recoveries = [o.recovery_hours for o in failed if o.recovery_hours is not None]
        count = len(outcomes)
        links = Counter(a.link for a in incidents)
        hotfixes = sum(1 for o in outcomes if o.deployment.kind == "hotfix")
        figures.update(
            changes=len(leads),
            lead_time_p50_hours=dora.percentile(valid, 50),
            lead_time_p85_hours=dora.percentile(valid, 85),
            negative_lead_times=len(leads) - len(valid),
            failed_deployments=len(failed),
            change_fail_rate=len(failed) / count if count else None,
            failures_explicit=sum(1 for o in failed if o.failure_link == dora.LINK_EXPLICIT),
            failures_inferred=sum(1 for o in failed if o.failure_link == dora.LINK_INFERRED),
            recovered=len(recoveries),
            unrecovered=len(failed) - len(recoveries),
            recovery_p50_hours=dora.percentile(recoveries, 50),
            recovery_p85_hours=dora.percentile(recoveries, 85),
            hotfixes=hotfixes,
            rollbacks=sum(1 for o in outcomes if o.deployment.kind == "rollback"),
            rework_rate=hotfixes / count if count else None,
            incidents=len(incidents),
            incidents_explicit=links[dora.LINK_EXPLICIT],
            incidents_inferred=links[dora.LINK_INFERRED],
            incidents_unlinked=links[dora.LINK_UNLINKED],
            unknown_revisions=sum(1 for o in outcomes if not o.revision_known),
            first_recorded_deployments=sum(1 for o in outcomes if o.first_recorded),
        )
        reasons: dict[str, str] = {}
        if not valid:
            reasons |= dict.fromkeys(("lead_time_p50_hours", "lead_time_p85_hours"), NO_CHANGES)
        if not count:
            reasons |= dict.fromkeys(("change_fail_rate", "rework_rate"), NO_DEPLOYMENTS)
        incidents_loaded, kind_sources = self._evidence()
        recovery = ("recovery_p50_hours", "recovery_p85_hours")
        if not incidents_loaded:
            # Without incidents a deployment that broke production looks like one that did not.
            figures.update(change_fail_rate=None, **dict.fromkeys(recovery))
            reasons |= dict.fromkeys(("change_fail_rate", *recovery), NO_INCIDENTS)
        elif not recoveries:
            reasons |= dict.fromkeys(recovery, NO_RECOVERIES)
        if count and not any(o.deployment.source in kind_sources for o in outcomes):
            figures["rework_rate"] = None
            reasons["rework_rate"] = NO_KINDS
        return figures, reasons

    def deployments(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
    ) -> MetricResult:
        """One row per counted deployment in the window: new commits, failure, link kind, recovery."""
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        walk = self.facts().walk
        rows = []
        for outcome in sorted(
            self._in_window(window, **cut), key=lambda o: (o.deployment.finished_at, o.deployment.deployment_id)
        ):
            deployment = outcome.deployment
            rows.append(
                {
                    "deployment_id": deployment.deployment_id,
                    "source": deployment.source,
                    "service": deployment.service,
                    "owner": self.owner(deployment.service, deployment.finished_at.date()),
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
        params = {**_cut_params(cut), **self._window_params(since=since, until=until)}
        return self._result("deployments", rows, params, window, columns=DEPLOYMENT_COLUMNS)

    def lead_time(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
        commit_time: str = "committed",
    ) -> MetricResult:
        """One row per commit first brought to production by a deployment in the window."""
        _check_commit_time(commit_time)
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        graph = self.facts().graph
        rows = []
        for outcome in self._in_window(window, **cut):
            deployment = outcome.deployment
            for commit, lead in self._lead_hours(outcome, commit_time):
                rows.append(
                    {
                        "sha": graph.shas[commit],
                        "service": deployment.service,
                        "deployment_id": deployment.deployment_id,
                        "commit_at": (graph.committed_at if commit_time == "committed" else graph.authored_at)[commit],
                        "authored_at": graph.authored_at[commit],
                        "committed_at": graph.committed_at[commit],
                        "deployed_at": deployment.finished_at,
                        "lead_time_hours": lead,
                    }
                )
        rows.sort(key=lambda row: (row["deployed_at"], row["service"], row["commit_at"], row["sha"]))
        params = {**_cut_params(cut), "commit_time": commit_time, **self._window_params(since=since, until=until)}
        return self._result("change-lead-time", rows, params, window, columns=LEAD_TIME_COLUMNS)

    def incidents(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
    ) -> MetricResult:
        """One row per incident in the window with its attribution: explicit, inferred or unlinked."""
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        rows = [
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
            for a in self._incidents_in(window, **cut)
        ]
        params = {**_cut_params(cut), **self._window_params(since=since, until=until)}
        return self._result("incidents", rows, params, window, columns=INCIDENT_COLUMNS)

    def before_first_deployment(self, *, service: str | None = None) -> MetricResult:
        """Commits in production by each service's first recorded deployment (their arrival is unknown)."""
        self._check_cut(service, None, None)
        facts = self.facts()
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
        params = _cut_params({"service": service})
        return self._result("before-first-deployment", rows, params, None, columns=BEFORE_FIRST_COLUMNS)

    def quality(self) -> MetricResult:
        """Delivery data-quality warnings (columns: warning, count, example); empty when all is well."""
        facts = self.facts()
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
        return self._result("delivery-quality", rows, {}, None, columns=QUALITY_COLUMNS)

    # -- helpers ---------------------------------------------------------------------------------
    def _result(
        self,
        metric: str,
        rows: list[dict[str, Any]],
        params: dict[str, Any],
        window: Window | None,
        *,
        notes: list[str] | None = None,
        columns: list[str],
    ) -> MetricResult:
        table = pa.Table.from_pylist(rows, schema=result_schema(columns))
        full = dict(params)
        if window is not None:
            full["since"] = window.since.isoformat() + "Z"
            full["until"] = window.until.isoformat() + "Z"
        full["now"] = self.now.isoformat()
        full["rows"] = table.num_rows
        return MetricResult(metric, DEFINITIONS[metric], full, table, notes or [])


def default_window_end(
    *, since: date | None, until: date | None, now: datetime, as_of: datetime | None
) -> tuple[date | None, str]:
    """A default window's last day (None: the day before `now`) and what chose it.

    An explicit `until` is kept. Otherwise the data's last day (`as_of`; None when `now` was given),
    when it is before `now`'s day (the current day is never complete) and not before `since`.
    """
    if until is not None:
        return until, WINDOW_END_UNTIL
    if as_of is not None and as_of.date() < now.date() and (since is None or since <= as_of.date()):
        return as_of.date(), WINDOW_END_DATA
    return None, WINDOW_END_NOW


def _day_of(instant: datetime | None) -> date | None:
    return instant.date() if instant is not None else None


def _reason_text(reasons: dict[str, str]) -> str | None:
    """Unknown figures grouped by reason: "a, b: reason; c: other reason" (None when all are known)."""
    if not reasons:
        return None
    grouped: dict[str, list[str]] = {}
    for figure, reason in reasons.items():
        grouped.setdefault(reason, []).append(figure)
    return "; ".join(f"{', '.join(figures)}: {reason}" for reason, figures in grouped.items())


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _check_commit_time(commit_time: str) -> None:
    if commit_time not in COMMIT_TIMES:
        raise InputError(f"unknown commit time {commit_time!r} (use committed or authored)", field="commit_time")


def _cut_params(cut: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in cut.items() if value is not None}
