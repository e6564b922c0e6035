"""What the org pages share, and the org chart: the moment a page shows (`AsOf`), the services behind the
pages (`org_service`, `sociotech`), links to a team's Team API, and the org chart with its design checks
and reorganizations, as of a date. A team's Team API is in `orgflow.web.team_api_views`, the cross-team
dependency graph in `orgflow.web.dependency_views`; the organization page's cards are shared with the report
(`orgflow.views.organization`).

Every figure comes from `OrgService` (the org model and its checks) or `SocioTechService` (git history
and the dependency graph), called through the hub (`hub.query`, under the store lock, cached by key).
These modules only pick, order and link what they return.

Dates: a page shows the org on `date` (a UTC day; default the day of the request's "now"). Figures
from history (git, blocking links) are taken as of the end of that day: the request's "now" when the
day is today or later, else the day's last instant, counting commits up to and including the day.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from orgflow.flow.service import MetricResult
from orgflow.org.reorganizations import StructureChange
from orgflow.org.reorganizations import structure_changes as reorganizations
from orgflow.org.service import OrgService
from orgflow.org.structure import valid_on
from orgflow.sociotech.service import SocioTechService
from orgflow.views.filters import parse_date, parse_now
from orgflow.views.hub import MetricsHub


@dataclass(frozen=True)
class AsOf:
    """The date a page shows and the instant its history-based figures are computed as of.

    Attributes:
        day: the org's date (UTC day).
        now: the instant for `SocioTechService` (its UTC date is `day`).
        until: the last day of history counted (None: everything up to `now`).
        today: the UTC day of the request's "now" (the default `day`).
        now_text: the request's `now` parameter, kept in links.
    """

    day: date
    now: datetime
    until: date | None
    today: date
    now_text: str | None = None
    request_now: datetime | None = None

    def query(self, **changes: Any) -> str:
        """`?date=...&now=...` for a link to another org page as of the same moment (plus `changes`)."""
        values: dict[str, Any] = {"date": self.day.isoformat(), "now": self.now_text, **changes}
        kept = [(key, value) for key, value in values.items() if value not in (None, "", ())]
        pairs: list[tuple[str, Any]] = []
        for key, value in kept:
            pairs.extend((key, item) for item in value) if isinstance(value, list | tuple) else pairs.append(
                (key, value)
            )
        return "?" + urlencode(pairs) if pairs else ""


def as_of(hub: MetricsHub, params: Mapping[str, str]) -> AsOf:
    """The moment of an org page request (`date` and `now` parameters).

    Raises:
        InputError: `date` is not YYYY-MM-DD, or `now` is not a date or instant.
    """
    now_text = params.get("now") or None
    request_now = parse_now(now_text)
    current = hub.now(request_now)
    today = current.date()
    text = params.get("date") or None
    day = parse_date(text, field="date") if text else today
    if day >= today:
        return AsOf(day, current, None, today, now_text, request_now)
    return AsOf(day, datetime.combine(day, time.max, tzinfo=UTC), day, today, now_text, request_now)


def query_at(hub: MetricsHub, moment: AsOf, key: tuple[Hashable, ...], run: Any) -> Any:
    """`hub.query` keyed by the moment's request "now" and `key`."""
    return hub.query((hub.service_key(moment.request_now), *key), run)


def org_service(hub: MetricsHub) -> OrgService:
    """The workspace's org (read once; the workspace is read-only)."""
    return hub.query(("org-service",), lambda ws: ws.org)


def sociotech(hub: MetricsHub, moment: AsOf) -> SocioTechService:
    """One socio-technical service per instant (its temporary tables are reused by later calls)."""
    return query_at(hub, moment, ("sociotech-service", moment.now), lambda ws: ws.sociotech_at(moment.now))


