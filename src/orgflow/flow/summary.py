"""The flow summary: the headline figures of each team, group, type or value stream in one row."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.flow.definitions import PERCENTILES, SUMMARY_COLUMNS
from orgflow.flow.flow_time import aggregate, days_between
from orgflow.flow.history import Instant, instant, ratio
from orgflow.flow.mapped_stages import MAP_HINT, no_active_stage_reason, no_done_stage_reason
from orgflow.flow.no_items import NO_ITEMS as NO_ITEMS
from orgflow.flow.reported_times import timed_by_report, with_reported_times
from orgflow.flow.skipped import (
    SKIPPED_MAJORITY as SKIPPED_MAJORITY,
)
from orgflow.flow.skipped import (
    mostly_skipped,
    no_status_history_reason,
    no_time_expression,
    skipped_majority_expression,
)
from orgflow.flow.skipped import skipped_majority_reason as skipped_majority_reason
from orgflow.query.window import AnyWindow

SUMMARY_CYCLE_FIGURES = "cycle_time, flow_efficiency"
"""The summary's figures built on cycle time: what a skipped majority makes unknown (`orgflow.flow.skipped`)."""
NO_FINISHED = "lead_time, cycle_time, flow_efficiency: no item finished in the window"
NO_STATUS_HISTORY = no_status_history_reason(SUMMARY_CYCLE_FIGURES)
NO_DONE_STAGE = (
    no_done_stage_reason("finished, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency")
    + "; no item can be done, so wip counts every started item that was not cancelled as in progress"
)
"""Why a row whose workflows map no status to a done stage (but some to a cancelled one) has no finished
count: nothing can be done, so 0 would be made up; its `cancelled` stands, and its WIP keeps every other
started item (none can leave it but by cancelling)."""
NO_FINISH_STAGE = (
    "finished, cancelled, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency: "
    f"no status maps to a done or cancelled stage: {MAP_HINT}; no item can finish, so wip counts every "
    "started item as in progress"
)
"""Why a row whose workflows map no status to a done or a cancelled stage (every status unmapped, say)
has no finished or cancelled count: nothing can finish, so WIP holds every started item."""
NO_ACTIVE_STAGE = no_active_stage_reason(SUMMARY_CYCLE_FIGURES)
NO_ACTIVE_TIME = (
    "flow_efficiency: no finished item spent time in an active stage (their statuses are unmapped, or "
    "their workflow has no active stage: `orgflow status` lists unmapped statuses)"
)


def stages_reached(transitions: ir.Table, items: ir.Table) -> ir.Table:
    """Per workflow, whether any status its items use maps to a done stage (`reaches_done`), to an
    active one (`reaches_active`) and to a cancelled one (`reaches_cancelled`): without the first nothing
    can be done, without the second nothing is ever worked on, without the first and the third nothing
    can finish at all, whatever the data (a mapping `orgflow status` shows as unmapped statuses).

    `transitions` are the mapped transitions (ik, category) and `items` every item's facts (ik, workflow).
    """
    keyed = items.select(r_ik=_.ik, workflow=_.workflow)
    joined = transitions.join(keyed, transitions.ik == keyed.r_ik)
    return joined.group_by("workflow").aggregate(
        reaches_done=(joined.category == "done").any(),
        reaches_active=(joined.category == "active").any(),
        reaches_cancelled=(joined.category == "cancelled").any(),
    )


def groups_reaching(items: ir.Table, reached: ir.Table, groups: list[str], *, reported: bool = False) -> ir.Table:
    """Per `groups` of `items` (one row without groups): whether any of their workflows reaches a done
    stage (`reaches_done`), an active one (`reaches_active`) and a cancelled one (`reaches_cancelled`),
    from `stages_reached`; a workflow it does not list reaches none. With `reported`, also whether any
    item has reported time in status (`reported`, a column of `items`:
    `orgflow.flow.reported_times.with_reported_times`).
    """
    flagged = items.left_join(reached, "workflow")
    metrics = {
        "reaches_done": flagged.reaches_done.fill_null(False).any(),
        "reaches_active": flagged.reaches_active.fill_null(False).any(),
        "reaches_cancelled": flagged.reaches_cancelled.fill_null(False).any(),
    }
    if reported:
        metrics["reported"] = flagged.reported.fill_null(False).any()
    return aggregate(flagged, groups, **metrics)


