"""Charts of delivery: deployments per week, change lead time percentiles, a service's deployments and
lead times, and where a pull request's time goes (coding, pickup, review, deploy).

Each function reshapes the rows of a delivery result (`DeliveryService` or `PullRequestFlow`) for
Vega-Lite and computes no figure: weekly counts and per-deployment medians are drawn by Vega-Lite from
the rows, and the percentile lines are the service's own figures.
"""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import DATE_AXIS, PERCENTILE_COLORS, Width, records, spec
from orgflow.delivery.presentation import NO_OWNER_TEXT
from orgflow.flow.service import MetricResult

OUTCOME_COLORS = {"normal": "#2f9e5b", "failed": "#d64545", "hotfix": "#ef8a2a", "rollback": "#8e5bd9"}
"""A deployment's outcome: a rollback or hotfix by its kind, else failed or normal."""

STAGE_COLORS = {"coding": "#2f6fdf", "pickup": "#ef8a2a", "review": "#8e5bd9", "deploy": "#2f9e5b"}
"""The pull-request stages, in order."""

_DAY_MS = 86_400_000
_WEEK_MS = 7 * _DAY_MS
_FIRST_MONDAY_MS = 4 * _DAY_MS
"""1970-01-05, the first Monday of the Unix epoch: weeks run Monday to Sunday (UTC), as DORA's do."""

_UTC = {"type": "utc"}


def _link(prefix: str | None, field: str, suffix: str, *, nullable: bool = False) -> list[dict[str, Any]]:
    """A transform giving each datum an `href`: prefix + the field's value + suffix (none without prefix;
    when `nullable`, none for a datum whose field is null)."""
    if prefix is None:
        return []
    expression = f"{_quoted(prefix)} + encodeURIComponent(datum[{_quoted(field)}]) + {_quoted(suffix)}"
    if nullable:
        expression = f"isValid(datum[{_quoted(field)}]) ? {expression} : null"
    return [{"calculate": expression, "as": "href"}]


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _href(prefix: str | None) -> dict[str, Any]:
    return {"href": {"field": "href", "type": "nominal"}} if prefix is not None else {}


def _pointer(prefix: str | None) -> dict[str, Any]:
    return {"cursor": "pointer"} if prefix is not None else {}


def deployments_per_week_chart(
    result: MetricResult,
    *,
    names: dict[str, str],
    team_href: str | None = None,
    href_suffix: str = "",
    width: Width = "container",
) -> dict[str, Any]:
    """Stacked bars: successful production deployments per Monday-to-Sunday week (UTC), one color per
    owner team. `result` is `DeliveryService.deployments`; `names` maps team ids to names. With
    `team_href` ("/delivery/teams/"), a bar opens its team's page (`href_suffix`: the page's query)."""
    values = records(result, ("deployment_id", "service", "owner", "finished_at", "kind"))
    for value in values:
        # A deployment no team owns has no owner: named so, with no team page to open.
        owner = value["owner"]
        value["team"] = NO_OWNER_TEXT if owner is None else names.get(owner, owner)
    week = (
        f"floor((toNumber(toDate(datum.finished_at)) - {_FIRST_MONDAY_MS}) / {_WEEK_MS}) * {_WEEK_MS} "
        f"+ {_FIRST_MONDAY_MS}"
    )
    return spec(
        title="Deployments per week",
        description=result.definition,
        values=values,
        width=width,
        height=240,
        transform=[
            {"calculate": week, "as": "week"},
            {"calculate": f"datum.week + {_WEEK_MS}", "as": "week_end"},
            {"calculate": "utcFormat(datum.week, '%Y-%m-%d')", "as": "week_of"},
            *_link(team_href, "owner", href_suffix, nullable=True),
        ],
        mark={"type": "bar", "stroke": "#ffffff", "strokeWidth": 0.5, **_pointer(team_href)},
        encoding={
            "x": {"field": "week", "type": "temporal", "title": "week", "scale": _UTC, "axis": DATE_AXIS},
            "x2": {"field": "week_end"},
            "y": {"aggregate": "count", "type": "quantitative", "title": "deployments"},
            "color": {"field": "team", "type": "nominal", "title": "team", "scale": {"scheme": "tableau20"}},
            "detail": {"field": "owner", "type": "nominal"},
            "tooltip": [
                {"field": "week_of", "title": "week of"},
                {"field": "team", "title": "team"},
                {"aggregate": "count", "type": "quantitative", "title": "deployments"},
            ],
            **_href(team_href),
        },
    )


