"""What the delivery pages show: DORA's five metrics per cluster, team and service, a service's or team's
deployments, incidents and lead-time breakdown, and the chart specs, assembled from the delivery services.

Every figure comes from `DeliveryService` (`ws.delivery_at(now)`) and `PullRequestFlow`; a view only
picks rows, formats them for people and asks `orgflow.charts.delivery` for specs. Store calls run under
the hub's lock (`MetricsHub.query`), keyed by the request's "now", so each result is computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import pyarrow as pa

from orgflow.charts import delivery as delivery_charts
from orgflow.delivery.pr_service import PullRequestFlow
from orgflow.delivery.service import UNOWNED, DeliveryService
from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.web.dependencies import WebPaths, parse_filters
from orgflow.web.filters import Filters, parse_now
from orgflow.web.hub import MetricsHub
from orgflow.web.views import Chart, Context

T = TypeVar("T")

WINDOW_CHOICES = (("30", "last 30 days"), ("90", "last 90 days"), ("180", "last 180 days"), ("365", "last 365 days"))
"""The delivery pages' preset windows (plus "all" and a custom since/until)."""
YEAR_DAYS = 365


# -- filters ------------------------------------------------------------------------------------
def delivery_filters(hub: MetricsHub, params: Mapping[str, str]) -> Filters:
    """The page's filters; `window=365` (the last 365 whole days) becomes a custom since/until, so the
    links to the flow pages keep the same window.

    Raises:
        InputError: a bad window, date or now.
    """
    window = params.get("window") or None
    if window is not None and window not in {*(key for key, _label in WINDOW_CHOICES), "all", "custom"}:
        raise InputError(
            f"unknown window {window!r}",
            field="window",
            hint="use 30, 90, 180, 365 or all, or give since and until (YYYY-MM-DD)",
        )
    if window == str(YEAR_DAYS) and not (params.get("since") or params.get("until")):
        today = hub.now(parse_now(params.get("now") or None)).date()
        dates = {
            "since": (today - timedelta(days=YEAR_DAYS)).isoformat(),
            "until": (today - timedelta(days=1)).isoformat(),
        }
        params = {**{key: value for key, value in params.items() if key != "window"}, **dates}
    return parse_filters(hub, params, flow=False)


def delivery_context(hub: MetricsHub, params: Mapping[str, str]) -> Context:
    """The view context of a delivery page request."""
    filters = delivery_filters(hub, params)
    return Context(hub=hub, filters=filters, paths=WebPaths(filters))


def window_key(filters: Filters, today: date) -> str:
    """The window menu's choice: a preset, "365" for the last 365 days, "all" or "custom"."""
    last_year = (today - timedelta(days=YEAR_DAYS), today - timedelta(days=1))
    if filters.window == "custom" and (filters.since, filters.until) == last_year:
        return str(YEAR_DAYS)
    return filters.window


def describe_window(filters: Filters, today: date) -> str:
    """The window for people, naming the 365-day preset."""
    if window_key(filters, today) == str(YEAR_DAYS):
        return f"last {YEAR_DAYS} days ({filters.since} to {filters.until})"
    return filters.describe_window()


# -- the services, under the hub's lock ---------------------------------------------------------
def _now(context: Context) -> datetime:
    return context.hub.now(context.now)


def _call(context: Context, name: str, run: Callable[[], T], **params: Any) -> T:
    key = ("delivery", context.hub.service_key(context.now), name, tuple(sorted(params.items())))
    return context.hub.query(key, lambda _workspace: run())


def delivery_service(context: Context) -> DeliveryService:
    """The delivery service as of the request's "now" (its history is analysed once per "now").

    With no `now` in the URL nor given to the server, delivery keeps its own default: the end of the
    delivery data (deployments, commits, incidents), which may differ from the flow data's.
    """
    now = context.now or context.hub.fixed_now
    return _call(context, "service", lambda: context.hub.workspace.delivery_at(now))


def pull_request_flow(context: Context) -> PullRequestFlow:
    """Pull-request flow over the same delivery service (so the commit walk is not repeated)."""
    delivery = delivery_service(context)
    return _call(context, "pull-requests", lambda: PullRequestFlow(context.hub.workspace, delivery))


def _window(context: Context) -> dict[str, date | None]:
    return {"since": context.filters.since, "until": context.filters.until}


