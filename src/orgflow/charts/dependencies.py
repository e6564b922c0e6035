"""The cross-team dependency graph as a force-directed Vega spec (Vega, not Vega-Lite: Vega-Lite has no
force layout). vega-embed draws it like the other charts.

Nodes are teams (colour: their parent group; size: the flow time their items lost to other teams), edges
the dependency kinds: declared (grey line), change coupling (purple dashes) and blocking (a wide pale red
line under the others, wider for more flow time lost); a small arrow points from the team that depends
to the team it depends on. Hovering shows each figure; a node can be dragged (the others follow), and a click on
a node that was not dragged opens its link.
"""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import FONT, plain
from orgflow.charts.dependency_marks import KIND_COLORS, KIND_LABELS, arrow_mark, edge_label_marks, edge_mark
from orgflow.flow.service import MetricResult

VEGA_SCHEMA = "https://vega.github.io/schema/vega/v6.json"
"""The spec's `$schema` (an identifier, never fetched)."""


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f} d"


def _node_values(
    nodes: MetricResult, hrefs: dict[str, str], closed: set[str], group_names: dict[str, str]
) -> list[dict[str, Any]]:
    values = []
    for row in nodes.rows():
        team = row["team"]
        parent = group_names.get(row["parent"], row["parent"]) if row["parent"] else "(none)"
        tooltip = {
            "title": f"{row['name']}{' (closed on this date)' if team in closed else ''}",
            "group": parent,
            "depends on (teams)": row["out_degree"],
            "depended on by (teams)": row["in_degree"],
            "flow time its items lost to others": _days(row["lost_days_in"]),
            "flow time others lost to it": _days(row["lost_days_out"]),
        }
        values.append(
            {
                "id": team,
                "name": row["name"],
                "parent": parent,
                "lost_in": plain(row["lost_days_in"]) or 0.0,
                "closed": team in closed,
                "href": hrefs.get(team, ""),
                "tooltip": tooltip,
            }
        )
    return values


def _edge_values(edges: MetricResult, names: dict[str, str]) -> list[dict[str, Any]]:
    values = []
    for row in edges.rows():
        arrow = "–" if row["kind"] == "coupling" else "→"
        tooltip: dict[str, Any] = {
            "title": f"{names.get(row['source'], row['source'])} {arrow} {names.get(row['target'], row['target'])}",
            "kind": KIND_LABELS[row["kind"]],
            "weight": plain(row["weight"]),
        }
        if row["kind"] == "coupling":
            tooltip["strongest pair (degree %)"] = row["max_degree"]
        if row["kind"] == "blocking":
            tooltip["blocked items"] = row["items"]
            tooltip["flow time lost"] = _days(row["lost_days"])
        evidence = list(row["evidence"] or [])
        if evidence:
            tooltip["evidence"] = ", ".join(evidence[:6]) + (f" (+{len(evidence) - 6})" if len(evidence) > 6 else "")
        values.append(
            {
                "source": row["source"],
                "target": row["target"],
                "kind": row["kind"],
                "weight": plain(row["weight"]) or 0.0,
                "lost_days": plain(row["lost_days"]) or 0.0,
                "label": _edge_label(row),
                "tooltip": tooltip,
            }
        )
    return values


def _edge_label(row: dict[str, Any]) -> str:
    """The number written on an edge: blocked items and days lost, else the edge's weight."""
    if row["kind"] == "blocking":
        lost = plain(row["lost_days"]) or 0.0
        return f"{row['items'] or 0} · {lost:.0f} d"
    weight = plain(row["weight"]) or 0.0
    if row["kind"] == "declared" and weight <= 1:
        return ""  # a single declared dependency: the arrow says it all
    return f"{weight:,.0f}" if weight >= 1 else f"{weight:.2f}"


