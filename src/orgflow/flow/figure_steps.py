"""The steps a flow figure runs on its result after its query, named in its declaration
(`orgflow.flow.figures`, `orgflow.registry.Figure`).

`finish` steps run on the computed result, with the service: an aging item's SLE ruled out by the
mapping (`age_sle_mapped`, by the one rule `sle_reach`) and the note counting the finished items whose
start was skipped (`skipped_said`). `present` steps are the terminal's only: the table it shows and the
notes printed under it, each distinct reason of the rows said once (`age_notes`, `reasons_notes`) or
the result's notes as they are (`result_notes`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orgflow.flow import queries
from orgflow.flow.mapped_stages import Needs, Reach, ruled_out

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
