"""When cycle time is unknown: the rule every figure built on cycle time applies, and its reasons.

An item that went from backlog straight to done (`skipped_start`) has no measured cycle time: its
start is its finish (it would read 0), and no time between them was measured. When more than half
of a group's finished items did so (`mostly_skipped`), a figure built on their cycle times
(percentiles, the SLE, the mean of Little's law, flow efficiency, a simulation's calibrated cycle
time) would describe the few items that were timed, or read 0: it is unknown (null), and its reason
gives the share (`skipped_majority_reason`). With half or fewer, the skipped items count with cycle
time 0 in those group figures, as METRICS.md defines. When no finished item spent any time between
its start and its finish, the figure is unknown with `no_time_reason`, which states how many of them
skipped their start.

Per item the rule needs no share: a skipped item's own cycle time (and what is built on it, its flow
efficiency) is not measured, so the item rows (`cycle-time`, `items`, per-item efficiency) give it as
null with `skipped_item_reason` and keep the row (its lead time stands); `skipped_items_note` counts them.

Each reason names the figures it makes unknown ("sle_days: ..."), as every ``unknown_reasons`` does.
The same rule and texts serve SQL (Ibis expressions: `mostly_skipped` on columns,
`skipped_majority_expression`) and Python values (the simulation's arrays, tests). Ibis loads only
for an expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

SKIPPED_MAJORITY = 0.5
"""Above this share of finished items with `skipped_start`, cycle time and what is built on it are unknown:
they would describe the few items that were timed, not the group."""

_SKIPPED_TEXT = (
    " of ",
    " finished items (",
    " %) skipped every active stage (skipped_start); cycle time is not measured for them",
)
"""The pieces between the counts of `skipped_majority_reason`: skipped, finished, percent."""
_UNTIMED_TEXT = (
    "no status history in the active stages (none of the ",
    " finished items spent time between its start and its finish)",
)
"""The pieces of `untimed_reason` around its count."""


def mostly_skipped(skipped: Any, finished: Any) -> Any:
    """Whether more than half (`SKIPPED_MAJORITY`) of `finished` items skipped their start: ``skipped * 2 >
    finished`` in integers, so 3 of 6 is not a majority. Python ints give a bool, Ibis columns a
    boolean expression (null counts are the caller's to fill)."""
    return skipped * 2 > finished


def skipped_percent(skipped: int, finished: int) -> int:
    """The skipped share as a whole percent, kept between 51 and 99 so that it never reads as half or all."""
    return min(max(round(100 * skipped / finished), 51), 99)


def skipped_majority_reason(skipped: int, finished: int, figures: str = "cycle_time, flow_efficiency") -> str:
    """The reason `figures` are unknown when `skipped` of `finished` items skipped every active stage, e.g.
    "cycle_time, flow_efficiency: 3 of 5 finished items (60 %) skipped every active stage
    (skipped_start); cycle time is not measured for them" (the share from `skipped_percent`)."""
    of, items, rest = _SKIPPED_TEXT
    return f"{figures}: {skipped}{of}{finished}{items}{skipped_percent(skipped, finished)}{rest}"


def skipped_majority_expression(skipped: ir.IntegerValue, finished: ir.IntegerValue, figures: str) -> ir.StringValue:
    """`skipped_majority_reason` as an Ibis string expression over count columns (non-null, `finished` > 0
    where it is used; the share rounded half away from zero, as SQL rounds)."""
    from orgflow.flow.history import ratio

    percent = ratio(100 * skipped, finished.nullif(0)).round().cast("int64").clip(51, 99)
    of, items, rest = _SKIPPED_TEXT
    return (
        f"{figures}: " + skipped.cast("string") + of + finished.cast("string") + items + percent.cast("string") + rest
    )


def no_status_history_reason(figures: str) -> str:
    """The reason `figures` are unknown when every finished item went from backlog straight to done."""
    return f"{figures}: no status history in the active stages (every finished item went from backlog straight to done)"


def untimed_reason(finished: int, figures: str) -> str:
    """The reason `figures` are unknown when none of `finished` items spent time between its start and its
    finish while half or fewer of them skipped their start (the others started and finished at once)."""
    of, items = _UNTIMED_TEXT
    return f"{figures}: {of}{finished}{items}"


def no_time_reason(finished: int, skipped: int, figures: str) -> str:
    """Why `figures` are unknown when none of `finished` (> 0) items spent time between its start and its
    finish, `skipped` of them having skipped their start: all skipped (`no_status_history_reason`), most
    (`skipped_majority_reason`: the count and share), else `untimed_reason`. The one text every figure
    states; `no_time_expression` is its Ibis twin."""
    if skipped >= finished:
        return no_status_history_reason(figures)
    if mostly_skipped(skipped, finished):
        return skipped_majority_reason(skipped, finished, figures)
    return untimed_reason(finished, figures)


def no_time_expression(finished: ir.IntegerValue, skipped: ir.IntegerValue, figures: str) -> ir.StringValue:
    """`no_time_reason` as an Ibis string expression over non-null count columns (`finished` > 0)."""
    import ibis

    of, items = _UNTIMED_TEXT
    return ibis.cases(
        (skipped >= finished, no_status_history_reason(figures)),
        (mostly_skipped(skipped, finished), skipped_majority_expression(skipped, finished, figures)),
        else_=f"{figures}: {of}" + finished.cast("string") + items,
    )


def cycle_time_unknown(
    finished: ir.IntegerValue,
    timed: ir.IntegerValue,
    skipped: ir.IntegerValue,
    figures: str,
    *,
    none_finished: str = "no item finished in the window",
) -> tuple[ir.BooleanValue, ir.StringValue]:
    """(whether cycle time is measured, the reason it is not, else null) of a group of `finished` items of
    which `timed` spent time between start and finish and `skipped` skipped their start (count columns,
    null read as 0): measured when some item was timed and the skipped are not a majority. With no
    finished item the reason is "`figures`: `none_finished`"."""
    import ibis

    finished, timed, skipped = finished.fill_null(0), timed.fill_null(0), skipped.fill_null(0)
    majority = mostly_skipped(skipped, finished)
    reason = ibis.cases(
        (finished == 0, f"{figures}: {none_finished}"),
        (timed == 0, no_time_expression(finished, skipped, figures)),
        (majority, skipped_majority_expression(skipped, finished, figures)),
        else_=ibis.null("string"),
    )
    return (timed > 0) & ~majority, reason


SKIPPED_ITEM_TEXT = "skipped every active stage (skipped_start); cycle time is not measured for it"
"""Why a skipped item's own cycle time is unknown (`skipped_item_reason`)."""


def skipped_item_reason(figures: str) -> str:
    """The reason an item's `figures` are unknown when it skipped every active stage (`skipped_start`): its
    start is its move into done (or the finish its source reported), not a measured start, so its cycle time
    would read 0 ("cycle_time: skipped every active stage (skipped_start); cycle time is not measured for it")."""
    return f"{figures}: {SKIPPED_ITEM_TEXT}"


SKIPPED_COUNTED = (
    "finished items skipped every active stage (skipped_start); cycle time is not measured for them "
    "(null, not 0; their lead time stands)"
)
"""The end of `skipped_items_note`: a note holding it counts the skipped items a list's rows give a reason for."""


def skipped_items_note(skipped: int, finished: int, figures: str) -> str:
    """The note under a list of `finished` items of which `skipped` skipped every active stage, e.g.
    "cycle_time: 3 of 5 finished items skipped every active stage (skipped_start); cycle time is not
    measured for them (null, not 0; their lead time stands)". The summary's words, for any share."""
    return f"{figures}: {skipped} of {finished} {SKIPPED_COUNTED}"


def skipped_items_unknown(table: ir.Table, columns: tuple[str, ...], figures: str) -> ir.Table:
    """`table` (rows of items, with ``skipped_start`` and ``finished_at``) with `columns` null on the rows of
    finished items that skipped every active stage, and ``unknown_reasons`` (added last) saying so
    (`skipped_item_reason` naming `figures`), else null. Per item, a skipped start supports no cycle time,
    whatever the share: only a group's figures count such items with 0, when half or fewer skipped
    (`mostly_skipped`). Every row stays."""
    import ibis

    skipped = table.skipped_start.fill_null(False) & table.finished_at.notnull()
    nulled = {name: ibis.ifelse(skipped, ibis.null(table[name].type()), table[name]) for name in columns}
    return table.mutate(
        **nulled, unknown_reasons=ibis.ifelse(skipped, skipped_item_reason(figures), ibis.null("string"))
    )
