"""Charts of forecasts: the outcome histogram of a Monte Carlo forecast, the history it sampled, and
the plan board (teams x time, one bar per team and initiative, dependency arrows).

Every figure comes from `orgflow.forecast`: the chart functions only lay out what a `ForecastResult`,
a `ThroughputSeries` or `PlanResult.board()` hold (dates of forecast days, bar ends, lane positions).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from orgflow.charts.base import (
    DATE_AXIS,
    PERCENTILE_COLORS,
    Link,
    Width,
    href_channel,
    pointer,
    spec,
    with_links,
)
from orgflow.forecast.history import ThroughputSeries
from orgflow.forecast.result import ForecastResult

OUTCOME_COLOR = "#6b8fd6"
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


def _percent(confidence: float | int) -> int:
    return round(float(confidence))


def _markers(result: ForecastResult) -> list[dict[str, Any]]:
    """The result's confidence rows as reference lines: position, label and color (a null row, one no
    calibration can hold, has no line; the chart's subtitle names it)."""
    markers = []
    for row in result.rows():
        percent = _percent(row["confidence"])
        color = PERCENTILE_COLORS.get(percent, "#5c6b7a")
        if row.get("null_reason"):
            continue
        if result.kind == "when":
            if row["date"] is None:
                continue
            markers.append(
                {
                    "at": row["date"].isoformat(),
                    "label": f"{percent} %: {row['date']:%b %d}",
                    "text": f"{percent} % done by {row['date'].isoformat()} (day {row['days']})",
                    "color": color,
                }
            )
        else:
            markers.append(
                {
                    "at": row["items"] + 0.5,
                    "label": f"{percent} %: ≥ {row['items']}",
                    "text": f"{percent} % of outcomes finish at least {row['items']} items",
                    "color": color,
                }
            )
    return markers


DRAWN_SHARE = 0.99
"""The histogram draws the outcomes up to the 99th percentile (the rest is one line in its subtitle):
a long tail of slow trials would otherwise squeeze the likely outcomes into a corner."""


def drawn_outcomes(result: ForecastResult) -> tuple[np.ndarray, float]:
    """The outcomes the histogram draws (those with trials, up to the `DRAWN_SHARE` percentile; for
    "how many", down from the top: at least 1 % of trials reach the largest one drawn), and the share
    of trials left out."""
    outcomes = np.flatnonzero(result.pmf)
    if result.kind == "when":
        limit = result.value_at(DRAWN_SHARE)
        kept = outcomes if limit is None else outcomes[outcomes <= limit]
    else:
        kept = outcomes[outcomes <= result.value_at(1 - DRAWN_SHARE)]
    left_out = max(0.0, 1.0 - float(result.pmf[kept].sum()))
    return kept, left_out


def _outcomes(result: ForecastResult, kept: np.ndarray) -> list[dict[str, Any]]:
    """One value per drawn outcome (days as calendar dates for "when")."""
    values = []
    for outcome in kept.tolist():
        share = float(result.pmf[outcome])
        if result.kind == "when":
            day = result.date_of(outcome)
            if day is None:
                continue
            values.append({"at": day.isoformat(), "day": outcome, "share": share})
        else:
            values.append({"at": outcome, "at_end": outcome + 1, "share": share})
    return values


