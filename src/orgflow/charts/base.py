"""What every chart spec shares: the Vega-Lite schema, sizes, palette, JSON-ready values and links.

A chart function takes a `MetricResult` (and whatever figures it draws as reference lines, already
computed by the metrics), reshapes its rows for Vega-Lite and returns the spec as a plain dict. A
`Link` turns filters into the URL of the items page; when it is given, every mark carries an `href`
so a click lists the items behind it (the static report passes none).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.values import json_value

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
"""The spec's `$schema`: an identifier, never fetched (the report strips it: it must hold no URL)."""

Link = Callable[..., str]
"""`link(**filters) -> URL` of the items page with those filters (URL names: team, type, show...)."""

Width = int | str

HEIGHT = 220

CATEGORY_COLORS = {
    "active": "#2f6fdf",
    "wait": "#ef8a2a",
    "backlog": "#a3acb9",
    "done": "#2f9e5b",
    "cancelled": "#7b8794",
    "unmapped": "#c43d3d",
}
"""Working time blue, waiting time orange: the colors the stage charts use everywhere."""

FLOW_TYPE_COLORS = {
    "feature": "#2f6fdf",
    "defect": "#d64545",
    "risk": "#8e5bd9",
    "debt": "#ef8a2a",
    "other": "#7b8794",
}

PERCENTILE_COLORS = {50: "#2f9e5b", 70: "#9bb732", 85: "#ef8a2a", 95: "#d64545"}
"""p50 green through p95 red, for reference lines and aging bands."""

# Day ticks read "Mar 07"; a tick on the first of January reads its year, so a chart over several
# years says which ones (a span of years gets yearly ticks, all on January 1st).
DATE_AXIS = {
    "labelExpr": "month(datum.value) === 0 && date(datum.value) === 1"
    " ? timeFormat(datum.value, '%Y') : timeFormat(datum.value, '%b %d')",
    "labelOverlap": True,
}
"""Time axes label days as "Nov 09", never a weekday."""

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


plain = json_value
"""A cell as a JSON value (see `orgflow.values.json_value`)."""


def records(result: MetricResult, fields: Iterable[str]) -> list[dict[str, Any]]:
    """Only `fields` of a result's rows, as JSON values (charts carry no more data than they draw).

    Columns are picked in Arrow before rows are made, and only date, instant and float columns are
    converted: a team page turns thousands of rows into chart data on every render.
    """
    table = result.table
    names = [name for name in fields if name in table.column_names]
    picked = table.select(names)
    convert = [
        name
        for name in names
        if pa.types.is_temporal(picked.schema.field(name).type) or pa.types.is_floating(picked.schema.field(name).type)
    ]
    rows = picked.to_pylist()
    missing = [name for name in fields if name not in table.column_names]
    for row in rows:
        for name in convert:
            row[name] = plain(row[name])
        for name in missing:
            row[name] = None
    return rows


def spec(
    *,
    title: str,
    values: list[dict[str, Any]],
    width: Width = "container",
    height: int = HEIGHT,
    description: str | None = None,
    **body: Any,
) -> dict[str, Any]:
    """A top-level spec with inline data and the house style (an empty `transform` is left out)."""
    if not body.get("transform", True):
        body.pop("transform")
    document: dict[str, Any] = {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start", "fontSize": 14, "fontWeight": 600},
        "width": width,
        "height": height,
        "data": {"values": values},
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelColor": "#3c4655",
                "titleColor": "#3c4655",
                "gridColor": "#eceff3",
                "domainColor": "#c9d0da",
            },
            "legend": {"labelColor": "#3c4655", "titleColor": "#3c4655", "orient": "bottom", "columns": 6},
        },
        **body,
    }
    if description:
        document["description"] = description
    if width == "container":
        document["autosize"] = {"type": "fit-x", "contains": "padding"}
    return document


def with_links(
    values: list[dict[str, Any]], link: Link | None, make: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Add an `href` to each value: the items page filtered by `make(value)` (nothing without a link)."""
    if link is None:
        return
    for value in values:
        value["href"] = link(**make(value))


def href_transform(link: Link | None, fixed: dict[str, Any], parameters: dict[str, str]) -> list[dict[str, Any]]:
    """A `calculate` transform that builds each datum's `href` in the browser: the items page with
    `fixed` filters plus URL `parameters` computed by Vega expressions ({parameter: expression}).
    Cheaper than an `href` per row when a chart has hundreds of points. Nothing without a link."""
    if link is None:
        return []
    base = link(**fixed)
    separator = "&" if "?" in base else "?"
    parts = []
    for name, expression in parameters.items():
        parts.append(f"'{separator}{name}=' + encodeURIComponent({expression})")
        separator = "&"
    return [{"calculate": " + ".join([_quote(base), *parts]), "as": "href"}]


def day_of(field: str) -> str:
    """A Vega expression: a date field (parsed to a UTC instant by Vega-Lite) as YYYY-MM-DD."""
    return f"utcFormat(datum[{_quote(field)}], '%Y-%m-%d')"


def field_of(field: str) -> str:
    """A Vega expression: a field's value."""
    return f"datum[{_quote(field)}]"


def _quote(text: str) -> str:
    """A JavaScript string literal for a Vega expression."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def href_channel(link: Link | None) -> dict[str, Any]:
    """The `href` encoding (and a pointer cursor) when marks link somewhere."""
    if link is None:
        return {}
    return {"href": {"field": "href", "type": "nominal"}}


def window_bounds(params: dict[str, Any]) -> tuple[date | None, date | None]:
    """A result's window as inclusive UTC days (its params hold `since` and an exclusive `until`)."""
    since = params.get("since")
    until = params.get("until")
    first = date.fromisoformat(since[:10]) if since else None
    last = date.fromisoformat(until[:10]) - timedelta(days=1) if until else None
    return first, last


def period_end(start: date, period: str) -> date:
    """The last day of the period (day, week from Monday, or calendar month) that starts on `start`."""
    if period == "day":
        return start
    if period == "week":
        return start + timedelta(days=6)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def jitter(key: str, spread: float = 0.7) -> float:
    """A stable offset in [-spread/2, spread/2] for `key`, so points in one column do not overlap."""
    fraction = zlib.crc32(key.encode("utf-8")) / 2**32
    return round((fraction - 0.5) * spread, 4)


def pointer(link: Link | None) -> dict[str, Any]:
    """Mark properties for clickable marks."""
    return {"cursor": "pointer"} if link is not None else {}
