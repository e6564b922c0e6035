"""Item histories mapped to the workflow: the facts every flow metric is computed from.

Definitions (docs/metrics.md):
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

The facts come in two layers. The **open facts** (`mapped_transitions`, `item_facts`) need no `now`:
the interval an unfinished item is still in has no end yet (``left_at`` and ``duration_us`` null), and
an item's active time is split into its closed part and the instant its open active interval began.
They can therefore be kept in the store between imports (`orgflow.flow.stored_facts`). The
**finish** (`finish_transitions`, `finish_items`) closes them at `now`; it is a cheap projection that
every query applies.

All instants are UTC; durations are exact microseconds, reported in days (86,400 s).
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis import _

from orgflow.query.tables import TableSource

MICROSECONDS_PER_DAY = 86_400 * 1_000_000
TERMINAL = ("done", "cancelled")


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue | float) -> ir.FloatingValue:
    """numerator / denominator in float64 on every engine: PostgreSQL divides integers as integers
    and sums them as decimals, so the numerator is cast first (on DuckDB the same double division)."""
    return numerator.cast("float64") / denominator


def in_days(microseconds: ir.NumericValue) -> ir.FloatingValue:
    """Microseconds in days (86,400 s), in float64 (`ratio`)."""
    return ratio(microseconds, MICROSECONDS_PER_DAY)


Instant = datetime | ir.TimestampScalar
"""An instant as metric functions take it: a naive UTC datetime, or a term of a query (a bound value)."""


def instant(value: Instant) -> ir.TimestampScalar:
    """A UTC instant as a term of the store's timestamp type (microseconds): a datetime becomes a
    literal, a term is returned as it is."""
    if isinstance(value, ir.Expr):
        return value
    return ibis.literal(value, type="timestamp(6)")


def _with_key(tables: TableSource, table: ir.Table, column: str, key_name: str) -> ir.Table:
    """`table` with `key_name`: the `orgflow.config.status_key` of `column`, from the of_keys lookup."""
    keys = tables.table("of_keys").rename({key_name: "key", f"{key_name}_raw": "raw"})
    joined = table.left_join(keys, table[column] == keys[f"{key_name}_raw"])
    return joined.select(*table.columns, key_name).view()


def item_base(tables: TableSource, *, now: datetime | None, teams: ir.Table | None = None) -> ir.Table:
    """One row per item created by `now` (every item when `now` is None), numbered: the stored item with
    its workflow and team.

    ``ik`` is an integer key, unique within one preparation, that every later step joins and
    partitions by (one integer sorts and hashes several times faster than two strings).
    The team is the stored `team_id` (else the project key), or, when `teams` is given (``source,
    source_id, team_id`` per item: `orgflow.org.attribution.build_attribution`), the team it names.

    Columns: ik, source, item_id, title, project, team_id, item_type, resolution, created_at, workflow.
    """
    stored = tables.table("work_items")
    if ibis.get_backend(stored).has_operation(ops.RowID):
        # DuckDB's row id: unique per stored row and free (a numbering window would sort a million rows).
        ik = stored.rowid()
    else:
        # An engine without row ids (PostgreSQL): the row's number in key order.
        ik = ibis.row_number().over(order_by=["source", "source_id"])
    items = stored.mutate(ik=ik)
    if now is not None:
        items = items.filter(_.created_at <= now)
    project_workflow = tables.table("of_project_workflow")
    joined = items.join(
        project_workflow, [items.source == project_workflow.source, items.project == project_workflow.project]
    )
    team = items.team_id.fill_null(items.project)
    if teams is not None:
        attributed = teams.select(a_source=_.source, a_item=_.source_id, a_team=_.team_id)
        joined = joined.left_join(
            attributed, [items.source == attributed.a_source, items.source_id == attributed.a_item]
        )
        team = attributed.a_team
    return joined.select(
        ik=items.ik,
        source=items.source,
        item_id=items.source_id,
        title=items.title,
        project=items.project,
        team_id=team,
        item_type=items.item_type,
        resolution=items.resolution,
        created_at=items.created_at,
        workflow=project_workflow.workflow,
    )


def mapped_transitions(tables: TableSource, base: ir.Table, *, now: datetime | None) -> ir.Table:
    """Transitions up to `now` (all when None) of the items of `base` (`item_base`), each mapped and with
    its interval as far as the history knows it (the open facts: see `finish_transitions`).

    Narrow on purpose (numbers, flags and the short category; stage and phase names are joined on
    after aggregation from ``of_stages``): one sort of every transition is the preparation's main cost.

    Columns: ik, seq, changed_at, stage_order and phase_order (null for an unmapped status), category,
    blocked_stage, is_last, stage_changed (the stage differs from the previous transition's),
    terminal_run_start (a move into done/cancelled from elsewhere), later_min_order (the lowest CFD
    stage order among the later transitions), left_at and duration_us (the transition's interval,
    clipped to the item's finish; both null for the interval an unfinished item is still in).
    """
    transitions = tables.table("status_transitions")
    if now is not None:
        transitions = transitions.filter(_.changed_at <= now)
    keys = base.select(k_source=_.source, k_item=_.item_id, k_ik=_.ik, k_workflow=_.workflow)
    status_map = tables.table("of_raw_status_map")
    joined = (
        transitions.join(keys, [transitions.source == keys.k_source, transitions.item_id == keys.k_item])
        .left_join(status_map, [_.k_workflow == status_map.workflow, transitions.to_status == status_map.raw])
        .select(
            ik=_.k_ik,
            seq=transitions.seq,
            changed_at=transitions.changed_at,
            stage_order=status_map.stage_order,
            phase_order=status_map.phase_order,
            category=status_map.category.fill_null("unmapped"),
            blocked_stage=status_map.blocked.fill_null(False),
        )
    )
    # One ordered pass over each item's history computes everything later steps need; whole-item
    # windows would each cost another sort of every transition.
    ordered = ibis.window(group_by="ik", order_by=["changed_at", "seq"])
    later = ibis.window(group_by="ik", order_by=["changed_at", "seq"], following=(1, None))
    in_cfd = _.stage_order.notnull() & (_.category != "cancelled")
    marked = joined.mutate(
        next_at=_.changed_at.lead().over(ordered),
        # -1 stands for the unmapped stage, so that a move into or out of it is a change of stage.
        previous_stage=_.stage_order.fill_null(-1).lag().over(ordered),
        previous_category=_.category.lag().over(ordered),
        later_min_order=ibis.ifelse(in_cfd, _.stage_order, None).min().over(later),
        later_open=ibis.ifelse(_.category.isin(TERMINAL), 0, 1).max().over(later),
    )
    terminal = marked.category.isin(TERMINAL)
    # An entry into the final run of done/cancelled lies at or after the finish: it lasts nothing.
    # Every other interval ends at the next transition; an open item's last one has no end yet.
    after_finish = terminal & (marked.later_open.fill_null(0) == 0)
    left_at = ibis.ifelse(after_finish, marked.changed_at, marked.next_at)
    return marked.mutate(
        left_at=left_at,
        duration_us=left_at.delta(marked.changed_at, unit="microsecond"),
        is_last=marked.next_at.isnull(),
        stage_changed=marked.previous_stage.isnull() | (marked.previous_stage != marked.stage_order.fill_null(-1)),
        terminal_run_start=terminal & (marked.previous_category.isnull() | ~marked.previous_category.isin(TERMINAL)),
    ).drop("next_at", "previous_stage", "previous_category", "later_open")


def with_stage_name(table: ir.Table, stage_list: ir.Table, order: ir.IntegerValue, *, level: str = "stage") -> ir.Table:
    """`table` (with a ``workflow`` column) plus ``stage_name``: the name of the stage (or phase, by `level`)
    whose order in that workflow is `order`, from `stage_list` (``of_stages``); null when none has it
    (an unmapped status has no order)."""
    names = stage_list.select(n_workflow=_.workflow, n_order=_[f"{level}_order"], stage_name=_[level]).distinct()
    joined = table.left_join(names, [table.workflow == names.n_workflow, order == names.n_order])
    return joined.select(*table.columns, "stage_name")


def finish_transitions(transitions: ir.Table, *, now: Instant) -> ir.Table:
    """`mapped_transitions` with the open interval of each unfinished item closed at `now`."""
    at_now = instant(now)
    return transitions.mutate(
        left_at=transitions.left_at.fill_null(at_now),
        duration_us=transitions.duration_us.fill_null(at_now.delta(transitions.changed_at, unit="microsecond")),
    )


def item_facts(tables: TableSource, base: ir.Table, transitions: ir.Table) -> ir.Table:
    """One row per item of `base` (`item_base`): its types, start, finish, outcome and current stage
    (the open facts, from the open `mapped_transitions`; `finish_items` closes them at `now`).

    Columns: ik, source, item_id, title, project, team_id, group_id (the team's parent group), item_type,
    flow_type, workflow, created_at, started_at, finished_at, outcome (done | cancelled | null),
    skipped_start, current_stage, current_category, current_stage_since, active_closed_us (active
    microseconds of ended intervals, before flags), open_active_since (when the active interval an
    unfinished item is still in began, else null).
    """
    non_backlog = transitions.category != "backlog"
    active = (transitions.category == "active") & ~transitions.blocked_stage
    position = ibis.struct({"at": transitions.changed_at, "seq": transitions.seq})
    per_item = transitions.group_by("ik").aggregate(
        started_at=ibis.ifelse(non_backlog, transitions.changed_at, None).min(),
        first_start_category=transitions.category.argmin(ibis.ifelse(non_backlog, position, None)),
        # The finish is the start of the last run of done/cancelled transitions, if the item ends in one.
        last_terminal_run_at=ibis.ifelse(transitions.terminal_run_start, transitions.changed_at, None).max(),
        final_category=ibis.ifelse(transitions.is_last, transitions.category, None).max(),
        current_order=ibis.ifelse(transitions.is_last, transitions.stage_order.fill_null(-1), None).max(),
        current_stage_since=ibis.ifelse(transitions.stage_changed, transitions.changed_at, None).max(),
        active_closed_us=ibis.ifelse(active, transitions.duration_us, 0).sum().fill_null(0),
        open_active_since=ibis.ifelse(active & transitions.duration_us.isnull(), transitions.changed_at, None).max(),
    )
    per_item = per_item.mutate(
        finished_at=ibis.ifelse(_.final_category.isin(TERMINAL), _.last_terminal_run_at, None),
    ).drop("last_terminal_run_at")
    items = _with_key(tables, base, "item_type", "type_key")
    items = _with_key(tables, items, "resolution", "resolution_key")
    facts = items.left_join(per_item, "ik").select(
        *items.drop("resolution").columns,
        "started_at",
        "finished_at",
        "first_start_category",
        "final_category",
        "current_order",
        "current_stage_since",
        "active_closed_us",
        "open_active_since",
    )
    facts = with_stage_name(facts, tables.table("of_stages"), facts.current_order)
    kept = [c for c in facts.columns if c not in ("type_key", "resolution_key", "current_order", "stage_name")]
    facts = (
        facts.mutate(
            current_stage=ibis.cases(
                (_.current_order.isnull(), ibis.null("string")),
                (_.current_order == -1, "unmapped"),
                else_=_.stage_name,
            )
        )
        .left_join(tables.table("of_flow_type"), "type_key")
        .left_join(tables.table("of_team_parent"), "team_id")
        .left_join(
            tables.table("of_cancel_resolution").mutate(cancel_hit=ibis.literal(True)), ["workflow", "resolution_key"]
        )
        .select(*kept, "current_stage", "flow_type", "parent_group", "cancel_hit")
    )
    outcome = ibis.cases(
        (_.finished_at.isnull(), ibis.null("string")),
        ((_.final_category == "cancelled") | _.cancel_hit.fill_null(False), "cancelled"),
        else_="done",
    )
    return facts.mutate(
        flow_type=_.flow_type.fill_null("other"),
        group_id=_.parent_group.fill_null(_.team_id),
        skipped_start=_.first_start_category.isin(TERMINAL).fill_null(False),
        outcome=outcome,
        current_category=_.final_category,
    ).drop("parent_group", "cancel_hit", "final_category", "first_start_category")


def finish_items(items: ir.Table, flagged: ir.Table | None, *, now: Instant) -> ir.Table:
    """`item_facts` closed at `now`: ``active_us`` (active time between start and finish, or `now`,
    minus the flagged microseconds of `flagged` (`flag_overlap`; None when nothing is flagged)) and
    ``end_at`` (the finish, or `now`) replace active_closed_us and open_active_since."""
    at_now = instant(now)
    open_part = ibis.ifelse(
        items.open_active_since.isnull(), 0, at_now.delta(items.open_active_since, unit="microsecond")
    )
    active_us = items.active_closed_us + open_part
    if flagged is not None:
        items = items.left_join(flagged, "ik").select(*items.columns, "flagged_us")
        active_us = items.active_closed_us + open_part - items.flagged_us.fill_null(0)
    kept = [c for c in items.columns if c not in ("active_closed_us", "open_active_since", "flagged_us")]
    return items.select(*kept, active_us=active_us, end_at=items.finished_at.fill_null(at_now))


def spans(transitions: ir.Table) -> ir.Table:
    """Each transition's interval (a view of `mapped_transitions`, not a new table).

    Columns: ik, seq, stage_order, phase_order, category, blocked_stage, entered_at, left_at, duration_us.
    """
    return transitions.select(
        "ik",
        "seq",
        "stage_order",
        "phase_order",
        "category",
        "blocked_stage",
        entered_at=transitions.changed_at,
        left_at=transitions.left_at,
        duration_us=transitions.duration_us,
    )


def flag_overlap(tables: TableSource, items: ir.Table, transitions: ir.Table, *, now: Instant) -> ir.Table:
    """Flagged microseconds inside active stages, per item of `items` (``ik, source, item_id``), from
    `transitions` closed at `now` (`finish_transitions`); subtracted from active time.

    Flagged intervals of one item are assumed not to overlap each other (sources emit them from
    on/off flag changes). Columns: ik, flagged_us.
    """
    active = spans(transitions).filter((_.category == "active") & ~_.blocked_stage & (_.duration_us > 0))
    flags = tables.table("blocked_intervals")
    keys = items.select(k_source=_.source, k_item=_.item_id, flag_ik=_.ik)
    flags = flags.join(keys, [flags.source == keys.k_source, flags.item_id == keys.k_item]).select(
        "flag_ik", flag_from=flags.started_at, flag_to=flags.ended_at.fill_null(instant(now))
    )
    overlap = active.join(
        flags,
        [
            active.ik == flags.flag_ik,
            flags.flag_from < active.left_at,
            flags.flag_to > active.entered_at,
        ],
    ).select(
        "ik",
        overlap_us=ibis.least(_.left_at, _.flag_to).delta(ibis.greatest(_.entered_at, _.flag_from), unit="microsecond"),
    )
    return overlap.group_by("ik").aggregate(flagged_us=_.overlap_us.sum())
