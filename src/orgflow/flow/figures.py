"""The flow figures, declared once: name, definition, options, columns and the function building each.

From these come the `FlowService` figures, the ``orgflow flow ...`` commands (`orgflow.cli.flow`), the
``/api/<figure>`` routes (`orgflow.web.routes.metrics`) and each figure's compiled-query cache key
(`orgflow.flow.runner`): a figure's options dataclass holds everything its query depends on besides
the facts, the cut, `now` and the window, so the key is (figure, facts, cut shape, options).

Options are keyword-only frozen dataclasses: `option` fields are set by the user (a command option and a
query parameter), `setting` fields come from ``orgflow.yaml``, a ``by`` field is the shared --by (team,
group, type, flow_type, project or value_stream: `orgflow.query.window.BY_COLUMNS`). Bad values are
rejected here, before any query runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from orgflow.errors import InputError
from orgflow.flow import queries
from orgflow.flow.definitions import ITEM_COLUMNS, ITEM_DETAIL_COLUMNS, SUMMARY_COLUMNS, pick
from orgflow.flow.mapped_stages import Needs, Reach, ruled_out
from orgflow.flow.own_windows import rows_in_own_windows
from orgflow.query.window import PERIODS
from orgflow.registry import Figure, NoOptions, option, setting

LEVELS = ("stage", "phase")
STATES = ("open", "finished", "done", "cancelled")
"""`items --state`: open (unfinished), finished (done or cancelled: METRICS.md counts cancelled items as
finished, the summary's `finished` plus its `cancelled`), or one outcome (done: the summary's `finished`)."""


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r} (use stage or phase)", field="level")


@dataclass(frozen=True, kw_only=True)
class SummaryOptions:
    by: str | None = None
    small_sample: int = setting("thresholds.small_sample")


@dataclass(frozen=True, kw_only=True)
class FinishedOptions:
    """Options of the figures per finished item (lead and cycle time)."""

    include_cancelled: bool = option("Count cancelled items too.", default=False)


@dataclass(frozen=True, kw_only=True)
class ThroughputOptions:
    period: str = option("day, week or month.", default="week")
    by: str | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise InputError(f"unknown period {self.period!r} (use day, week or month)", field="period")


@dataclass(frozen=True, kw_only=True)
class ByOptions:
    by: str | None = None


@dataclass(frozen=True, kw_only=True)
class AgeOptions:
    sle_percentile: float = setting("thresholds.sle_percentile")
    sle_items: int = setting("thresholds.sle_items")


@dataclass(frozen=True, kw_only=True)
class EfficiencyOptions:
    by: str | None = None
    per_item: bool = option("One row per item.", flag="--per-item", default=False)


@dataclass(frozen=True, kw_only=True)
class StagesOptions:
    level: str = option("stage or phase.", default="stage")
    by: str | None = None

    def __post_init__(self) -> None:
        _check_level(self.level)


@dataclass(frozen=True, kw_only=True)
class LevelOptions:
    level: str = option("stage or phase.", default="stage")

    def __post_init__(self) -> None:
        _check_level(self.level)


@dataclass(frozen=True, kw_only=True)
class ItemsOptions:
    stage: str | None = option("Only items now in this stage.")
    state: str | None = option(
        "open, finished (done or cancelled), done (what the summary counts as finished) or cancelled."
    )

    def __post_init__(self) -> None:
        if self.state not in (None, *STATES):
            raise InputError(
                f"unknown state {self.state!r} (use open, finished (done or cancelled), done or cancelled)",
                field="state",
            )

    def check_with(self, config: Any) -> None:
        """Raise `InputError` for a stage no workflow of `config` has (`orgflow.query.known_names`)."""
        if self.stage:
            from orgflow.query.known_names import check_stage

            check_stage(self.stage, config)


@dataclass(frozen=True, kw_only=True)
class SleOptions:
    percentile: float = setting("thresholds.sle_percentile")
    last_items: int = setting("thresholds.sle_items")


AGE_NEEDS = Needs(
    done=("sle_days", "over_sle"),
    active=("sle_days", "over_sle"),
    done_named=queries.AGE_SLE_FIGURES,
    active_named=queries.AGE_SLE_FIGURES,
    group="team_id",
    group_by="team",
)
"""What the mapping rules out of an aging item: its team's SLE and whether the item is past it, as it rules
out the SLE itself (`orgflow.flow.mapped_stages.NEEDS`, ``sle``)."""


def sle_reach(service: Any, teams: Any) -> Reach:
    """Which of `teams` have no SLE because of the mapping, as `flow sle` decides it for the whole
    workspace (`orgflow.flow.mapped_stages`): no status in use maps to a done stage (`Reach.no_done`: they
    finished nothing), or none to an active stage and no reported time in status stands in
    (`Reach.no_active`: the start is the first unmapped status, so a cycle time would be a lead time).
    The one rule behind every SLE an aging item is judged against (`age`, `orgflow.insights.aging`)."""
    wanted = set(teams)
    reach = service.stage_reach(None, "team")
    return Reach(
        tuple(team for team in reach.no_done if team in wanted),
        tuple(team for team in reach.no_active if team in wanted),
    )


def age_sle_mapped(service: Any, result: Any, **_context: Any) -> Any:
    """The age `result` with `sle_days` and `over_sle` null on the rows of teams whose SLE the mapping
    rules out (`sle_reach`), and `unknown_reasons` (and the params ``no_done_stage``, ``no_active_stage``)
    giving `flow sle`'s reason, so that no item is judged against an SLE `flow sle` calls unknown."""
    table = result.table
    if table.num_rows == 0 or "team_id" not in table.column_names:
        return result
    reach = sle_reach(service, table.column("team_id").to_pylist())
    return ruled_out(result, AGE_NEEDS, reach, "team_id")


