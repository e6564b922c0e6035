"""Canonical records held column-wise: an Arrow table in the store's column types, read as records.

An importer that builds its rows column by column (the transitions CSV's and Jira's) hands the store
a `RecordTable` instead of a list of record objects: the store writes ``arrow_table`` as it is, and
everything else (counting, iterating, comparing with a list of records) sees the records, made one by
one only when asked for. An importer that builds its rows in DuckDB hands over a Parquet file of them
instead (`RecordTable.staged`): the store reads ``parquet_path`` with DuckDB, and the Arrow table is
read from it only when asked for. One that gathers its rows as tuples of Python values hands them over
as they are (`RecordTable.of_rows`): the store makes them a table of its own connection's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from orgflow.model.record import Record

if TYPE_CHECKING:
    import pyarrow as pa

R = TypeVar("R", bound=Record)


class RecordTable(Sequence[R], Generic[R]):
    """The records of one class as an Arrow table whose columns are the class's fields, in order.

    The table's timestamps are naive UTC (as the store keeps them) and its keys are unique: the store
    writes it without converting or de-duplicating. Read as a sequence, each row becomes a record with
    aware UTC datetimes and tuples for lists, equal to the one a row-by-row importer would make.
    """

    __slots__ = ("_count", "_owner", "_records", "_table", "parquet_path", "record_class", "rows")

    def __init__(
        self,
        record_class: type[R],
        table: pa.Table | None,
        *,
        parquet_path: Path | None = None,
        rows: int | None = None,
        owner: object = None,
        values: Sequence[tuple[Any, ...]] | None = None,
    ) -> None:
        if table is not None:
            _check_columns(record_class, table.column_names)
            rows = table.num_rows
        elif values is not None:
            rows = len(values)
        elif parquet_path is None or rows is None:
            raise ValueError("a RecordTable needs a table, rows, or a Parquet file and its number of rows")
        self.record_class = record_class
        self._table = table
        self._count = rows
        self.parquet_path = parquet_path
        self.rows = values
        """The rows as tuples of Python values (`of_rows`), else None."""
        self._owner = owner
        self._records: list[R] | None = None

    @classmethod
    def staged(cls, record_class: type[R], path: Path, *, rows: int, owner: object = None) -> RecordTable[R]:
        """The records of the Parquet file `path`: `rows` rows, the class's fields in order in the store's
        types (lists may name their element otherwise). `owner` is kept as long as this table (such as
        the temporary folder holding the file)."""
        return cls(record_class, None, parquet_path=path, rows=rows, owner=owner)

    @classmethod
    def of_rows(cls, record_class: type[R], rows: Sequence[tuple[Any, ...]]) -> RecordTable[R]:
        """The records of `rows`: each the values of the class's fields in order, as a record holds them
        (aware UTC datetimes, tuples for lists), one row per key."""
        return cls(record_class, None, values=rows)

    @property
    def arrow_table(self) -> pa.Table:
        """The records as an Arrow table (read from the Parquet file, once, for a staged table; made by
        the store's conversion, once, for rows)."""
        if self._table is None:
            if self.rows is not None:
                from orgflow.store.arrow_rows import rows_table

                self._table = rows_table(self.record_class, list(self.rows))
            else:
                assert self.parquet_path is not None
                self._table = _read_staged(self.record_class, self.parquet_path)
        return self._table

    def __len__(self) -> int:
        return self._count

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
        if self._records is None and self.rows is not None:
            make = self.record_class
            self._records = [make(*row) for row in self.rows]
        if self._records is None:
            columns = [_python_values(self.arrow_table.column(name)) for name in self.arrow_table.column_names]
            make = self.record_class
            self._records = [make(*row) for row in zip(*columns, strict=True)] if columns else []
        return self._records


def _check_columns(record_class: type[Record], columns: list[str]) -> None:
    names = [field.name for field in dataclasses.fields(record_class)]  # type: ignore[arg-type]
    if columns != names:
        raise ValueError(f"{record_class.__name__}: columns {columns} are not its fields {names}")


def _read_staged(record_class: type[Record], path: Path) -> pa.Table:
    """A staged Parquet file as an Arrow table, its lists' elements named as `pa.list_` names them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    _check_columns(record_class, table.column_names)
    schema = pa.schema(
        [
            pa.field(field.name, pa.list_(field.type.value_type)) if pa.types.is_list(field.type) else field
            for field in table.schema
        ]
    )
    return table if schema.equals(table.schema) else table.cast(schema)


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values as records hold them: aware UTC datetimes, tuples for lists."""
    import pyarrow as pa

    values = column.to_pylist()
    if pa.types.is_timestamp(column.type):
        return [None if value is None else value.replace(tzinfo=UTC) for value in values]
    if pa.types.is_list(column.type):
        return [None if value is None else tuple(value) for value in values]
    return values
