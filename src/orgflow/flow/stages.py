"""Where time goes: time in status, stage and phase per item; blocked time; Little's law check."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.flow.flow_time import ITEM_COLUMNS, finished_in
from orgflow.flow.history import Instant, in_days, instant, ratio, with_stage_name
from orgflow.flow.skipped import cycle_time_unknown
from orgflow.query.tables import TableSource
from orgflow.query.window import AnyWindow


def time_in_stage_items(spans: ir.Table, items: ir.Table, stage_list: ir.Table, *, level: str = "stage") -> ir.Table:
    """Time in each stage (or phase) per item, in days: the sum of every interval spent there
    (re-entries add up); the last open interval ends at the finish or at now.

    `stage_list` is the ``of_stages`` lookup, where the names come from (an unmapped status has no
    order and is named ``unmapped``).

    Columns: item columns, <level>, <level>_order, category (stage level only), days, entries; rows
    by source, item id and <level>_order (unmapped last).
    """
    rows = _stage_items(spans, items, stage_list, level=level).drop("us")
    return rows.order_by("source", "item_id", ibis.asc(f"{level}_order", nulls_first=False))


def _stage_items(spans: ir.Table, items: ir.Table, stage_list: ir.Table, *, level: str) -> ir.Table:
    """`time_in_stage_items` plus ``us``: the same time in whole microseconds (sums of it are exact,
    so they do not depend on the order rows are added in)."""
    order = f"{level}_order"
    # An item follows one workflow, so its stage (or phase) order alone names the stage: group by the
    # number and join the name on afterwards.
    categories = {"category": spans.category.max()} if level == "stage" else {}
    chosen = items.select("ik", "workflow", *ITEM_COLUMNS)
    # Only the chosen items' spans are summed: the join comes after the grouping, and DuckDB does not
    # push it below, so without this every item's spans would be grouped for a team's few.
    keys = chosen.select(s_ik=_.ik)
    spans = spans.semi_join(keys, spans.ik == keys.s_ik)
    per_item = spans.group_by(["ik", order]).aggregate(**categories, us=_.duration_us.sum(), entries=_.count())
    joined = per_item.join(chosen, "ik")
    joined = with_stage_name(joined, stage_list, joined[order], level=level)
    return joined.select(
        *ITEM_COLUMNS,
        **{level: joined.stage_name.fill_null("unmapped")},
        **{order: joined[order]},
        **({"category": joined.category} if level == "stage" else {}),
        days=in_days(joined.us),
        entries=joined.entries,
        us=joined.us,
    )


def time_in_stages(
    spans: ir.Table,
    items: ir.Table,
    stage_list: ir.Table,
    *,
    window: AnyWindow,
    level: str = "stage",
    by: str | None = None,
) -> ir.Table:
    """Time per stage (or phase) over items finished in `window`: where flow time goes.

    Columns: [by], <level>, <level>_order, items (that spent time there), total_days, mean_days,
    p50_days, p85_days, share (of all time of those items between creation and finish).
    """
    done = finished_in(items, window)
    per_item = _stage_items(spans, done, stage_list, level=level)
    groups = [by] if by else []
    order = f"{level}_order"
    summary = per_item.group_by([*groups, level, order]).aggregate(
        items=_.count(),
        total_days=in_days(_.us.sum()),
        mean_days=in_days(_.us.sum()) / _.count(),
        p50_days=_.days.quantile(0.5),
        p85_days=_.days.quantile(0.85),
        total_us=_.us.sum(),
    )
    # The share divides whole microseconds (sums of integers, exact as doubles below 2**53), so it does
    # not depend on the order the rows are added in (a sum of floats does, in its last bits). Both sides
    # are doubles: PostgreSQL sums integers as numeric, which would make the share a decimal.
    whole = ibis.window(group_by=groups or None)
    share = _.total_us.cast("float64") / ibis.greatest(_.total_us.sum().over(whole), 1).cast("float64")
    return summary.mutate(share=share).drop("total_us").order_by([*groups, order, level])


def blocked_time(
    tables: TableSource,
    spans: ir.Table,
    items: ir.Table,
    *,
    all_items: ir.Table,
    window: AnyWindow,
    now: Instant,
) -> ir.Table:
    """Blocked time per item while started, in days, by reason and in total (overlaps counted once).

    Reasons: ``flagged`` (a blocked flag), ``status`` (a stage marked blocked), ``link`` (an
    unresolved "blocks" link from another team's item, from the blocked item's start until the
    blocker finishes). Rows: items finished in `window` or still open at its end that were blocked.
    Each reason's time and the total are lengths of unions of spans, so two blockers at once count
    once. `all_items` (uncut) is where blockers are looked up: a team's items stay blocked by other
    teams' items. Columns: item columns, flagged_days, status_days, link_days, blocked_days.

    An item's blocked time is measured over its whole start-to-end span, whatever the window: the
    window only chooses the items. So `blocked_items` can measure every started item once and
    `blocked_in_window` cut that to any window and cut, with the same rows (the flow figure does).
    """
    chosen = items.filter(
        _.started_at.notnull(),
        _.started_at < window.until,
        _.finished_at.isnull() | (_.finished_at >= window.since),
    )
    per_item = _blocked_us(tables, spans, chosen, all_items=all_items, now=now)
    result = per_item.join(items.select("ik", *ITEM_COLUMNS), "ik")
    return _in_days(result)


def blocked_items(
    tables: TableSource, spans: ir.Table, items: ir.Table, *, all_items: ir.Table, now: Instant
) -> ir.Table:
    """`blocked_time`'s measure of every started item of `items` that was ever blocked while started,
    in whole microseconds: the pre-aggregate `blocked_in_window` cuts to a window.

    Columns: ik, started_at, finished_at, flagged_us, status_us, link_us (null: no span of that
    reason), blocked_us.
    """
    started = items.filter(_.started_at.notnull())
    per_item = _blocked_us(tables, spans, started, all_items=all_items, now=now)
    return per_item.join(started.select("ik", "started_at", "finished_at"), "ik")


def blocked_in_window(blocked: ir.Table, items: ir.Table, *, window: AnyWindow) -> ir.Table:
    """`blocked_time` of `items` from their `blocked_items` (`blocked`, which may hold more items):
    those finished in `window` or still open at its end. Columns as `blocked_time`'s."""
    chosen = blocked.filter(
        _.started_at < window.until,
        _.finished_at.isnull() | (_.finished_at >= window.since),
    ).drop("started_at", "finished_at")
    return _in_days(chosen.join(items.select("ik", *ITEM_COLUMNS), "ik"))


