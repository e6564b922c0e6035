"""The query of each flow figure: ``build(facts, cut, options, terms) -> ibis.Table``.

`facts` gives the item facts and the lookups as of `now` (`orgflow.flow.prepared.PreparedFacts`),
`cut` the items asked about, `options` the figure's own options (`orgflow.flow.figures`) and `terms`
the window's bounds as bound values (None for a figure without a window). A build function reads
nothing else: its compiled query is kept under (figure, facts, cut shape, options), and runs again with
other values of `now`, the window and the cut (`orgflow.flow.runner`).

The metric modules (and Ibis) are imported inside each function: a command whose query is kept runs
it without building one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from orgflow.flow.figures import (
        AgeOptions,
        ByOptions,
        EfficiencyOptions,
        FinishedOptions,
        ItemsOptions,
        LevelOptions,
        SleOptions,
        StagesOptions,
        SummaryOptions,
        ThroughputOptions,
    )
    from orgflow.flow.prepared import PreparedFacts
    from orgflow.query.window import Cut, WindowTerms
    from orgflow.registry import NoOptions


def summary(facts: PreparedFacts, cut: Cut, options: SummaryOptions, terms: WindowTerms | None) -> ir.Table:
    """Headline figures per `by` (`orgflow.flow.summary.flow_summary`); which workflows reach a done and
    an active stage read from the service's pre-aggregate when the query reads it (`PreparedFacts.reads`)."""
    from orgflow.flow.summary import flow_summary, stages_reached

    items, column = facts.with_by(facts.cut_items(cut), options.by)
    if facts.reads("stages_reached"):
        reached = facts.pre_aggregate("stages_reached")
    else:
        reached = stages_reached(facts.transitions, facts.items)
    return flow_summary(
        items,
        window=terms,
        now=facts.now,
        by=column,
        small_sample=options.small_sample,
        reported=facts.reported,
        reached=reached,
        every_item=facts.items,
    )


def lead_time(facts: PreparedFacts, cut: Cut, options: FinishedOptions, terms: WindowTerms | None) -> ir.Table:
    """Lead time per finished item (`orgflow.flow.flow_time.lead_time`)."""
    from orgflow.flow import flow_time

    return flow_time.lead_time(facts.cut_items(cut), window=terms, include_cancelled=options.include_cancelled)


CYCLE_FIGURES = "cycle_time"
"""The per-item figure a skipped start leaves unknown in the cycle-time and items rows."""
EFFICIENCY_ITEM_FIGURES = "cycle_time, flow_efficiency"
"""The per-item figures a skipped start leaves unknown in the per-item efficiency rows."""


def cycle_time(facts: PreparedFacts, cut: Cut, options: FinishedOptions, terms: WindowTerms | None) -> ir.Table:
    """Cycle time per finished item, reported times in status where there is no history; null for an
    item that skipped every active stage, with the reason (`orgflow.flow.skipped.skipped_items_unknown`)."""
    items = facts.with_reported(facts.cut_items(cut))
    return cycle_time_rows(items, terms, include_cancelled=options.include_cancelled)


def cycle_time_rows(items: ir.Table, terms: WindowTerms | None, *, include_cancelled: bool = False) -> ir.Table:
    """The cycle-time rows of `items` (item facts, reported times applied) finished in `terms`
    (`orgflow.flow.flow_time.cycle_time`), ``cycle_time_days`` null for an item that skipped every active
    stage and ``unknown_reasons`` saying so (`orgflow.flow.skipped.skipped_items_unknown`); by finish."""
    from orgflow.flow import flow_time
    from orgflow.flow.skipped import skipped_items_unknown

    assert terms is not None
    rows = flow_time.cycle_time(items, window=terms, include_cancelled=include_cancelled)
    return skipped_items_unknown(rows, ("cycle_time_days",), CYCLE_FIGURES).order_by("finished_at", "item_id")


def throughput(facts: PreparedFacts, cut: Cut, options: ThroughputOptions, terms: WindowTerms | None) -> ir.Table:
    """Items finished and started per period (`orgflow.flow.flow_load.throughput`)."""
    from orgflow.flow import flow_load

    items, column = facts.with_by(facts.cut_items(cut), options.by)
    return flow_load.throughput(items, facts.calendar(), window=terms, period=options.period, by=column)


def wip(facts: PreparedFacts, cut: Cut, options: ByOptions, terms: WindowTerms | None) -> ir.Table:
    """Items in progress at the end of each day (`orgflow.flow.flow_load.wip`)."""
    from orgflow.flow import flow_load

    items, column = facts.with_by(facts.cut_items(cut), options.by)
    return flow_load.wip(items, facts.calendar(), window=terms, by=column)


