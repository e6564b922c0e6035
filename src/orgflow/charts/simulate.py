"""Charts of a simulation: a scenario against its baseline, and the leverage of each stage.

The scenario charts take the comparison `ws.simulate.run` returns (rows keyed by scope, subject,
stage and figure, each with its baseline and scenario means over replications and their paired
difference with its 95 % interval: `difference_low`, `difference_high`) and show what the scenario
changes: under common random numbers, whatever it does not touch has a difference of exactly 0 and
is left out (every row is when nothing changes). The leverage chart takes `ws.simulate.leverage`'s
rows. No chart computes a figure: they pick and reshape rows (days throughout).
"""

from __future__ import annotations

from typing import Any

from orgflow.charts.base import PERCENTILE_COLORS, spec
from orgflow.flow.service import MetricResult
from orgflow.simulate.leverage import LEVERAGE_COLUMNS

RUN_COLORS = {"baseline": "#8f99a8", "scenario": "#2f6fdf"}
"""Baseline grey, scenario blue, on every scenario chart."""
_BAR_ROW = 16
"""Pixels per bar (one bar per run and subject)."""
_MAX_SUBJECTS = 40
_RUNS = ("baseline", "scenario")


def _run_color(title: str | None = None) -> dict[str, Any]:
    return {
        "field": "run",
        "type": "nominal",
        "title": title,
        "scale": {"domain": list(RUN_COLORS), "range": list(RUN_COLORS.values())},
    }


def _change(row: dict[str, Any], name: str) -> dict[str, Any]:
    """A row's paired difference and its 95 % interval, as `name`, `name_low` and `name_high`."""
    return {name: row["difference"], f"{name}_low": row["difference_low"], f"{name}_high": row["difference_high"]}


def _change_tooltip(name: str, number_format: str, title: str) -> list[dict[str, Any]]:
    """Tooltip lines of a change and its 95 % interval (fields `name`, `name_low`, `name_high`)."""
    return [
        {"field": name, "type": "quantitative", "format": number_format, "title": title},
        {"field": f"{name}_low", "type": "quantitative", "format": number_format, "title": "95 % interval from"},
        {"field": f"{name}_high", "type": "quantitative", "format": number_format, "title": "95 % interval to"},
    ]


def _label(scope: str, subject: str, names: dict[str, str]) -> str:
    if scope == "org":
        return "whole organization"
    name = names.get(subject, subject)
    return f"{name} (group)" if scope == "group" else name


