"""Charts of where time goes: the value-stream stage map, time per stage, blocked time."""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import CATEGORY_COLORS, Link, Width, href_channel, plain, pointer, records, spec, with_links
from orgflow.flow.service import MetricResult

StageCatalog = dict[str, tuple[str, str]]
"""stage -> (phase, category), from the workflow config."""

_CATEGORY_LABELS = {
    "active": "working",
    "wait": "waiting",
    "backlog": "backlog",
    "done": "done",
    "cancelled": "cancelled",
    "unmapped": "unmapped",
}


def _category_scale(values: list[dict[str, Any]]) -> dict[str, Any]:
    present = [label for key, label in _CATEGORY_LABELS.items() if any(v["kind"] == label for v in values)]
    keys = {label: key for key, label in _CATEGORY_LABELS.items()}
    return {"domain": present, "range": [CATEGORY_COLORS[keys[label]] for label in present]}


def stage_map_chart(
    result: MetricResult,
    *,
    catalog: StageCatalog,
    phases: list[str],
    link: Link | None = None,
    width: Width = "container",
) -> dict[str, Any]:
    """The value-stream stage map: one bar per phase, split into its stages, each as long as its
    share of the time finished items spent from creation to finish; working stages blue, waiting
    ones orange. The longest waiting stage is where work waits. A segment lists the finished items."""
    values = records(result, ("stage", "stage_order", "items", "total_days", "mean_days", "p85_days", "share"))
    for value in values:
        phase, category = catalog.get(value["stage"], ("unmapped", "unmapped"))
        value["phase"] = phase
        value["kind"] = _CATEGORY_LABELS.get(category, category)
        share = value["share"] or 0
        value["label"] = f"{value['stage']} {share:.0%}" if share >= 0.06 else ""
    with_links(values, link, lambda row: {"show": "finished", "item": None})
    order = [phase for phase in phases if any(v["phase"] == phase for v in values)]
    order += sorted({v["phase"] for v in values} - set(order))
    y = {"field": "phase", "type": "nominal", "title": None, "sort": order}
    x = {
        "field": "share",
        "type": "quantitative",
        "stack": "zero",
        "title": "share of time from creation to finish",
        "axis": {"format": "%"},
    }
    sort = {"field": "stage_order", "type": "quantitative"}
    return spec(
        title="Stage map: where the time goes",
        description=result.definition,
        values=values,
        width=width,
        height=34 * max(len(order), 1),
        layer=_stage_map_layers(y, x, sort, values, link),
    )


def _stage_map_layers(
    y: dict[str, Any], x: dict[str, Any], sort: dict[str, Any], values: list[dict[str, Any]], link: Link | None
) -> list[dict[str, Any]]:
    """Bars, then labels centred on their bar (the label's x is the segment's middle)."""
    bars = {
        "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1.5, **pointer(link)},
        "encoding": {
            "y": y,
            "x": x,
            "order": sort,
            "color": {"field": "kind", "type": "nominal", "title": None, "scale": _category_scale(values)},
            "tooltip": [
                {"field": "phase", "title": "phase"},
                {"field": "stage", "title": "stage"},
                {"field": "kind", "title": "time is"},
                {"field": "share", "type": "quantitative", "format": ".1%", "title": "share of time"},
                {"field": "mean_days", "type": "quantitative", "format": ".1f", "title": "mean days per item"},
                {"field": "p85_days", "type": "quantitative", "format": ".1f", "title": "p85 days"},
                {"field": "items", "type": "quantitative", "title": "items"},
            ],
            **href_channel(link),
        },
    }
    labels = {
        "transform": [
            {
                "window": [{"op": "sum", "field": "share", "as": "end"}],
                "groupby": ["phase"],
                "sort": [{"field": "stage_order"}],
                "frame": [None, 0],
            },
            {"calculate": "datum.end - datum.share / 2", "as": "middle"},
        ],
        "mark": {"type": "text", "color": "white", "align": "center", "fontSize": 10, "fontWeight": 600},
        "encoding": {
            "y": y,
            "x": {"field": "middle", "type": "quantitative"},
            "text": {"field": "label"},
        },
    }
    return [bars, labels]