def _in_days(per_item: ir.Table) -> ir.Table:
    """Blocked microseconds per item (with its item columns) as `blocked_time`'s columns and order."""
    return per_item.select(
        *ITEM_COLUMNS,
        flagged_days=in_days(_.flagged_us.fill_null(0)),
        status_days=in_days(_.status_us.fill_null(0)),
        link_days=in_days(_.link_us.fill_null(0)),
        blocked_days=in_days(_.blocked_us),
    ).order_by(ibis.desc("blocked_days"), "item_id")


def _blocked_us(
    tables: TableSource, spans: ir.Table, chosen: ir.Table, *, all_items: ir.Table, now: Instant
) -> ir.Table:
    """Blocked microseconds of each `chosen` item between its start and its end, per reason and in total
    (lengths of unions of spans). Columns: ik, flagged_us, status_us, link_us, blocked_us."""
    bounds = chosen.select(
        b_ik=_.ik, b_source=_.source, b_item=_.item_id, b_from=_.started_at, b_to=_.end_at, b_team=_.team_id
    )
    flags = tables.table("blocked_intervals")
    flags = flags.join(bounds, [flags.source == bounds.b_source, flags.item_id == bounds.b_item]).select(
        ik=_.b_ik,
        block_from=flags.started_at,
        block_to=flags.ended_at.fill_null(instant(now)),
        reason=ibis.literal("flagged"),
    )
    by_status = spans.filter(_.blocked_stage).select(
        "ik", block_from=_.entered_at, block_to=_.left_at, reason=ibis.literal("status")
    )
    links = tables.table("item_links")
    pairs = (
        links.filter(_.kind == "blocks")
        .select(source=_.source, blocker=_.item_id, blocked=_.target_id)
        .union(links.filter(_.kind == "blocked_by").select(source=_.source, blocker=_.target_id, blocked=_.item_id))
        .distinct()
    )
    blocker_facts = all_items.select(k_source=_.source, k_item=_.item_id, k_team=_.team_id, k_end=_.end_at)
    by_link = pairs.join(
        blocker_facts, [pairs.source == blocker_facts.k_source, pairs.blocker == blocker_facts.k_item]
    ).join(bounds, [_.source == bounds.b_source, _.blocked == bounds.b_item])
    by_link = by_link.filter(_.k_team != _.b_team).select(
        ik=_.b_ik, block_from=_.b_from, block_to=_.k_end, reason=ibis.literal("link")
    )
    schema = {"ik": "int64", "block_from": "timestamp(6)", "block_to": "timestamp(6)", "reason": "string"}
    raw = flags.cast(schema).union(by_status.cast(schema)).union(by_link.cast(schema))
    clipped = (
        raw.join(bounds, raw.ik == bounds.b_ik)
        .select(
            "ik",
            "reason",
            block_from=ibis.greatest(_.block_from, _.b_from),
            block_to=ibis.least(_.block_to, _.b_to),
        )
        .filter(_.block_to > _.block_from)
    )
    per_reason = _union_length(clipped, keys=["reason"])
    by_reason = per_reason.group_by("ik").aggregate(
        flagged_us=_.union_us.sum(where=_.reason == "flagged").cast("int64"),
        status_us=_.union_us.sum(where=_.reason == "status").cast("int64"),
        link_us=_.union_us.sum(where=_.reason == "link").cast("int64"),
    )
    merged = _union_length(clipped, keys=[])
    return by_reason.join(merged, "ik").select(
        "ik", "flagged_us", "status_us", "link_us", blocked_us=_.union_us.cast("int64")
    )