def dependency_graph_chart(
    nodes: MetricResult,
    edges: MetricResult,
    *,
    hrefs: dict[str, str],
    closed: set[str] | frozenset[str] = frozenset(),
    group_names: dict[str, str] | None = None,
    height: int = 520,
    title: str = "Cross-team dependencies",
) -> dict[str, Any]:
    """A force-directed graph of `nodes` (`SocioTechService.dependency_nodes`) and `edges`
    (`.dependency_edges`); `hrefs` maps a team to the page a click opens, `closed` lists teams that do not
    exist on the date (drawn hollow), `group_names` names the parent groups in the legend."""
    node_values = _node_values(nodes, hrefs, set(closed), group_names or {})
    names = {value["id"]: value["name"] for value in node_values}
    edge_values = _edge_values(edges, names)
    width_signal = "isFinite(containerSize()[0]) && containerSize()[0] > 0 ? containerSize()[0] : 800"
    return {
        "$schema": VEGA_SCHEMA,
        "description": edges.definition,
        "title": {"text": title, "anchor": "start", "fontSize": 14, "fontWeight": 600, "font": FONT},
        "height": height,
        "autosize": "none",
        "padding": {"top": 30, "left": 8, "right": 8, "bottom": 8},
        "config": {"text": {"font": FONT}, "legend": {"labelFont": FONT, "titleFont": FONT}},
        "signals": [
            {"name": "width", "init": width_signal, "on": [{"events": "window:resize", "update": width_signal}]},
            {"name": "narrow", "update": "width < 600"},
            {"name": "cx", "update": "width / 2"},
            {"name": "cy", "update": "height / 2"},
            # The node under the pointer when a button went down, and where it is dragged to.
            {
                "name": "dragging",
                "value": None,
                "on": [
                    {"events": "@nodes:mousedown", "update": "datum.id"},
                    {"events": "window:mouseup", "update": "null"},
                ],
            },
            {
                "name": "drag",
                "value": None,
                "on": [
                    {"events": "[@nodes:mousedown, window:mouseup] > window:mousemove!", "update": "xy()"},
                    {"events": "window:mouseup", "update": "null"},
                ],
            },
            # A press that moved is a drag, not a click: the node's link is off until the next press.
            {
                "name": "moved",
                "value": False,
                "on": [
                    {"events": "@nodes:mousedown", "update": "false"},
                    {"events": "[@nodes:mousedown, window:mouseup] > window:mousemove", "update": "true"},
                ],
            },
            {"name": "restart", "value": False, "on": [{"events": {"signal": "drag"}, "update": "drag != null"}]},
        ],
        "data": [
            {"name": "node-data", "values": node_values},
            # One data set per kind, each pulled by its own link force: a derived data set would hold copies
            # of the links, whose source and target the force never turns into node items.
            *[
                {"name": f"{kind}-links", "values": [edge for edge in edge_values if edge["kind"] == kind]}
                for kind in KIND_COLORS
            ],
        ],
        "scales": [
            {
                "name": "group",
                "type": "ordinal",
                "domain": {"data": "node-data", "field": "parent"},
                "range": "category",
            },
            {
                "name": "size",
                "type": "sqrt",
                "domain": {"data": "node-data", "field": "lost_in"},
                "zero": True,
                "range": [160, 1400],
            },
            {
                "name": "lost",
                "type": "sqrt",
                "domain": {"data": "blocking-links", "field": "lost_days"},
                "zero": True,
                "range": [1, 9],
            },
            {
                "name": "shared",
                "type": "sqrt",
                "domain": {"data": "coupling-links", "field": "weight"},
                "zero": True,
                "range": [1, 6],
            },
            {"name": "kind", "type": "ordinal", "domain": list(KIND_COLORS), "range": list(KIND_COLORS.values())},
        ],
        "legends": [
            {"fill": "group", "title": "Group", "orient": "top-left", "symbolType": "circle"},
            {
                "stroke": "kind",
                "title": "Edge",
                "orient": "bottom-left",
                "symbolType": "stroke",
                "direction": "horizontal",
            },
        ],
        # The nodes come first: the force transform replaces each link's source and target ids by node items,
        # which the edges' linkpath transforms then read.
        "marks": [
            {
                "name": "nodes",
                "type": "symbol",
                "zindex": 5,
                "from": {"data": "node-data"},
                "encode": {
                    "enter": {
                        "shape": {"value": "circle"},
                        "tooltip": {"field": "tooltip"},
                        "cursor": {"value": "pointer"},
                    },
                    "update": {
                        "size": {"scale": "size", "field": "lost_in"},
                        "fill": [{"test": "datum.closed", "value": "#ffffff"}, {"scale": "group", "field": "parent"}],
                        "stroke": [{"test": "datum.closed", "scale": "group", "field": "parent"}, {"value": "#ffffff"}],
                        "strokeWidth": {"value": 2},
                        # The x and y forces pull every node towards these (fields of the item, not numbers).
                        "xfocus": {"signal": "cx"},
                        "yfocus": {"signal": "cy"},
                        "fx": [{"test": "drag && dragging === datum.id", "signal": "drag[0]"}, {"value": None}],
                        "fy": [{"test": "drag && dragging === datum.id", "signal": "drag[1]"}, {"value": None}],
                        "href": {"signal": "moved ? '' : datum.href"},
                    },
                },
                "transform": [
                    {
                        "type": "force",
                        "iterations": 300,
                        "static": True,
                        "restart": {"signal": "restart"},
                        "signal": "force",
                        "forces": [
                            {"force": "center", "x": {"signal": "cx"}, "y": {"signal": "cy"}},
                            # A phone's narrow canvas gets a tighter layout: shorter links, less repulsion
                            # and a stronger pull to the middle, so every team stays on screen.
                            {"force": "collide", "radius": {"signal": "narrow ? 34 : 42"}},
                            {"force": "nbody", "strength": {"signal": "narrow ? -420 : -700"}},
                            *[
                                {
                                    "force": "link",
                                    "links": f"{kind}-links",
                                    "id": "datum.id",
                                    "distance": {"signal": "narrow ? 115 : 170"},
                                }
                                for kind in KIND_COLORS
                            ],
                            {"force": "x", "x": "xfocus", "strength": {"signal": "narrow ? 0.12 : 0.05"}},
                            {"force": "y", "y": "yfocus", "strength": 0.07},
                        ],
                    },
                    # Whatever the forces did, a node stays inside the canvas (with room for its name).
                    {"type": "formula", "as": "x", "expr": "clamp(datum.x, 24, width - 24)"},
                    {"type": "formula", "as": "y", "expr": "clamp(datum.y, 30, height - 16)"},
                ],
            },
            {
                "name": "labels",
                "type": "text",
                "zindex": 6,
                "interactive": False,
                "from": {"data": "nodes"},
                "encode": {
                    "update": {
                        "x": {"field": "x"},
                        "y": {"field": "y"},
                        "dy": {"value": -16},
                        "align": {"value": "center"},
                        "baseline": {"value": "bottom"},
                        "text": {"field": "datum.name"},
                        "fontSize": {"value": 11},
                        "fill": {"value": "#1f2933"},
                    }
                },
            },
            *[edge_mark(kind) for kind in KIND_COLORS],
            arrow_mark("declared", 0.6),
            arrow_mark("blocking", 0.4),
            *[mark for kind in KIND_COLORS for mark in edge_label_marks(kind)],
        ],
    }
