"""Flow load metrics over time: WIP, throughput and arrivals, CFD, flow distribution, Little's law.

Daily series sample the end of each UTC day; weeks start on Monday and are labelled by their first
day; periods with nothing in them are shown as zeros.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.flow.history import Instant, instant, ratio
from orgflow.query.window import PERIODS, AnyWindow

PERIOD_UNITS = dict(zip(PERIODS, ("D", "W", "M"), strict=True))


def _group_columns(by: str | None) -> list[str]:
    return [by] if by else []


def _calendar(days: ir.Table, window: AnyWindow) -> ir.Table:
    """Days (UTC dates) whose end falls inside the window."""
    return days.filter(_.day >= window.since.date(), _.day < window.until.date())


def throughput(items: ir.Table, days: ir.Table, *, window: AnyWindow, period: str, by: str | None) -> ir.Table:
    """Throughput (Flow Velocity), arrivals and net flow per period.

    finished = items finished (done) in the period; started = items started in it (arrivals);
    net_flow = started - finished. Columns: period_start, [by], finished, started, net_flow, and
    period_end. Every period of the window appears, with zeros.
    """
    unit = PERIOD_UNITS[period]
    groups = _group_columns(by)
    periods = _calendar(days, window).select(period_start=_.day.truncate(unit)).distinct()
    finished = items.filter(_.outcome == "done", _.finished_at >= window.since, _.finished_at < window.until)
    finished = finished.group_by([finished.finished_at.date().truncate(unit).name("period_start"), *groups]).aggregate(
        finished=_.count()
    )
    started = items.filter(_.started_at >= window.since, _.started_at < window.until)
    started = started.group_by([started.started_at.date().truncate(unit).name("period_start"), *groups]).aggregate(
        started=_.count()
    )
    if groups:
        keys = items.select(*groups).distinct()
        grid = periods.cross_join(keys)
    else:
        grid = periods
    on = ["period_start", *groups]
    joined = grid.left_join(finished, on).left_join(started, on)
    joined = joined.select(*on, finished=_.finished.fill_null(0), started=_.started.fill_null(0))
    return joined.mutate(net_flow=_.started - _.finished).order_by(on)


def wip(items: ir.Table, days: ir.Table, *, window: AnyWindow, by: str | None) -> ir.Table:
    """WIP (Flow Load) at the end of each day of the window: items started by then and not finished.

    Columns: date, [by], wip.
    """
    groups = _group_columns(by)
    calendar = _calendar(days, window)
    starts = (
        items.filter(_.started_at.notnull())
        .group_by([_.started_at.date().name("event_day"), *groups])
        .aggregate(delta=_.count())
    )
    ends = (
        items.filter(_.finished_at.notnull(), _.started_at.notnull())
        .group_by([_.finished_at.date().name("event_day"), *groups])
        .aggregate(delta=-_.count())
    )
    events = starts.union(ends).group_by(["event_day", *groups]).aggregate(delta=_.delta.sum())
    return _running_total(calendar, events, window=window, groups=groups, value="wip").rename(date="day")


def _running_total(
    calendar: ir.Table,
    events: ir.Table,
    *,
    window: AnyWindow,
    groups: list[str],
    value: str,
    keys: ir.Table | None = None,
) -> ir.Table:
    """Per calendar day and group: the sum of `delta` over events on or before that day.

    Events before the window are summed into a starting balance, so a window that starts late is
    still exact. `events` has columns event_day, *groups, delta. `keys` lists the groups to show
    (default: those with events), so a group with no events still gets its rows of zeros.
    """
    first_day = window.since.date()
    if keys is None and groups:
        keys = events.select(*groups).distinct()
    grid = calendar.cross_join(keys) if keys is not None else calendar
    earlier = events.filter(_.event_day < first_day)
    before = (
        earlier.group_by(groups).aggregate(opening=_.delta.sum())
        if groups
        else earlier.aggregate(opening=_.delta.sum())
    )
    inside = events.filter(_.event_day >= first_day).rename(day="event_day")
    joined = grid.left_join(inside, ["day", *groups]).select("day", *groups, delta=_.delta.fill_null(0))
    running = ibis.window(group_by=groups or None, order_by="day", preceding=None, following=0)
    joined = joined.mutate(running=_.delta.sum().over(running))
    if groups:
        joined = joined.left_join(before, groups).select("day", *groups, "running", opening=_.opening)
    else:
        joined = joined.cross_join(before)
    result = joined.select("day", *groups, **{value: (_.running + _.opening.fill_null(0)).cast("int64")})
    return result.order_by(["day", *groups])


def cfd_climbs(transitions: ir.Table, items: ir.Table) -> ir.Table:
    """The entries that count in the cumulative flow, one row per item and climb (the CFD's facts).

    An entry counts only if the item never later moved back to an earlier stage (backward moves
    forget the entries they undo), so lines never fall and rework stays in the earlier stage.
    Unmapped statuses and cancelled stages are left out, and so are the entries into done stages of
    a cancelled item (by its status or by its resolution): it stays in the last forward stage it
    reached and never reaches a done line. Survivors of one item climb the stages monotonically, so
    each newly reaches the stages above the previous survivor's.

    `transitions` are `orgflow.flow.history.mapped_transitions` and `items` the matching
    `orgflow.flow.history.item_facts` (open or closed: neither intervals nor `now` are used), so
    it is built with the other facts. Columns: ik, event_day (UTC date of the entry), previous_order
    (the previous survivor's stage order, -1 for the first), stage_order.
    """
    cancelled = items.filter(_.outcome == "cancelled").select(cancelled_ik=_.ik)
    joined = transitions.left_join(cancelled, transitions.ik == cancelled.cancelled_ik)
    # Cancelled stages stand outside the forward order of work: their entries are left out like
    # unmapped ones. Which entries survive a backward move is decided on the same entries as before
    # (`later_min_order`), so leaving a cancelled item's done entries out never revives an undone one.
    survived = joined.filter(
        _.stage_order.notnull(),
        _.category != "cancelled",
        _.later_min_order.isnull() | (_.stage_order <= _.later_min_order),
        (_.category != "done") | _.cancelled_ik.isnull(),
    ).select("ik", "seq", "changed_at", "stage_order")
    ordered = ibis.window(group_by="ik", order_by=["changed_at", "seq"])
    climbs = survived.mutate(previous_order=_.stage_order.lag().over(ordered).fill_null(-1)).filter(
        _.stage_order > _.previous_order
    )
    return climbs.select(
        "ik", event_day=_.changed_at.date(), previous_order=_.previous_order, stage_order=_.stage_order
    )


def cfd(climbs: ir.Table, items: ir.Table, stages: ir.Table, days: ir.Table, *, window: AnyWindow) -> ir.Table:
    """Cumulative flow: per day and stage, items that had entered that stage or a later one by the
    end of the day, from the items' `cfd_climbs`.

    Columns: date, stage, stage_order, count.

    The counts are running totals of per-day entries, and the entries of a set of items are the sums of
    those of its parts: so `cfd_team_entries` and `cfd_team_stages` can count every team's once and
    `cfd_of_teams` add up the teams of any cut of whole teams, with the same rows (the flow figure does).
    """
    # Entries after the window's last day count on no day of it.
    climbs = climbs.filter(climbs.event_day < window.until.date())
    per_day = _stage_entries(climbs, items, stages, groups=[])
    return _cfd_counts(per_day, _shown_stages(items, stages, groups=[]), days, window=window)


def cfd_team_entries(climbs: ir.Table, items: ir.Table, stages: ir.Table) -> ir.Table:
    """Per team (null: items of no team), day and stage: how many items of `items` newly reached that
    stage (or a later one) that day, from their `cfd_climbs`. Columns: team_id, event_day, stage,
    stage_order, delta."""
    return _stage_entries(climbs, items, stages, groups=["team_id"])


def cfd_team_stages(items: ir.Table, stages: ir.Table) -> ir.Table:
    """Per team (null: items of no team): the stages its items' workflows show on a CFD (all but
    cancelled ones). Columns: team_id, stage, stage_order."""
    return _shown_stages(items, stages, groups=["team_id"])


def cfd_of_teams(entries: ir.Table, shown: ir.Table, days: ir.Table, *, window: AnyWindow) -> ir.Table:
    """`cfd` of the items of some whole teams, from those teams' rows of `cfd_team_entries` and
    `cfd_team_stages`. Columns as `cfd`'s."""
    entries = entries.filter(entries.event_day < window.until.date())
    per_day = entries.group_by(["event_day", "stage", "stage_order"]).aggregate(delta=_.delta.sum())
    return _cfd_counts(per_day, shown.select("stage", "stage_order").distinct(), days, window=window)


def _stage_entries(climbs: ir.Table, items: ir.Table, stages: ir.Table, *, groups: list[str]) -> ir.Table:
    """Per `groups`, day and stage: items of `items` that newly reached the stage (or a later one) that
    day. Columns: *groups, event_day, stage, stage_order, delta."""
    keep = items.select(*groups, keep_ik=_.ik, workflow=_.workflow)
    kept = climbs.join(keep, climbs.ik == keep.keep_ik)
    per_climb = kept.group_by([*groups, "event_day", "workflow", "previous_order", "stage_order"]).aggregate(
        items=_.count()
    )
    stage_list = stages.filter(_.category != "cancelled").select(
        cfd_workflow=_.workflow, stage=_.stage, cfd_order=_.stage_order
    )
    reached = per_climb.join(
        stage_list,
        [
            per_climb.workflow == stage_list.cfd_workflow,
            stage_list.cfd_order > per_climb.previous_order,
            stage_list.cfd_order <= per_climb.stage_order,
        ],
    )
    return reached.group_by([*groups, "event_day", "stage", reached.cfd_order.name("stage_order")]).aggregate(
        delta=_["items"].sum()
    )


def _shown_stages(items: ir.Table, stages: ir.Table, *, groups: list[str]) -> ir.Table:
    """Per `groups`, the non-cancelled stages of the workflows of `items`. Columns: *groups, stage, stage_order."""
    if not groups:
        workflows = items.select("workflow").distinct()
        return (
            stages.filter(_.category != "cancelled", _.workflow.isin(workflows.workflow))
            .select("stage", "stage_order")
            .distinct()
        )
    used = items.select(*groups, "workflow").distinct()
    shown = stages.filter(_.category != "cancelled").select(
        s_workflow=_.workflow, stage=_.stage, stage_order=_.stage_order
    )
    return used.join(shown, used.workflow == shown.s_workflow).select(*groups, "stage", "stage_order").distinct()


def _cfd_counts(per_day: ir.Table, shown: ir.Table, days: ir.Table, *, window: AnyWindow) -> ir.Table:
    """The CFD's rows: per window day and shown stage, the running total of `per_day`'s deltas."""
    counted = _running_total(
        _calendar(days, window), per_day, window=window, groups=["stage", "stage_order"], value="count", keys=shown
    )
    return counted.order_by("day", "stage_order").rename(date="day")


def flow_distribution(items: ir.Table, *, window: AnyWindow, now: Instant) -> ir.Table:
    """Flow Distribution: each flow type's share of items finished in the window and of WIP at its end.

    Columns: flow_type, finished, finished_share, wip, wip_share.
    """
    end = ibis.least(instant(window.until), instant(now))
    done = items.filter(_.outcome == "done", _.finished_at >= window.since, _.finished_at < window.until)
    in_progress = items.filter(
        _.started_at.notnull(), _.started_at < end, _.finished_at.isnull() | (_.finished_at >= end)
    )
    finished = done.group_by("flow_type").aggregate(finished=_.count())
    loaded = in_progress.group_by("flow_type").aggregate(wip=_.count())
    types = finished.select("flow_type").union(loaded.select("flow_type")).distinct()
    joined = types.left_join(finished, "flow_type").left_join(loaded, "flow_type")
    joined = joined.select("flow_type", finished=_.finished.fill_null(0), wip=_.wip.fill_null(0))
    whole = ibis.window()
    return (
        joined.mutate(
            finished_share=ratio(_.finished, ibis.greatest(_.finished.sum().over(whole), 1)),
            wip_share=ratio(_.wip, ibis.greatest(_.wip.sum().over(whole), 1)),
        )
        .select("flow_type", "finished", "finished_share", "wip", "wip_share")
        .order_by("flow_type")
    )
