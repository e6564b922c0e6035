"""Item histories mapped to the workflow: the facts every flow metric is computed from.

Definitions (METRICS.md §1):
- A transition's **stage**, phase and category come from its item's workflow; a status no stage lists
  maps to the explicit stage ``unmapped`` (category ``unmapped``, never dropped; it is neither backlog
  nor active, so it starts an item and counts as waiting).
- **Start** = the first transition into any non-backlog category (the commitment point).
- **Finish** = the start of the item's final run of done/cancelled transitions (the last move into
  done that no move out of done follows). **Outcome** is ``cancelled`` when the final status is in a
  cancelled stage or the item's resolution is one of its workflow's `cancelled_resolutions`, else
  ``done``. An item whose first non-backlog transition is into done or cancelled is flagged
  ``skipped_start`` (cycle time 0 when it never moved again).
- Each transition opens an **interval** that ends at the next transition, clipped to the item's end
  (its finish, or `now` while unfinished): time after the finish counts nowhere.
- **Active time** = time in active stages between start and finish, minus time flagged as blocked.

All instants are UTC; durations are exact microseconds, reported in days (86,400 s).
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
from ibis import _

MICROSECONDS_PER_DAY = 86_400 * 1_000_000
TERMINAL = ("done", "cancelled")


def instant(value: datetime) -> ir.TimestampScalar:
    """A UTC instant as a literal of the store's timestamp type (microseconds)."""
    return ibis.literal(value, type="timestamp(6)")


def _with_key(backend: ibis.BaseBackend, table: ir.Table, column: str, key_name: str) -> ir.Table:
    """`table` with `key_name`: the `orgflow.config.status_key` of `column`, from the of_keys lookup."""
    keys = backend.table("of_keys").rename({key_name: "key", f"{key_name}_raw": "raw"})
    joined = table.left_join(keys, table[column] == keys[f"{key_name}_raw"])
    return joined.select(*table.columns, key_name).view()


def mapped_transitions(backend: ibis.BaseBackend, *, now: datetime) -> ir.Table:
    """Transitions up to `now`, each with its stage and rank.

    Columns: source, item_id, seq, rank (1 = first by time, then seq), changed_at, next_at, workflow,
    stage, stage_order, phase, phase_order, category, blocked_stage, is_last, stage_changed (the stage
    differs from the previous transition's), terminal_run_start (a move into done/cancelled from
    elsewhere), later_min_order (the lowest CFD stage order among the later transitions), left_at and
    duration_us (the transition's interval, clipped to the item's finish or `now`).
    """
    transitions = backend.table("status_transitions").filter(_.changed_at <= now)
    items = backend.table("work_items").select(item_source=_.source, item_key=_.source_id, project=_.project)
    project_workflow = backend.table("of_project_workflow")
    status_map = backend.table("of_status_map")
    joined = (
        transitions.join(items, [transitions.source == items.item_source, transitions.item_id == items.item_key])
        .join(
            project_workflow,
            [_.item_source == project_workflow.source, _.project == project_workflow.project],
        )
        .view()
    )
    joined = _with_key(backend, joined, "to_status", "status_key")
    joined = joined.left_join(
        status_map,
        [joined.workflow == status_map.workflow, joined.status_key == status_map.status_key],
    ).select(
        source=_.source,
        item_id=_.item_id,
        seq=_.seq,
        changed_at=_.changed_at,
        workflow=_.workflow,
        stage=_.stage.fill_null("unmapped"),
        stage_order=_.stage_order,
        phase=_.phase.fill_null("unmapped"),
        phase_order=_.phase_order,
        category=_.category.fill_null("unmapped"),
        blocked_stage=_.blocked.fill_null(False),
    )
    # One ordered pass over each item's history computes everything later steps need; whole-item
    # windows would each cost another sort of every transition.
    ordered = ibis.window(group_by=["source", "item_id"], order_by=["changed_at", "seq"])
    later = ibis.window(group_by=["source", "item_id"], order_by=["changed_at", "seq"], following=(1, None))
    in_cfd = _.stage_order.notnull() & (_.category != "cancelled")
    marked = joined.mutate(
        rank=ibis.row_number().over(ordered) + 1,
        next_at=_.changed_at.lead().over(ordered),
        previous_stage=_.stage.lag().over(ordered),
        previous_category=_.category.lag().over(ordered),
        later_min_order=ibis.ifelse(in_cfd, _.stage_order, None).min().over(later),
        later_open=ibis.ifelse(_.category.isin(TERMINAL), 0, 1).max().over(later),
    )
    terminal = marked.category.isin(TERMINAL)
    # An entry into the final run of done/cancelled lies at or after the finish: it lasts nothing.
    # Every other interval ends at the next transition, or at `now` for an open item's last one.
    after_finish = terminal & (marked.later_open.fill_null(0) == 0)
    left_at = ibis.ifelse(after_finish, marked.changed_at, marked.next_at.fill_null(instant(now)))
    return marked.mutate(
        left_at=left_at,
        duration_us=left_at.delta(marked.changed_at, unit="microsecond"),
        is_last=marked.next_at.isnull(),
        stage_changed=marked.previous_stage.isnull() | (marked.previous_stage != marked.stage),
        terminal_run_start=terminal & (marked.previous_category.isnull() | ~marked.previous_category.isin(TERMINAL)),
    ).drop("previous_stage", "previous_category", "later_open")


