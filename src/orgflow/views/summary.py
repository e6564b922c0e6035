"""A flow page's summary table: each figure of a summary row once, formatted, with the reason for an
unknown one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgflow.flow.definitions import LABELS


@dataclass(frozen=True)
class SummaryFigure:
    """One figure of a page's summary table; `text` is "–" when the data cannot support it."""

    key: str
    label: str
    value: float | None
    text: str
    reason: str | None


# (column, label, unit): durations are in days, one unit for the whole table; the labels are the
# terminal's (`orgflow.flow.definitions.LABELS`), units included.
_SUMMARY_COLUMNS = (
    ("finished", LABELS["finished"], ""),
    ("throughput_per_week", LABELS["throughput_per_week"], ""),
    *((f"lead_time_p{p}", LABELS[f"lead_time_p{p}"], "d") for p in (50, 85, 95)),
    *((f"cycle_time_p{p}", LABELS[f"cycle_time_p{p}"], "d") for p in (50, 85, 95)),
    ("flow_efficiency", LABELS["flow_efficiency"], "%"),
    ("wip", LABELS["wip"], ""),
)


def summary_figures(row: dict[str, Any] | None) -> list[SummaryFigure]:
    """The figures of a summary row, formatted; a null figure shows "–" with the reason the summary gives."""
    if not row:
        return []
    reason = row.get("unknown_reasons") or "the data cannot support this figure"
    figures = []
    for column, label, unit in _SUMMARY_COLUMNS:
        value = row.get(column)
        if value is None:
            text = "–"
        elif unit == "%":
            # A small share keeps a decimal, so 0.4 % never reads as 0 %.
            text = f"{value:.0%}" if value == 0 or value >= 0.01 else f"{value:.1%}"
        elif isinstance(value, float):
            text = f"{value:,.1f}"
        else:
            text = f"{value:,}"
        figures.append(SummaryFigure(column, label, value, text, reason if value is None else None))
    return figures
