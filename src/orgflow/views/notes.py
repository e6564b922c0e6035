"""The notes a page shows under its figures: why a figure is unknown and where one comes from.

They are the lines the terminal prints under a flow table (`orgflow.cli.render`), taken from the
results a page renders: each result's `notes` (reported times in status, a window beyond the data,
blocked time that is not recorded...), then each distinct reason its rows give in `unknown_reasons`
(no status mapped to a done or active stage, nothing finished in the window...). A page lists each
line once (`page_notes`), in the order of the figures it draws.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult

REASONS = "unknown_reasons"
"""The column in which a flow result's rows say why their figures are unknown."""


def result_notes(result: MetricResult | None, *, by: str | None = None, said: Collection[str] = ()) -> list[str]:
    """The notes of one result, as the terminal prints them under its table.

    First the result's own `notes`, then each distinct reason of its `unknown_reasons` column: for a
    result grouped `by` team, group or type, prefixed with the rows it holds for ("AMQ, ZOOKEEPER:
    <reason>"); for the age of items in progress, with the teams, item types and number of items
    (`orgflow.flow.figure_steps.age_notes`); otherwise the reason alone (a summary of one cut has one row).
    A reason in `said` (the page already gives it for the whole cut the rows divide) is left out, and so
    is a skipped item's own reason where a note of the result counts those items already
    (`orgflow.flow.skipped.skipped_items_note`).
    """
    if result is None:
        return []
    found = list(result.notes)
    table = result.table
    if REASONS not in table.column_names:
        return found
    from orgflow.flow.skipped import SKIPPED_COUNTED, SKIPPED_ITEM_TEXT

    if any(SKIPPED_COUNTED in note for note in found):
        said = {
            *said,
            *(
                reason
                for reason in set(table.column(REASONS).to_pylist())
                if reason and reason.endswith(SKIPPED_ITEM_TEXT)
            ),
        }
    if result.metric == "age" and {"team_id", "item_type"} <= set(table.column_names):
        from orgflow.flow.figure_steps import age_notes

        return found + age_notes(result, None, None)[1]
    keys = _row_names(result, by)
    grouped: dict[str, list[str]] = {}
    for index, reason in enumerate(table.column(REASONS).to_pylist()):
        if reason and reason not in said:
            names = grouped.setdefault(reason, [])
            if keys is not None and keys[index] is not None:
                names.append(str(keys[index]))
    for reason, names in grouped.items():
        found.append(f"{', '.join(names)}: {reason}" if names else reason)
    return found


def _row_names(result: MetricResult, by: str | None) -> list[object] | None:
    """What names each row of a result grouped `by` something: the column named as `by` or as the item
    column it groups by (`orgflow.query.window.BY_COLUMNS`); None when the result is not grouped."""
    from orgflow.query.window import BY_COLUMNS

    if by is None or by == "org":
        return None
    for name in (by, BY_COLUMNS.get(by)):
        if name is not None and name in result.table.column_names:
            return list(result.table.column(name).to_pylist())
    return None


def page_notes(*groups: Iterable[str]) -> list[str]:
    """Every note of `groups`, each once, in the order given (the first time it appears); a note an earlier
    one already says in full (the summary's reason "finished, …: no work items are loaded…" holds the
    grouped results' note "no work items are loaded…") is not said again."""
    kept: list[str] = []
    for note in (note for group in groups for note in group):
        if not any(note in said for said in kept):
            kept.append(note)
    return kept
