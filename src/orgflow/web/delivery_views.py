"""What the delivery pages show: DORA's five metrics per cluster, team and service, a service's or team's
deployments, incidents and lead-time breakdown, and the chart specs, assembled from the delivery services.

Every figure comes from `DeliveryService` (`ws.delivery_at(now)`) and `PullRequestFlow`; a view only
picks rows, formats them for people and asks `orgflow.charts.delivery` for specs. Store calls run under
the hub's lock (`MetricsHub.query`), keyed by the request's "now", so each result is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orgflow.charts import delivery as delivery_charts
from orgflow.delivery.presentation import NO_OWNER_TEXT
from orgflow.delivery.service import UNOWNED
from orgflow.flow.service import MetricResult
from orgflow.views.context import Chart, Context
from orgflow.web.delivery_context import (
    call,
    data_end_note,
    delivery_service,
    delivery_today,
    describe_window,
    listing,
    now_of,
    pr_summary,
    repository_of,
    rows_where,
    summary,
)
from orgflow.web.dora_rows import DoraRow, dora_rows, team_href


# -- the overview -------------------------------------------------------------------------------
@dataclass
class ClusterBlock:
    """A cluster's roll-up row (None for teams outside every cluster) and its teams' rows."""

    group_id: str | None
    name: str
    total: DoraRow | None
    teams: list[DoraRow]


@dataclass
class DeliveryOverview:
    """The /delivery page: every cluster and team, the services, the data-quality notes and charts."""

    window: str
    now: datetime
    organization: DoraRow | None
    clusters: list[ClusterBlock]
    services: list[DoraRow]
    teams_result: MetricResult
    groups_result: MetricResult
    services_result: MetricResult
    quality: MetricResult
    notes: list[str]
    charts: list[Chart] = field(default_factory=list)


def overview_view(context: Context) -> DeliveryOverview:
    """DORA's five metrics per team rolled up to clusters, per service, with the quality warnings."""
    tree = context.tree
    teams = summary(context, by="team")
    groups = summary(context, by="group")
    services = summary(context, by="service")
    quality = call(context, "quality", lambda: delivery_service(context).quality())
    team_rows = {row.key: row for row in dora_rows(context, teams, key="team")}
    group_rows = {row.key: row for row in dora_rows(context, groups, key="group")}
    clusters: list[ClusterBlock] = []
    placed: set[str | None] = set()
    for cluster in tree.clusters():
        members = [
            team_rows[team.group_id] for team in tree.teams_under(cluster.group_id) if team.group_id in team_rows
        ]
        placed.update(row.key for row in members)
        if members or cluster.group_id in group_rows:
            clusters.append(ClusterBlock(cluster.group_id, cluster.name, group_rows.get(cluster.group_id), members))
    # Teams by id; the row of deployments no team owns (key None) last.
    others = [
        row
        for key, row in sorted(team_rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
        if key not in placed
    ]
    if others:
        clusters.append(ClusterBlock(None, "Outside every cluster", None, others))
    roots = [group for group in tree.roots() if group.kind == "org" and group.group_id in group_rows]
    today = delivery_today(context.hub, context.now)
    suffix = context.filters.query(team=None, group=None)
    names = {group_id: group.name for group_id, group in tree.groups.items()}
    deployments = listing(context, "deployments")
    charts = [
        Chart(
            "deployments-per-week",
            delivery_charts.deployments_per_week_chart(
                deployments, names=names, team_href="/delivery/teams/", href_suffix=suffix
            ),
            "Successful production deployments per Monday-to-Sunday week (UTC), stacked by owner team; "
            "click a bar for the team.",
            wide=True,
        ),
        Chart(
            "lead-time-percentiles",
            delivery_charts.lead_time_percentiles_chart(
                teams, key="team", link_prefix="/delivery/teams/", href_suffix=suffix
            ),
            "p50 (green) over p85 (orange) of commit → production hours, over the commits first deployed "
            "in the window.",
        ),
        Chart(
            "service-lead-time-percentiles",
            delivery_charts.lead_time_percentiles_chart(
                services, key="service", link_prefix="/delivery/services/", href_suffix=suffix
            ),
            "The same per service.",
        ),
    ]
    return DeliveryOverview(
        window=describe_window(context.filters, today),
        now=now_of(context),
        organization=group_rows[roots[0].group_id] if roots else None,
        clusters=clusters,
        services=dora_rows(context, services, key="service"),
        teams_result=teams,
        groups_result=groups,
        services_result=services,
        quality=quality,
        notes=[*data_end_note(context), *teams.notes],
        charts=charts,
    )


# -- one service or team ------------------------------------------------------------------------
@dataclass
class DeliveryDetail:
    """A service's or a team's delivery page: its figures, deployments, incidents and lead-time breakdown."""

    kind: str
    key: str
    name: str
    window: str
    now: datetime
    owner: tuple[str, str, str] | None
    """For a service: its owner team's id, name and delivery page."""
    total: DoraRow | None
    services: list[DoraRow]
    summary: MetricResult
    services_result: MetricResult | None
    deployments: MetricResult
    incidents: MetricResult
    pr_stages: MetricResult
    charts: list[Chart]
    notes: list[str]


def service_view(context: Context, service: str) -> DeliveryDetail:
    """One service's page.

    Raises:
        InputError: no production deployment of `service` (field "service").
    """
    total = summary(context, by="service", service=service)
    owner_id = call(context, "owner", lambda: delivery_service(context).owner(service), service=service)
    # A service no team owns has no owner team (and no team page), not a team called "unowned".
    owner = None if owner_id == UNOWNED else (owner_id, context.tree.name(owner_id), team_href(context, owner_id))
    prs = rows_where(pr_summary(context, by="repo"), "repo", repository_of(service), service=service)
    detail = _detail(context, "service", service, service, owner, total, None, prs, service=service)
    if owner is None:
        detail.notes.append(f"{service} has no owning team: no component names it with an owner.")
    return detail


def team_view(context: Context, team: str) -> DeliveryDetail:
    """One team's page: its services pooled, and each service apart.

    Raises:
        InputError: an unknown team (field "team").
    """
    if team != UNOWNED:
        context.tree.require(team, kind="team")
    total = summary(context, by="team", team=team)
    services = summary(context, by="service", team=team)
    prs = rows_where(pr_summary(context, by="team"), "team", lambda value: value == team, team=team)
    name = NO_OWNER_TEXT if team == UNOWNED else context.tree.name(team)
    return _detail(context, "team", team, name, None, total, services, prs, team=team)


def _detail(
    context: Context,
    kind: str,
    key: str,
    name: str,
    owner: tuple[str, str, str] | None,
    total: MetricResult,
    services: MetricResult | None,
    prs: MetricResult,
    **cut: str,
) -> DeliveryDetail:
    deployments = listing(context, "deployments", **cut)
    incidents = listing(context, "incidents", **cut)
    lead_time = listing(context, "lead_time", **cut)
    rows = dora_rows(context, total, key=kind)
    row = rows[0] if rows else None
    percentiles = {50: row.row["lead_time_p50_hours"], 85: row.row["lead_time_p85_hours"]} if row else {}
    names = {group_id: group.name for group_id, group in context.tree.groups.items()}
    charts = [
        Chart(
            "deployments",
            delivery_charts.deployment_timeline_chart(deployments),
            "Each successful production deployment: red failed (a rollback, hotfix or incident followed), "
            "orange a hotfix, purple a rollback; size: the commits it brought to production first.",
            wide=True,
        ),
        Chart(
            "lead-time",
            delivery_charts.lead_time_per_deployment_chart(lead_time, percentiles=percentiles),
            "Each commit's hours from commit to the deployment that first shipped it; a tick marks each "
            "deployment's median, dashed lines the window's p50 and p85.",
        ),
        Chart(
            "pr-stages",
            delivery_charts.pr_stage_breakdown_chart(
                prs, group="team" if kind == "team" else "repo", names=names if kind == "team" else None
            ),
            "Pull requests finished in the window: the p50 (and p85) hours of each stage, coding (first "
            "commit → opened), pickup (→ first review), review (→ merge), deploy (→ first production "
            "deployment containing it). Stage percentiles do not add up to the percentile of the total.",
        ),
    ]
    notes = [*data_end_note(context), *total.notes]
    # Unknown is not zero: no row, or a row whose deployments are null (no loaded deployment source covers
    # its services, `orgflow.delivery.rollup.NOT_COVERED`), says nothing about how many there were.
    deployed = row.row["deployments"] if row is not None else None
    if deployed == 0:
        notes.append(f"No successful production deployment of {name} in this window.")
    elif deployed is None:
        covered = "it" if kind == "service" else "any service it owns"
        notes.append(
            f"Deployments of {name} are unknown, not zero: no loaded deployment source covers {covered} "
            "(import its deployments, or set its services' owner)."
        )
    if prs.table.num_rows == 0:
        notes.append("No pull request finished in this window, so there is no stage breakdown.")
    return DeliveryDetail(
        kind=kind,
        key=key,
        name=name,
        window=describe_window(context.filters, delivery_today(context.hub, context.now)),
        now=now_of(context),
        owner=owner,
        total=row,
        services=dora_rows(context, services, key="service") if services is not None else [],
        summary=total,
        services_result=services,
        deployments=deployments,
        incidents=incidents,
        pr_stages=prs,
        charts=charts,
        notes=notes,
    )
