"""A team's Team API page: the team on a date (`OrgService.team_api`), its cross-team interactions, and
what git says about its code (truck factors, knowledge islands). Dates as in `orgflow.web.org_views`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.org.service import TeamApi
from orgflow.views.hub import MetricsHub
from orgflow.web.org_views import AsOf, group_href, org_service, query_at, sociotech

INTERACTION_KINDS = ("coupling", "blocking")
"""Edges of the dependency graph a Team API lists as interactions (declared ones are its dependencies)."""


def only_rows(result: MetricResult, column: str, allowed: set[str]) -> MetricResult:
    """The result with only the rows whose `column` is in `allowed`."""
    mask = pc.is_in(result.table[column], value_set=pa.array(sorted(allowed), type=pa.string()))
    table = result.table.filter(mask)
    return replace(result, table=table, params={**result.params, column: sorted(allowed), "rows": table.num_rows})


@dataclass
class TeamApiView:
    """A team's Team API on a date, with its cross-team interactions and what git says about its code."""

    moment: AsOf
    api: TeamApi
    interactions: MetricResult
    truck_factor: dict[str, Any] | None
    component_truck_factors: MetricResult
    knowledge_islands: MetricResult
    history: MetricResult
    flow_href: str
    other_teams: dict[str, str]


def team_api_view(hub: MetricsHub, moment: AsOf, team: str) -> TeamApiView:
    """The Team API of `team` on `moment.day` (`OrgService.team_api`) plus its coupling and blocking edges,
    its truck factor and the truck factors and knowledge islands of the components it owns.

    Raises:
        InputError: an unknown group, a group that is no team, or one that does not exist on the day.
    """
    org = org_service(hub)
    api: TeamApi = query_at(hub, moment, ("team-api", team, moment.day), lambda _ws: org.team_api(team, moment.day))
    if api.info["kind"] != "team":
        raise InputError(f"{team!r} is a {api.info['kind']}, not a team", field="team", hint="see /org")
    service = sociotech(hub, moment)
    until = moment.until
    interactions = query_at(
        hub,
        moment,
        ("team-interactions", team, until),
        lambda _ws: service.dependency_edges(kinds=INTERACTION_KINDS, group=team, until=until),
    )
    by_team = query_at(hub, moment, ("truck-team", until), lambda _ws: service.truck_factor(by="team", until=until))
    by_component = query_at(
        hub, moment, ("truck-component", until), lambda _ws: service.truck_factor(by="component", until=until)
    )
    islands = query_at(
        hub,
        moment,
        ("islands-component", until),
        lambda _ws: service.knowledge_islands(level="component", until=until),
    )
    history = query_at(hub, moment, ("org-history", team), lambda _ws: org.history(team))
    owned = {row["component"] for row in api.components.rows()}
    team_row = next((row for row in by_team.rows() if row["team"] == team), None)
    others = {row["other_team"] for row in api.dependencies.rows() if row["other_team"]}
    others |= {row["source"] for row in interactions.rows()} | {row["target"] for row in interactions.rows()}
    return TeamApiView(
        moment,
        api,
        interactions,
        team_row,
        only_rows(by_component, "component", owned),
        only_rows(islands, "entity", owned),
        history,
        f"/teams/{quote(team, safe='')}" + (f"?now={quote(moment.now_text)}" if moment.now_text else ""),
        {other: group_href(org, other, moment) for other in sorted(others - {team})},
    )
