"""Charts of flow time: the cycle-time scatterplot and aging work in progress."""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import (
    DATE_AXIS,
    FLOW_TYPE_COLORS,
    PERCENTILE_COLORS,
    Link,
    Width,
    field_of,
    href_channel,
    href_transform,
    jitter,
    pointer,
    records,
    spec,
)
from orgflow.flow.service import MetricResult

SLE_UNKNOWN = "SLE unknown"
"""An aging item's colour class when its team has no SLE the data supports (`over_sle` null)."""


def _percentile_rows(percentiles: dict[int, float | None]) -> list[dict[str, Any]]:
    return [
        {
            "percentile": f"p{p}",
            "days": round(days, 2),
            "label": f"p{p} {days:.1f} d",
            "color": PERCENTILE_COLORS.get(p),
        }
        for p, days in sorted(percentiles.items())
        if days is not None
    ]


def cycle_time_chart(
    result: MetricResult,
    *,
    percentiles: dict[int, float | None],
    link: Link | None = None,
    width: Width = "container",
) -> dict[str, Any]:
    """Cycle-time scatterplot: one point per finished item (finish day, cycle time in days), with
    the window's p50/p70/p85/p95 as lines (`percentiles`: {50: days, ...}, from the flow summary).
    A point opens its item. An item that skipped the working stages (went from the backlog straight to
    done, `skipped_start`) has no measured cycle time and is left out rather than drawn at 0."""
    columns = ("item_id", "title", "team_id", "item_type", "flow_type", "finished_at", "cycle_time_days")
    skipped = "skipped_start" in result.table.column_names
    values = [
        {key: value for key, value in row.items() if key != "skipped_start"}
        for row in records(result, (*columns, "skipped_start") if skipped else columns)
        if row["cycle_time_days"] is not None and not row.get("skipped_start")
    ]
    lines = _percentile_rows(percentiles)
    domain = [name for name in FLOW_TYPE_COLORS if any(v["flow_type"] == name for v in values)]
    return spec(
        title="Cycle time of finished items",
        description=result.definition,
        values=values,
        width=width,
        height=260,
        layer=[
            {
                "transform": href_transform(link, {"item": None}, {"item": field_of("item_id")}),
                "mark": {"type": "circle", "size": 28, "opacity": 0.7, **pointer(link)},
                "encoding": {
                    "x": {"field": "finished_at", "type": "temporal", "title": "finished", "axis": DATE_AXIS},
                    "y": {"field": "cycle_time_days", "type": "quantitative", "title": "cycle time (days)"},
                    "color": {
                        "field": "flow_type",
                        "type": "nominal",
                        "title": "flow type",
                        "scale": {"domain": domain, "range": [FLOW_TYPE_COLORS[name] for name in domain]},
                    },
                    "tooltip": [
                        {"field": "item_id", "title": "item"},
                        {"field": "title", "title": "title"},
                        {"field": "team_id", "title": "team"},
                        {"field": "item_type", "title": "type"},
                        {"field": "finished_at", "type": "temporal", "title": "finished"},
                        {
                            "field": "cycle_time_days",
                            "type": "quantitative",
                            "format": ".1f",
                            "title": "cycle time (d)",
                        },
                    ],
                    **href_channel(link),
                },
            },
            {
                "data": {"values": lines},
                "mark": {"type": "rule", "strokeDash": [5, 3], "strokeWidth": 1.5},
                "encoding": {
                    "y": {"field": "days", "type": "quantitative"},
                    "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                    "tooltip": [{"field": "label", "title": "percentile"}],
                },
            },
            {
                "data": {"values": lines},
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, "fontSize": 10},
                "encoding": {
                    "x": {"value": "width"},
                    "y": {"field": "days", "type": "quantitative"},
                    "text": {"field": "label"},
                    "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                },
            },
        ],
        resolve={"scale": {"color": "independent"}},
    )