def _union_length(spans: ir.Table, *, keys: list[str]) -> ir.Table:
    """Per item (and `keys`), the length of the union of its [block_from, block_to) spans, in µs.

    Gaps and islands: an island starts where a span begins after every earlier span has ended.
    """
    partition = ["ik", *keys]
    running = ibis.window(group_by=partition, order_by=["block_from", "block_to"], preceding=None, following=0)
    ordered = ibis.window(group_by=partition, order_by=["block_from", "block_to"])
    marked = spans.mutate(running_reach=_.block_to.max().over(running))
    marked = marked.mutate(reach=_.running_reach.lag().over(ordered))
    marked = marked.mutate(new_island=ibis.ifelse(_.reach.isnull() | (_.block_from > _.reach), 1, 0))
    marked = marked.mutate(island=_.new_island.sum().over(running))
    islands = marked.group_by([*partition, "island"]).aggregate(start=_.block_from.min(), end=_.block_to.max())
    return islands.group_by(partition).aggregate(union_us=_.end.delta(_.start, unit="microsecond").sum())


LITTLES_LAW_FIGURES = "mean_cycle_time_days, predicted_wip, ratio"
"""The Little's law figures an unknown mean cycle time leaves unknown (`orgflow.flow.skipped`)."""


def littles_law(
    items: ir.Table, daily_wip: ir.Table, *, window: AnyWindow, finished: ir.Table | None = None
) -> ir.Table:
    """Little's law check over the window: mean WIP against mean throughput × mean cycle time.

    Columns: days, mean_wip, throughput_per_day, mean_cycle_time_days, predicted_wip (λ·W),
    ratio (mean_wip / predicted_wip), wip_start, wip_end, arrivals, departures, and Vacanti's
    stability conditions: arrivals_match_departures (within 10 %), wip_stable (end within 10 % of
    start). The law holds for a stable system; when the conditions fail the ratio drifts from 1.
    The mean cycle time, and the predicted WIP and ratio built on it, are null when it is unknown (no
    departure, or most skipped their start), with `unknown_reasons` saying why. `finished` (default
    `items`) gives the departures' cycle times: `items` with the source's reported times in status
    (`orgflow.flow.reported_times.with_reported_times`), as the summary's; arrivals and WIP keep `items`.
    """
    done = finished_in(items if finished is None else finished, window)
    started = items.filter(_.started_at >= window.since, _.started_at < window.until)
    # The mean from a sum of whole microseconds: exact, whatever order the rows are added in.
    cycle_us = _.finished_at.delta(_.started_at, unit="microsecond")
    flow = done.aggregate(
        departures=_.count(),
        mean_cycle_time_days=in_days(cycle_us.sum()) / _.count(),
        timed=(cycle_us > 0).sum(),
        skipped=_.skipped_start.sum(),
    )
    # Unknown, not zero: no departure, none timed, or most skipped their start.
    measured, reason = cycle_time_unknown(_.departures, _.timed, _.skipped, LITTLES_LAW_FIGURES)
    flow = flow.mutate(
        mean_cycle_time_days=ibis.ifelse(measured, _.mean_cycle_time_days, None), cycle_reason=reason
    ).drop("timed", "skipped")
    arrivals = started.aggregate(arrivals=_.count())
    wip_stats = daily_wip.aggregate(
        days=_.count(),
        mean_wip=_.wip.cast("float64").mean(),
        wip_start=_.wip.argmin(_.date),
        wip_end=_.wip.argmax(_.date),
    )
    joined = wip_stats.cross_join(flow).cross_join(arrivals)
    joined = joined.mutate(throughput_per_day=ratio(_.departures, window.days))
    joined = joined.mutate(predicted_wip=_.throughput_per_day * _.mean_cycle_time_days)
    return joined.mutate(
        ratio=ibis.ifelse(_.predicted_wip > 0, _.mean_wip / _.predicted_wip, None),
        arrivals_match_departures=(_.arrivals - _.departures).abs() <= 0.1 * ibis.greatest(_.departures, 1),
        wip_stable=(_.wip_end - _.wip_start).abs() <= 0.1 * ibis.greatest(_.wip_start, 1),
        unknown_reasons=_.cycle_reason,
    ).drop("cycle_reason")
