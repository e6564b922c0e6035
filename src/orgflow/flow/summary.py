"""The flow summary: the headline figures of each team, group, type or value stream in one row."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.flow.definitions import PERCENTILES, SUMMARY_COLUMNS
from orgflow.flow.flow_time import aggregate, days_between
from orgflow.flow.history import Instant, instant, ratio
from orgflow.flow.reported_times import with_reported_times
from orgflow.query.window import AnyWindow

NO_FINISHED = "lead_time, cycle_time, flow_efficiency: no item finished in the window"
NO_STATUS_HISTORY = (
    "cycle_time, flow_efficiency: no status history in the active stages "
    "(every finished item went from backlog straight to done)"
)
NO_ACTIVE_TIME = (
    "flow_efficiency: no finished item spent time in an active stage (their statuses are unmapped, or "
    "their workflow has no active stage: `orgflow status` lists unmapped statuses)"
)
SKIPPED_MAJORITY = 0.5
"""Above this share of finished items with `skipped_start`, a row's cycle time and flow efficiency are
unknown: they would describe the few items that were timed, not the row."""


def skipped_majority_reason(skipped: int, finished: int) -> str:
    """The `unknown_reasons` text of a row where most finished items skipped every active stage, e.g.
    "cycle_time, flow_efficiency: 3 of 5 finished items (60 %) skipped every active stage
    (skipped_start); cycle time is not measured for them". The share is rounded to a whole percent,
    kept between 51 and 99 so that it never reads as half or as all."""
    percent = min(max(round(100 * skipped / finished), 51), 99)
    return (
        f"cycle_time, flow_efficiency: {skipped} of {finished} finished items ({percent} %) skipped every "
        "active stage (skipped_start); cycle time is not measured for them"
    )


def flow_summary(
    items: ir.Table,
    *,
    window: AnyWindow,
    now: Instant,
    by: str | None,
    small_sample: int = 20,
    reported: ir.Table | None = None,
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

    `reported` (`orgflow.flow.reported_times.reported_item_times`), when given, supplies the
    cycle and active time of done items without status history from the source's reported time in
    status; their time then counts as measured.
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
    weeks = window.days / 7
    finished_count = _.finished.fill_null(0)
    skipped_count = _.skipped_start.fill_null(0)
    timed = _.timed.fill_null(0) > 0
    # More than half skipped: `skipped * 2 > finished` in integers, so 3 of 6 is not a majority.
    mostly_skipped = skipped_count * 2 > finished_count
    measured = timed & ~mostly_skipped
    # Time between start and finish, none of it active: the statuses say nothing about work (a
    # workflow whose statuses are all unmapped), so an efficiency of 0 % would be made up.
    no_active = _.active_us.fill_null(0) == 0
    cycle_times = {f"cycle_time_p{p}": ibis.ifelse(measured, _[f"cycle_time_p{p}"], None) for p in PERCENTILES}
    percent = ratio(100 * skipped_count, finished_count.nullif(0)).round().cast("int64").clip(51, 99).cast("string")
    majority_reason = (
        "cycle_time, flow_efficiency: "
        + skipped_count.cast("string")
        + " of "
        + finished_count.cast("string")
        + " finished items ("
        + percent
        + " %) skipped every active stage (skipped_start); cycle time is not measured for them"
    )
    result = joined.mutate(
        finished=finished_count,
        cancelled=_.cancelled.fill_null(0),
        wip=_.wip.fill_null(0),
        skipped_start=skipped_count,
        throughput_per_week=finished_count / weeks,
        flow_efficiency=ibis.ifelse(measured & ~no_active, ratio(_.active_us, _.cycle_us), None),
        small_sample=finished_count < small_sample,
        unknown_reasons=ibis.cases(
            (finished_count == 0, NO_FINISHED),
            (~timed, NO_STATUS_HISTORY),
            (mostly_skipped, majority_reason),
            (no_active, NO_ACTIVE_TIME),
            else_=ibis.null("string"),
        ),
        **cycle_times,
    ).drop("active_us", "cycle_us", "timed")
    return result.select(*groups, *SUMMARY_COLUMNS).order_by(groups or "finished")