def summary(context: Context, *, by: str, **cut: str) -> MetricResult:
    """`DeliveryService.summary(by=..., bands=True)` over the page's window (and `cut`)."""
    window = _window(context)
    return _call(
        context,
        "summary",
        lambda: delivery_service(context).summary(by=by, bands=True, **window, **cut),
        by=by,
        **window,
        **cut,
    )


def _listing(context: Context, method: str, **cut: str) -> MetricResult:
    window = _window(context)
    return _call(context, method, lambda: getattr(delivery_service(context), method)(**window, **cut), **window, **cut)


def pr_summary(context: Context, *, by: str) -> MetricResult:
    """`PullRequestFlow.summary(by=...)` over the page's window, every group."""
    window = _window(context)
    return _call(context, "pr-summary", lambda: pull_request_flow(context).summary(by=by, **window), by=by, **window)


def _rows_where(result: MetricResult, column: str, accept: Callable[[str], bool], **params: Any) -> MetricResult:
    """The result with only the rows whose `column` passes `accept`."""
    values = result.table[column].to_pylist()
    mask = pa.array([value is not None and accept(value) for value in values], type=pa.bool_())
    table = result.table.filter(mask) if len(values) else result.table
    return replace(result, table=table, params={**result.params, **params, "rows": table.num_rows})


def repository_of(service: str) -> Callable[[str], bool]:
    """Whether a repository name ("org/name" or "name") is the service's (the roll-up's own rule)."""
    return lambda repo: repo.rsplit("/", 1)[-1] == service


# -- rows for people ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One DORA figure of a row: its value, text, sample size, DORA band (a label) and small-sample flag."""

    key: str
    label: str
    value: float | None
    text: str
    sample: str
    band: str | None = None
    small_sample: bool = False


@dataclass(frozen=True)
class DoraRow:
    """A service, team or group with its DORA figures (`row`: the summary row as the service gave it)."""

    key: str
    name: str
    href: str | None
    row: dict[str, Any]
    figures: list[Figure]

    @property
    def small_sample(self) -> bool:
        return bool(self.row.get("small_sample"))


def hours_text(hours: float | None) -> str:
    """Hours for people: "5.2 h" under two days, "4.1 d" from two days on; "–" when unknown."""
    if hours is None:
        return "–"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def days_text(hours: float | None) -> str:
    """Hours as days, the one unit of every duration column: "0.04 d", "1.7 d", "12.0 d"; "–" when unknown."""
    if hours is None:
        return "–"
    days = hours / 24
    return f"{days:.2f} d" if days < 1 else f"{days:.1f} d"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def dora_figures(row: dict[str, Any], *, small: int, graded: bool = True) -> list[Figure]:
    """The five metrics of a summary row (`small`: the small-sample threshold). A figure gets its DORA
    band only when `graded` (not a retired team) and its sample is not empty."""
    deployments, changes, failed = row["deployments"], row["changes"], row["failed_deployments"]
    few_deployments, few_changes = deployments < small, changes < small
    failures = f"{failed} of {deployments}: {row['failures_explicit']} explicit, {row['failures_inferred']} inferred"
    incidents = (
        f"{row['incidents_explicit']} explicit · {row['incidents_inferred']} inferred · "
        f"{row['incidents_unlinked']} unlinked"
    )
    # key, label, text, sample, band column, small sample
    table: list[tuple[str, str, str, str, str | None, bool]] = [
        ("deploys_per_week", "Deploys / week", _number(row["deploys_per_week"]), f"{deployments} deployments",
         "deploy_frequency_band", few_deployments),
        ("deploy_days_per_week_median", "Deploy days / week", _number(row["deploy_days_per_week_median"], 1),
         "median of whole weeks", None, False),
        ("lead_time_p50_hours", "Lead time p50", days_text(row["lead_time_p50_hours"]), f"{changes} changes",
         "lead_time_band", few_changes),
        ("lead_time_p85_hours", "Lead time p85", days_text(row["lead_time_p85_hours"]), f"{changes} changes",
         None, few_changes),
        ("change_fail_rate", "Change fail rate", _rate(row["change_fail_rate"]), failures,
         "change_fail_band", few_deployments),
        ("recovery_p50_hours", "Recovery p50", days_text(row["recovery_p50_hours"]),
         f"{row['recovered']} recovered, {row['unrecovered']} not yet", "recovery_band", row["recovered"] < small),
        ("rework_rate", "Rework rate", _rate(row["rework_rate"]),
         f"{row['hotfixes']} hotfixes ({row['rollbacks']} rollbacks apart)", None, few_deployments),
        ("incidents", "Incidents", str(row["incidents"]), incidents, None, False),
    ]  # fmt: skip
    samples = {
        "deploy_frequency_band": deployments,
        "lead_time_band": changes,
        "change_fail_band": deployments,
        "recovery_band": row["recovered"],
    }
    return [
        Figure(
            key,
            label,
            row[key],
            text,
            sample,
            row.get(band) if band and graded and row[key] is not None and samples.get(band) else None,
            few,
        )
        for key, label, text, sample, band, few in table
    ]