def item_facts(
    backend: ibis.BaseBackend,
    transitions: ir.Table,
    flagged: ir.Table,
    *,
    now: datetime,
    teams: ir.Table | None = None,
) -> ir.Table:
    """One row per item created by `now`: its team, types, start, finish, outcome and current stage.

    The team is the stored `team_id` (else the project key), or, when `teams` is given (``source, source_id,
    team_id`` per item: `orgflow.metrics.attribution.build_attribution`), the team it names.

    Columns: source, item_id, title, project, team_id, group_id (the team's parent group), item_type,
    flow_type, workflow, created_at, started_at, finished_at, outcome (done | cancelled | null),
    skipped_start, current_stage, current_category, current_stage_since, end_at (finish or now).
    """
    non_backlog = transitions.category != "backlog"
    per_item = transitions.group_by(["source", "item_id"]).aggregate(
        started_at=ibis.ifelse(non_backlog, transitions.changed_at, None).min(),
        first_start_category=transitions.category.argmin(ibis.ifelse(non_backlog, transitions.rank, None)),
        # The finish is the start of the last run of done/cancelled transitions, if the item ends in one.
        last_terminal_run_at=ibis.ifelse(transitions.terminal_run_start, transitions.changed_at, None).max(),
        final_category=ibis.ifelse(transitions.is_last, transitions.category, None).max(),
        current_stage=ibis.ifelse(transitions.is_last, transitions.stage, None).max(),
        current_stage_since=ibis.ifelse(transitions.stage_changed, transitions.changed_at, None).max(),
        workflow=transitions.workflow.max(),
        active_raw_us=ibis.ifelse(
            (transitions.category == "active") & ~transitions.blocked_stage, transitions.duration_us, 0
        ).sum(),
    )
    per_item = per_item.left_join(flagged, ["source", "item_id"]).select(
        *per_item.columns, flagged_us=flagged.flagged_us
    )
    per_item = per_item.mutate(
        active_us=_.active_raw_us - _.flagged_us.fill_null(0),
        finished_at=ibis.ifelse(_.final_category.isin(TERMINAL), _.last_terminal_run_at, None),
    ).drop("last_terminal_run_at", "active_raw_us", "flagged_us")
    items = backend.table("work_items").filter(_.created_at <= now)
    if teams is not None:
        attributed = teams.select(a_source=_.source, a_item=_.source_id, a_team=_.team_id)
        items = items.left_join(
            attributed, [items.source == attributed.a_source, items.source_id == attributed.a_item]
        ).select(*items.columns, "a_team")
    items = _with_key(backend, items, "item_type", "type_key")
    items = _with_key(backend, items, "resolution", "resolution_key")
    flow_type = backend.table("of_flow_type")
    team_parent = backend.table("of_team_parent")
    cancel = backend.table("of_cancel_resolution").mutate(cancel_hit=ibis.literal(True))
    facts = items.left_join(per_item, [items.source == per_item.source, items.source_id == per_item.item_id])
    facts = facts.select(
        source=items.source,
        item_id=items.source_id,
        title=items.title,
        project=items.project,
        team_id=items.team_id.fill_null(items.project) if teams is None else items.a_team,
        item_type=items.item_type,
        type_key=items.type_key,
        resolution_key=items.resolution_key,
        created_at=items.created_at,
        started_at=per_item.started_at,
        finished_at=per_item.finished_at,
        skipped_start=per_item.first_start_category.isin(TERMINAL).fill_null(False),
        final_category=per_item.final_category,
        current_stage=per_item.current_stage,
        current_stage_since=per_item.current_stage_since,
        workflow=per_item.workflow,
        active_us=per_item.active_us,
    )
    kept = [column for column in facts.columns if column not in ("type_key", "resolution_key")]
    facts = (
        facts.view()
        .left_join(flow_type, "type_key")
        .left_join(team_parent, "team_id")
        .left_join(cancel, ["workflow", "resolution_key"])
        .select(*kept, "flow_type", "parent_group", "cancel_hit")
    )
    outcome = ibis.cases(
        (_.finished_at.isnull(), ibis.null("string")),
        ((_.final_category == "cancelled") | _.cancel_hit.fill_null(False), "cancelled"),
        else_="done",
    )
    return facts.mutate(
        flow_type=_.flow_type.fill_null("other"),
        group_id=_.parent_group.fill_null(_.team_id),
        outcome=outcome,
        current_category=_.final_category,
        end_at=_.finished_at.fill_null(instant(now)),
    ).drop("parent_group", "cancel_hit", "final_category")