def age_notes(result: Any, _options: Any, _columns: list[str] | None) -> tuple[Any, list[str]]:
    """The age table without its per-item `unknown_reasons`, each distinct reason said once under it
    with the team and item type it holds for and how many items: "AMQ Bug, 37 items: sle_days,
    over_sle: ..." (the terminal would otherwise name every item's source before it)."""
    table = result.table
    if "unknown_reasons" not in table.column_names:
        return result, []
    reasons: dict[str, dict[str, int]] = {}
    columns = ("team_id", "item_type", "unknown_reasons")
    for team, item_type, reason in zip(*(table.column(name).to_pylist() for name in columns), strict=True):
        if reason:
            group = reasons.setdefault(reason, {})
            key = f"{team} {item_type}"
            group[key] = group.get(key, 0) + 1
    notes = []
    for reason, groups in reasons.items():
        count = sum(groups.values())
        notes.append(f"{', '.join(groups)}, {count} item{'s' if count != 1 else ''}: {reason}")
    shown = dataclasses.replace(result, table=table.drop_columns(["unknown_reasons"]))
    return shown, notes


def skipped_said(figures: str) -> Any:
    """A `finish` step for rows of items: the note counting the finished items whose `figures` are null
    because they skipped every active stage (`orgflow.flow.skipped.skipped_items_note`), the rows whose
    ``unknown_reasons`` is `skipped_item_reason`; the result unchanged when there are none."""
    from orgflow.flow.skipped import skipped_item_reason, skipped_items_note

    reason = skipped_item_reason(figures)

    def finish(_service: Any, result: Any, **_context: Any) -> Any:
        table = result.table
        if "unknown_reasons" not in table.column_names or "finished_at" not in table.column_names:
            return result
        skipped = sum(1 for said in table.column("unknown_reasons").to_pylist() if said == reason)
        if not skipped:
            return result
        finished = sum(1 for when in table.column("finished_at").to_pylist() if when is not None)
        notes = [*result.notes, skipped_items_note(skipped, finished, figures)]
        return dataclasses.replace(result, notes=notes)

    return finish


def reasons_notes(result: Any, _options: Any, _columns: list[str] | None) -> tuple[Any, list[str]]:
    """Rows of items without their per-item `unknown_reasons`: the result's notes (one counts the skipped
    starts: `skipped_said`), then each other distinct reason once, with how many items it holds for."""
    from orgflow.flow.skipped import SKIPPED_ITEM_TEXT

    table = result.table
    if "unknown_reasons" not in table.column_names:
        return result, list(result.notes)
    counts: dict[str, int] = {}
    for reason in table.column("unknown_reasons").to_pylist():
        if reason and not reason.endswith(SKIPPED_ITEM_TEXT):
            counts[reason] = counts.get(reason, 0) + 1
    notes = [*result.notes, *(f"{n} item{'s' if n != 1 else ''}: {reason}" for reason, n in counts.items())]
    return dataclasses.replace(result, table=table.drop_columns(["unknown_reasons"])), notes


def result_notes(result: Any, _options: Any, _columns: list[str] | None) -> tuple[Any, list[str]]:
    """The result as it is, with its notes under the table (throughput's periods after the data, what the
    mapping rules out: `orgflow.flow.mapped_stages`)."""
    return result, list(result.notes)


_BY_KEYS = ("team", "group", "type", "flow_type", "project", "value_stream")

