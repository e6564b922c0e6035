"""The plan board as a chart: teams x time, one bar per team and initiative, dependency arrows, targets.

Every figure comes from `PlanResult.board()` (`orgflow.forecast.plan_result`): this module only lays
it out (lane positions, bar ends, arrow ends). A lane whose team's calibration cannot hold has no
finish: it is drawn as a faint one-day stub at its start, with the reason in its tooltip and the
chart's subtitle, never with a made-up finish.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from orgflow.charts.base import DATE_AXIS, Width, spec

TARGET_COLOR = "#1f2a37"
INITIATIVE_COLORS = (
    "#2f6fdf",
    "#2f9e5b",
    "#ef8a2a",
    "#8e5bd9",
    "#d64545",
    "#1c9aa6",
    "#b5873a",
    "#d6589f",
    "#5c6b7a",
    "#7fae3a",
)
"""One color per initiative, in working order (repeats past ten)."""
_LANE_HEIGHT = 56
_BAR_HALF = 0.17
"""Half a bar's height, in lanes; a team's initiatives alternate above and below the lane's middle."""


def _next_day(text: str) -> str:
    """The day after an ISO date: a bar covers its last day (dates are inclusive)."""
    return (date.fromisoformat(text) + timedelta(days=1)).isoformat()


def board_layout(board: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The board as chart rows: `bars` (lane y, p50 part and p50-to-confident part), `arrows` (from
    the end of the dependency's last-finishing bar to the start of the dependent's first bar),
    `targets` (a marker per initiative lane at its target date) and `lanes` (team per lane).

    A bar's y is its team's lane plus or minus a small offset (alternating in working order), so the
    p50-to-confident tail of one initiative does not hide the start of the next one. A bar without a
    median finish (its team's calibration cannot hold, or beyond the horizon) is a faint one-day stub
    at its start whose `unknown` says why; a bar without a start is not drawn.
    """
    lane_of = {team: index for index, team in enumerate(board["teams"])}
    order = {item["name"]: position for position, item in enumerate(board["initiatives"])}
    details = {item["name"]: item for item in board["initiatives"]}
    seen_per_team: dict[str, int] = {}
    bars = []
    for bar in sorted(board["bars"], key=lambda bar: (order[bar["initiative"]], lane_of[bar["team"]])):
        if bar["start"] is None:
            continue
        unknown = "" if bar["finish_p50"] else bar.get("null_reason") or "later than the horizon"
        p50_end = _next_day(bar["finish_p50"] or bar["start"])
        slot = seen_per_team.get(bar["team"], 0)
        seen_per_team[bar["team"]] = slot + 1
        middle = lane_of[bar["team"]] + (-1 if slot % 2 == 0 else 1) * (_BAR_HALF + 0.02)
        item = details[bar["initiative"]]
        probability = item["probability"]
        bars.append(
            {
                "team": bar["team"],
                "initiative": bar["initiative"],
                "order": order[bar["initiative"]],
                "y": middle,
                "y_top": middle - _BAR_HALF,
                "y_bottom": middle + _BAR_HALF,
                "start": bar["start"],
                "p50_end": p50_end,
                "confident_end": _next_day(bar["finish_confident"]) if bar["finish_confident"] else p50_end,
                "finish_p50": bar["finish_p50"],
                "finish_confident": bar["finish_confident"],
                "opacity": 0.25 if unknown else 0.9,
                "unknown": unknown,
                "target": item["target"],
                "probability": "" if probability is None else f"{probability:.0%}",
            }
        )
    arrows = []
    for arrow in board["arrows"]:
        sources = [bar for bar in bars if bar["initiative"] == arrow["from"]]
        targets = [bar for bar in bars if bar["initiative"] == arrow["to"]]
        if not sources or not targets:
            continue
        source = max(sources, key=lambda bar: (bar["p50_end"], -bar["y"]))
        target = min(targets, key=lambda bar: (bar["start"], bar["y"]))
        arrows.append(
            {
                "from": arrow["from"],
                "to": arrow["to"],
                "x": source["p50_end"],
                "y": source["y"],
                "x2": target["start"],
                "y2": target["y"],
                "text": f"{arrow['to']} waits for {arrow['from']}",
            }
        )
    targets_rows = [
        {
            "initiative": bar["initiative"],
            "team": bar["team"],
            "at": bar["target"],
            "y": bar["y"],
            "chance": bar["probability"],
            "text": f"{bar['initiative']}: target {bar['target']}, "
            + (f"{bar['probability']} likely" if bar["probability"] else "chance unknown (no calibration can hold)"),
        }
        for bar in bars
        if bar["target"]
    ]
    lanes = [{"team": team, "lane": index} for index, team in enumerate(board["teams"])]
    return {"bars": bars, "arrows": arrows, "targets": targets_rows, "lanes": lanes}


def plan_board_chart(
    board: dict[str, Any], *, team_names: dict[str, str] | None = None, width: Width = "container"
) -> dict[str, Any]:
    """The "big room planning" board: one lane per team, time across; a bar per team and initiative
    from the median day of its first finished item to its median finish (solid) and on to its
    confident finish (light); arrows from an initiative to those that wait for it; a diamond at each
    initiative's target date with its probability of being met; a line at the plan's start. Lanes
    are labelled with `team_names` (default: the team ids)."""
    layout = board_layout(board)
    teams = list(board["teams"])
    names = [item["name"] for item in board["initiatives"]]
    colors = [INITIATIVE_COLORS[index % len(INITIATIVE_COLORS)] for index in range(len(names))]
    lanes = len(teams)
    x = {"field": "start", "type": "temporal", "title": None, "axis": {**DATE_AXIS, "orient": "top", "grid": True}}
    y_scale = {"domain": [-0.5, lanes - 0.5], "reverse": True, "nice": False, "zero": False}
    names_shown = [(team_names or {}).get(team, team) for team in teams]
    labels = "[" + ", ".join(_js_string(name) for name in names_shown) + "][datum.value]"
    y_axis = {
        "values": list(range(lanes)),
        "labelExpr": labels,
        "title": None,
        "grid": False,
        "domain": False,
        "ticks": False,
        "labelFontWeight": 600,
        "labelLimit": 180,
    }
    color = {"field": "initiative", "type": "nominal", "scale": {"domain": names, "range": colors}, "legend": None}

    def lane_y(field_name: str) -> dict[str, Any]:
        # Every layer carries the same scale and axis: Vega-Lite merges them into the one lane axis.
        return {"field": field_name, "type": "quantitative", "scale": y_scale, "axis": y_axis}

    tooltip = [
        {"field": "initiative", "title": "initiative"},
        {"field": "team", "title": "team"},
        {"field": "start", "title": "first item (median)"},
        {"field": "finish_p50", "title": "finish, 50 %"},
        {"field": "finish_confident", "title": f"finish, {round(board['confidence'] * 100)} %"},
        {"field": "target", "title": "target"},
        {"field": "probability", "title": "chance of target"},
        {"field": "unknown", "title": "no finish"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "name": "lanes",
            "data": {"values": layout["lanes"]},
            "mark": {"type": "rule", "color": "#eceff3", "strokeWidth": 1},
            "encoding": {"y": lane_y("lane")},
        },
        {
            "name": "tails",
            "mark": {"type": "rect", "opacity": 0.3, "cornerRadiusEnd": 3},
            "encoding": {
                "x": {**x, "field": "p50_end"},
                "x2": {"field": "confident_end"},
                "y": lane_y("y_top"),
                "y2": {"field": "y_bottom"},
                "color": color,
                "tooltip": tooltip,
            },
        },
        {
            "name": "bars",
            "mark": {"type": "rect", "cornerRadius": 2},
            "encoding": {
                "x": x,
                "x2": {"field": "p50_end"},
                "y": lane_y("y_top"),
                "y2": {"field": "y_bottom"},
                "color": color,
                "opacity": {"field": "opacity", "type": "quantitative", "scale": None, "legend": None},
                "tooltip": tooltip,
            },
        },
        {
            "name": "labels",
            "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 3, "fontSize": 10, "color": "#fff"},
            "encoding": {
                "x": x,
                "y": lane_y("y"),
                "text": {"field": "initiative"},
            },
        },
    ]
    if layout["arrows"]:
        layers += [
            {
                "name": "arrows",
                "data": {"values": layout["arrows"]},
                "mark": {"type": "rule", "color": TARGET_COLOR, "strokeWidth": 1.5, "opacity": 0.75},
                "encoding": {
                    "x": {"field": "x", "type": "temporal"},
                    "x2": {"field": "x2"},
                    "y": lane_y("y"),
                    "y2": {"field": "y2"},
                    "tooltip": [{"field": "text", "title": "dependency"}],
                },
            },
            {
                "name": "arrowheads",
                "data": {"values": layout["arrows"]},
                "mark": {"type": "point", "shape": "triangle-right", "filled": True, "size": 60, "color": TARGET_COLOR},
                "encoding": {
                    "x": {"field": "x2", "type": "temporal"},
                    "y": lane_y("y2"),
                    "tooltip": [{"field": "text", "title": "dependency"}],
                },
            },
        ]
    if layout["targets"]:
        layers.append(
            {
                "name": "targets",
                "data": {"values": layout["targets"]},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "size": 150,
                    "stroke": TARGET_COLOR,
                    "strokeWidth": 1,
                },
                "encoding": {
                    "x": {"field": "at", "type": "temporal"},
                    "y": lane_y("y"),
                    "color": color,
                    "tooltip": [{"field": "text", "title": "target"}],
                },
            }
        )
        layers.append(
            {
                "name": "chances",
                "data": {"values": layout["targets"]},
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 8, "fontSize": 10},
                "encoding": {
                    "x": {"field": "at", "type": "temporal"},
                    "y": lane_y("y"),
                    "text": {"field": "chance"},
                    "color": {"value": TARGET_COLOR},
                },
            }
        )
    layers.append(
        {
            "name": "start",
            "data": {"values": [{"start": board["start"], "text": f"plan starts {board['start']}"}]},
            "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#7b8794"},
            "encoding": {"x": {"field": "start", "type": "temporal"}, "tooltip": [{"field": "text"}]},
        }
    )
    document = spec(
        title="Plan board: teams × time",
        description=(
            "One bar per team and initiative: from the median day its first item is finished to its median "
            f"finish (solid) and its {round(board['confidence'] * 100)} % finish (light), each read by the "
            "team's own calibration; arrows run from an initiative to those that wait for it; diamonds mark "
            "target dates."
        ),
        values=layout["bars"],
        width=width,
        height=max(120, _LANE_HEIGHT * lanes),
        layer=layers,
    )
    unknown = [bar for bar in layout["bars"] if bar["unknown"]]
    if unknown:
        lanes_text = "1 lane" if len(unknown) == 1 else f"{len(unknown)} lanes"
        document["title"]["subtitle"] = f"{lanes_text} without a finish (faint): {unknown[0]['unknown']}"
        document["title"]["subtitleColor"] = "#5d6978"
    return document


def _js_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