def spans(transitions: ir.Table) -> ir.Table:
    """Each transition's interval (a view of `mapped_transitions`, not a new table).

    Columns: source, item_id, seq, stage, stage_order, phase, phase_order, category, blocked_stage,
    entered_at, left_at, duration_us.
    """
    return transitions.select(
        "source",
        "item_id",
        "seq",
        "stage",
        "stage_order",
        "phase",
        "phase_order",
        "category",
        "blocked_stage",
        entered_at=transitions.changed_at,
        left_at=transitions.left_at,
        duration_us=transitions.duration_us,
    )


def flag_overlap(backend: ibis.BaseBackend, transitions: ir.Table, *, now: datetime) -> ir.Table:
    """Flagged microseconds inside active stages, per item (subtracted from active time).

    Flagged intervals of one item are assumed not to overlap each other (sources emit them from
    on/off flag changes). Columns: source, item_id, flagged_us.
    """
    active = spans(transitions).filter((_.category == "active") & ~_.blocked_stage & (_.duration_us > 0))
    flags = backend.table("blocked_intervals").select(
        flag_source=_.source,
        flag_item=_.item_id,
        flag_from=_.started_at,
        flag_to=_.ended_at.fill_null(instant(now)),
    )
    overlap = active.join(
        flags,
        [
            active.source == flags.flag_source,
            active.item_id == flags.flag_item,
            flags.flag_from < active.left_at,
            flags.flag_to > active.entered_at,
        ],
    ).select(
        "source",
        "item_id",
        overlap_us=ibis.least(_.left_at, _.flag_to).delta(ibis.greatest(_.entered_at, _.flag_from), unit="microsecond"),
    )
    return overlap.group_by(["source", "item_id"]).aggregate(flagged_us=_.overlap_us.sum())