def forecast_chart(result: ForecastResult, *, title: str, width: Width = "container") -> dict[str, Any]:
    """The forecast's outcomes as a histogram (share of trials per finish day, or per item count)
    with its confidence rows as lines (50 % green to 95 % red) and, for "when" with a target date,
    the target as a dark dashed line."""
    when = result.kind == "when"
    x_field = (
        {"field": "at", "type": "temporal", "title": "finish date", "axis": DATE_AXIS}
        if when
        else {"field": "at", "type": "quantitative", "title": "items finished", "axis": {"tickMinStep": 1}}
    )
    bar_x = {**x_field, "timeUnit": "utcyearmonthdate"} if when else {**x_field, "bin": {"binned": True, "step": 1}}
    bar_x2 = {} if when else {"x2": {"field": "at_end"}}
    tooltip: list[dict[str, Any]] = (
        [
            {"field": "at", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "finished on"},
            {"field": "day", "type": "quantitative", "title": "forecast day"},
        ]
        if when
        else [{"field": "at", "type": "quantitative", "title": "items"}]
    )
    tooltip.append({"field": "share", "type": "quantitative", "format": ".2%", "title": "share of trials"})
    markers = _markers(result)
    marker_x = {"field": "at", "type": "temporal"} if when else {"field": "at", "type": "quantitative"}
    layers: list[dict[str, Any]] = [
        {
            "name": "outcomes",
            "mark": {"type": "bar", "color": OUTCOME_COLOR, "opacity": 0.85},
            "encoding": {
                "x": bar_x,
                **bar_x2,
                "y": {"field": "share", "type": "quantitative", "title": "share of trials", "axis": {"format": ".1%"}},
                "tooltip": tooltip,
            },
        },
        {
            "name": "confidences",
            "data": {"values": markers},
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "x": marker_x,
                "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
                "tooltip": [{"field": "text", "title": "confidence"}],
            },
        },
        {
            "data": {"values": markers},
            "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom", "dy": -2, "fontSize": 10},
            "encoding": {
                "x": marker_x,
                "y": {"value": 0},
                "text": {"field": "label"},
                "color": {"field": "color", "type": "nominal", "scale": None, "legend": None},
            },
        },
    ]
    if when and result.target_date is not None:
        chance = result.probability_by(result.target_date)
        said = "no chance promised (no calibration can hold)" if chance is None else f"{chance:.0%} likely done by then"
        target = [{"at": result.target_date.isoformat(), "text": f"target {result.target_date.isoformat()}: {said}"}]
        layers.append(
            {
                "name": "target",
                "data": {"values": target},
                "mark": {"type": "rule", "strokeDash": [6, 3], "strokeWidth": 2, "color": TARGET_COLOR},
                "encoding": {"x": marker_x, "tooltip": [{"field": "text", "title": "target"}]},
            }
        )
    definition = result.metric_result().definition
    kept, left_out = drawn_outcomes(result)
    document = spec(
        title=title, description=definition, values=_outcomes(result, kept), width=width, height=240, layer=layers
    )
    subtitle = []
    if left_out > 0:
        beyond = "finish later than shown" if when else "finish more items than shown"
        subtitle.append(f"{left_out:.1%} of trials {beyond}")
    refused = [row for row in result.rows() if row.get("null_reason")]
    if refused:
        levels = "/".join(f"{_percent(row['confidence'])}" for row in refused)
        subtitle.append(f"no {levels} % line: {refused[0]['null_reason']}")
    if subtitle:
        document["title"]["subtitle"] = subtitle if len(subtitle) > 1 else subtitle[0]
        document["title"]["subtitleColor"] = "#5d6978"
    return document


def history_chart(series: ThroughputSeries, *, link: Link | None = None, width: Width = "container") -> dict[str, Any]:
    """The history the forecast samples: items finished on each day of the window (zero days
    included). A bar lists that day's finished items."""
    values: list[dict[str, Any]] = [
        {"day": day.isoformat(), "finished": int(count)}
        for day, count in zip(series.dates(), series.counts.tolist(), strict=True)
    ]
    with_links(values, link, lambda value: {"show": "finished", "since": value["day"], "until": value["day"]})
    return spec(
        title="The history sampled: items finished per day",
        description="Items finished (last move into a done stage, cancelled left out) on each UTC day of the window.",
        values=values,
        width=width,
        height=140,
        mark={"type": "bar", "color": "#2f9e5b", **pointer(link)},
        encoding={
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None, "axis": DATE_AXIS},
            "y": {
                "field": "finished",
                "type": "quantitative",
                "title": "finished",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "tooltip": [
                {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "day"},
                {"field": "finished", "type": "quantitative", "title": "finished"},
            ],
            **href_channel(link),
        },
    )


# -- the plan board ------------------------------------------------------------------------------
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
    p50-to-confident tail of one initiative does not hide the start of the next one.
    """
    lane_of = {team: index for index, team in enumerate(board["teams"])}
    order = {item["name"]: position for position, item in enumerate(board["initiatives"])}
    details = {item["name"]: item for item in board["initiatives"]}
    seen_per_team: dict[str, int] = {}
    bars = []
    for bar in sorted(board["bars"], key=lambda bar: (order[bar["initiative"]], lane_of[bar["team"]])):
        if bar["start"] is None or bar["finish_p50"] is None:
            continue
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
                "p50_end": _next_day(bar["finish_p50"]),
                "confident_end": _next_day(bar["finish_confident"] or bar["finish_p50"]),
                "finish_p50": bar["finish_p50"],
                "finish_confident": bar["finish_confident"],
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
            "mark": {"type": "rect", "opacity": 0.9, "cornerRadius": 2},
            "encoding": {
                "x": x,
                "x2": {"field": "p50_end"},
                "y": lane_y("y_top"),
                "y2": {"field": "y_bottom"},
                "color": color,
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
    return spec(
        title="Plan board: teams × time",
        description=(
            "One bar per team and initiative: from the median day its first item is finished to its median "
            f"finish (solid) and its {round(board['confidence'] * 100)} % finish (light); arrows run from an "
            "initiative to those that wait for it; diamonds mark target dates."
        ),
        values=layout["bars"],
        width=width,
        height=max(120, _LANE_HEIGHT * lanes),
        layer=layers,
    )


def _js_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