def flow_summary(
    items: ir.Table,
    *,
    window: AnyWindow,
    now: Instant,
    by: str | None,
    small_sample: int = 20,
    reported: ir.Table | None = None,
    reached: ir.Table | None = None,
    every_item: ir.Table | None = None,
) -> ir.Table:
    """Headline flow figures per `by` value over items finished in `window`.

    Columns: [by], finished, cancelled, lead_time_p50/p70/p85/p95, cycle_time_p50/p70/p85/p95 (days),
    throughput_per_week (finished / window weeks), wip (at the window's end), flow_efficiency
    (Σ active / Σ cycle time), skipped_start (finished items that skipped the start), small_sample
    (fewer than `small_sample` finished items: percentiles are unreliable), unknown_reasons (why
    figures are null, else null).

    Unknown is not zero: when no finished item of a row spent any time between its start and its
    finish (a history with only created and resolved, as a Jira export without changelog gives), its
    cycle time and flow efficiency are null, not 0; `unknown_reasons` says so. The same holds when
    more than half (`SKIPPED_MAJORITY`) of its finished items skipped every active stage
    (`skipped_start`, cycle time 0): percentiles and efficiency would then describe the few timed
    items, or read 0; `unknown_reasons` gives the share (`skipped_majority_reason`). With half or
    fewer, the skipped items count with cycle time 0, as METRICS.md defines. Flow efficiency alone is
    null (`NO_ACTIVE_TIME`) when the row's finished items spent no time at all in an active stage.

    `reached` (`stages_reached`), when given, says which workflows can finish and start work at all: a
    row none of whose items' workflows has a status mapped to a done stage has unknown finished and
    skipped_start counts, throughput (and lead and cycle time) with `NO_DONE_STAGE`, not 0 (and unknown
    cancelled too, with `NO_FINISH_STAGE`, when none maps to a cancelled stage either); its WIP keeps its
    count, which holds every started item (the reason says so). One with no status mapped to an active
    stage (and no reported time in status) has unknown cycle time and efficiency (`NO_ACTIVE_STAGE`).

    The window's length in weeks divides `finished` here; a window reaching past the data's last day or
    before its first is read over the days the data covers (`orgflow.flow.summary_data_days`, through
    `orgflow.flow.after_data`, which also nulls the counts of a window wholly outside the data).

    `every_item`, when given, is the workspace's items before any cut: when it holds none (no work item
    is loaded) the one row has every figure unknown (null, `small_sample` aside) with `NO_ITEMS`, not
    0 finished, 0 per week and 0 in progress. A cut that holds no item of a workspace that has some
    keeps its counts of 0: none of its items finished.

    `reported` (`orgflow.flow.reported_times.reported_item_times`), when given, supplies the
    cycle and active time of done items without status history from the source's reported time in
    status; their time then counts as measured, unless it holds no time after the backlog
    (`orgflow.flow.reported_times.timed_by_report`: the item skipped its start).
    """
    end = ibis.least(instant(window.until), instant(now))
    groups = [by] if by else []
    in_window = items.filter(_.finished_at >= window.since, _.finished_at < window.until)
    if reported is not None:
        # Only the finished items: the WIP below keeps each item's start as its history gives it.
        in_window = with_reported_times(in_window, reported)
    done = in_window.filter(_.outcome == "done").mutate(
        lead=days_between(_.created_at, _.finished_at),
        cycle=days_between(_.started_at, _.finished_at),
        cycle_us=_.finished_at.delta(_.started_at, unit="microsecond"),
    )
    metrics: dict[str, ir.Value] = {"finished": _.count()}
    for p in PERCENTILES:
        metrics[f"lead_time_p{p}"] = done.lead.quantile(p / 100)
    for p in PERCENTILES:
        metrics[f"cycle_time_p{p}"] = done.cycle.quantile(p / 100)
    metrics["active_us"] = done.active_us.fill_null(0).sum()
    metrics["cycle_us"] = done.cycle_us.sum()
    metrics["skipped_start"] = done.skipped_start.sum()
    # Items with time between start and finish: the only ones a cycle time can be measured on.
    metrics["timed"] = (done.cycle_us > 0).sum()
    if reported is not None:
        # Items whose cycle time the reported times measure (`timed_by_report`: not those they show skipped).
        metrics["reported_count"] = timed_by_report(done).sum()
    finished = aggregate(done, groups, **metrics)
    cancelled = aggregate(in_window.filter(_.outcome == "cancelled"), groups, cancelled=_.count())
    open_at_end = items.filter(
        _.started_at.notnull(), _.started_at < end, _.finished_at.isnull() | (_.finished_at >= end)
    )
    loaded = aggregate(open_at_end, groups, wip=_.count())
    if groups:
        keys = items.select(*groups).distinct()
        joined = keys.left_join(finished, groups).left_join(cancelled, groups).left_join(loaded, groups)
        joined = joined.select(*groups, *[c for c in finished.columns if c not in groups], "cancelled", "wip")
    else:
        joined = finished.cross_join(cancelled).cross_join(loaded)
    if every_item is not None and not groups:
        # Grouped rows come from the items, so a workspace without any has none to null.
        joined = joined.cross_join(every_item.aggregate(items_loaded=_.count()))
    else:
        joined = joined.mutate(items_loaded=ibis.literal(1, "int64"))
    if reached is not None:
        mapped = groups_reaching(items, reached, groups)
        if groups:
            joined = joined.left_join(mapped, groups).select(
                *joined.columns, "reaches_done", "reaches_active", "reaches_cancelled"
            )
        else:
            joined = joined.cross_join(mapped)
    else:
        # Without `reached`, every workflow is taken to finish and start work (a column, not a join: an
        # aggregate of a constant would be one row per item on some backends).
        joined = joined.mutate(
            reaches_done=ibis.literal(True), reaches_active=ibis.literal(True), reaches_cancelled=ibis.literal(True)
        )
    weeks = window.days / 7
    finished_count = _.finished.fill_null(0)
    skipped_count = _.skipped_start.fill_null(0)
    timed = _.timed.fill_null(0) > 0
    # More than half skipped (`orgflow.flow.skipped`): 3 of 6 is not a majority.
    mostly = mostly_skipped(skipped_count, finished_count)
    can_finish = _.reaches_done.fill_null(True)
    # Cancelled items are measured wherever a status maps to a done or a cancelled stage (a done one can
    # hold cancelled resolutions).
    can_cancel = can_finish | _.reaches_cancelled.fill_null(True)
    # No status mapped to an active stage: the first unmapped status starts the item, so its cycle time
    # would be its lead time; only reported time in status would measure it.
    no_active_stage = ~_.reaches_active.fill_null(True)
    if reported is not None:
        no_active_stage = no_active_stage & (_.reported_count.fill_null(0) == 0)
    measured = timed & ~mostly & ~no_active_stage
    # Time between start and finish, none of it active: the statuses say nothing about work (a
    # workflow whose statuses are all unmapped), so an efficiency of 0 % would be made up.
    no_active = _.active_us.fill_null(0) == 0
    cycle_times = {f"cycle_time_p{p}": ibis.ifelse(measured, _[f"cycle_time_p{p}"], None) for p in PERCENTILES}
    majority_reason = skipped_majority_expression(skipped_count, finished_count, SUMMARY_CYCLE_FIGURES)
    # No work item in the workspace: nothing finished or in progress as far as the data can tell.
    no_items = _.items_loaded == 0

    def known(value: ir.Value) -> ir.Value:
        """`value`, or null in a workspace without work items."""
        return ibis.ifelse(no_items, None, value)

    result = joined.mutate(
        finished=known(ibis.ifelse(can_finish, finished_count, None)),
        cancelled=known(ibis.ifelse(can_cancel, _.cancelled.fill_null(0), None)),
        wip=known(_.wip.fill_null(0)),
        skipped_start=known(ibis.ifelse(can_finish, skipped_count, None)),
        throughput_per_week=known(ibis.ifelse(can_finish, finished_count / weeks, None)),
        flow_efficiency=ibis.ifelse(measured & ~no_active, ratio(_.active_us, _.cycle_us), None),
        small_sample=finished_count < small_sample,
        unknown_reasons=ibis.cases(
            (no_items, NO_ITEMS),
            (~can_cancel, NO_FINISH_STAGE),
            (~can_finish, NO_DONE_STAGE),
            (finished_count == 0, NO_FINISHED),
            (~timed, no_time_expression(finished_count, skipped_count, SUMMARY_CYCLE_FIGURES)),
            (no_active_stage, NO_ACTIVE_STAGE),
            (mostly, majority_reason),
            (no_active, NO_ACTIVE_TIME),
            else_=ibis.null("string"),
        ),
        **cycle_times,
    ).drop(
        "active_us",
        "cycle_us",
        "timed",
        "reaches_done",
        "reaches_active",
        "reaches_cancelled",
        "items_loaded",
        *(["reported_count"] if reported is not None else []),
    )
    return result.select(*groups, *SUMMARY_COLUMNS).order_by(groups or "finished")
