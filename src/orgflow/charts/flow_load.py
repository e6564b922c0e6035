"""Charts of flow load over time: cumulative flow, throughput and WIP run charts, flow distribution."""

from __future__ import annotations

from datetime import date
from typing import Any

from orgflow.charts.base import (
    DATE_AXIS,
    FLOW_TYPE_COLORS,
    Link,
    Width,
    day_of,
    href_channel,
    href_transform,
    period_end,
    plain,
    pointer,
    records,
    spec,
    window_bounds,
    with_links,
)
from orgflow.flow.service import MetricResult

# One hue per stage, grouped by phase so the bands still read in order: greys for the backlog, cool
# hues (blue, teal, purple, cyan, indigo) for working stages, warm ones (orange, yellow, pink, brown) for
# waiting, greens for done. Neighbouring stages of a phase get hues, not shades, so twelve stages stay apart.
_RAMPS = {
    "backlog": ["#bab0ac", "#8c8c8c"],
    "active": ["#4e79a7", "#59a89c", "#9467bd", "#17becf", "#3b3b98"],
    "wait": ["#f28e2b", "#edc948", "#ff9da7", "#9c755f"],
    "done": ["#59a14f", "#2e7d32"],
    "cancelled": ["#7b8794"],
    "unmapped": ["#c43d3d"],
}


def stage_colors(stages: list[tuple[str, str]]) -> dict[str, str]:
    """A color per stage from its category (list of (stage, category) in workflow order): cool hues for
    working stages, warm hues for waiting ones, a different hue for each neighbour of the same phase."""
    used: dict[str, int] = {}
    colors: dict[str, str] = {}
    for stage, category in stages:
        ramp = _RAMPS.get(category, _RAMPS["unmapped"])
        colors[stage] = ramp[used.get(category, 0) % len(ramp)]
        used[category] = used.get(category, 0) + 1
    return colors


def cfd_chart(
    result: MetricResult,
    *,
    colors: dict[str, str] | None = None,
    link: Link | None = None,
    width: Width = "container",
) -> dict[str, Any]:
    """Cumulative flow: per day, the items that reached each stage or a later one, drawn as bands
    (a band's height is the items that reached its stage but not the next). Points link to the
    items open at the end of that day. An unknown day (a null count: before the data's first event)
    is a gap, not a band of 0; no known day at all is no data (the page's notes say why)."""
    values = _known(_held_stages(records(result, ("date", "stage", "stage_order", "count"))), "count")
    stages = sorted({(row["stage_order"], row["stage"]) for row in values})
    domain = [stage for _order, stage in stages]
    color: dict[str, Any] = {
        "field": "stage",
        "type": "nominal",
        "title": "stage",
        "sort": domain,
        "scale": {"domain": domain, **({"range": [colors.get(s, "#888") for s in domain]} if colors else {})},
        # Three columns fit a phone's width, so no band (the largest is often the last) drops off the legend.
        "legend": {"columns": 3, "labelLimit": 88, "symbolType": "square"},
    }
    tooltip = [
        {"field": "date", "type": "temporal", "title": "day"},
        {"field": "stage", "title": "stage"},
        {"field": "band", "type": "quantitative", "title": "items in this stage"},
        {"field": "count", "type": "quantitative", "title": "reached this stage or later"},
    ]
    x = {"field": "date", "type": "temporal", "title": None, "axis": DATE_AXIS}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "area", "interpolate": "step-after", "opacity": 0.92},
            "encoding": {
                "x": x,
                "y": {
                    "field": "shown",
                    "type": "quantitative",
                    "stack": "zero",
                    "title": "items",
                },
                "color": color,
                "order": {"field": "stage_order", "type": "quantitative", "sort": "descending"},
                "tooltip": tooltip,
            },
        }
    ]
    if link is not None:
        # Invisible points on the band tops: what a click (or a hover) picks on the web page.
        layers.append(
            {
                "mark": {"type": "point", "size": 30, "opacity": 0, "filled": True, **pointer(link)},
                "encoding": {
                    "x": x,
                    "y": {"field": "shown", "type": "quantitative", "stack": "zero"},
                    "order": {"field": "stage_order", "type": "quantitative", "sort": "descending"},
                    "detail": {"field": "stage"},
                    "tooltip": tooltip,
                    **href_channel(link),
                },
            }
        )
    return spec(
        title="Cumulative flow",
        description=result.definition,
        values=values,
        width=width,
        height=260,
        transform=[
            {
                "window": [{"op": "lead", "field": "count", "as": "next_count"}],
                "groupby": ["date"],
                "sort": [{"field": "stage_order", "order": "ascending"}],
            },
            # An unknown count stays unknown (null: a gap), where arithmetic would make it 0.
            {"calculate": "datum.count == null ? null : datum.count - (datum.next_count || 0)", "as": "band"},
            # The last stage (done) piles up since the first item ever: draw it from the window's
            # start, as CFD tools do, so the bands of work in progress keep their height.
            {"joinaggregate": [{"op": "max", "field": "stage_order", "as": "last_order"}]},
            {"joinaggregate": [{"op": "min", "field": "count", "as": "first_count"}], "groupby": ["stage"]},
            {
                "calculate": "datum.band == null ? null : "
                "datum.stage_order === datum.last_order ? datum.band - datum.first_count : datum.band",
                "as": "shown",
            },
            *href_transform(link, {"show": "open", "item": None}, {"on": day_of("date")}),
        ],
        layer=layers,
    )


