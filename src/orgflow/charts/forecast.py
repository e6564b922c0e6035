"""Charts of forecasts: the outcome histogram of a Monte Carlo forecast and the history it sampled
(the plan board is `orgflow.charts.plan_board`).

Every figure comes from `orgflow.forecast`: the chart functions only lay out what a `ForecastResult`
or a `ThroughputSeries` hold (dates of forecast days, shares of trials, confidence rows).
"""

from __future__ import annotations

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
from orgflow.charts.plan_board import TARGET_COLOR
from orgflow.forecast.history import ThroughputSeries
from orgflow.forecast.result import ForecastResult

OUTCOME_COLOR = "#6b8fd6"


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
