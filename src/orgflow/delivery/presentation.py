"""What a terminal shows of the delivery figures besides their rows (`orgflow.registry.Figure.present`).

A table is narrow: the DORA summary keeps its headline columns there (unless --columns names
others) and says what a dash means; every windowed delivery figure says so when its window ends with
the data's last day rather than today. CSV and JSON carry every column and no notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult

HEADLINE = (
    "deployments",
    "deploys_per_week",
    "deploy_days_per_week_median",
    "changes",
    "lead_time_p50_hours",
    "lead_time_p85_hours",
    "change_fail_rate",
    "recovery_p50_hours",
    "rework_rate",
    "incidents",
    "small_sample",
    "deploy_frequency_band",
    "lead_time_band",
    "change_fail_band",
    "recovery_band",
    "unknown_reasons",
)
"""The DORA summary's columns a terminal table shows, after its group column."""

NO_OWNER_TEXT = "(no owning team)"
"""How a table names the row of deployments no team owns (its team is None in CSV and JSON)."""

UNKNOWN_NOTE = (
    "– is a figure the data cannot support (why: under the table); --columns, --format csv or json "
    "give every column (link counts, hotfixes, rollbacks...)"
)


def window_notes(result: MetricResult, _options: Mapping[str, Any], _columns: list[str] | None) -> tuple[
    MetricResult, list[str]
]:  # fmt: skip
    """The result as it is, with a note when its window ends with the data rather than today (a
    history that stopped)."""
    if result.params.get("window_end") != "data as of":
        return result, []
    return result, [f"the window ends with the data's last day, {result.params['data_as_of'][:10]} (not today); "
                    "--until or --now sets another end"]  # fmt: skip


def dora_headline(result: MetricResult, options: Mapping[str, Any], columns: list[str] | None) -> tuple[
    MetricResult, list[str]
]:  # fmt: skip
    """The summary's headline columns (all of them when --columns chooses), its notes and what a dash means."""
    notes = [*result.notes, UNKNOWN_NOTE]
    if columns:
        return result, notes
    from orgflow.flow.result import MetricResult

    by = options["by"]
    table = result.table.select([name for name in (by, *HEADLINE) if name in result.table.column_names])
    if by != "service" and table.column(by).null_count:
        # The row of deployments no team owns: its team is None, not a team's id.
        import pyarrow.compute as pc

        named = pc.fill_null(table.column(by), NO_OWNER_TEXT)
        table = table.set_column(table.column_names.index(by), by, named)
    return MetricResult(result.metric, result.definition, result.params, table, result.notes), notes
