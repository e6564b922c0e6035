"""Each registered metric's one-line definition, shown beside every figure (CLI JSON, API, UI).

`docs/metrics.md` defines each of these names in full; a test keeps the two in step.
"""

DEFINITIONS: dict[str, str] = {
    "summary": "Headline flow figures over items finished in the window: lead and cycle time percentiles "
    "(days, linear interpolation), throughput per week, WIP at the window's end, time-weighted flow efficiency.",
    "lead-time": "finish - created, per item finished (done) in the window, in days.",
    "cycle-time": "finish - start (first move out of backlog), waits included, per item finished (done) in "
    "the window, in days; backlog-to-done items count with 0 and are flagged skipped_start.",
    "throughput": "Items finished (done) per period (weeks start Monday, labelled by their first day); "
    "started = arrivals; net_flow = started - finished; empty periods shown as 0.",
    "wip": "Items started and not finished at the end of each UTC day.",
    "cfd": "Per day and stage: items whose first entry into the stage or a later one happened on or before "
    "that day; entries undone by a backward move are forgotten; unmapped statuses and cancelled stages left "
    "out; cancelled items never reach a done stage.",
    "age": "Work Item Age: now - start per started, unfinished item, in days, with time in its current stage.",
    "efficiency": "Flow efficiency: sum of active time / sum of cycle time over items finished in the window "
    "(time-weighted); flagged time inside active stages counts as waiting.",
    "distribution": "Share of each flow type among items finished in the window and among WIP at its end.",
    "stages": "Time per stage (or phase) summed over every visit, for items finished in the window, in days, "
    "with each stage's share of their total time.",
    "time-in-stage": "Time per item in each stage (or phase): the sum of every visit, the last open one "
    "ending at the finish or now, in days.",
    "items": "The items behind the figures, with start, finish, outcome, cycle and lead time.",
    "sle": "Service level expectation: a percentile (default p85) of cycle time over each team's and item "
    "type's last N (default 50) finished items, in days.",
    "blocked": "Time each started item spent blocked (flag, blocked stage, or an unresolved blocking link "
    "from another team's item), in days; overlaps counted once.",
    "littles-law": "Mean WIP against throughput per day x mean cycle time over the window, with stability "
    "conditions (arrivals match departures, WIP at start and end within 10 %).",
}


LABELS: dict[str, str] = {
    # Row keys (`--by` and item fields).
    "team": "Team",
    "team_id": "Team",
    "group": "Group",
    "group_id": "Group",
    "type": "Type",
    "item_type": "Type",
    "flow_type": "Flow type",
    "project": "Project",
    "value_stream": "Value stream",
    "source": "Source",
    "item_id": "Item",
    "title": "Title",
    "outcome": "Outcome",
    "stage": "Stage",
    "stage_order": "Stage no.",
    "current_stage": "Stage now",
    "date": "Date",
    "period_start": "Period",
    "created_at": "Created at",
    "started_at": "Started at",
    "finished_at": "Finished at",
    # Counts.
    "finished": "Finished",
    "cancelled": "Cancelled",
    "started": "Started",
    "net_flow": "Net flow",
    "count": "Count",
    "items": "Items",
    "sample": "Sample",
    "departures": "Departures",
    "arrivals": "Arrivals",
    # Flow time (Kanban: cycle time) and lead time, in days.
    "lead_time_p50": "Lead time p50 (d)",
    "lead_time_p70": "Lead time p70 (d)",
    "lead_time_p85": "Lead time p85 (d)",
    "lead_time_p95": "Lead time p95 (d)",
    "cycle_time_p50": "Flow time p50 (d)",
    "cycle_time_p70": "Flow time p70 (d)",
    "cycle_time_p85": "Flow time p85 (d)",
    "cycle_time_p95": "Flow time p95 (d)",
    "lead_time_days": "Lead time (d)",
    "cycle_time_days": "Flow time (d)",
    "mean_cycle_time_days": "Mean flow time (d)",
    "sle_days": "SLE (d)",
    "age_days": "Age (d)",
    "stage_age_days": "In stage (d)",
    "over_sle": "Over SLE",
    "skipped_start": "Skipped start",
    # Flow velocity (Kanban: throughput).
    "throughput_per_week": "Velocity /wk",
    "throughput_per_day": "Velocity /day",
    # Flow load (Kanban: WIP).
    "wip": "Load (WIP)",
    "mean_wip": "Mean load (WIP)",
    "wip_start": "Load at start",
    "wip_end": "Load at end",
    "predicted_wip": "Predicted load",
    "wip_stable": "Load stable",
    "arrivals_match_departures": "Arrivals match",
    # Flow efficiency.
    "flow_efficiency": "Efficiency",
    "item_efficiency_p50": "Item efficiency p50",
    "active_days": "Active (d)",
    "cycle_days": "Flow time (d)",
    # Flow distribution.
    "finished_share": "Finished share",
    "wip_share": "Load share",
    # Stages and blocked time, in days.
    "total_days": "Total (d)",
    "mean_days": "Mean (d)",
    "p50_days": "p50 (d)",
    "p85_days": "p85 (d)",
    "share": "Share",
    "flagged_days": "Flagged (d)",
    "status_days": "Blocked stage (d)",
    "link_days": "Blocking link (d)",
    "blocked_days": "Blocked (d)",
    "days": "Days",
    "ratio": "Ratio",
    "small_sample": "Small sample",
}
"""Each result column's short terminal label, unit in brackets: the Flow Framework's name where it has
one (Flow time = cycle time, Flow velocity = throughput, Flow load = WIP); the Kanban name stays in
the metric's definition. JSON and CSV keep the column names."""

CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": (
        "team",
        "group",
        "type",
        "flow_type",
        "project",
        "value_stream",
        "finished",
        "lead_time_p50",
        "lead_time_p85",
        "cycle_time_p50",
        "cycle_time_p85",
        "throughput_per_week",
        "wip",
        "flow_efficiency",
    ),
    "lead-time": ("item_id", "title", "team_id", "finished_at", "lead_time_days"),
    "cycle-time": ("item_id", "title", "team_id", "finished_at", "cycle_time_days"),
    "age": ("item_id", "title", "team_id", "current_stage", "age_days", "sle_days", "over_sle"),
    "items": (
        "item_id",
        "title",
        "team_id",
        "outcome",
        "current_stage",
        "lead_time_days",
        "cycle_time_days",
        "age_days",
    ),
    "blocked": ("item_id", "title", "team_id", "blocked_days"),
}
"""The columns a terminal table keeps when it must leave some out to fit; the others go first, from
the right. A metric not listed keeps its first column."""


UNIT_SUFFIXES = (" (d)", " (h)", " /wk", " /day")


def label_name(column: str) -> str:
    """A column's label without its unit (`LABELS`: "Flow time p85 (d)" -> "Flow time p85"), for a
    surface that prints the unit beside the value, as the dashboard's cards do; the column itself when
    it has no label."""
    label = LABELS.get(column, column)
    for suffix in UNIT_SUFFIXES:
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label