def aging_chart(
    result: MetricResult,
    *,
    percentiles: dict[int, float | None],
    stage_order: list[str],
    link: Link | None = None,
    width: Width = "container",
) -> dict[str, Any]:
    """Aging work in progress: each open item's age by its current stage, over bands of the
    window's cycle-time percentiles (below p50 green ... above p95 red). Items past their team's
    SLE are ringed in red. A point opens its item."""
    values = records(
        result,
        (
            "item_id",
            "title",
            "team_id",
            "item_type",
            "current_stage",
            "age_days",
            "stage_age_days",
            "sle_days",
            "over_sle",
        ),
    )
    for value in values:
        value["offset"] = jitter(value["item_id"])
        # Unknown (no SLE the data supports) is its own colour, never "within SLE".
        over = value["over_sle"]
        value["sle"] = SLE_UNKNOWN if over is None else "past its team's SLE" if over else "within SLE"
    stages = [stage for stage in stage_order if any(v["current_stage"] == stage for v in values)]
    stages += sorted({v["current_stage"] for v in values} - set(stages))
    known = [(p, days) for p, days in sorted(percentiles.items()) if days is not None]
    bands: list[dict[str, Any]] = []
    lower = 0.0
    for p, days in known:
        bands.append({"from": lower, "to": days, "band": f"below p{p}", "color": PERCENTILE_COLORS[p]})
        lower = days
    if known:
        top = max([lower * 1.25, *[v["age_days"] or 0 for v in values]])
        bands.append({"from": lower, "to": top, "band": f"above p{known[-1][0]}", "color": "#d64545"})
    lines = _percentile_rows(percentiles)
    x = {
        "field": "current_stage",
        "type": "nominal",
        "title": None,
        "sort": stages,
        "scale": {"type": "band", "domain": stages, "paddingInner": 0.2},
        "axis": {"labelAngle": -30, "labelLimit": 110},
    }
    return spec(
        title="Aging work in progress",
        description=result.definition,
        values=values,
        width=width,
        height=260,
        layer=[
            {
                "data": {"values": bands},
                "mark": {"type": "rect", "opacity": 0.13},
                "encoding": {
                    "y": {"field": "from", "type": "quantitative"},
                    "y2": {"field": "to"},
                    "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                    "tooltip": [{"field": "band", "title": "cycle time"}],
                },
            },
            {
                "data": {"values": lines},
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, "fontSize": 10},
                "encoding": {
                    "x": {"value": "width"},
                    "y": {"field": "days", "type": "quantitative"},
                    "text": {"field": "label"},
                    "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                },
            },
            {
                "transform": href_transform(link, {"item": None}, {"item": field_of("item_id")}),
                "mark": {"type": "circle", "size": 36, "opacity": 0.85, **pointer(link)},
                "encoding": {
                    "x": x,
                    "xOffset": {"field": "offset", "type": "quantitative", "scale": {"domain": [-0.5, 0.5]}},
                    "y": {"field": "age_days", "type": "quantitative", "title": "age (days)"},
                    "color": {
                        "field": "sle",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": ["within SLE", "past its team's SLE", SLE_UNKNOWN],
                            "range": ["#3c4655", "#d64545", "#a8b0bb"],
                        },
                    },
                    "tooltip": [
                        {"field": "item_id", "title": "item"},
                        {"field": "title", "title": "title"},
                        {"field": "team_id", "title": "team"},
                        {"field": "current_stage", "title": "stage"},
                        {"field": "age_days", "type": "quantitative", "format": ".1f", "title": "age (d)"},
                        {"field": "stage_age_days", "type": "quantitative", "format": ".1f", "title": "in stage (d)"},
                        {"field": "sle_days", "type": "quantitative", "format": ".1f", "title": "SLE (d)"},
                    ],
                    **href_channel(link),
                },
            },
        ],
        resolve={"scale": {"color": "independent"}},
    )
