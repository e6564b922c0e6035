"""`MetricResult`: a computed figure as every service returns it and every surface renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class MetricResult:
    """A computed figure: its name, definition, the parameters it was computed with, and its rows."""

    metric: str
    definition: str
    params: dict[str, Any]
    table: pa.Table
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts (JSON-ready values for dates and instants are left to the surface)."""
        return self.table.to_pylist()
