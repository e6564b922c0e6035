"""The flow figures, declared once: name, definition, options, columns and the function building each.

From these come the `FlowService` figures, the ``orgflow flow ...`` commands (`orgflow.cli.flow`), the
``/api/<figure>`` routes (`orgflow.web.routes.metrics`) and each figure's compiled-query cache key
(`orgflow.flow.runner`): a figure's options dataclass holds everything its query depends on besides
the facts, the cut, `now` and the window, so the key is (figure, facts, cut shape, options).

Options are keyword-only frozen dataclasses: `option` fields are set by the user (a command option and a
query parameter), `setting` fields come from ``orgflow.yaml``, a ``by`` field is the shared --by (team,
group, type, flow_type, project or value_stream: `orgflow.query.window.BY_COLUMNS`). Bad values are
rejected here, before any query runs. The steps a figure runs on its result after its query (`finish`,
`present`) are `orgflow.flow.figure_steps`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgflow.errors import InputError
from orgflow.flow import queries
from orgflow.flow.definitions import ITEM_COLUMNS, ITEM_DETAIL_COLUMNS, SUMMARY_COLUMNS, pick
from orgflow.flow.figure_steps import age_notes, age_sle_mapped, reasons_notes, result_notes, skipped_said
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