def lead_time_percentiles_chart(
    result: MetricResult,
    *,
    key: str,
    link_prefix: str | None = None,
    href_suffix: str = "",
    width: Width = "container",
) -> dict[str, Any]:
    """Change lead time per row of a DORA summary (`key`: "team" or "service"): a bar to p85 with
    the p50 bar over it, in hours, each labelled with the number of changes behind it."""
    label = "name" if key != "service" else key
    fields = dict.fromkeys((key, label, "changes", "lead_time_p50_hours", "lead_time_p85_hours"))
    values = [value for value in records(result, tuple(fields)) if value["lead_time_p50_hours"] is not None]
    for value in values:
        value["label"] = value[label]
    order = [value["label"] for value in sorted(values, key=lambda v: v["lead_time_p50_hours"])]
    return spec(
        title="Change lead time (commit to production)",
        description=result.definition,
        values=values,
        width=width,
        height=max(120, 26 * len(values)),
        transform=[
            {"fold": ["lead_time_p85_hours", "lead_time_p50_hours"], "as": ["statistic", "hours"]},
            {"calculate": "datum.statistic === 'lead_time_p50_hours' ? 'p50' : 'p85'", "as": "percentile"},
            *_link(link_prefix, key, href_suffix),
        ],
        mark={"type": "bar", "height": {"band": 0.7}, **_pointer(link_prefix)},
        encoding={
            "y": {"field": "label", "type": "nominal", "title": None, "sort": order},
            "x": {"field": "hours", "type": "quantitative", "title": "hours", "stack": None},
            "color": {
                "field": "percentile",
                "type": "nominal",
                "title": "percentile",
                "scale": {"domain": ["p50", "p85"], "range": [PERCENTILE_COLORS[50], PERCENTILE_COLORS[85]]},
            },
            "tooltip": [
                {"field": "label", "title": key},
                {"field": "percentile", "title": "percentile"},
                {"field": "hours", "type": "quantitative", "format": ".1f", "title": "hours"},
                {"field": "changes", "type": "quantitative", "title": "changes"},
            ],
            **_href(link_prefix),
        },
    )


def deployment_timeline_chart(result: MetricResult, *, width: Width = "container") -> dict[str, Any]:
    """One point per deployment (finish instant, service), colored by outcome: rollback or hotfix by
    kind, else failed (rollback, hotfix or incident after it) or normal; sized by the commits it
    brought to production first. `result` is `DeliveryService.deployments`."""
    values = records(
        result,
        (
            "deployment_id",
            "service",
            "finished_at",
            "kind",
            "failed",
            "failure_causes",
            "failure_link",
            "new_commits",
            "incident_ids",
            "recovery_hours",
        ),
    )
    services = sorted({value["service"] for value in values})
    return spec(
        title="Deployments by outcome",
        description=result.definition,
        values=values,
        width=width,
        height=max(90, 46 * len(services)),
        transform=[
            {
                "calculate": "datum.kind !== 'normal' ? datum.kind : (datum.failed ? 'failed' : 'normal')",
                "as": "outcome",
            }
        ],
        mark={"type": "circle", "opacity": 0.8, "stroke": "#ffffff", "strokeWidth": 0.5},
        encoding={
            "x": {"field": "finished_at", "type": "temporal", "title": "finished", "scale": _UTC, "axis": DATE_AXIS},
            "y": {"field": "service", "type": "nominal", "title": None},
            "color": {
                "field": "outcome",
                "type": "nominal",
                "title": "outcome",
                "scale": {"domain": list(OUTCOME_COLORS), "range": list(OUTCOME_COLORS.values())},
            },
            "size": {
                "field": "new_commits",
                "type": "quantitative",
                "title": "new commits",
                "scale": {"range": [30, 300]},
            },
            "tooltip": [
                {"field": "deployment_id", "title": "deployment"},
                {"field": "finished_at", "type": "temporal", "format": "%Y-%m-%d %H:%M", "title": "finished"},
                {"field": "outcome", "title": "outcome"},
                {"field": "failure_causes", "title": "failed because of"},
                {"field": "failure_link", "title": "failure link"},
                {"field": "incident_ids", "title": "incidents"},
                {"field": "new_commits", "type": "quantitative", "title": "new commits"},
                {"field": "recovery_hours", "type": "quantitative", "format": ".1f", "title": "recovery (h)"},
            ],
        },
    )


