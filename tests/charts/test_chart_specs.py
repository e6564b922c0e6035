"""Chart specs from hand-made metric results: valid Vega-Lite, the rows they were given, links that
name the right items (or no link at all, for the report)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pytest
import vl_convert

from orgflow import charts
from orgflow.charts.base import jitter, period_end, window_bounds
from orgflow.flow.service import MetricResult


def result(metric: str, rows: list[dict[str, Any]], **params: Any) -> MetricResult:
    table = pa.Table.from_pylist(rows)
    return MetricResult(metric, f"definition of {metric}", {**params, "rows": len(rows)}, table)


WINDOW = {"since": "2026-09-02T00:00:00Z", "until": "2026-09-30T00:00:00Z"}


def link(**filters: Any) -> str:
    kept = {key: value for key, value in filters.items() if value is not None}
    return "/items?" + "&".join(f"{key}={value}" for key, value in sorted(kept.items()))


def compiles(spec: dict[str, Any]) -> dict[str, Any]:
    """The Vega spec Vega-Lite compiles `spec` to (raises on an invalid spec)."""
    return vl_convert.vegalite_to_vega(spec)


CFD = result(
    "cfd",
    [
        {"date": date(2026, 9, day), "stage": stage, "stage_order": order, "count": count + day}
        for day in (2, 3)
        for stage, order, count in (("Backlog", 0, 30), ("In Progress", 1, 20), ("Done", 2, 10))
    ],
    **WINDOW,
)
THROUGHPUT = result(
    "throughput",
    [
        {"period_start": date(2026, 8, 31), "finished": 3, "started": 4, "net_flow": 1},
        {"period_start": date(2026, 9, 28), "finished": 1, "started": 0, "net_flow": -1},
    ],
    period="week",
    **WINDOW,
)
CYCLE = result(
    "cycle-time",
    [
        {
            "item_id": f"A-{n}",
            "title": f"item {n}",
            "team_id": "alpha",
            "item_type": "Story",
            "flow_type": "feature",
            "finished_at": datetime(2026, 9, n + 2, 12),
            "cycle_time_days": float(n),
        }
        for n in range(1, 5)
    ],
    **WINDOW,
)
AGE = result(
    "age",
    [
        {
            "item_id": f"B-{n}",
            "title": "open",
            "team_id": "alpha",
            "item_type": "Bug",
            "current_stage": stage,
            "age_days": 2.0 * n,
            "stage_age_days": 1.0,
            "sle_days": 5.0,
            "over_sle": 2.0 * n > 5,
        }
        for n, stage in enumerate(("Review", "In Progress", "In Progress"), start=1)
    ],
)
WIP = result("wip", [{"date": date(2026, 9, day), "wip": day} for day in range(2, 30)], **WINDOW)
STAGES = result(
    "stages",
    [
        {
            "stage": "Backlog",
            "stage_order": 0,
            "items": 4,
            "total_days": 4.0,
            "mean_days": 1.0,
            "p50_days": 1.0,
            "p85_days": 1.5,
            "share": 0.25,
        },
        {
            "stage": "Ready",
            "stage_order": 1,
            "items": 4,
            "total_days": 8.0,
            "mean_days": 2.0,
            "p50_days": 2.0,
            "p85_days": 3.0,
            "share": 0.5,
        },
        {
            "stage": "In Progress",
            "stage_order": 2,
            "items": 4,
            "total_days": 4.0,
            "mean_days": 1.0,
            "p50_days": 1.0,
            "p85_days": 1.2,
            "share": 0.25,
        },
    ],
    level="stage",
    **WINDOW,
)
CATALOG = {"Backlog": ("Ideate", "backlog"), "Ready": ("Create", "wait"), "In Progress": ("Create", "active")}
DISTRIBUTION = result(
    "distribution",
    [
        {"flow_type": "defect", "finished": 1, "finished_share": 0.25, "wip": 2, "wip_share": 0.5},
        {"flow_type": "feature", "finished": 3, "finished_share": 0.75, "wip": 2, "wip_share": 0.5},
    ],
    **WINDOW,
)
BLOCKED = result(
    "blocked",
    [
        {
            "item_id": "C-1",
            "title": "t",
            "team_id": "alpha",
            "flagged_days": 2.0,
            "status_days": 0.0,
            "link_days": 1.0,
            "blocked_days": 2.5,
        },
        {
            "item_id": "C-2",
            "title": "u",
            "team_id": "alpha",
            "flagged_days": 0.0,
            "status_days": 1.0,
            "link_days": 0.0,
            "blocked_days": 1.0,
        },
    ],
    **WINDOW,
)
PERCENTILES = {50: 2.5, 70: 3.1, 85: 3.55, 95: 3.85}


def every_chart(link_to: Any) -> dict[str, dict[str, Any]]:
    return {
        "cfd": charts.cfd_chart(CFD, colors={"Backlog": "#aaa"}, link=link_to),
        "throughput": charts.throughput_chart(THROUGHPUT, link=link_to),
        "wip": charts.wip_chart(WIP, link=link_to),
        "cycle": charts.cycle_time_chart(CYCLE, percentiles=PERCENTILES, link=link_to),
        "aging": charts.aging_chart(AGE, percentiles=PERCENTILES, stage_order=["In Progress", "Review"], link=link_to),
        "stage-map": charts.stage_map_chart(STAGES, catalog=CATALOG, phases=["Ideate", "Create"], link=link_to),
        "stages": charts.stage_time_chart(STAGES, catalog=CATALOG, link=link_to),
        "distribution": charts.distribution_chart(DISTRIBUTION, link=link_to),
        "blocked": charts.blocked_chart(BLOCKED, link=link_to),
    }


@pytest.mark.parametrize("linked", [True, False])
def test_every_chart_compiles(linked: bool) -> None:
    for name, spec in every_chart(link if linked else None).items():
        assert spec["$schema"].endswith("/v6.json"), name
        compiled = compiles(spec)
        assert compiled["marks"], name
        assert ("href" in json.dumps(compiled)) is linked, name


def test_charts_render_to_svg_offline() -> None:
    for name, spec in every_chart(None).items():
        fixed = {**spec, "width": 400}
        fixed.pop("autosize", None)
        svg = vl_convert.vegalite_to_svg(fixed)
        assert svg.startswith("<svg") and "<path" in svg, name


def test_throughput_points_link_to_their_week_inside_the_window() -> None:
    values = charts.throughput_chart(THROUGHPUT, link=link)["data"]["values"]
    first = {value["measure"]: value for value in values if value["period_start"] == "2026-08-31"}
    # The week of Aug 31 starts before the window (Sep 2): its link starts where the window does.
    assert first["finished"]["href"] == "/items?show=finished&since=2026-09-02&until=2026-09-06"
    assert first["started"]["href"] == "/items?show=started&since=2026-09-02&until=2026-09-06"
    last = next(value for value in values if value["period_start"] == "2026-09-28")
    assert last["until"] == "2026-09-29"
    assert [value["items"] for value in values] == [3, 4, 1, 0]


def test_daily_charts_build_links_in_the_browser() -> None:
    spec = charts.wip_chart(WIP, link=lambda **filters: link(team="alpha", **filters))
    (step,) = spec["transform"]
    assert step == {
        "calculate": "'/items?show=open&team=alpha' + '&on=' + "
        "encodeURIComponent(utcFormat(datum['date'], '%Y-%m-%d'))",
        "as": "href",
    }
    assert "transform" not in charts.wip_chart(WIP)


def test_cycle_time_lines_are_the_given_percentiles() -> None:
    spec = charts.cycle_time_chart(CYCLE, percentiles={**PERCENTILES, 70: None}, link=None)
    lines = spec["layer"][1]["data"]["values"]
    assert [(line["percentile"], line["days"]) for line in lines] == [("p50", 2.5), ("p85", 3.55), ("p95", 3.85)]
    assert len(spec["data"]["values"]) == 4


def test_aging_bands_stack_up_from_zero() -> None:
    spec = charts.aging_chart(AGE, percentiles=PERCENTILES, stage_order=["In Progress", "Review"])
    bands = spec["layer"][0]["data"]["values"]
    assert [(band["from"], band["to"]) for band in bands[:4]] == [(0.0, 2.5), (2.5, 3.1), (3.1, 3.55), (3.55, 3.85)]
    assert bands[-1]["from"] == 3.85 and bands[-1]["to"] >= 6.0
    assert spec["layer"][2]["encoding"]["x"]["sort"] == ["In Progress", "Review"]


def test_stage_map_labels_and_colors() -> None:
    spec = charts.stage_map_chart(STAGES, catalog=CATALOG, phases=["Ideate", "Create"])
    values = spec["data"]["values"]
    assert [(v["phase"], v["kind"], v["label"]) for v in values] == [
        ("Ideate", "backlog", "Backlog 25%"),
        ("Create", "waiting", "Ready 50%"),
        ("Create", "working", "In Progress 25%"),
    ]


def test_distribution_and_blocked_values() -> None:
    values = charts.distribution_chart(DISTRIBUTION, link=link)["data"]["values"]
    assert {(v["flow_type"], v["show"], v["items"], v["href"]) for v in values} == {
        ("defect", "finished", 1, "/items?show=finished&type=defect"),
        ("defect", "open", 2, "/items?show=open&type=defect"),
        ("feature", "finished", 3, "/items?show=finished&type=feature"),
        ("feature", "open", 2, "/items?show=open&type=feature"),
    }
    blocked = charts.blocked_chart(BLOCKED, link=link)["data"]["values"]
    assert [(v["item_id"], v["reason"], v["days"]) for v in blocked] == [
        ("C-1", "flagged", 2.0),
        ("C-1", "waiting on another team", 1.0),
        ("C-2", "blocked stage", 1.0),
    ]
    assert blocked[0]["href"] == "/items?item=C-1"


def test_timeline_draws_open_steps_up_to_now() -> None:
    now = datetime(2026, 9, 10, 12)
    steps = [
        {
            "status": "Open",
            "stage": "Backlog",
            "phase": "Ideate",
            "category": "backlog",
            "entered_at": datetime(2026, 9, 1),
            "left_at": datetime(2026, 9, 3),
        },
        {
            "status": "Doing",
            "stage": "In Progress",
            "phase": "Create",
            "category": "active",
            "entered_at": datetime(2026, 9, 3),
            "left_at": None,
        },
    ]
    spec = charts.item_timeline_chart(steps, stage_order=["Backlog", "In Progress"], now=now)
    assert [v["left_at"] for v in spec["data"]["values"]] == ["2026-09-03T00:00:00Z", "2026-09-10T12:00:00Z"]
    done = {**steps[1], "status": "Done", "stage": "Done", "category": "done", "entered_at": datetime(2026, 9, 5)}
    finished = charts.item_timeline_chart(
        [steps[0], {**steps[1], "left_at": datetime(2026, 9, 5)}, done], stage_order=[], now=now
    )
    assert finished["data"]["values"][-1]["left_at"] == "2026-09-05T00:00:00Z"  # time after the finish counts nowhere
    assert finished["data"]["values"][-1]["terminal"] is True
    compiles(spec)


def test_helpers() -> None:
    assert period_end(date(2026, 9, 7), "week") == date(2026, 9, 13)
    assert period_end(date(2026, 12, 1), "month") == date(2026, 12, 31)
    assert period_end(date(2026, 2, 1), "month") == date(2026, 2, 28)
    assert period_end(date(2026, 9, 7), "day") == date(2026, 9, 7)
    assert window_bounds(WINDOW) == (date(2026, 9, 2), date(2026, 9, 29))
    assert window_bounds({}) == (None, None)
    spread = [jitter(f"X-{n}") for n in range(200)]
    assert all(-0.35 <= value <= 0.35 for value in spread) and len(set(spread)) > 150
    assert jitter("X-1") == jitter("X-1")
    assert charts.plain(float("nan")) is None and charts.plain(date(2026, 1, 2)) == "2026-01-02"


def test_an_aging_item_with_no_known_sle_is_its_own_class_not_within() -> None:
    known = AGE.table.to_pylist()
    rows = [*known, dict(known[0], item_id="U-1", sle_days=None, over_sle=None)]
    spec = charts.aging_chart(result("age", rows), percentiles=PERCENTILES, stage_order=["In Progress", "Review"])
    classes = {value["item_id"]: value["sle"] for value in spec["data"]["values"]}
    assert classes == {"B-1": "within SLE", "B-2": "within SLE", "B-3": "past its team's SLE", "U-1": "SLE unknown"}
    assert spec["layer"][2]["encoding"]["color"]["scale"]["domain"] == [
        "within SLE",
        "past its team's SLE",
        "SLE unknown",
    ]
