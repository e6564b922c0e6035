"""Charts a newcomer can read (issue 16, item 7): a hue per stage, a CFD legend of only the bands drawn that
fits a phone, a legend on throughput, whole-number axes for counts, year labels on long spans, no cycle
time drawn for an item that never started, and numbers on the dependency graph's edges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import vl_convert

from orgflow import charts
from orgflow.charts.base import DATE_AXIS
from orgflow.charts.dependencies import dependency_graph_chart
from orgflow.flow.service import MetricResult


def _result(metric: str, rows: list[dict[str, Any]], **params: Any) -> MetricResult:
    return MetricResult(metric, f"definition of {metric}", {**params, "rows": len(rows)}, pa.Table.from_pylist(rows))


def test_twelve_stages_get_twelve_colors_grouped_by_phase() -> None:
    stages = [
        ("Backlog", "backlog"),
        ("Analysis", "active"),
        ("Ready", "wait"),
        ("In Progress", "active"),
        ("Blocked", "wait"),
        ("Awaiting Review", "wait"),
        ("Review", "active"),
        ("Ready for Release", "wait"),
        ("Releasing", "active"),
        ("Verifying", "active"),
        ("Done", "done"),
        ("Refinement", "backlog"),
    ]
    colors = charts.stage_colors(stages)
    assert len(set(colors.values())) == len(stages)


def test_cfd_legend_lists_only_the_bands_drawn_and_fits_a_phone() -> None:
    # Analysis holds nothing on either day (its count equals In Progress's): it is left out; Done, the
    # last stage, stays even when nothing entered it in the window.
    rows = [
        {"date": date(2026, 9, day), "stage": stage, "stage_order": order, "count": count}
        for day in (2, 3)
        for stage, order, count in (
            ("Backlog", 0, 30 + day),
            ("Analysis", 1, 12),
            ("In Progress", 2, 12),
            ("Done", 3, 5),
        )
    ]
    spec = charts.cfd_chart(_result("cfd", rows))
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["Backlog", "In Progress", "Done"]
    assert color["legend"]["columns"] <= 3
    assert {row["stage"] for row in spec["data"]["values"]} == {"Backlog", "In Progress", "Done"}
    vl_convert.vegalite_to_vega(spec)


def test_throughput_has_a_legend_and_whole_numbers() -> None:
    rows = [{"period_start": date(2026, 8, 31), "finished": 0, "started": 0, "net_flow": 0}]
    spec = charts.throughput_chart(_result("throughput", rows, period="week"))
    encoding = spec["layer"][0]["encoding"]
    assert encoding["color"]["legend"] is not None and encoding["strokeDash"]["legend"] is not None
    assert encoding["y"]["axis"]["format"] == ",d"
    compiled = vl_convert.vegalite_to_vega(spec)
    assert compiled.get("legends"), "one legend: finished (solid) and started (dashed)"


def test_a_date_axis_names_the_year_on_january_first() -> None:
    assert "timeFormat(datum.value, '%Y')" in DATE_AXIS["labelExpr"]


def test_cycle_time_chart_leaves_out_items_that_never_started() -> None:
    rows = [
        {
            "item_id": f"A-{n}",
            "title": "t",
            "team_id": "a",
            "item_type": "Bug",
            "flow_type": "defect",
            "finished_at": datetime(2026, 9, 3),
            "cycle_time_days": days,
            "skipped_start": skipped,
        }
        for n, (days, skipped) in enumerate([(0.0, True), (2.5, False), (0.0, True)])
    ]
    spec = charts.cycle_time_chart(_result("cycle-time", rows), percentiles={})
    assert [value["item_id"] for value in spec["data"]["values"]] == ["A-1"]


def test_dependency_edges_carry_their_numbers() -> None:
    nodes = _result(
        "dependency-nodes",
        [
            {
                "team": team,
                "name": team.title(),
                "parent": "p",
                "out_degree": 1,
                "in_degree": 1,
                "lost_days_in": 1.0,
                "lost_days_out": 1.0,
            }
            for team in ("a", "b")
        ],
    )
    edges = _result(
        "dependency-edges",
        [
            {
                "source": "a",
                "target": "b",
                "kind": "blocking",
                "weight": 3.0,
                "items": 3,
                "lost_days": 12.4,
                "max_degree": None,
                "evidence": [],
            },
            {
                "source": "a",
                "target": "b",
                "kind": "declared",
                "weight": 1.0,
                "items": None,
                "lost_days": None,
                "max_degree": None,
                "evidence": [],
            },
        ],
    )
    spec = dependency_graph_chart(nodes, edges, hrefs={})
    labels = {
        value["kind"]: value["label"]
        for data in spec["data"]
        if data["name"].endswith("-links")
        for value in data.get("values", [])
    }
    assert labels == {"blocking": "3 · 12 d", "declared": ""}
    assert {mark["name"] for mark in spec["marks"]} >= {"edge-labels-blocking", "edge-labels-coupling"}