def _changed(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(scope, subject) of the rows whose difference is not exactly 0 (unknown counts as a change)."""
    return {(row["scope"], row["subject"]) for row in rows if row["difference"] != 0}


def flow_time_fan_chart(result: MetricResult, *, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Flow time p50, p85 and p95 per subject (organization, groups, teams), baseline above scenario:
    a dark band from p50 to p85 and a light one from p85 to p95. Subjects ordered organization, groups,
    then teams by the change of their p85 (most shortened first); only subjects the scenario changes."""
    names = names or {}
    figures = ("flow_time_p50", "flow_time_p85", "flow_time_p95")
    rows = [row for row in result.rows() if row["scope"] in ("org", "group", "team") and row["figure"] in figures]
    changed = _changed(rows) or {(row["scope"], row["subject"]) for row in rows}
    by_subject: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for row in rows:
        if (row["scope"], row["subject"]) in changed:
            by_subject.setdefault((row["scope"], row["subject"]), {})[row["figure"]] = row
    order = {"org": 0, "group": 1, "team": 2}

    def rank(key: tuple[str, str]) -> tuple[int, float, str]:
        p85 = by_subject[key].get("flow_time_p85", {})
        change = p85.get("difference")
        return order[key[0]], change if change is not None else 0.0, key[1]

    values: list[dict[str, Any]] = []
    subjects: list[str] = []
    for key in sorted(by_subject, key=rank)[:_MAX_SUBJECTS]:
        figure = by_subject[key]
        if any(name not in figure or figure[name][run] is None for name in figures for run in _RUNS):
            continue  # no item started in the measured window: nothing to draw
        label = _label(*key, names)
        subjects.append(label)
        p85 = figure["flow_time_p85"]
        for run in _RUNS:
            values.append(
                {
                    "subject": label,
                    "run": run,
                    "p50": figure["flow_time_p50"][run],
                    "p85": p85[run],
                    "p95": figure["flow_time_p95"][run],
                    **_change(p85, "p85_change"),
                }
            )
    y = {"field": "subject", "type": "nominal", "title": None, "sort": subjects}
    offset = {"field": "run", "type": "nominal", "sort": list(_RUNS)}
    tooltip = [
        {"field": "subject", "title": "who"},
        {"field": "run", "title": "run"},
        {"field": "p50", "type": "quantitative", "format": ".1f", "title": "p50 days"},
        {"field": "p85", "type": "quantitative", "format": ".1f", "title": "p85 days"},
        {"field": "p95", "type": "quantitative", "format": ".1f", "title": "p95 days"},
        *_change_tooltip("p85_change", "+.1f", "p85 change (days)"),
    ]
    x_title = "flow time (days): p50 to p85 dark, p85 to p95 light"
    return spec(
        title="Flow time, baseline and scenario",
        description=result.definition,
        values=values,
        height=_BAR_ROW * 2 * max(len(subjects), 1),
        encoding={"y": y, "yOffset": offset, "color": _run_color(), "tooltip": tooltip},
        layer=[
            {
                "mark": {"type": "bar", "opacity": 0.9, "height": {"band": 0.9}},
                "encoding": {
                    "x": {"field": "p50", "type": "quantitative", "title": x_title},
                    "x2": {"field": "p85"},
                },
            },
            {
                "mark": {"type": "bar", "opacity": 0.35, "height": {"band": 0.9}},
                "encoding": {"x": {"field": "p85", "type": "quantitative"}, "x2": {"field": "p95"}},
            },
            {
                "mark": {"type": "tick", "color": PERCENTILE_COLORS[85], "thickness": 2},
                "encoding": {"x": {"field": "p85", "type": "quantitative"}},
            },
        ],
    )


def stage_time_chart(
    result: MetricResult, *, stage_order: list[str], names: dict[str, str] | None = None
) -> dict[str, Any]:
    """Mean days per item in each stage, stacked in workflow order, one bar per team and run (the
    bar's length is the team's mean flow time); only teams whose stage times the scenario changes."""
    names = names or {}
    rows = [row for row in result.rows() if row["scope"] == "stage" and row["figure"] == "days"]
    teams = {subject for _, subject in _changed([{**row, "scope": "team"} for row in rows])}
    teams = teams or {row["subject"] for row in rows}
    rank = {stage: number for number, stage in enumerate(stage_order)}

    def stage_rank(stage: str) -> float:
        if stage.endswith(" (queue)"):
            return rank.get(stage.removesuffix(" (queue)"), len(rank)) - 0.5
        return rank.get(stage, len(rank))

    values: list[dict[str, Any]] = []
    for row in rows:
        if row["subject"] not in teams:
            continue
        for run in _RUNS:
            if row[run] is None or row[run] <= 0:
                continue
            values.append(
                {
                    "team": names.get(row["subject"], row["subject"]),
                    "run": run,
                    "stage": row["stage"],
                    "rank": stage_rank(row["stage"]),
                    "days": row[run],
                    **_change(row, "change"),
                }
            )
    stages = sorted({value["stage"] for value in values}, key=lambda stage: (stage_rank(stage), stage))
    shown = sorted({value["team"] for value in values})[:_MAX_SUBJECTS]
    values = [value for value in values if value["team"] in shown]
    return spec(
        title="Time per stage, baseline and scenario (mean days per item)",
        description=result.definition,
        values=values,
        height=_BAR_ROW * 2 * max(len(shown), 1),
        mark={"type": "bar", "stroke": "white", "strokeWidth": 0.5, "height": {"band": 0.9}},
        encoding={
            "y": {"field": "team", "type": "nominal", "title": None, "sort": shown},
            "yOffset": {"field": "run", "type": "nominal", "sort": list(_RUNS)},
            "x": {"field": "days", "type": "quantitative", "stack": "zero", "title": "mean days per item"},
            "color": {
                "field": "stage",
                "type": "nominal",
                "title": None,
                "sort": stages,
                "scale": {"domain": stages, "scheme": "tableau20"},
            },
            "order": {"field": "rank", "type": "quantitative"},
            "tooltip": [
                {"field": "team", "title": "team"},
                {"field": "run", "title": "run"},
                {"field": "stage", "title": "stage"},
                {"field": "days", "type": "quantitative", "format": ".2f", "title": "mean days per item"},
                *_change_tooltip("change", "+.2f", "change (days)"),
            ],
        },
    )


_STATION_TITLES = {
    "utilization": ("Utilization of the stations the scenario changes", "busy servers ÷ capacity", "%"),
    "queue_length": ("Queue length at the stations the scenario changes", "mean items waiting", ".2~f"),
}


def station_chart(result: MetricResult, figure: str) -> dict[str, Any]:
    """`utilization` or `queue_length` of each station with servers (baseline and scenario bars) whose
    figures the scenario changes; utilization has a rule at 100 % (saturation)."""
    title, axis_title, number_format = _STATION_TITLES[figure]
    rows = [row for row in result.rows() if row["scope"] == "station"]
    changed = {subject for _, subject in _changed(rows)}
    values: list[dict[str, Any]] = []
    for row in rows:
        if row["figure"] != figure or row["subject"] not in changed:
            continue
        for run in _RUNS:
            if row[run] is None:
                continue
            values.append(
                {
                    "station": row["subject"],
                    "run": run,
                    "value": row[run],
                    **_change(row, "change"),
                }
            )
    stations = sorted({value["station"] for value in values})[:_MAX_SUBJECTS]
    values = [value for value in values if value["station"] in stations]
    x: dict[str, Any] = {
        "field": "value",
        "type": "quantitative",
        "title": axis_title,
        "axis": {"format": number_format},
    }
    bars = {
        "mark": {"type": "bar", "height": {"band": 0.9}},
        "encoding": {
            "y": {"field": "station", "type": "nominal", "title": None, "sort": stations},
            "yOffset": {"field": "run", "type": "nominal", "sort": list(_RUNS)},
            "x": x,
            "color": _run_color(),
            "tooltip": [
                {"field": "station", "title": "station"},
                {"field": "run", "title": "run"},
                {"field": "value", "type": "quantitative", "format": number_format, "title": axis_title},
                *_change_tooltip("change", "+.3f", "change"),
            ],
        },
    }
    layers: list[dict[str, Any]] = [bars]
    if figure == "utilization":
        layers.append(  # the shared x scale runs to 100 % at least
            {
                "mark": {"type": "rule", "color": PERCENTILE_COLORS[95], "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 1}},
            }
        )
    return spec(
        title=title,
        description=result.definition,
        values=values,
        height=_BAR_ROW * 2 * max(len(stations), 1),
        layer=layers,
    )


def leverage_chart(result: MetricResult, *, title: str = "Leverage of each stage") -> dict[str, Any]:
    """The leverage view: one bar per stage, the change of flow time p85 (days) with that stage twice
    as fast, in the rows' order (the largest cut first), with its 95 % interval as a line. Stages
    that cannot be halved (no `flow_time_p85_if_2x`) have no bar."""
    fields = [name for name in LEVERAGE_COLUMNS if name != "unknown_reasons"]
    values = [
        {name: row.get(name) for name in fields}
        for row in result.rows()
        if row.get("flow_time_p85_if_2x") is not None and row.get("flow_time_p85") is not None
    ]
    stages = [value["stage"] for value in values]
    y = {"field": "stage", "type": "nominal", "title": None, "sort": stages}
    return spec(
        title=title,
        description=result.definition,
        values=values,
        height=24 * max(len(stages), 1),
        transform=[{"calculate": "datum.flow_time_p85_if_2x - datum.flow_time_p85", "as": "p85_change"}],
        encoding={
            "y": y,
            "tooltip": [
                {"field": "stage", "title": "stage"},
                {"field": "phase", "title": "phase"},
                {"field": "share", "type": "quantitative", "format": ".1%", "title": "share of flow time"},
                {"field": "flow_time_p85", "type": "quantitative", "format": ".1f", "title": "p85 now (days)"},
                {"field": "flow_time_p85_if_2x", "type": "quantitative", "format": ".1f", "title": "p85 if 2x"},
                *_change_tooltip("p85_change", "+.1f", "p85 change (days)"),
                {"field": "flow_time_mean", "type": "quantitative", "format": ".1f", "title": "mean now (days)"},
                {"field": "flow_time_mean_if_2x", "type": "quantitative", "format": ".1f", "title": "mean if 2x"},
            ],
        },
        layer=[
            {
                "mark": {"type": "bar", "height": {"band": 0.7}},
                "encoding": {
                    "x": {
                        "field": "p85_change",
                        "type": "quantitative",
                        "title": "change of flow time p85 (days) with the stage twice as fast",
                    },
                    "color": {"field": "phase", "type": "nominal", "title": "phase"},
                },
            },
            {
                "mark": {"type": "rule", "color": "#3c4655"},
                "encoding": {
                    "x": {"field": "p85_change_low", "type": "quantitative"},
                    "x2": {"field": "p85_change_high"},
                },
            },
            {"mark": {"type": "rule", "color": "#3c4655"}, "encoding": {"x": {"datum": 0}}},
        ],
    )
