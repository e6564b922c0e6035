"""A batch of canonical records one import writes, and what writing it did (counts per table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from orgflow.model import Record

if TYPE_CHECKING:
    import duckdb


def to_utc_naive(value: datetime | None) -> datetime | None:
    """The UTC wall time of an aware instant, as the store keeps it (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: canonical records carry aware UTC instants")
    return value.astimezone(UTC).replace(tzinfo=None)


class StagingDeclined(Exception):
    """Raised by `StagedRecords.build`: the source's SQL does not vouch for this input (the store then
    asks the source's `StagedRecords.fallback`, which imports the rows or raises the error)."""


@dataclass(frozen=True)
class StagedRecords:
    """Records a source declares as SQL for the store to build in its own DuckDB connection, instead of
    handing over rows: the store runs `build` before its write transaction (temporary tables and views
    only, so nothing of the workspace file changes), writes the rows of the relations it names, and
    drops every one of `temporary` when the write ends, written or not.

    The flow stays one way: the source knows DuckDB and SQL, not the store; the store runs what the
    source declares and knows nothing of the source.
    """

    build: Callable[[duckdb.DuckDBPyConnection], dict[type[Record], str]]
    """Create the records in the connection; returns, per record class, the name of a temporary table or
    view holding its rows: the class's columns in order and in the store's types, one row per key, in
    the order they are written (the store evaluates a view once). Raises `StagingDeclined` for an input
    it does not vouch for."""
    fallback: Callable[[], ImportBatch]
    """The same import read another way (after `build` declined): its records, or the input's error."""
    temporary: tuple[str, ...]
    """Every temporary table and view `build` may create (dropped by the store when the write ends)."""


@dataclass
class ImportBatch:
    """Records produced by one import, written together in one transaction."""

    source: str
    kind: str
    origin: str
    records: dict[type[Record], list[Record]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[str] = field(default_factory=list)
    """Data-quality findings of the import that did not stop it (a relation only one side declares...)."""
    staged: StagedRecords | None = None
    """Records the store builds in its own connection, besides `records` (`StagedRecords`)."""
    kept_columns: dict[type[Record], tuple[str, ...]] = field(default_factory=dict)
    """Per record class, the columns this batch does not carry (a partial export, such as a git numstat
    log without parents or subjects): a row already stored keeps its stored values of them, a new row
    takes the batch's."""
    kept_children: tuple[type[Record], ...] = ()
    """Child record classes this batch does not carry (a git commits CSV without changed files): their
    stored rows stay when the batch writes their parents, which otherwise replaces them."""

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
