"""The flow summary: the headline figures of each team, group, type or value stream in one row."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.metrics.flow_time import aggregate, days_between
from orgflow.metrics.history import Instant, instant
from orgflow.metrics.reported_times import with_reported_times
from orgflow.metrics.window import AnyWindow

PERCENTILES = (50, 70, 85, 95)

NO_FINISHED = "lead_time, cycle_time, flow_efficiency: no item finished in the window"
NO_STATUS_HISTORY = (
    "cycle_time, flow_efficiency: no status history in the active stages "
    "(every finished item went from backlog straight to done)"
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
    cycle time and flow efficiency are null, not 0; `unknown_reasons` says so.

    `reported` (`orgflow.metrics.reported_times.reported_item_times`), when given, supplies the
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
    timed = _.timed.fill_null(0) > 0
    cycle_times = {f"cycle_time_p{p}": ibis.ifelse(timed, _[f"cycle_time_p{p}"], None) for p in PERCENTILES}
    result = joined.mutate(
        finished=_.finished.fill_null(0),
        cancelled=_.cancelled.fill_null(0),
        wip=_.wip.fill_null(0),
        skipped_start=_.skipped_start.fill_null(0),
        throughput_per_week=_.finished.fill_null(0) / weeks,
        flow_efficiency=ibis.ifelse(timed, _.active_us / _.cycle_us, None),
        small_sample=_.finished.fill_null(0) < small_sample,
        unknown_reasons=ibis.cases(
            (_.finished.fill_null(0) == 0, NO_FINISHED), (~timed, NO_STATUS_HISTORY), else_=ibis.null("string")
        ),
        **cycle_times,
    ).drop("active_us", "cycle_us", "timed")
    ordered = [
        *groups,
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
    ]
    return result.select(*ordered).order_by(groups or "finished")