def cfd(facts: PreparedFacts, cut: Cut, _options: NoOptions, terms: WindowTerms | None) -> ir.Table:
    """Cumulative flow per day and stage (`orgflow.flow.flow_load.cfd`). Where the query reads every
    team's daily entries (pre-aggregates: `PreparedFacts.derived`, `reads`), a cut of whole teams (none, a
    team, a group, a value stream) adds up its teams' (`orgflow.flow.flow_load.cfd_of_teams`); else, and
    for a cut by item type or project, it counts its items' climbs."""
    from orgflow.flow import flow_load
    from orgflow.query.cuts import cut_items
    from orgflow.query.window import Cut

    assert terms is not None
    whole = cut or Cut()
    if whole.item_type or whole.project or not facts.reads("cfd_team_entries"):
        return flow_load.cfd(facts.climbs, facts.cut_items(cut), facts.stage_table(), facts.calendar(), window=terms)
    entries = cut_items(facts.pre_aggregate("cfd_team_entries"), facts.tables, whole)
    shown = cut_items(facts.pre_aggregate("cfd_team_stages"), facts.tables, whole)
    return flow_load.cfd_of_teams(entries, shown, facts.calendar(), window=terms)


AGE_SLE_FIGURES = "sle_days, over_sle"
"""The age figures an unknown SLE leaves unknown."""
NO_SLE_SAMPLE = f"{AGE_SLE_FIGURES}: no item of its team and type finished before now"


def age(facts: PreparedFacts, cut: Cut, options: AgeOptions, _terms: WindowTerms | None) -> ir.Table:
    """Work Item Age of every started, unfinished item, with its team's SLE (over all teams' items)
    and whether the item is past it (null with `unknown_reasons` when the SLE is unknown); oldest first."""
    import ibis
    from ibis import _

    from orgflow.flow import flow_time

    ages = flow_time.work_item_age(facts.cut_items(cut), now=facts.now)
    # A team's SLE reads only its own items: only the teams of the aging items are ranked.
    teams = ages.select(sle_team=_.team_id).distinct()
    pool = facts.items.semi_join(teams, facts.items.team_id == teams.sle_team)
    sle = flow_time.service_level_expectation(
        facts.with_reported(pool),
        until=facts.now,
        percentile=options.sle_percentile,
        last_items=options.sle_items,
        figures=AGE_SLE_FIGURES,
    )
    joined = ages.left_join(sle, ["team_id", "item_type"])
    # An unknown SLE flags nothing: over_sle is null then, and the reason says why.
    return joined.select(
        *ages.columns,
        "sle_days",
        over_sle=_.age_days > _.sle_days,
        unknown_reasons=ibis.ifelse(_.sle_days.isnull(), _.unknown_reasons.fill_null(NO_SLE_SAMPLE), None),
    ).order_by(ibis.desc("age_days"), "item_id")


def efficiency(facts: PreparedFacts, cut: Cut, options: EfficiencyOptions, terms: WindowTerms | None) -> ir.Table:
    """Flow efficiency, time-weighted per `by` or one row per item (`orgflow.flow.flow_time`)."""
    from orgflow.flow import flow_time

    items, column = facts.with_by(facts.with_reported(facts.cut_items(cut)), options.by)
    if options.per_item:
        return efficiency_item_rows(items, terms)
    return flow_time.flow_efficiency(items, window=terms, by=column)


def efficiency_item_rows(items: ir.Table, terms: WindowTerms | None) -> ir.Table:
    """Flow efficiency per finished item of `items` (item facts, reported times applied:
    `orgflow.flow.flow_time.flow_efficiency_items`), its cycle time and efficiency null for an item that
    skipped every active stage (its start is no measured start: `orgflow.flow.skipped.skipped_items_unknown`),
    with ``unknown_reasons``; by finish."""
    from orgflow.flow import flow_time
    from orgflow.flow.skipped import skipped_items_unknown

    assert terms is not None
    rows = flow_time.flow_efficiency_items(items, window=terms)
    flags = items.select("source", "item_id", "skipped_start").distinct()
    flagged = rows.left_join(flags, ["source", "item_id"]).select(*rows.columns, "skipped_start")
    known = skipped_items_unknown(flagged, ("cycle_time_days", "flow_efficiency"), EFFICIENCY_ITEM_FIGURES)
    return known.drop("skipped_start").order_by("finished_at", "item_id")


def distribution(facts: PreparedFacts, cut: Cut, _options: NoOptions, terms: WindowTerms | None) -> ir.Table:
    """Flow types' shares of finished items and of WIP (`orgflow.flow.flow_load.flow_distribution`)."""
    from orgflow.flow import flow_load

    return flow_load.flow_distribution(facts.cut_items(cut), window=terms, now=facts.now)


