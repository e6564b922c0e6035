"""Canonical records held column-wise: an Arrow table in the store's column types, read as records.

An importer that builds its rows column by column (the transitions CSV's and Jira's) hands the store
a `RecordTable` instead of a list of record objects: the store writes ``arrow_table`` as it is, and
everything else (counting, iterating, comparing with a list of records) sees the records, made one by
one only when asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any, Generic, TypeVar, overload

import pyarrow as pa

from orgflow.model.record import Record

R = TypeVar("R", bound=Record)


class RecordTable(Sequence[R], Generic[R]):
    """The records of one class as an Arrow table whose columns are the class's fields, in order.

    The table's timestamps are naive UTC (as the store keeps them) and its keys are unique: the store
    writes it without converting or de-duplicating. Read as a sequence, each row becomes a record with
    aware UTC datetimes and tuples for lists, equal to the one a row-by-row importer would make.
    """

    __slots__ = ("_records", "arrow_table", "record_class")

    def __init__(self, record_class: type[R], table: pa.Table) -> None:
        names = [field.name for field in dataclasses.fields(record_class)]  # type: ignore[arg-type]
        if table.column_names != names:
            raise ValueError(f"{record_class.__name__}: columns {table.column_names} are not its fields {names}")
        self.record_class = record_class
        self.arrow_table = table
        self._records: list[R] | None = None

    def __len__(self) -> int:
        return self.arrow_table.num_rows

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        return self.records()[index]

    def __iter__(self) -> Iterator[R]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordTable):
            return self.record_class is other.record_class and self.records() == other.records()
        if isinstance(other, list):
            return self.records() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecordTable({self.record_class.__name__}, {len(self)} rows)"

    def records(self) -> list[R]:
        """The rows as record objects (made once, on first use)."""
        if self._records is None:
            columns = [_python_values(self.arrow_table.column(name)) for name in self.arrow_table.column_names]
            make = self.record_class
            self._records = [make(*row) for row in zip(*columns, strict=True)] if columns else []
        return self._records


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values as records hold them: aware UTC datetimes, tuples for lists."""
    values = column.to_pylist()
    if pa.types.is_timestamp(column.type):
        return [None if value is None else value.replace(tzinfo=UTC) for value in values]
    if pa.types.is_list(column.type):
        return [None if value is None else tuple(value) for value in values]
    return values
