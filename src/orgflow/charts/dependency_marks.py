"""The marks of the dependency graph's edges (`orgflow.charts.dependencies`): a line per edge kind, the
number part-way along it over a halo, and an arrow toward the team depended on; each drawn from the edge
marks' items, so it follows the force layout and every drag."""

from __future__ import annotations

from typing import Any

KIND_COLORS = {"declared": "#7b8794", "coupling": "#8e5bd9", "blocking": "#d64545"}
KIND_DASHES = {"declared": [], "coupling": [6, 4], "blocking": []}
KIND_OPACITY = {"declared": 0.9, "coupling": 0.8, "blocking": 0.4}
KIND_LAYER = {"blocking": 0, "coupling": 1, "declared": 2}
"""Blocking edges are wide and pale, under the thin declared and coupling lines of the same pair."""
KIND_LABELS = {
    "declared": "declared dependency (components)",
    "coupling": "change coupling (git)",
    "blocking": "blocking links (lost flow time)",
}


def edge_mark(kind: str) -> dict[str, Any]:
    """The line of each edge of `kind`: its colour, dashes and opacity; blocking ones as wide as the flow
    time lost, coupling ones as the changes shared."""
    width: dict[str, Any] = {"value": 1.4}
    if kind == "blocking":
        width = {"scale": "lost", "field": "lost_days"}
    elif kind == "coupling":
        width = {"scale": "shared", "field": "weight"}
    return {
        "name": f"edges-{kind}",
        "type": "path",
        "zindex": KIND_LAYER[kind],
        "from": {"data": f"{kind}-links"},
        "interactive": True,
        "encode": {
            "update": {
                "stroke": {"value": KIND_COLORS[kind]},
                "strokeWidth": width,
                "strokeDash": {"value": KIND_DASHES[kind]},
                "strokeOpacity": {"value": KIND_OPACITY[kind]},
                "strokeCap": {"value": "round"},
                "tooltip": {"field": "tooltip"},
            },
            "hover": {"strokeOpacity": {"value": 1}},
        },
        "transform": [
            {
                "type": "linkpath",
                "require": {"signal": "force"},
                "shape": "line",
                "sourceX": "datum.source.x",
                "sourceY": "datum.source.y",
                "targetX": "datum.target.x",
                "targetY": "datum.target.y",
            }
        ],
    }


_LABEL_ALONG = {"blocking": 0.5, "coupling": 0.3, "declared": 0.72}
"""Where along its edge each kind writes its number, so the labels of a pair's parallel edges do not collide."""


def edge_label_marks(kind: str) -> list[dict[str, Any]]:
    """The edge's number part-way along it (`_LABEL_ALONG`), over a white halo so it stays legible across
    other edges (drawn from the edge marks' items, so it follows the layout and every drag)."""
    link, along = "datum.datum", _LABEL_ALONG.get(kind, 0.5)
    position = {
        "x": {"signal": f"{link}.source.x + {along} * ({link}.target.x - {link}.source.x)"},
        "y": {"signal": f"{link}.source.y + {along} * ({link}.target.y - {link}.source.y)"},
        "text": {"signal": f"{link}.label"},
        "align": {"value": "center"},
        "baseline": {"value": "middle"},
        "fontSize": {"value": 10},
        "fontWeight": {"value": 600},
        # A phone has no room for them: the table under the graph carries the same numbers.
        "opacity": {"signal": "narrow ? 0 : 1"},
    }
    return [
        {
            "name": f"edge-halos-{kind}",
            "type": "text",
            "zindex": 4,
            "interactive": False,
            "from": {"data": f"edges-{kind}"},
            "encode": {
                "update": {
                    **position,
                    "fill": {"value": "#ffffff"},
                    "stroke": {"value": "#ffffff"},
                    "strokeWidth": {"value": 3},
                }
            },
        },
        {
            "name": f"edge-labels-{kind}",
            "type": "text",
            "zindex": 4,
            "interactive": False,
            "from": {"data": f"edges-{kind}"},
            "encode": {"update": {**position, "fill": {"value": "#b83232" if kind == "blocking" else "#3c4655"}}},
        },
    ]


def arrow_mark(kind: str, along: float) -> dict[str, Any]:
    """A triangle `along` (0 to 1) of the way along each edge of `kind`, pointing at the target (drawn from
    the edge marks' items, so it follows the layout and every drag)."""
    link = "datum.datum"
    dx = f"({link}.target.x - {link}.source.x)"
    dy = f"({link}.target.y - {link}.source.y)"
    return {
        "name": f"arrows-{kind}",
        "type": "symbol",
        "zindex": 3,
        "interactive": False,
        "from": {"data": f"edges-{kind}"},
        "encode": {
            "update": {
                "shape": {"value": "triangle-right"},
                "size": {"value": 70},
                "fill": {"value": KIND_COLORS[kind] if kind != "blocking" else "#b83232"},
                "x": {"signal": f"{link}.source.x + {along} * {dx}"},
                "y": {"signal": f"{link}.source.y + {along} * {dy}"},
                "angle": {"signal": f"atan2({dy}, {dx}) * 180 / PI"},
            }
        },
    }
