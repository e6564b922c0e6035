"""One item's timeline: the stages it went through, as bars along time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orgflow.charts.base import CATEGORY_COLORS, DATE_AXIS, Width, plain, spec


def item_timeline_chart(
    steps: list[dict[str, Any]], *, stage_order: list[str], now: datetime, width: Width = "container"
) -> dict[str, Any]:
    """Gantt of an item's history. `steps`: dicts with status, stage, phase, category, entered_at and
    left_at (None while the item is still there, drawn up to `now`). Moves into done or cancelled
    are drawn as diamonds: time after the finish counts nowhere."""
    values = []
    for step in steps:
        terminal = step["category"] in ("done", "cancelled")
        end = step["left_at"] or (step["entered_at"] if terminal else now.replace(tzinfo=None))
        values.append(
            {
                "status": step["status"],
                "stage": step["stage"],
                "phase": step["phase"],
                "category": step["category"],
                "entered_at": plain(step["entered_at"]),
                "left_at": plain(end),
                "terminal": terminal,
            }
        )
    stages = [stage for stage in stage_order if any(v["stage"] == stage for v in values)]
    stages += sorted({v["stage"] for v in values} - set(stages))
    categories = [key for key in CATEGORY_COLORS if any(v["category"] == key for v in values)]
    color = {
        "field": "category",
        "type": "nominal",
        "title": None,
        "scale": {"domain": categories, "range": [CATEGORY_COLORS[key] for key in categories]},
    }
    y = {"field": "stage", "type": "nominal", "title": None, "sort": stages}
    tooltip = [
        {"field": "status", "title": "status"},
        {"field": "stage", "title": "stage"},
        {"field": "phase", "title": "phase"},
        {"field": "entered_at", "type": "temporal", "format": "%Y-%m-%d %H:%M", "title": "entered"},
        {"field": "left_at", "type": "temporal", "format": "%Y-%m-%d %H:%M", "title": "left"},
    ]
    return spec(
        title="Timeline",
        values=values,
        width=width,
        height=max(22 * len(stages), 60),
        layer=[
            {
                "transform": [{"filter": "!datum.terminal"}],
                "mark": {"type": "bar", "cornerRadius": 2, "height": 14},
                "encoding": {
                    "y": y,
                    "x": {"field": "entered_at", "type": "temporal", "title": None, "axis": DATE_AXIS},
                    "x2": {"field": "left_at"},
                    "color": color,
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum.terminal"}],
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 120},
                "encoding": {
                    "y": y,
                    "x": {"field": "entered_at", "type": "temporal"},
                    "color": color,
                    "tooltip": tooltip[:4],
                },
            },
        ],
    )
