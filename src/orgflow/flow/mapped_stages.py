"""When the mapping rules a figure out: no status maps to a done stage, or none to an active one.

A group of items none of whose workflows has a status in use mapped to a done stage can finish
nothing, whatever the data: its throughput, lead and cycle times, SLE and what is built on them
(forecasts, Little's law) are unknown, not 0. One with no status mapped to an active stage (and no
reported time in status standing in) starts each item at its first unmapped status, so its cycle time
would be a copy of lead time, and its flow efficiency made up: unknown too. `orgflow status` lists the
unmapped statuses; orgflow.yaml maps them.

The rule is the summary's (`orgflow.flow.summary.stages_reached`, `groups_reaching`); this module
applies it to every other flow figure that needs a done or active stage (`NEEDS`): the figure's
columns that depend on it are nulled for the groups it holds for, its ``unknown_reasons`` (when it has
one) and notes say why, and its params carry the reason (``no_done_stage``, ``no_active_stage``).
Ibis and Arrow load only when a figure is ruled out or its check's query is built.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from orgflow.flow.prepared import PreparedFacts
    from orgflow.flow.result import MetricResult
    from orgflow.query.window import Cut

MAP_HINT = "map them in orgflow.yaml, see `orgflow status`"
"""What to do about a status mapped to no stage of the needed kind."""


def no_done_stage_reason(figures: str) -> str:
    """The reason `figures` are unknown when no status the items use maps to a done stage."""
    return f"{figures}: no status maps to a done stage: {MAP_HINT}"


def no_active_stage_reason(figures: str) -> str:
    """The reason `figures` are unknown when no status the items use maps to an active stage."""
    return (
        f"{figures}: no status maps to an active stage (the start is the first unmapped status, so cycle time "
        f"would be lead time): {MAP_HINT}"
    )


@dataclass(frozen=True)
class Needs:
    """What of a figure needs a done stage and what an active one.

    `done` and `active` are the columns nulled when the stage is missing (they may be empty: the
    figure's rows are then empty or still right, and only the reason is said); `done_named` and
    `active_named` the figures each reason names; `group` the result column holding the group a row
    belongs to (None: the whole result is one group, or the figure's own ``by`` column); `group_by` the
    --by the check groups by when the figure has no ``by`` of its own; `check_active` whether it needs
    an active stage too;
    `proof` what in its rows proves a done stage, so that the check's query need not run: ``rows`` (any
    row is a finished item) or a column counting finished items per group.
    """

    done: tuple[str, ...]
    active: tuple[str, ...] = ()
    done_named: str = ""
    active_named: str = ""
    group: str | None = None
    group_by: str | None = None
    check_active: bool = True
    proof: str | None = None


NEEDS: dict[str, Needs] = {
    "throughput": Needs(
        done=("finished", "net_flow"), done_named="finished, net_flow", check_active=False, proof="finished"
    ),
    "lead-time": Needs(done=("lead_time_days",), done_named="lead_time", check_active=False, proof="rows"),
    "cycle-time": Needs(
        done=("cycle_time_days",), active=("cycle_time_days",), done_named="cycle_time", active_named="cycle_time"
    ),
    "efficiency": Needs(
        done=("flow_efficiency", "item_efficiency_p50"),
        active=("flow_efficiency", "item_efficiency_p50"),
        done_named="flow_efficiency, item_efficiency_p50",
        active_named="flow_efficiency, item_efficiency_p50",
    ),
    "sle": Needs(
        done=("sle_days",),
        active=("sle_days",),
        done_named="sle_days",
        active_named="sle_days",
        group="team_id",
        group_by="team",
    ),
    "littles-law": Needs(
        done=(
            "departures",
            "throughput_per_day",
            "mean_cycle_time_days",
            "predicted_wip",
            "ratio",
            "arrivals_match_departures",
        ),
        active=("mean_cycle_time_days", "predicted_wip", "ratio"),
        done_named="departures, throughput_per_day, mean_cycle_time_days, predicted_wip, ratio, "
        "arrivals_match_departures",
        active_named="mean_cycle_time_days, predicted_wip, ratio",
    ),
    "stages": Needs(done=(), done_named="stages", check_active=False, proof="rows"),
    "time-in-stage": Needs(
        done=(), done_named="time-in-stage (the last visit of every item runs to now)", check_active=False
    ),
}
"""The flow figures that need a done (and active) stage, beyond the summary (which applies the rule in its
query): the columns each nulls and the figures its reasons name."""


def reach_query(facts: PreparedFacts, cut: Cut | None, by: str | None) -> ir.Table:
    """Per `by` group of the items of `cut` (one row without `by`): whether any status their workflows use
    maps to a done stage (`reaches_done`) or an active one (`reaches_active`), as the summary decides
    (`orgflow.flow.summary.groups_reaching`), and whether any of them has reported time in status
    (`reported`: it stands in for an active stage). The group column is the item column of `by`."""
    from orgflow.flow.summary import groups_reaching, stages_reached

    items, column = facts.with_by(facts.with_reported(facts.cut_items(cut)), by)
    reached = stages_reached(facts.transitions, facts.items)
    return groups_reaching(items, reached, [column] if column else [], reported=True)


@dataclass(frozen=True)
class Reach:
    """Which groups (keys; None: the whole result) can finish nothing, and which start nothing."""

    no_done: tuple[Any, ...]
    no_active: tuple[Any, ...]


def reach_of(rows: list[dict[str, Any]], column: str | None) -> Reach:
    """`Reach` from the rows of `reach_query` grouped by `column` (None: one row). A group without items
    (null flags: a cut that selects nothing) is ruled out by nothing: it has nothing to count."""
    no_done, no_active = [], []
    for row in rows:
        key = row[column] if column else None
        if row["reaches_done"] is False:
            no_done.append(key)
        elif row["reaches_done"] and row["reaches_active"] is False and not row["reported"]:
            no_active.append(key)
    return Reach(tuple(no_done), tuple(no_active))


def needs_check(result: MetricResult, needs: Needs, group: str | None) -> bool:
    """Whether `result` must be checked at all: a figure that needs only a done stage and whose rows can
    prove one (`Needs.proof`) is checked when some group of it counts nothing finished (anything
    finished proves a done stage), every other always."""
    if needs.check_active or needs.proof is None:
        return True
    table = result.table
    if table.num_rows == 0:
        return True
    if needs.proof == "rows":
        return group is not None
    if needs.proof in table.column_names:
        counts = table.column(needs.proof).to_pylist()
        keys = table.column(group).to_pylist() if group and group in table.column_names else [None] * len(counts)
        finished: dict[Any, int] = {}
        for key, count in zip(keys, counts, strict=True):
            finished[key] = finished.get(key, 0) + (count or 0)
        return any(total == 0 for total in finished.values())
    return True


def _groups_said(keys: tuple[Any, ...], reason: str) -> str:
    """`reason`, led by the groups it holds for when they are named ("a, b and 3 more: ...")."""
    named = sorted(str(key) for key in keys if key is not None)
    if not named:
        return reason
    shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
    return f"{shown}: {reason}"


def ruled_out(result: MetricResult, needs: Needs, reach: Reach, group: str | None) -> MetricResult:
    """`result` with the columns `needs` names nulled for the groups `reach` rules out, its
    ``unknown_reasons`` (when it has that column) set to the reason on those rows, the reason in its notes
    and its params (``no_done_stage``, ``no_active_stage``; the notes only for a figure without ``unknown_reasons``,
    whose rows say it). `group` is the result's column of the group
    (None: one group). Unchanged when nothing is ruled out."""
    if not reach.no_done and not (needs.check_active and reach.no_active):
        return result
    from orgflow.query.plain_table import arrow_table

    table = arrow_table(result.table)
    params, notes = dict(result.params), list(result.notes)
    for keys, columns, reason, param in (
        (reach.no_done, needs.done, no_done_stage_reason(needs.done_named), "no_done_stage"),
        (
            reach.no_active if needs.check_active else (),
            needs.active,
            no_active_stage_reason(needs.active_named),
            "no_active_stage",
        ),
    ):
        if not keys:
            continue
        said = _groups_said(keys, reason)
        params[param] = said
        if "unknown_reasons" not in table.column_names or not _every_row_says(table, group, keys):
            notes.append(said)
        table = _nulled(table, group, set(keys), columns, reason)
    return dataclasses.replace(result, table=table, params=params, notes=notes)


def _every_row_says(table: Any, group: str | None, keys: tuple[Any, ...]) -> bool:
    """Whether every group of `keys` has a row of `table` (whose ``unknown_reasons`` then says the reason)."""
    if group is None or group not in table.column_names:
        return table.num_rows > 0
    present = set(table.column(group).to_pylist())
    return all(key in present for key in keys)


def _nulled(table: Any, group: str | None, keys: set[Any], columns: tuple[str, ...], reason: str) -> Any:
    """`table` with `columns` null and ``unknown_reasons`` `reason` on the rows of the groups `keys`
    (every row when `group` is None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return table
    if group is None or group not in table.column_names:
        hit = pa.array([True] * table.num_rows)
    else:
        hit = pa.array([value in keys for value in table.column(group).to_pylist()])
    for name in (*columns, "unknown_reasons"):
        if name not in table.column_names:
            continue
        index = table.column_names.index(name)
        column = table.column(name)
        value = pa.scalar(reason) if name == "unknown_reasons" else pa.scalar(None, column.type)
        table = table.set_column(index, table.field(index), pc.if_else(hit, value, column))
    return table