def team_href(context: Context, team: str) -> str:
    return context.filters.href(f"/delivery/teams/{quote(team, safe='')}", team=None, group=None)


def service_href(context: Context, service: str) -> str:
    return context.filters.href(f"/delivery/services/{quote(service, safe='')}", team=None, group=None)


def _retired(context: Context, team: str) -> bool:
    """Whether the team had ended by the window's end: its figures stand, but it gets no grade."""
    group = context.tree.groups.get(team)
    if group is None or group.valid_to is None:
        return False
    return context.filters.until is None or group.valid_to <= context.filters.until


def dora_rows(context: Context, result: MetricResult, *, key: str) -> list[DoraRow]:
    """Rows of a summary for people (teams and services link to their pages)."""
    small = context.hub.workspace.config.thresholds.small_sample
    rows = []
    for row in result.rows():
        name = row.get("name") or row[key]
        href = {"team": team_href, "service": service_href}.get(key)
        figures = dora_figures(row, small=small, graded=not (key == "team" and _retired(context, row[key])))
        rows.append(DoraRow(row[key], name, href(context, row[key]) if href else None, row, figures))
    return rows


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
    quality = _call(context, "quality", lambda: delivery_service(context).quality())
    team_rows = {row.key: row for row in dora_rows(context, teams, key="team")}
    group_rows = {row.key: row for row in dora_rows(context, groups, key="group")}
    clusters: list[ClusterBlock] = []
    placed: set[str] = set()
    for cluster in tree.clusters():
        members = [
            team_rows[team.group_id] for team in tree.teams_under(cluster.group_id) if team.group_id in team_rows
        ]
        placed.update(row.key for row in members)
        if members or cluster.group_id in group_rows:
            clusters.append(ClusterBlock(cluster.group_id, cluster.name, group_rows.get(cluster.group_id), members))
    others = [row for key, row in sorted(team_rows.items()) if key not in placed]
    if others:
        clusters.append(ClusterBlock(None, "Outside every cluster", None, others))
    roots = [group for group in tree.roots() if group.kind == "org" and group.group_id in group_rows]
    today = _now(context).date()
    suffix = context.filters.query(team=None, group=None)
    names = {group_id: group.name for group_id, group in tree.groups.items()}
    deployments = _listing(context, "deployments")
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
        now=_now(context),
        organization=group_rows[roots[0].group_id] if roots else None,
        clusters=clusters,
        services=dora_rows(context, services, key="service"),
        teams_result=teams,
        groups_result=groups,
        services_result=services,
        quality=quality,
        notes=[*teams.notes],
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
    owner_id = _call(context, "owner", lambda: delivery_service(context).owner(service), service=service)
    owner = (owner_id, context.tree.name(owner_id), team_href(context, owner_id))
    prs = _rows_where(pr_summary(context, by="repo"), "repo", repository_of(service), service=service)
    return _detail(context, "service", service, service, owner, total, None, prs, service=service)


def team_view(context: Context, team: str) -> DeliveryDetail:
    """One team's page: its services pooled, and each service apart.

    Raises:
        InputError: an unknown team (field "team").
    """
    if team != UNOWNED:
        context.tree.require(team, kind="team")
    total = summary(context, by="team", team=team)
    services = summary(context, by="service", team=team)
    prs = _rows_where(pr_summary(context, by="team"), "team", lambda value: value == team, team=team)
    name = context.tree.name(team)
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
    deployments = _listing(context, "deployments", **cut)
    incidents = _listing(context, "incidents", **cut)
    lead_time = _listing(context, "lead_time", **cut)
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
    notes = list(total.notes)
    if row is None or row.row["deployments"] == 0:
        notes.append(f"No successful production deployment of {name} in this window.")
    if prs.table.num_rows == 0:
        notes.append("No pull request finished in this window, so there is no stage breakdown.")
    return DeliveryDetail(
        kind=kind,
        key=key,
        name=name,
        window=describe_window(context.filters, _now(context).date()),
        now=_now(context),
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
