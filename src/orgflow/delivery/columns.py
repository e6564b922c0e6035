"""The delivery results' columns as the service builds them: each figure's columns in order and
definition (declared in `orgflow.delivery.figures`), and each column's Arrow type (read from its name:
``_at`` instants, ``_hours`` and rates floats, counts ints).

Empty results keep their columns and types, so every surface can render them alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgflow.delivery import figures
from orgflow.registry import definitions

if TYPE_CHECKING:
    import pyarrow as pa

DEFINITIONS: dict[str, str] = definitions("delivery")
"""Each delivery figure's one-line definition, by name (declared in `orgflow.delivery.figures`)."""

SUMMARY_FIGURES = list(figures.SUMMARY_FIGURES)
BAND_COLUMNS = list(figures.BAND_COLUMNS)
DEPLOYMENT_COLUMNS = figures.column_names("deployments")
LEAD_TIME_COLUMNS = figures.column_names("change-lead-time")
INCIDENT_COLUMNS = figures.column_names("incidents")
BEFORE_FIRST_COLUMNS = figures.column_names("before-first-deployment")
QUALITY_COLUMNS = figures.column_names("delivery-quality")

LABELS: dict[str, str] = {name: column.heading for name, column in figures.COLUMNS.items()}
"""Each delivery column's short terminal label, unit in brackets (hours throughout: one unit per
column). JSON and CSV keep the column names."""


_FLAGS = frozenset({"small_sample", "revision_known", "first_recorded", "failed"})
_RATIOS = ("_hours", "_rate", "_per_day", "_per_week", "_median")
_COUNTS = frozenset(
    [
        *(name for name in figures.SUMMARY_FIGURES if not name.endswith(_RATIOS) and name not in _FLAGS),
        "new_commits",
        "count",
    ]
)
"""The summary's figures that are neither hours, rates nor flags are counts; so are these two detail columns."""


def _column_type(name: str) -> pa.DataType:
    """A result column's Arrow type, from its name (every name says its unit). pyarrow loads here, not
    with the labels (`LABELS`), which every printed table reads."""
    import pyarrow as pa

    if name.endswith("_at"):
        return pa.timestamp("us")
    if name.endswith(_RATIOS):
        return pa.float64()
    if name in _COUNTS:
        return pa.int64()
    if name in _FLAGS:
        return pa.bool_()
    return pa.string()


def result_schema(columns: list[str]) -> pa.Schema:
    """The Arrow schema of a result with these columns."""
    import pyarrow as pa

    return pa.schema([(name, _column_type(name)) for name in columns])