def stage_time_chart(
    result: MetricResult,
    *,
    catalog: StageCatalog,
    link: Link | None = None,
    width: Width = "container",
) -> dict[str, Any]:
    """Time per stage: p85 (bar) and median (tick) days finished items spent in each stage."""
    values = records(result, ("stage", "stage_order", "items", "p50_days", "p85_days", "mean_days", "share"))
    for value in values:
        phase, category = catalog.get(value["stage"], ("unmapped", "unmapped"))
        value["phase"] = phase
        value["kind"] = _CATEGORY_LABELS.get(category, category)
    with_links(values, link, lambda row: {"show": "finished", "item": None})
    order = [row["stage"] for row in sorted(values, key=lambda row: (row["stage_order"] or 0, row["stage"]))]
    y = {"field": "stage", "type": "nominal", "title": None, "sort": order}
    tooltip = [
        {"field": "stage", "title": "stage"},
        {"field": "phase", "title": "phase"},
        {"field": "kind", "title": "time is"},
        {"field": "p50_days", "type": "quantitative", "format": ".1f", "title": "median days"},
        {"field": "p85_days", "type": "quantitative", "format": ".1f", "title": "p85 days"},
        {"field": "items", "type": "quantitative", "title": "items"},
    ]
    return spec(
        title="Time per stage (p85 bar, median tick)",
        description=result.definition,
        values=values,
        width=width,
        height=22 * max(len(order), 1),
        layer=[
            {
                "mark": {"type": "bar", "opacity": 0.85, **pointer(link)},
                "encoding": {
                    "y": y,
                    "x": {"field": "p85_days", "type": "quantitative", "title": "days in stage per item"},
                    "color": {"field": "kind", "type": "nominal", "title": None, "scale": _category_scale(values)},
                    "tooltip": tooltip,
                    **href_channel(link),
                },
            },
            {
                "mark": {"type": "tick", "color": "#1b2430", "thickness": 2, "size": 14},
                "encoding": {"y": y, "x": {"field": "p50_days", "type": "quantitative"}, "tooltip": tooltip},
            },
        ],
    )


def blocked_chart(
    result: MetricResult, *, link: Link | None = None, top: int = 12, width: Width = "container"
) -> dict[str, Any]:
    """Blocked time: the `top` most blocked items, their days blocked by reason (flag, blocked
    stage, a blocking item of another team). A bar opens its item."""
    rows = result.table.slice(0, top).to_pylist()
    reasons = {"flagged_days": "flagged", "status_days": "blocked stage", "link_days": "waiting on another team"}
    values: list[dict[str, Any]] = []
    for row in rows:
        for column, reason in reasons.items():
            days = plain(row[column]) or 0
            if days > 0:
                values.append(
                    {
                        "item_id": row["item_id"],
                        "title": row["title"],
                        "team_id": row["team_id"],
                        "reason": reason,
                        "days": days,
                        "blocked_days": plain(row["blocked_days"]),
                    }
                )
    with_links(values, link, lambda row: {"item": row["item_id"]})
    order = [row["item_id"] for row in rows]
    title = f"Blocked time (top {min(top, len(rows))} of {result.table.num_rows} blocked items)"
    if result.params.get("blocked_unknown"):
        # Nothing records flags or blocked statuses: the rows are only the items a link blocked, and a
        # count of "0 blocked items" would not be a measurement (`orgflow.flow.blocked_recorded`).
        waiting = result.table.num_rows
        items = f"{waiting} item{'' if waiting == 1 else 's'}"
        title = "Blocked time (unknown" + (f"; {items} waiting on another team)" if waiting else ")")
    return spec(
        title=title,
        description=result.definition,
        values=values,
        width=width,
        height=20 * max(len(order), 1),
        mark={"type": "bar", **pointer(link)},
        encoding={
            "y": {"field": "item_id", "type": "nominal", "title": None, "sort": order},
            "x": {
                "field": "days",
                "type": "quantitative",
                "stack": "zero",
                "title": "days blocked (a reason's own days; overlaps may add up)",
            },
            "color": {
                "field": "reason",
                "type": "nominal",
                "title": None,
                "scale": {"domain": list(reasons.values()), "range": ["#ef8a2a", "#d64545", "#8e5bd9"]},
            },
            "tooltip": [
                {"field": "item_id", "title": "item"},
                {"field": "title", "title": "title"},
                {"field": "team_id", "title": "team"},
                {"field": "reason", "title": "reason"},
                {"field": "days", "type": "quantitative", "format": ".1f", "title": "days"},
                {"field": "blocked_days", "type": "quantitative", "format": ".1f", "title": "total blocked (d)"},
            ],
            **href_channel(link),
        },
    )
