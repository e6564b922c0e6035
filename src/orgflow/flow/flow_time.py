"""Flow time metrics: lead time, cycle time, work item age, flow efficiency, SLE.

Every function takes the item facts table (`orgflow.flow.history.item_facts` plus ``active_us``)
already cut to the items asked for, and returns one row per item (or per group), keeping item ids so
that a figure can list the items behind it. Durations are in days (86,400 s), fractional.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.flow.definitions import ITEM_COLUMNS
from orgflow.flow.history import Instant, in_days, instant, ratio
from orgflow.flow.skipped import cycle_time_unknown
from orgflow.query.window import AnyWindow

EFFICIENCY_FIGURES = "flow_efficiency, item_efficiency_p50"
"""The efficiency figures a skipped majority makes unknown (`orgflow.flow.skipped`)."""


def days_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """end - start in days, from exact microseconds."""
    return in_days(end.delta(start, unit="microsecond"))


def aggregate(table: ir.Table, groups: list[str], **metrics: ir.Value) -> ir.Table:
    """`table` aggregated per `groups`, or as a whole when there are none."""
    return table.group_by(groups).aggregate(**metrics) if groups else table.aggregate(**metrics)


def finished_in(items: ir.Table, window: AnyWindow, *, include_cancelled: bool = False) -> ir.Table:
    """Items finished inside `window` (done only, unless `include_cancelled`)."""
    outcomes = ("done", "cancelled") if include_cancelled else ("done",)
    return items.filter(_.outcome.isin(outcomes), _.finished_at >= window.since, _.finished_at < window.until)


def lead_time(items: ir.Table, *, window: AnyWindow, include_cancelled: bool = False) -> ir.Table:
    """Lead time per finished item, in days: finish - created.

    One row per item finished in `window` (cancelled items left out unless asked):
    item columns, created_at, finished_at, lead_time_days.
    """
    done = finished_in(items, window, include_cancelled=include_cancelled)
    return done.select(
        *ITEM_COLUMNS,
        "created_at",
        "finished_at",
        "outcome",
        lead_time_days=days_between(_.created_at, _.finished_at),
    ).order_by("finished_at", "item_id")


def cycle_time(items: ir.Table, *, window: AnyWindow, include_cancelled: bool = False) -> ir.Table:
    """Cycle time (Flow Time) per finished item, in days: finish - start, waits included.

    One row per item finished in `window`: item columns, started_at, finished_at, skipped_start,
    cycle_time_days. An item that skipped from backlog to done has cycle time 0 and is flagged.
    """
    done = finished_in(items, window, include_cancelled=include_cancelled)
    return done.select(
        *ITEM_COLUMNS,
        "started_at",
        "finished_at",
        "skipped_start",
        "outcome",
        cycle_time_days=days_between(_.started_at, _.finished_at),
    ).order_by("finished_at", "item_id")


def work_item_age(items: ir.Table, *, now: Instant) -> ir.Table:
    """Work Item Age per started, unfinished item at `now`, in days: now - start.

    Columns: item columns, started_at, current_stage, age_days, stage_age_days (time since the item
    entered the stage it is in now).
    """
    open_items = items.filter(_.started_at.notnull(), _.finished_at.isnull())
    now_value = instant(now)
    return open_items.select(
        *ITEM_COLUMNS,
        "started_at",
        "current_stage",
        age_days=days_between(open_items.started_at, now_value),
        stage_age_days=days_between(open_items.current_stage_since, now_value),
    ).order_by(ibis.desc("age_days"), "item_id")


def flow_efficiency_items(items: ir.Table, *, window: AnyWindow) -> ir.Table:
    """Flow efficiency per finished item: active time / cycle time (null when cycle time is 0).

    Columns: item columns, finished_at, active_days, cycle_time_days, flow_efficiency.
    """
    done = finished_in(items, window)
    cycle_us = _.finished_at.delta(_.started_at, unit="microsecond")
    return done.select(
        *ITEM_COLUMNS,
        "finished_at",
        active_days=in_days(_.active_us.fill_null(0)),
        cycle_time_days=in_days(cycle_us),
        flow_efficiency=ibis.ifelse(cycle_us > 0, ratio(_.active_us.fill_null(0), cycle_us), None),
    ).order_by("finished_at", "item_id")


def flow_efficiency(items: ir.Table, *, window: AnyWindow, by: str | None) -> ir.Table:
    """Flow Efficiency: Σ active time / Σ cycle time over items finished in `window` (time-weighted).

    Columns: [by], finished, active_days, cycle_days, item_efficiency_p50 (the median of the per-item
    distribution, shown beside the weighted figure), flow_efficiency, unknown_reasons. Both ratios are
    null, never 0, when no finished item spent time between its start and its finish (no status
    history) or most skipped their start (`orgflow.flow.skipped`); `unknown_reasons` says why.
    """
    done = finished_in(items, window)
    cycle_us = done.finished_at.delta(done.started_at, unit="microsecond")
    per_item = done.mutate(
        active_us=done.active_us.fill_null(0),
        cycle_us=cycle_us,
        item_efficiency=ibis.ifelse(cycle_us > 0, ratio(done.active_us.fill_null(0), cycle_us), None),
    )
    groups = [by] if by else []
    # Sums of whole microseconds are exact, whatever order the rows are added in; sums of days are not.
    totals = aggregate(
        per_item,
        groups,
        finished=_.count(),
        active_days=in_days(_.active_us.sum()),
        cycle_days=in_days(_.cycle_us.sum()),
        item_efficiency_p50=_.item_efficiency.quantile(0.5),
        timed=(_.cycle_us > 0).sum(),
        skipped=_.skipped_start.sum(),
    )
    measured, reason = cycle_time_unknown(_.finished, _.timed, _.skipped, EFFICIENCY_FIGURES)
    return (
        totals.mutate(
            item_efficiency_p50=ibis.ifelse(measured, _.item_efficiency_p50, None),
            flow_efficiency=ibis.ifelse(measured, _.active_days / _.cycle_days, None),
            unknown_reasons=reason,
        )
        .drop("timed", "skipped")
        .order_by(groups or "finished")
    )


def service_level_expectation(
    items: ir.Table, *, until: Instant, percentile: float = 85, last_items: int = 50, figures: str = "sle_days"
) -> ir.Table:
    """SLE: the `percentile` of cycle time over each team's and item type's last `last_items`
    items finished before `until`, in days.

    Columns: team_id, item_type, sample, sle_days, unknown_reasons. sle_days is null, not 0, when no
    item of the sample spent time between its start and its finish (no status history: backlog
    straight to done), or when most of them skipped their start (`orgflow.flow.skipped`): such a
    sample supports no cycle time. `unknown_reasons` says why, naming `figures`.
    """
    done = items.filter(_.outcome == "done", _.finished_at < until).mutate(
        cycle_time_days=days_between(_.started_at, _.finished_at)
    )
    measured, reason = cycle_time_unknown(_["sample"], _.timed, _.skipped, figures)
    recent = ibis.window(group_by=["team_id", "item_type"], order_by=[ibis.desc("finished_at"), "item_id"])
    ranked = done.mutate(recency=ibis.row_number().over(recent))
    return (
        ranked.filter(_.recency < last_items)
        .group_by(["team_id", "item_type"])
        .aggregate(
            sample=_.count(),
            timed=(_.cycle_time_days > 0).sum(),
            skipped=_.skipped_start.sum(),
            sle_days=_.cycle_time_days.quantile(percentile / 100),
        )
        .mutate(
            sle_days=ibis.ifelse(measured, _.sle_days, None),
            unknown_reasons=reason,
        )
        .drop("timed", "skipped")
        .order_by("team_id", "item_type")
    )
