"""The flow figures' columns: each column's short label and unit, one catalogue for every flow figure.

A column means the same in every figure that has it, so its label is declared once here; a figure's
declaration (`orgflow.flow.figures`) picks its columns from this catalogue. The labels are the Flow
Framework's names where it has one (Flow time = cycle time, Flow velocity = throughput, Flow load =
WIP); the Kanban name stays in the figure's definition. JSON and CSV keep the column names.
"""

from __future__ import annotations

from orgflow import registry
from orgflow.registry import Column, columns

PERCENTILES = (50, 70, 85, 95)
"""The lead and cycle time percentiles of the flow summary."""
ITEM_COLUMNS = ("source", "item_id", "title", "team_id", "group_id", "project", "item_type", "flow_type")
"""The columns that say which item a row is."""
SUMMARY_COLUMNS = (
    "finished",
    "cancelled",
    *[f"lead_time_p{p}" for p in PERCENTILES],
    *[f"cycle_time_p{p}" for p in PERCENTILES],
    "throughput_per_week",
    "wip",
    "flow_efficiency",
    "skipped_start",
    "small_sample",
    "unknown_reasons",
)
"""The flow summary's figures, in order, after its `--by` keys."""
ITEM_DETAIL_COLUMNS = ("created_at", "started_at", "finished_at", "outcome", "current_stage", "skipped_start")
"""The item list's columns after `ITEM_COLUMNS` and before its durations."""

COLUMNS: dict[str, Column] = columns(
    # Row keys (`--by` and item fields).
    ("team", "Team"),
    ("team_id", "Team"),
    ("group", "Group"),
    ("group_id", "Group"),
    ("type", "Type"),
    ("item_type", "Type"),
    ("flow_type", "Flow type"),
    ("project", "Project"),
    ("value_stream", "Value stream"),
    ("source", "Source"),
    ("item_id", "Item"),
    ("title", "Title"),
    ("outcome", "Outcome"),
    ("stage", "Stage"),
    ("stage_order", "Stage no."),
    ("current_stage", "Stage now"),
    ("date", "Date"),
    ("period_start", "Period"),
    ("created_at", "Created at"),
    ("started_at", "Started at"),
    ("finished_at", "Finished at"),
    # Counts.
    ("finished", "Finished"),
    ("cancelled", "Cancelled"),
    ("started", "Started"),
    ("net_flow", "Net flow"),
    ("count", "Count"),
    ("items", "Items"),
    ("sample", "Sample"),
    ("departures", "Departures"),
    ("arrivals", "Arrivals"),
    # Flow time (Kanban: cycle time) and lead time, in days.
    ("lead_time_p50", "Lead time p50", "d"),
    ("lead_time_p70", "Lead time p70", "d"),
    ("lead_time_p85", "Lead time p85", "d"),
    ("lead_time_p95", "Lead time p95", "d"),
    ("cycle_time_p50", "Flow time p50", "d"),
    ("cycle_time_p70", "Flow time p70", "d"),
    ("cycle_time_p85", "Flow time p85", "d"),
    ("cycle_time_p95", "Flow time p95", "d"),
    ("lead_time_days", "Lead time", "d"),
    ("cycle_time_days", "Flow time", "d"),
    ("mean_cycle_time_days", "Mean flow time", "d"),
    ("sle_days", "SLE", "d"),
    ("age_days", "Age", "d"),
    ("stage_age_days", "In stage", "d"),
    ("over_sle", "Over SLE"),
    ("skipped_start", "Skipped start"),
    # Flow velocity (Kanban: throughput).
    ("throughput_per_week", "Velocity", "/wk"),
    ("throughput_per_day", "Velocity", "/day"),
    # Flow load (Kanban: WIP).
    ("wip", "Load (WIP)"),
    ("mean_wip", "Mean load (WIP)"),
    ("wip_start", "Load at start"),
    ("wip_end", "Load at end"),
    ("predicted_wip", "Predicted load"),
    ("wip_stable", "Load stable"),
    ("arrivals_match_departures", "Arrivals match"),
    # Flow efficiency.
    ("flow_efficiency", "Efficiency"),
    ("item_efficiency_p50", "Item efficiency p50"),
    ("active_days", "Active", "d"),
    ("cycle_days", "Flow time", "d"),
    # Flow distribution.
    ("finished_share", "Finished share"),
    ("wip_share", "Load share"),
    # Stages and blocked time, in days.
    ("total_days", "Total", "d"),
    ("mean_days", "Mean", "d"),
    ("p50_days", "p50", "d"),
    ("p85_days", "p85", "d"),
    ("share", "Share"),
    ("flagged_days", "Flagged", "d"),
    ("status_days", "Blocked stage", "d"),
    ("link_days", "Blocking link", "d"),
    ("blocked_days", "Blocked", "d"),
    ("days", "Days"),
    ("ratio", "Ratio"),
    ("small_sample", "Small sample"),
)
"""Every flow column by name: label and unit (``d`` days, ``/wk`` and ``/day`` rates)."""

LABELS: dict[str, str] = {name: column.heading for name, column in COLUMNS.items()}
"""Each column's short terminal label, unit included ("Flow time p85 (d)")."""


def label_name(column: str) -> str:
    """A column's label without its unit ("Flow time p85 (d)" -> "Flow time p85"), for a surface that
    prints the unit beside the value, as the dashboard's cards do; the column itself when it has no label."""
    known = COLUMNS.get(column)
    return column if known is None else known.label


def pick(*names: str) -> tuple[Column, ...]:
    """The columns `names` in that order, labelled from the catalogue (`orgflow.registry.pick`)."""
    return registry.pick(COLUMNS, *names)
