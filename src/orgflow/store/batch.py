"""A batch of canonical records one import writes, and what writing it did (counts per table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orgflow.model import Record


def to_utc_naive(value: datetime | None) -> datetime | None:
    """The UTC wall time of an aware instant, as the store keeps it (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: canonical records carry aware UTC instants")
    return value.astimezone(UTC).replace(tzinfo=None)


@dataclass
class ImportBatch:
    """Records produced by one import, written together in one transaction."""

    source: str
    kind: str
    origin: str
    records: dict[type[Record], list[Record]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[str] = field(default_factory=list)
    """Data-quality findings of the import that did not stop it (a relation only one side declares...)."""

    def add(self, record: Record) -> None:
        """Add one record."""
        self.records[type(record)].append(record)

    def extend(self, records: Iterable[Record]) -> None:
        """Add many records."""
        for record in records:
            self.add(record)

    def count(self, record_class: type[Record]) -> int:
        """How many records of a class the batch holds."""
        return len(self.records.get(record_class, ()))


@dataclass(frozen=True)
class ImportCounts:
    """What an import did to the store, per table: rows new, changed and unchanged (by key)."""

    by_table: dict[str, tuple[int, int, int]]
    warnings: tuple[str, ...] = ()
    """The batch's data-quality warnings (written or not, they never stop an import)."""

    @property
    def new(self) -> int:
        return sum(new for new, _, _ in self.by_table.values())

    @property
    def changed(self) -> int:
        return sum(changed for _, changed, _ in self.by_table.values())

    @property
    def unchanged(self) -> int:
        return sum(unchanged for _, _, unchanged in self.by_table.values())
