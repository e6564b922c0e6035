"""When blocked time is not recorded: no flag and no blocked status anywhere in the items' sources.

Blocked time comes from flagged intervals (the ``blocked_intervals`` table: Jira's Flagged field,
GitHub's ``blocked`` label), from time in a stage marked ``blocked: true``, and from cross-team
``blocks`` links. A workspace whose sources for the items of a cut hold no flagged interval and no
transition into a status of a blocked stage recorded nothing of the first two (a Jira export without a
changelog knows only each issue's current status): a blocked time of 0 there is not a measurement. The
flow figure ``blocked`` then has its ``flagged_days``, ``status_days`` and ``blocked_days`` unknown
(null), its rows are only the items a link blocked, and its notes and params (``blocked_unknown``) give
`blocked_unrecorded_reason`. Ibis loads only when the check's query is built.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from orgflow.flow.prepared import PreparedFacts
    from orgflow.flow.result import MetricResult
    from orgflow.query.window import Cut

BLOCKED_UNKNOWN = ("flagged_days", "status_days", "blocked_days")
"""The blocked figure's columns that are unknown when nothing records blocked time (links still measure
`link_days`)."""

BLOCKED_HINT = (
    "map the status your source uses for blocked work to a stage with `blocked: true` in orgflow.yaml "
    "(the default workflow's Blocked stage lists Blocked, On Hold, Impeded, Waiting), or import a source "
    "that records flags (Jira's Flagged field with a changelog, GitHub's `blocked` label); `orgflow status` "
    "lists the statuses in use"
)
"""How to make blocked time measurable."""


def blocked_unrecorded_reason(sources: list[str], figures: str = "flagged_days, status_days, blocked_days") -> str:
    """The reason `figures` are unknown when the items' `sources` record no blocked flag and no blocked status."""
    named = ", ".join(sorted(sources)) or "none"
    return (
        f"{figures}: no blocked flags or blocked statuses are recorded for these items (sources: {named}), so "
        f"a blocked time of 0 would not be a measurement: {BLOCKED_HINT}"
    )


def recorded_query(facts: PreparedFacts, cut: Cut | None) -> ir.Table:
    """One row per source of the items of `cut`: `flags`, its flagged intervals stored, and `statuses`,
    its items' transitions into a status of a stage marked blocked (as of the facts' `now`)."""
    from ibis import _

    items = facts.cut_items(cut).select("source", "ik")
    sources = items.select("source").distinct()
    flagged = facts.tables.table("blocked_intervals").group_by("source").aggregate(flags=_.count())
    spans = facts.spans().filter(_.blocked_stage).select(s_ik=_.ik)
    by_status = spans.join(items, spans.s_ik == items.ik).group_by("source").aggregate(statuses=_.count())
    joined = sources.left_join(flagged, "source").select("source", "flags")
    joined = joined.left_join(by_status, "source").select("source", "flags", "statuses")
    return joined.mutate(flags=_.flags.fill_null(0), statuses=_.statuses.fill_null(0)).order_by("source")


def unrecorded_sources(rows: list[dict[str, Any]]) -> list[str] | None:
    """The sources (rows of `recorded_query`) when none of them records a flag or a blocked status, else
    None (blocked time is measured). No source at all (a cut without items): None, nothing to say."""
    if not rows or any(row["flags"] or row["statuses"] for row in rows):
        return None
    return [str(row["source"]) for row in rows]


def blocked_unrecorded(result: MetricResult, sources: list[str]) -> MetricResult:
    """`result` of the blocked figure with what nothing records unknown: `BLOCKED_UNKNOWN` nulled, only
    the rows a link blocked kept (the others' time is unknown, not 0), the reason in notes and params.
    A table of plain rows (`orgflow.query.plain_table.PlainTable`) stays one."""
    from orgflow.query.plain_table import PlainTable

    table = result.table
    unknown = dict.fromkeys(name for name in BLOCKED_UNKNOWN if name in table.column_names)
    rows = [{**row, **unknown} for row in table.to_pylist() if (row.get("link_days") or 0) > 0]
    if isinstance(table, PlainTable):
        table = table.with_rows(rows)
    else:
        import pyarrow as pa

        table = pa.Table.from_pylist(rows, schema=table.schema)
    reason = blocked_unrecorded_reason(sources)
    params = {**result.params, "blocked_unknown": reason}
    if "rows" in params:
        params["rows"] = table.num_rows
    return dataclasses.replace(result, table=table, params=params, notes=[*result.notes, reason])


def blocked_caption(result: MetricResult) -> str | None:
    """What a page says under the blocked chart when nothing records blocked time (the reason of
    `blocked_unrecorded`, led by "Blocked time is unknown"), else None (the chart's own caption)."""
    reason = result.params.get("blocked_unknown")
    if not reason:
        return None
    return "Blocked time is unknown: " + str(reason).split(": ", 1)[1]