def team_href(team: str, moment: AsOf, *, valid_from: date | None = None, valid_to: date | None = None) -> str:
    """The Team API page of `team`: as of `moment`, or of the team's last (first) day when it did not exist."""
    day = moment.day
    if valid_to is not None and day >= valid_to:
        day = valid_to - timedelta(days=1)
    elif valid_from is not None and day < valid_from:
        day = valid_from
    return f"/org/teams/{quote(team, safe='')}" + moment.query(date=day.isoformat())


def group_href(org: OrgService, group_id: str, moment: AsOf) -> str:
    """The Team API page of a group as of `moment` (of its last or first day when it did not exist then)."""
    group = org.model.groups.get(group_id)
    if group is None:
        return team_href(group_id, moment)
    return team_href(group_id, moment, valid_from=group.valid_from, valid_to=group.valid_to)


def group_exists_on(org: OrgService, group_id: str, day: date) -> bool:
    """Whether the org has `group_id` on `day`."""
    group = org.model.groups.get(group_id)
    return group is not None and valid_on(group.valid_from, group.valid_to, day)


# -- the org chart ---------------------------------------------------------------------------------
@dataclass
class GroupBlock:
    """A group on the org chart: its summary row, its own checks, its Team API link and the groups below."""

    row: dict[str, Any]
    checks: list[dict[str, Any]]
    href: str | None
    children: list[GroupBlock]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if check["passed"] is False]


@dataclass(frozen=True)
class ChangeLinks:
    """A reorganization (`orgflow.org.reorganizations.StructureChange`) with links to the org chart the day
    before it and the day of it."""

    change: StructureChange
    before_href: str
    after_href: str

    @property
    def day(self) -> date:
        return self.change.day

    @property
    def opened(self) -> list[tuple[str, str]]:
        return self.change.opened

    @property
    def closed(self) -> list[tuple[str, str]]:
        return self.change.closed


@dataclass
class OrgChart:
    """The org chart on a date: groups as a tree with their checks, and the days the structure changed."""

    moment: AsOf
    summary: MetricResult
    checks: MetricResult
    roots: list[GroupBlock]
    changes: list[ChangeLinks]

    def teams(self) -> list[GroupBlock]:
        found: list[GroupBlock] = []
        stack = list(reversed(self.roots))
        while stack:
            block = stack.pop()
            if block.row["kind"] == "team":
                found.append(block)
            stack.extend(reversed(block.children))
        return found


def org_summary(hub: MetricsHub, moment: AsOf) -> MetricResult:
    org = org_service(hub)
    return query_at(hub, moment, ("org-summary", moment.day), lambda _ws: org.summary(moment.day))


def org_checks(hub: MetricsHub, moment: AsOf) -> MetricResult:
    org = org_service(hub)
    return query_at(hub, moment, ("org-checks", moment.day), lambda _ws: org.checks(moment.day))


def org_chart(hub: MetricsHub, moment: AsOf) -> OrgChart:
    """The org chart as of `moment.day` (`OrgService.summary` and `.checks` of that day)."""
    summary = org_summary(hub, moment)
    checks = org_checks(hub, moment)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for check in checks.rows():
        by_group.setdefault(check["group"], []).append(check)
    blocks: dict[str, GroupBlock] = {}
    roots: list[GroupBlock] = []
    for row in summary.rows():  # parents come before their children
        href = team_href(row["group"], moment) if row["kind"] == "team" else None
        block = GroupBlock(row, by_group.get(row["group"], []), href, [])
        blocks[row["group"]] = block
        parent = blocks.get(row["parent"]) if row["parent"] else None
        (parent.children if parent else roots).append(block)
    return OrgChart(moment, summary, checks, roots, structure_changes(hub, moment))


def structure_changes(hub: MetricsHub, moment: AsOf) -> list[ChangeLinks]:
    """The days groups opened or closed, oldest first (`orgflow.org.reorganizations`), with their links."""
    return [
        ChangeLinks(
            change,
            "/org" + moment.query(date=(change.day - timedelta(days=1)).isoformat()),
            "/org" + moment.query(date=change.day.isoformat()),
        )
        for change in reorganizations(org_service(hub).model)
    ]