def stages(facts: PreparedFacts, cut: Cut, options: StagesOptions, terms: WindowTerms | None) -> ir.Table:
    """Time per stage or phase (`orgflow.flow.stages.time_in_stages`), reported times included."""
    from orgflow.flow import stages as stage_figures

    items, column = facts.with_by(facts.cut_items(cut), options.by)
    return stage_figures.time_in_stages(
        facts.reported_spans(), items, facts.stage_table(), window=terms, level=options.level, by=column
    )


def time_in_stage(facts: PreparedFacts, cut: Cut, options: LevelOptions, _terms: WindowTerms | None) -> ir.Table:
    """Time in each stage or phase per item (`orgflow.flow.stages.time_in_stage_items`)."""
    from orgflow.flow import stages as stage_figures

    return stage_figures.time_in_stage_items(
        facts.spans(), facts.cut_items(cut), facts.stage_table(), level=options.level
    )


def blocked(facts: PreparedFacts, cut: Cut, _options: NoOptions, terms: WindowTerms | None) -> ir.Table:
    """Blocked time per item (`orgflow.flow.stages.blocked_time`); where the query reads the service's
    measure of every started item (`orgflow.flow.stages.blocked_items`, a pre-aggregate:
    `PreparedFacts.derived`, `reads`), cut from that measure."""
    from orgflow.flow import stages as stage_figures

    assert terms is not None
    if not facts.reads("blocked_items"):
        return stage_figures.blocked_time(
            facts.tables, facts.spans(), facts.cut_items(cut), all_items=facts.items, window=terms, now=facts.now
        )
    measured = facts.pre_aggregate("blocked_items")
    return stage_figures.blocked_in_window(measured, facts.cut_items(cut), window=terms)


def sle(facts: PreparedFacts, cut: Cut, options: SleOptions, _terms: WindowTerms | None) -> ir.Table:
    """Service level expectation per team and item type (`orgflow.flow.flow_time.service_level_expectation`)."""
    from orgflow.flow import flow_time

    return flow_time.service_level_expectation(
        facts.with_reported(facts.cut_items(cut)),
        until=facts.now,
        percentile=options.percentile,
        last_items=options.last_items,
    )


def littles_law(facts: PreparedFacts, cut: Cut, _options: NoOptions, terms: WindowTerms | None) -> ir.Table:
    """Little's law over the window (`orgflow.flow.stages.littles_law`)."""
    from orgflow.flow import flow_load
    from orgflow.flow import stages as stage_figures

    items = facts.cut_items(cut)
    daily = flow_load.wip(items, facts.calendar(), window=terms, by=None)
    return stage_figures.littles_law(items, daily, window=terms, finished=facts.with_reported(items))


def items(facts: PreparedFacts, cut: Cut, options: ItemsOptions, terms: WindowTerms | None) -> ir.Table:
    """The items created before the window's end and not finished before its start, optionally only
    those now in `options.stage` (a bound value) or open or finished; by creation. A done item's start,
    cycle time and skipped start come from its source's reported time in status when it has no status
    history, as in `cycle_time`; a finished item that skipped every active stage has a null cycle time,
    with the reason (`orgflow.flow.skipped.skipped_items_unknown`)."""
    import ibis
    import ibis.expr.datatypes as dt
    from ibis import _

    from orgflow.flow import flow_time
    from orgflow.flow.definitions import ITEM_DETAIL_COLUMNS
    from orgflow.flow.skipped import skipped_items_unknown
    from orgflow.query.compiled import bound

    assert terms is not None
    touched = facts.with_reported(facts.cut_items(cut)).filter(
        _.created_at < terms.until,
        _.finished_at.isnull() | (_.finished_at >= terms.since),
    )
    if options.stage:
        touched = touched.filter(_.current_stage == bound("stage", options.stage, dt.string))
    if options.state == "open":
        touched = touched.filter(_.finished_at.isnull())
    elif options.state == "finished":
        touched = touched.filter(_.finished_at.notnull())
    elif options.state in ("done", "cancelled"):
        touched = touched.filter(_.finished_at.notnull(), _.outcome == options.state)
    rows = touched.select(
        *flow_time.ITEM_COLUMNS,
        *ITEM_DETAIL_COLUMNS,
        lead_time_days=flow_time.days_between(_.created_at, _.finished_at),
        cycle_time_days=flow_time.days_between(_.started_at, _.finished_at),
        age_days=ibis.ifelse(touched.finished_at.isnull(), flow_time.days_between(touched.started_at, facts.now), None),
    )
    return skipped_items_unknown(rows, ("cycle_time_days",), CYCLE_FIGURES).order_by("created_at", "item_id")