def _known(values: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """`values` as they are if one of them has a known `field` (the unknown ones are drawn as gaps), else
    none: a window the data says nothing of has no chart, not an empty frame."""
    return values if any(row[field] is not None for row in values) else []


def _held_stages(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The CFD rows without the stages no item was ever in (their band is 0 every day), so the legend
    lists only the bands drawn. The last stage always stays: it is drawn from the window's start."""
    by_day: dict[Any, list[dict[str, Any]]] = {}
    for row in values:
        by_day.setdefault(row["date"], []).append(row)
    last = max((row["stage_order"] for row in values), default=None)
    held: set[str] = set()
    for rows in by_day.values():
        rows.sort(key=lambda row: row["stage_order"])
        for row, after in zip(rows, [*rows[1:], None], strict=True):
            if (row["count"] or 0) - ((after or {}).get("count") or 0) > 0:
                held.add(row["stage"])
    return [row for row in values if row["stage"] in held or row["stage_order"] == last]


def throughput_chart(result: MetricResult, *, link: Link | None = None, width: Width = "container") -> dict[str, Any]:
    """Throughput run chart: items finished per period (points link to them) and items started. A period
    whose counts are unknown (null: wholly before the data's first event or after its last) is a gap in the
    lines, with no point, not a 0; no known period at all is no data (the page's notes say why)."""
    period = result.params.get("period", "week")
    first, last = window_bounds(result.params)
    values: list[dict[str, Any]] = []
    for row in result.rows():
        start: date = row["period_start"]
        since = max(start, first) if first else start
        until = min(period_end(start, period), last) if last else period_end(start, period)
        for measure in ("finished", "started"):
            value = {
                "period_start": plain(start),
                "measure": measure,
                "items": row[measure],
                "since": since.isoformat(),
                "until": until.isoformat(),
            }
            values.append(value)
    values = _known(values, "items")
    with_links(
        values,
        link,
        lambda row: {
            "show": "finished" if row["measure"] == "finished" else "started",
            "since": row["since"],
            "until": row["until"],
            "item": None,
        },
    )
    tooltip = [
        {"field": "since", "title": "from"},
        {"field": "until", "title": "to"},
        {"field": "measure", "title": "measure"},
        {"field": "items", "type": "quantitative", "title": "items"},
    ]
    encoding = {
        "x": {"field": "period_start", "type": "temporal", "title": f"{period} starting", "axis": DATE_AXIS},
        "y": {
            "field": "items",
            "type": "quantitative",
            "title": f"items per {period}",
            "axis": {"tickMinStep": 1, "format": ",d"},
        },
        # Color and dash share one legend (same field, same title): solid blue finished, dashed grey started.
        "color": {
            "field": "measure",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["finished", "started"], "range": ["#2f6fdf", "#a3acb9"]},
            "legend": {"orient": "top", "direction": "horizontal", "symbolType": "stroke", "symbolStrokeWidth": 2},
        },
        "strokeDash": {
            "field": "measure",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["finished", "started"], "range": [[1, 0], [4, 3]]},
            "legend": {"orient": "top", "direction": "horizontal", "symbolType": "stroke", "symbolStrokeWidth": 2},
        },
    }
    return spec(
        title=f"Throughput per {period}",
        description=result.definition,
        values=values,
        width=width,
        layer=[
            {"mark": {"type": "line", "strokeWidth": 2}, "encoding": encoding},
            {
                "mark": {"type": "point", "filled": True, "size": 50, **pointer(link)},
                "encoding": {**encoding, "tooltip": tooltip, **href_channel(link)},
            },
        ],
    )


