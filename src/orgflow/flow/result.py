"""`MetricResult`: a computed figure as every service returns it and every surface renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any

from orgflow.query.plain_table import PlainTable

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class MetricResult:
    """A computed figure: its name, definition, the parameters it was computed with, and its rows.

    `table` is an Arrow table, except in a command that only prints the figure (inside
    `orgflow.query.compiled_sql.plain_rows`), where a kept query's rows may be a `PlainTable` of the
    same values (`orgflow.query.plain_table`; its `to_arrow` gives the Arrow table).
    """

    metric: str
    definition: str
    params: dict[str, Any]
    table: pa.Table | PlainTable
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts, for Python callers: instants as timezone-aware UTC datetimes (the table holds
        them naive, in UTC, as the store does), dates as dates."""
        rows = self.table.to_pylist()
        naive = _naive_instants(self.table)
        for row in rows if naive else ():
            for name in naive:
                if row[name] is not None:
                    row[name] = row[name].replace(tzinfo=UTC)
        return rows

    def json_rows(self) -> list[dict[str, Any]]:
        """The rows as JSON values, as every surface writes them (`orgflow.values.json_value`: instants as
        ISO 8601 UTC with Z, dates as YYYY-MM-DD, NaN as null)."""
        from orgflow.values import json_value

        return [{key: json_value(value) for key, value in row.items()} for row in self.table.to_pylist()]


def _naive_instants(table: pa.Table | PlainTable) -> list[str]:
    """The names of `table`'s columns of naive instants."""
    if isinstance(table, PlainTable):
        return table.instant_columns()
    import pyarrow as pa

    return [f.name for f in table.schema if pa.types.is_timestamp(f.type) and f.type.tz is None]
