"""The delivery history a `DeliveryService` cuts its figures from: the analysed facts, the window
convention, and which deployments and incidents fall in a window and a cut.

The facts are read once: deployments, incidents and the commit graph, walked and attributed over the
whole history (`orgflow.delivery.dora.analyze`). A service's owner on a day comes from
`orgflow.delivery.ownership`. Without ``until`` or an explicit ``now``, a window ends at the data's
end (the latest deployment, commit or incident loaded), not today, so a history that stopped does
not gain empty weeks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from orgflow.delivery import dora
from orgflow.delivery.commit_graph import CommitGraph
from orgflow.delivery.ownership import UNOWNED, ServiceOwners
from orgflow.delivery.rollup import Evidence
from orgflow.errors import NotFoundError
from orgflow.query.window import Window, make_window

if TYPE_CHECKING:
    from orgflow.query.context import AnalysisContext

WINDOW_END_UNTIL, WINDOW_END_NOW, WINDOW_END_DATA = "until", "now", "data as of"
"""What ended a window: the `until` given, the start of `now`'s day, or the day of the data's end."""


class DeliveryScope:
    """The analysed delivery history of one workspace as of the context's `now` (default: the current
    UTC time), and what of it falls in a window and a cut.

    The default window ends at the start of `now`'s day when `now` is given, else at the end of the
    data's last day (`data_as_of`), if that is earlier than today.
    """

    def __init__(self, context: AnalysisContext) -> None:
        self.context = context
        self.now = (context.now or datetime.now(UTC)).astimezone(UTC)
        self._now_given = context.now is not None
        self._as_of: tuple[datetime | None] | None = None
        self._evidence: Evidence | None = None
        self._cached: dora.DeliveryFacts | None = None
        self._owners: ServiceOwners | None = None

    # -- facts -----------------------------------------------------------------------------------
    def facts(self) -> dora.DeliveryFacts:
        """The analysed history (commit walk, attributions, failures), computed once."""
        if self._cached is None:
            connection = self.context.connection
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

    @property
    def owners(self) -> ServiceOwners:
        """The services' owners and the groups above them (`orgflow.delivery.ownership`), read once."""
        if self._owners is None:
            self._owners = ServiceOwners(self.context.connection)
        return self._owners

    def owner(self, service: str, on: date | None = None) -> str:
        """The group owning `service` on day `on` (ownership over time when recorded, else the component's
        owner; `on` None: the current owner), or "unowned"."""
        return self.owners.owner(service, on)

    def evidence(self) -> Evidence:
        """Whether incidents are loaded and which deployment sources mark kinds (`rollup.Evidence`)."""
        if self._evidence is None:
            self._evidence = Evidence.of(self.facts())
        return self._evidence

    def _check_cut(self, service: str | None, team: str | None, group: str | None) -> None:
        known = {outcome.deployment.service for outcome in self.facts().outcomes.values()}
        if service is not None and service not in known:
            raise NotFoundError(
                f"no production deployment of service {service!r}",
                field="service",
                hint="see `orgflow dora deployments`",
            )
        groups = self.owners.groups
        for name, value in (("team", team), ("group", group)):
            if value is not None and value != UNOWNED and value not in groups:
                if name == "team" and value in self._attributed_teams():
                    continue  # a unit work is attributed to (a project key): a team that owns no service
                raise NotFoundError(f"unknown {name} {value!r}", field=name, hint="see `orgflow status`")

    def _attributed_teams(self) -> set[str]:
        """The units work items are attributed to (`orgflow.org.attribution.attributed_units`): teams
        everywhere, with or without an org file, though no service names them as its owner."""
        from orgflow.org.attribution import attributed_units

        order = tuple(self.context.config.org.attribution)
        return {row["team_id"] for row in attributed_units(self.context.connection, order).to_pylist()}

    # -- windows ---------------------------------------------------------------------------------
    @property
    def now_given(self) -> bool:
        """Whether `now` was given (it then ends default windows) rather than read from the clock."""
        return self._now_given

    def data_as_of(self) -> datetime | None:
        """The data's end (UTC): the latest deployment finish, commit time or incident start loaded."""
        if self._as_of is None:
            (latest,) = self.context.connection.execute(
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
            and self.owners.selected(
                outcome.deployment.service,
                only=cut["service"],
                team=cut["team"],
                group=cut["group"],
                on=outcome.deployment.finished_at.date(),
            )
        ]

    def _incidents_in(self, window: Window, **cut: str | None) -> list[dora.Attribution]:
        """Incidents started in the window, of a selected service when they have one. An incident with no
        start time started in no window: it is left out (`_unstarted` counts them)."""
        return [
            attribution
            for attribution in self.facts().attributions
            if attribution.incident.started_at is not None
            and window.since <= attribution.incident.started_at < window.until
            and self._incident_selected(attribution, cut)
        ]

    def _unstarted(self, **cut: str | None) -> int:
        """How many incidents of the cut have no start time (in no window, so in no count)."""
        return sum(
            1
            for attribution in self.facts().attributions
            if attribution.incident.started_at is None and self._incident_selected(attribution, cut)
        )

    def _incident_selected(self, attribution: dora.Attribution, cut: dict[str, str | None]) -> bool:
        """Whether the incident's service is selected by `cut` (one without a service: only with no cut)."""
        service = self._service_of(attribution)
        if service is None:
            return not any(cut.values())
        return self.owners.selected(
            service,
            only=cut["service"],
            team=cut["team"],
            group=cut["group"],
            on=day_of(attribution.incident.started_at),
        )

    def _service_of(self, attribution: dora.Attribution) -> str | None:
        if attribution.deployment_id is not None:
            return self.facts().outcomes[attribution.deployment_id].deployment.service
        return attribution.incident.service

    def _lead_hours(self, outcome: dora.Outcome, commit_time: str) -> list[tuple[int, float]]:
        graph = self.facts().graph
        times = graph.committed_at if commit_time == "committed" else graph.authored_at
        deployed = outcome.deployment.finished_at
        return [(commit, dora.hours(deployed - times[commit])) for commit in outcome.new_commits]


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


def day_of(instant: datetime | None) -> date | None:
    """The day of an instant (None: None)."""
    return instant.date() if instant is not None else None
