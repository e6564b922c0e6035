"""Charts of the organization: team sizes against the design limits, and a team's size over time."""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import DATE_AXIS, plain, spec
from orgflow.flow.service import MetricResult

WITHIN = "#2f6fdf"
OUTSIDE = "#d64545"


def team_size_chart(
    summary: MetricResult, *, minimum: int, maximum: int, hrefs: dict[str, str] | None = None
) -> dict[str, Any]:
    """Direct members of every team on the date (`OrgService.summary` rows of kind team), one bar per team
    in org-chart order, red outside [minimum, maximum], with both limits as rules. A bar opens `hrefs[team]`."""
    values = []
    for row in summary.rows():
        if row["kind"] != "team":
            continue
        inside = minimum <= row["members"] <= maximum
        values.append(
            {
                "team": row["group"],
                "name": row["name"],
                "cluster": row["parent"],
                "members": row["members"],
                "fte": plain(row["fte"]),
                "checks_failed": row["checks_failed"],
                "size_check": "within limits" if inside else "outside limits",
                "href": (hrefs or {}).get(row["group"], ""),
            }
        )
    order = [value["name"] for value in values]
    tooltip = [
        {"field": "name", "title": "team"},
        {"field": "cluster", "title": "parent"},
        {"field": "members", "title": "direct members"},
        {"field": "fte", "title": "FTE", "format": ".1f"},
        {"field": "checks_failed", "title": "checks failed"},
    ]
    limits = [{"limit": minimum, "label": f"min {minimum}"}, {"limit": maximum, "label": f"max {maximum}"}]
    return spec(
        title="Team sizes",
        description=summary.definition,
        values=values,
        height=max(120, 22 * len(values)),
        layer=[
            {
                "mark": {"type": "bar", "cursor": "pointer", "cornerRadiusEnd": 2},
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "sort": order, "title": None},
                    "x": {"field": "members", "type": "quantitative", "title": "direct members"},
                    "color": {
                        "field": "size_check",
                        "type": "nominal",
                        "scale": {"domain": ["within limits", "outside limits"], "range": [WITHIN, OUTSIDE]},
                        "title": None,
                    },
                    "href": {"field": "href", "type": "nominal"},
                    "tooltip": tooltip,
                },
            },
            {
                "data": {"values": limits},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#3c4655"},
                "encoding": {"x": {"field": "limit", "type": "quantitative"}},
            },
            {
                "data": {"values": limits},
                "mark": {"type": "text", "align": "left", "dx": 3, "dy": -4, "baseline": "bottom", "color": "#3c4655"},
                "encoding": {
                    "x": {"field": "limit", "type": "quantitative"},
                    "y": {"value": 0},
                    "text": {"field": "label"},
                },
            },
        ],
    )


def team_history_chart(history: MetricResult, *, minimum: int, maximum: int) -> dict[str, Any]:
    """A team's direct members on every day its membership changed (`OrgService.history`), as steps,
    with joins and leaves in the tooltip and the size limits as rules."""
    values = [
        {
            "date": plain(row["date"]),
            "members": row["members"],
            "fte": plain(row["fte"]),
            "joined": row["joined"],
            "left": row["left"],
        }
        for row in history.rows()
    ]
    tooltip = [
        {"field": "date", "type": "temporal", "title": "from", "format": "%Y-%m-%d"},
        {"field": "members", "title": "direct members"},
        {"field": "fte", "title": "FTE", "format": ".1f"},
        {"field": "joined"},
        {"field": "left"},
    ]
    return spec(
        title="Team size over time",
        description=history.definition,
        values=values,
        height=180,
        layer=[
            {
                "mark": {"type": "line", "interpolate": "step-after", "point": True, "color": WITHIN},
                "encoding": {
                    "x": {"field": "date", "type": "temporal", "title": None, "axis": {**DATE_AXIS, "format": "%b %Y"}},
                    "y": {"field": "members", "type": "quantitative", "title": "direct members"},
                    "tooltip": tooltip,
                },
            },
            {
                "data": {"values": [{"limit": minimum}, {"limit": maximum}]},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#3c4655"},
                "encoding": {"y": {"field": "limit", "type": "quantitative"}},
            },
        ],
    )