def wip_chart(result: MetricResult, *, link: Link | None = None, width: Width = "container") -> dict[str, Any]:
    """WIP run chart: items in progress at the end of each day; a point lists those items. An unknown day
    (null WIP: before the data's first event) is a gap in the line, not a 0; no known day at all is no data."""
    values = _known(records(result, ("date", "wip")), "wip")
    encoding = {
        "x": {"field": "date", "type": "temporal", "title": None, "axis": DATE_AXIS},
        "y": {
            "field": "wip",
            "type": "quantitative",
            "title": "items in progress",
            "axis": {"tickMinStep": 1, "format": ",d"},
        },
    }
    return spec(
        title="Work in progress (end of day)",
        description=result.definition,
        values=values,
        width=width,
        transform=href_transform(link, {"show": "open", "item": None}, {"on": day_of("date")}),
        layer=[
            {
                "mark": {"type": "area", "color": "#2f6fdf", "opacity": 0.12, "interpolate": "step-after"},
                "encoding": encoding,
            },
            {"mark": {"type": "line", "color": "#2f6fdf", "interpolate": "step-after"}, "encoding": encoding},
            {
                "mark": {"type": "point", "filled": True, "size": 18, "color": "#2f6fdf", **pointer(link)},
                "encoding": {
                    **encoding,
                    "tooltip": [
                        {"field": "date", "type": "temporal", "title": "day"},
                        {"field": "wip", "type": "quantitative", "title": "WIP"},
                    ],
                    **href_channel(link),
                },
            },
        ],
    )


def distribution_chart(result: MetricResult, *, link: Link | None = None, width: Width = "container") -> dict[str, Any]:
    """Flow distribution: each flow type's share of finished items and of WIP; a bar lists its items."""
    values: list[dict[str, Any]] = []
    for row in result.rows():
        values.append(
            {
                "flow_type": row["flow_type"],
                "measure": "finished in window",
                "show": "finished",
                "items": row["finished"],
                "share": plain(row["finished_share"]),
            }
        )
        values.append(
            {
                "flow_type": row["flow_type"],
                "measure": "in progress at end",
                "show": "open",
                "items": row["wip"],
                "share": plain(row["wip_share"]),
            }
        )
    with_links(values, link, lambda row: {"show": row["show"], "type": row["flow_type"], "item": None})
    domain = [name for name in FLOW_TYPE_COLORS if any(v["flow_type"] == name for v in values)]
    domain += sorted({v["flow_type"] for v in values} - set(domain))
    for value in values:
        value["position"] = domain.index(value["flow_type"])
    return spec(
        title="Flow distribution",
        description=result.definition,
        values=values,
        width=width,
        height=90,
        mark={"type": "bar", **pointer(link)},
        encoding={
            "y": {"field": "measure", "type": "nominal", "title": None, "sort": ["finished in window"]},
            "x": {
                "field": "share",
                "type": "quantitative",
                "stack": "normalize",
                "title": None,
                "axis": {"format": "%"},
            },
            "color": {
                "field": "flow_type",
                "type": "nominal",
                "title": "flow type",
                "scale": {"domain": domain, "range": [FLOW_TYPE_COLORS.get(name, "#888") for name in domain]},
            },
            "order": {"field": "position", "type": "quantitative"},
            "tooltip": [
                {"field": "measure", "title": "of"},
                {"field": "flow_type", "title": "flow type"},
                {"field": "items", "type": "quantitative", "title": "items"},
                {"field": "share", "type": "quantitative", "format": ".0%", "title": "share"},
            ],
            **href_channel(link),
        },
    )
