"""`PlainTable`: a kept query's rows as DuckDB's own Python values, for a command that only prints them.

Reading a result as Arrow loads pyarrow, and with it numpy: about 0.09 s of a fresh process, a
quarter of a flow command on a real workspace. A command that prints a figure needs only its values,
and for the column types in `PLAIN_TYPES` DuckDB's Python values (``fetchall``) are exactly the values
the Arrow table's ``to_pylist`` gives: integers, floats (NaN included), text, booleans, dates and
naive instants. `PlainTable` holds such rows with the part of ``pyarrow.Table``'s interface the flow
figures and the renderer use (names, row count, rows as dicts, one column, choosing, dropping and
renaming columns) and the Arrow schema of the query, decoded only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

PLAIN_TYPES = {
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "string": "VARCHAR",
    "bool": "BOOLEAN",
    "date32[day]": "DATE",
    "timestamp[us]": "TIMESTAMP",
}
"""Arrow types (by name) whose values DuckDB's Python client gives as Arrow's ``to_pylist`` does, with
the DuckDB type that returns them."""

NUMERIC_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE"})
"""The DuckDB types of `PLAIN_TYPES` that are numbers (Arrow's integer and floating types)."""

INSTANT_TYPE = "TIMESTAMP"
"""The DuckDB type of naive instants (the store's, in UTC)."""


class PlainColumn:
    """One column of a `PlainTable` (as ``pyarrow.ChunkedArray`` offers it: ``to_pylist``)."""

    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def to_pylist(self) -> list[Any]:
        return list(self._values)

    def __len__(self) -> int:
        return len(self._values)


class PlainTable:
    """Rows of a query as Python values, with their columns' names and DuckDB types.

    Args:
        names: the columns' names, in order.
        types: each column's DuckDB type (one of `PLAIN_TYPES`' values).
        rows: the rows, each a tuple of values in column order.
        schema: gives the Arrow schema of the query's columns (all of them, before any choosing or
            renaming); called only when `schema` or `to_arrow` is used.
        fields: which of the query's columns these are, by position (default: all, in order).
    """

    def __init__(
        self,
        names: Sequence[str],
        types: Sequence[str],
        rows: list[tuple[Any, ...]],
        schema: Callable[[], pa.Schema],
        fields: Sequence[int] | None = None,
    ) -> None:
        self._names = tuple(names)
        self.types = tuple(types)
        self._rows = rows
        self._schema_of = schema
        self._fields = tuple(range(len(self._names)) if fields is None else fields)

    @property
    def column_names(self) -> list[str]:
        return list(self._names)

    @property
    def num_rows(self) -> int:
        return len(self._rows)

    @property
    def num_columns(self) -> int:
        return len(self._names)

    def __len__(self) -> int:
        return len(self._rows)

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as dicts from column name to value."""
        names = self._names
        return [dict(zip(names, row, strict=True)) for row in self._rows]

    def column(self, key: str | int) -> PlainColumn:
        """The column named `key`, or at position `key`.

        Raises:
            KeyError: no column of that name.
        """
        index = key if isinstance(key, int) else self._index(key)
        return PlainColumn([row[index] for row in self._rows])

    def select(self, names: Sequence[str | int]) -> PlainTable:
        """The table of the columns `names` (names or positions), in that order."""
        return self._with([name if isinstance(name, int) else self._index(name) for name in names])

    def drop_columns(self, names: str | Sequence[str]) -> PlainTable:
        """The table without the columns `names`.

        Raises:
            KeyError: a name that is not a column.
        """
        dropped = {self._index(name) for name in ([names] if isinstance(names, str) else names)}
        return self._with([index for index in range(len(self._names)) if index not in dropped])

    def rename_columns(self, names: Sequence[str]) -> PlainTable:
        """The table with its columns named `names`, in order.

        Raises:
            ValueError: not one name per column.
        """
        if len(names) != len(self._names):
            raise ValueError(f"{len(names)} names for {len(self._names)} columns")
        return PlainTable(names, self.types, self._rows, self._schema_of, self._fields)

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of these columns (loads pyarrow): the query's fields, as chosen and named here."""
        import pyarrow as pa

        full = self._schema_of()
        fields = [full.field(at).with_name(name) for at, name in zip(self._fields, self._names, strict=True)]
        return pa.schema(fields, metadata=full.metadata)

    def to_arrow(self) -> pa.Table:
        """The rows as the Arrow table the query reads as (its schema). Converting Python values makes
        pyarrow load pandas (about 0.3 s): for the few paths that need Arrow's compute functions."""
        import pyarrow as pa

        schema = self.schema
        columns = [pa.array([row[index] for row in self._rows], type=field.type) for index, field in enumerate(schema)]
        return pa.Table.from_arrays(columns, schema=schema)

    def with_rows(self, rows: Sequence[dict[str, Any]]) -> PlainTable:
        """A table of these columns holding `rows` (dicts by column name, as `to_pylist` gives them; a
        missing name is null); aware instants are stored naive in UTC, as the store and Arrow's rows hold them.
        """
        from datetime import UTC

        instants = {index for index, kind in enumerate(self.types) if kind == INSTANT_TYPE}
        values = []
        for row in rows:
            cells = [row.get(name) for name in self._names]
            for index in instants:
                if cells[index] is not None and cells[index].tzinfo is not None:
                    cells[index] = cells[index].astimezone(UTC).replace(tzinfo=None)
            values.append(tuple(cells))
        return PlainTable(self._names, self.types, values, self._schema_of, self._fields)

    def is_numeric(self, name: str) -> bool:
        """Whether column `name` holds numbers (an integer or floating type)."""
        return self.types[self._index(name)] in NUMERIC_TYPES

    def instant_columns(self) -> list[str]:
        """The names of the columns of naive instants."""
        return [name for name, kind in zip(self._names, self.types, strict=True) if kind == INSTANT_TYPE]

    def _index(self, name: str) -> int:
        try:
            return self._names.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r}") from None

    def _with(self, indexes: list[int]) -> PlainTable:
        rows = [tuple(row[index] for index in indexes) for row in self._rows]
        return PlainTable(
            [self._names[index] for index in indexes],
            [self.types[index] for index in indexes],
            rows,
            self._schema_of,
            [self._fields[index] for index in indexes],
        )


def arrow_table(table: pa.Table | PlainTable) -> pa.Table:
    """`table` as Arrow (a `PlainTable` converted: see `PlainTable.to_arrow`)."""
    return table.to_arrow() if isinstance(table, PlainTable) else table