FIGURES: tuple[Figure, ...] = (
    Figure(
        "summary",
        "flow",
        "Headline flow figures over items finished in the window: lead and cycle time percentiles "
        "(days, linear interpolation), throughput per week, WIP at the window's end, time-weighted flow efficiency.",
        help="Headline figures per team, group or type. Example: orgflow flow summary --by team",
        options=SummaryOptions,
        build=queries.summary,
        columns=pick(*SUMMARY_COLUMNS),
        core=(
            *_BY_KEYS,
            "finished",
            "lead_time_p50",
            "lead_time_p85",
            "cycle_time_p50",
            "cycle_time_p85",
            "throughput_per_week",
            "wip",
            "flow_efficiency",
        ),
        params=("by",),
        note="cycle time and flow efficiency",
        finish=rows_in_own_windows,
    ),
    Figure(
        "lead-time",
        "flow",
        "finish - created, per item finished (done) in the window, in days.",
        help="Lead time (created → finished) of each finished item. Example: orgflow flow lead-time --team AMQ",
        options=FinishedOptions,
        build=queries.lead_time,
        columns=pick(*ITEM_COLUMNS, "created_at", "finished_at", "outcome", "lead_time_days"),
        core=("item_id", "title", "team_id", "finished_at", "lead_time_days"),
        params=("include_cancelled",),
        present=result_notes,
    ),
    Figure(
        "cycle-time",
        "flow",
        "finish - start (first move out of backlog), waits included, per item finished (done) in "
        "the window, in days; an item that went from backlog straight to done is flagged skipped_start and its "
        "cycle time is null (not measured), with the reason.",
        help="Cycle time (started → finished) of each finished item. "
        "Example: orgflow flow cycle-time --since 2024-01-01",
        options=FinishedOptions,
        build=queries.cycle_time,
        columns=pick(
            *ITEM_COLUMNS, "started_at", "finished_at", "skipped_start", "outcome", "cycle_time_days", "unknown_reasons"
        ),
        core=("item_id", "title", "team_id", "finished_at", "cycle_time_days"),
        params=("include_cancelled",),
        note="cycle time (started_at = finished_at - reported cycle time)",
        finish=skipped_said(queries.CYCLE_FIGURES),
        present=reasons_notes,
    ),
    Figure(
        "throughput",
        "flow",
        "Items finished (done) per period (weeks start Monday, labelled by their first day); "
        "started = arrivals; net_flow = started - finished. Inside the data, nothing finished or started counts "
        "as 0; the counts of a period wholly before the day of the data's first event or after the day of its "
        "last are null (unknown: nothing was recorded there), as are finished and net_flow of a group with no "
        "done stage.",
        help="Items finished and started per period, and net flow. Example: orgflow flow throughput --period month",
        options=ThroughputOptions,
        build=queries.throughput,
        columns=pick("period_start", "finished", "started", "net_flow"),
        params=("period", "by"),
        present=result_notes,
    ),
    Figure(
        "wip",
        "flow",
        "Items started and not finished at the end of each UTC day.",
        help="Work in progress at the end of each day. Example: orgflow flow wip --team payments --since 2024-06-01",
        options=ByOptions,
        build=queries.wip,
        columns=pick("date", "wip"),
        params=("by",),
    ),
    Figure(
        "cfd",
        "flow",
        "Per day and stage: items whose first entry into the stage or a later one happened on or before "
        "that day; entries undone by a backward move are forgotten; unmapped statuses and cancelled stages left "
        "out; cancelled items never reach a done stage.",
        help="Cumulative flow per day and stage. Example: orgflow flow cfd --team payments --format json",
        options=NoOptions,
        build=queries.cfd,
        columns=pick("date", "stage", "stage_order", "count"),
        phased=True,
    ),
    Figure(
        "age",
        "flow",
        "Work Item Age: now - start per started, unfinished item, in days, with time in its current stage.",
        help="Age of every started, unfinished item against its team's SLE. Example: orgflow flow age --team payments",
        options=AgeOptions,
        build=queries.age,
        window=False,
        columns=pick(
            *ITEM_COLUMNS,
            "started_at",
            "current_stage",
            "age_days",
            "stage_age_days",
            "sle_days",
            "over_sle",
            "unknown_reasons",
        ),
        core=("item_id", "title", "team_id", "current_stage", "age_days", "sle_days", "over_sle"),
        params=("sle_percentile",),
        phased=True,
        finish=age_sle_mapped,
        present=age_notes,
    ),
    Figure(
        "efficiency",
        "flow",
        "Flow efficiency: sum of active time / sum of cycle time over items finished in the window "
        "(time-weighted); flagged time inside active stages counts as waiting.",
        help="Flow efficiency: active time / cycle time. Example: orgflow flow efficiency --by team",
        options=EfficiencyOptions,
        build=queries.efficiency,
        columns=pick(
            "finished", "active_days", "cycle_days", "item_efficiency_p50", "flow_efficiency", "unknown_reasons"
        ),
        params=("by", "per_item"),
        note="active and cycle time",
        finish=skipped_said(queries.EFFICIENCY_ITEM_FIGURES),
    ),
    Figure(
        "distribution",
        "flow",
        "Share of each flow type among items finished in the window and among WIP at its end.",
        help="Share of features, defects, risks and debt, finished and in progress. Example: orgflow flow distribution",
        options=NoOptions,
        build=queries.distribution,
        columns=pick("flow_type", "finished", "finished_share", "wip", "wip_share"),
    ),
    Figure(
        "stages",
        "flow",
        "Time per stage (or phase) summed over every visit, for items finished in the window, in days, "
        "with each stage's share of their total time.",
        help="Where flow time goes: time per stage or phase. Example: orgflow flow stages --level phase",
        options=StagesOptions,
        build=queries.stages,
        columns=pick("stage", "stage_order", "items", "total_days", "mean_days", "p50_days", "p85_days", "share"),
        params=("level", "by"),
        note="time per {level}",
        phased=True,
        present=result_notes,
    ),
    Figure(
        "time-in-stage",
        "flow",
        "Time per item in each stage (or phase): the sum of every visit, the last open one "
        "ending at the finish or now, in days.",
        options=LevelOptions,
        build=queries.time_in_stage,
        window=False,
        columns=pick(*ITEM_COLUMNS, "stage", "stage_order", "category", "days", "entries"),
        params=("level",),
        command=False,
        phased=True,
        present=result_notes,
    ),
    Figure(
        "items",
        "flow",
        "The items behind the figures, with start, finish, outcome, cycle and lead time.",
        help="The items behind the figures. Example: orgflow flow items --team payments --state open",
        options=ItemsOptions,
        build=queries.items,
        columns=pick(
            *ITEM_COLUMNS, *ITEM_DETAIL_COLUMNS, "lead_time_days", "cycle_time_days", "age_days", "unknown_reasons"
        ),
        core=(
            "item_id",
            "title",
            "team_id",
            "outcome",
            "current_stage",
            "lead_time_days",
            "cycle_time_days",
            "age_days",
        ),
        params=("stage", "state"),
        # The stage is a bound value like the cut's: one compiled query serves every stage.
        bound=("stage",),
        phased=True,
        finish=skipped_said(queries.CYCLE_FIGURES),
        present=reasons_notes,
    ),
    Figure(
        "sle",
        "flow",
        "Service level expectation: a percentile (default p85) of cycle time over each team's and item "
        "type's last N (default 50) finished items, in days.",
        help="Service level expectation (p85 cycle time of the last 50 items). Example: orgflow flow sle",
        options=SleOptions,
        build=queries.sle,
        window=False,
        columns=pick("team_id", "item_type", "sample", "sle_days", "unknown_reasons"),
        params=("percentile", "last_items"),
        present=result_notes,
    ),
    Figure(
        "blocked",
        "flow",
        "Time each started item spent blocked (flag, blocked stage, or an unresolved blocking link "
        "from another team's item), in days; overlaps counted once.",
        help="Time items spent blocked (flag, blocked stage, cross-team links). Example: orgflow flow blocked",
        options=NoOptions,
        build=queries.blocked,
        columns=pick(*ITEM_COLUMNS, "flagged_days", "status_days", "link_days", "blocked_days"),
        core=("item_id", "title", "team_id", "blocked_days"),
        present=result_notes,
    ),
    Figure(
        "littles-law",
        "flow",
        "Mean WIP against throughput per day x mean cycle time over the window, with stability "
        "conditions (arrivals match departures, WIP at start and end within 10 %).",
        help="Little's law check with stability conditions. Example: orgflow flow littles-law --since 2024-01-01",
        options=NoOptions,
        build=queries.littles_law,
        columns=pick(
            "days",
            "mean_wip",
            "wip_start",
            "wip_end",
            "departures",
            "mean_cycle_time_days",
            "arrivals",
            "throughput_per_day",
            "predicted_wip",
            "ratio",
            "arrivals_match_departures",
            "wip_stable",
            "unknown_reasons",
        ),
        note="mean cycle time",
    ),
)
"""Every flow figure, in the order commands and routes list them."""