def lead_time_per_deployment_chart(
    result: MetricResult,
    *,
    percentiles: dict[int, float | None],
    width: Width = "container",
) -> dict[str, Any]:
    """Change lead time of every commit, at the deployment that first brought it to production (hours),
    a tick at each deployment's median, and the window's p50 and p85 (`percentiles`, from the DORA
    summary) as lines. `result` is `DeliveryService.lead_time`."""
    values = records(result, ("sha", "service", "deployment_id", "deployed_at", "lead_time_hours"))
    for value in values:
        value["sha"] = value["sha"][:12] if value["sha"] else value["sha"]
    lines = [
        {"percentile": f"p{p}", "hours": round(hours, 2), "label": f"p{p} {hours:.1f} h", "color": PERCENTILE_COLORS[p]}
        for p, hours in sorted(percentiles.items())
        if hours is not None
    ]
    x = {"field": "deployed_at", "type": "temporal", "title": "deployed", "scale": _UTC, "axis": DATE_AXIS}
    return spec(
        title="Change lead time per deployment",
        description=result.definition,
        values=values,
        width=width,
        height=260,
        layer=[
            {
                "mark": {"type": "circle", "size": 18, "opacity": 0.35},
                "encoding": {
                    "x": x,
                    "y": {"field": "lead_time_hours", "type": "quantitative", "title": "lead time (hours)"},
                    "color": {"field": "service", "type": "nominal", "title": "service"},
                    "tooltip": [
                        {"field": "sha", "title": "commit"},
                        {"field": "deployment_id", "title": "deployment"},
                        {"field": "deployed_at", "type": "temporal", "format": "%Y-%m-%d %H:%M", "title": "deployed"},
                        {"field": "lead_time_hours", "type": "quantitative", "format": ".1f", "title": "hours"},
                    ],
                },
            },
            {
                "transform": [
                    {
                        "aggregate": [
                            {"op": "median", "field": "lead_time_hours", "as": "median_hours"},
                            {"op": "count", "as": "commits"},
                        ],
                        "groupby": ["deployment_id", "deployed_at"],
                    }
                ],
                "mark": {"type": "tick", "orient": "horizontal", "color": "#1d2633", "thickness": 2, "size": 10},
                "encoding": {
                    "x": x,
                    "y": {"field": "median_hours", "type": "quantitative"},
                    "tooltip": [
                        {"field": "deployment_id", "title": "deployment"},
                        {"field": "median_hours", "type": "quantitative", "format": ".1f", "title": "median (h)"},
                        {"field": "commits", "type": "quantitative", "title": "commits"},
                    ],
                },
            },
            {
                "data": {"values": lines},
                "mark": {"type": "rule", "strokeDash": [4, 3]},
                "encoding": {
                    "y": {"field": "hours", "type": "quantitative"},
                    "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                    "tooltip": [{"field": "label", "title": "window"}],
                },
            },
        ],
    )


def pr_stage_breakdown_chart(
    result: MetricResult, *, group: str, names: dict[str, str] | None = None, width: Width = "container"
) -> dict[str, Any]:
    """Where a pull request's lead time goes: per group (`group`: "team" or "repo"), a bar of the
    stages' p50 hours stacked (coding, pickup, review, deploy) and one of their p85 hours. A sum of
    per-stage percentiles is not the percentile of the total: each segment is its stage's own.
    `result` is `PullRequestFlow.summary`."""
    values = records(result, (group, "stage", "count", "p50_hours", "p85_hours", "small_sample"))
    for value in values:
        value["group"] = (names or {}).get(value[group], value[group])
    stages = list(STAGE_COLORS)
    return spec(
        title="Where pull-request time goes",
        description=result.definition,
        values=values,
        width=width,
        height=max(100, 34 * len({value["group"] for value in values}) * 2),
        transform=[
            {"fold": ["p50_hours", "p85_hours"], "as": ["statistic_field", "hours"]},
            {"calculate": "datum.statistic_field === 'p50_hours' ? 'p50' : 'p85'", "as": "statistic"},
            {"calculate": "datum.group + ' · ' + datum.statistic", "as": "bar"},
            {"calculate": f"indexof({stages!r}, datum.stage)", "as": "stage_order"},
            {"filter": "isValid(datum.hours)"},
        ],
        mark={"type": "bar", "height": {"band": 0.7}},
        encoding={
            "y": {"field": "bar", "type": "nominal", "title": None, "sort": "ascending"},
            "x": {"field": "hours", "type": "quantitative", "title": "hours (stacked stage percentiles)"},
            "color": {
                "field": "stage",
                "type": "nominal",
                "title": "stage",
                "scale": {"domain": stages, "range": list(STAGE_COLORS.values())},
            },
            "order": {"field": "stage_order", "type": "quantitative"},
            "tooltip": [
                {"field": "group", "title": group},
                {"field": "stage", "title": "stage"},
                {"field": "statistic", "title": "statistic"},
                {"field": "hours", "type": "quantitative", "format": ".1f", "title": "hours"},
                {"field": "count", "type": "quantitative", "title": "pull requests"},
                {"field": "small_sample", "title": "small sample"},
            ],
        },
    )
