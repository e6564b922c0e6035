"""The CFD's note on unmapped statuses: items that entered a status their workflow maps to no stage.

The cumulative flow counts, per day and stage, the items whose first entry into that stage or a later
one happened by the end of the day (`orgflow.flow.flow_load.cfd`). A status that no stage of an item's
workflow lists (category ``unmapped`` in the transition facts: `orgflow.flow.history.mapped_transitions`)
has no stage order, so it adds no climb and has no band: an item that went Backlog -> In Progress ->
Parked stays in the In Progress band while parked, and nothing on the chart says so. The flow figure
``cfd`` therefore gets one note when items of its cut entered such a status before the window's end:
how many distinct items, which statuses (the most used first, at most `STATUSES_NAMED`), and the
window's last day (`unmapped_note`). Ibis loads only when the count's query is built.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import ibis.expr.types as ir

    from orgflow.flow.prepared import PreparedFacts
    from orgflow.flow.result import MetricResult
    from orgflow.flow.runner import QueryRunner
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.query.window import Cut, Window, WindowTerms

STATUSES_NAMED = 3
"""How many unmapped statuses the note names before "and N more"."""
QUERY = "unmapped-entries"
"""The kept query's name (among a workspace's queries of notes)."""


def any_unmapped(facts: PreparedFacts) -> bool:
    """Whether any item moved into a status its workflow does not map (`PreparedFacts.unmapped_moves`):
    when none did, the note has nothing to count, and its query is not worth running."""
    facts.prepare()
    return facts.unmapped_moves > 0


def unmapped_entries(
    runner: QueryRunner, facts: PreparedFacts, queries: QueryCache, cut: Cut | None, window: Window
) -> list[dict[str, Any]]:
    """The rows of `unmapped_entries_query` for `cut` and `window`, run by `runner` (a kept query of
    `queries`; prefetched rows when `prefetch_unmapped_entries` ran it for them)."""

    def build(terms: WindowTerms | None) -> ir.Table:
        return unmapped_entries_query(facts, cut, terms)

    return runner.rows(QUERY, build, cut=cut, shape=(), window=window, queries=queries).to_pylist()


def prefetch_unmapped_entries(
    runner: QueryRunner, facts: PreparedFacts, queries: QueryCache, asks: list[tuple[Cut | None, Window]]
) -> None:
    """Run `unmapped_entries`' query for each of `asks` (cut, window) at once (`QueryRunner.prefetch`)."""

    def build_for(cut: Cut | None) -> Callable[[WindowTerms | None], ir.Table]:
        return lambda terms: unmapped_entries_query(facts, cut, terms)

    runner.prefetch(QUERY, build_for, [(cut, window, ()) for cut, window in asks], shape=(), queries=queries)


def unmapped_entries_query(facts: PreparedFacts, cut: Cut | None, terms: WindowTerms | None) -> ir.Table:
    """One row per raw status that items of `cut` entered before the window's end (`terms.until`; the
    whole history as of the facts' `now` without `terms`) while no stage of their workflow lists it.

    Columns: status, items (distinct items that entered it), all_items (distinct items that entered any
    of them: the same on every row, not the sum of `items`, since an item may enter several); the most
    entered status first, then by name.
    """
    import ibis
    from ibis import _

    entries = facts.transitions.filter(_.category == "unmapped")
    if terms is not None:
        entries = entries.filter(_.changed_at < terms.until)
    items = facts.cut_items(cut).select(u_source=_.source, u_item=_.item_id, u_ik=_.ik)
    entered = entries.join(items, entries.ik == items.u_ik).select("ik", "seq", "u_source", "u_item")
    # The transition facts keep no raw status (only its mapping): it is read back from the store's row.
    raw = facts.tables.table("status_transitions").select(
        r_source=_.source, r_item=_.item_id, r_seq=_.seq, status=_.to_status
    )
    named = entered.join(
        raw, [entered.u_source == raw.r_source, entered.u_item == raw.r_item, entered.seq == raw.r_seq]
    ).select("ik", "status")
    per_status = named.group_by("status").aggregate(items=_.ik.nunique())
    every = named.aggregate(all_items=_.ik.nunique())
    return per_status.cross_join(every).order_by(ibis.desc("items"), "status")


def unmapped_note(rows: list[dict[str, Any]], last_day: date) -> str | None:
    """What the CFD says of `rows` (of `unmapped_entries_query`) for a window whose last day is
    `last_day`; None when no item entered an unmapped status."""
    if not rows:
        return None
    count = int(rows[0]["all_items"])
    statuses = [str(row["status"]) for row in rows]
    named = ", ".join(statuses[:STATUSES_NAMED])
    if len(statuses) > STATUSES_NAMED:
        named += f" and {len(statuses) - STATUSES_NAMED} more"
    several = len(statuses) > 1
    if count == 1:
        entered = f"1 item entered {'statuses its' if several else 'a status its'} workflow does not map"
        subject = "the item"
    else:
        entered = f"{count:,} items entered {'statuses their' if several else 'a status their'} workflow does not map"
        subject = "an item"
    them = "them" if several else "it"
    return (
        f"{entered} ({named}) on or before {last_day.isoformat()}: the CFD has no band for {them}, so while in "
        f"{them} {subject} counts in the band of the last mapped stage it reached, if any; map {them} in orgflow.yaml"
    )


def said_unmapped(result: MetricResult, rows: list[dict[str, Any]], window: Window) -> MetricResult:
    """`result` of the cfd figure over `window` with `unmapped_note` among its notes (as it is when no
    item of the cut entered an unmapped status by the window's end); its rows unchanged."""
    # `window.until` is the midnight after the window's last day (exclusive).
    note = unmapped_note(rows, window.until.date() - timedelta(days=1))
    if note is None or note in result.notes:
        return result
    return dataclasses.replace(result, notes=[*result.notes, note])
