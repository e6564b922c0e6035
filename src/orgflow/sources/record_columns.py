"""Building canonical record tables column-wise, in the store's types, for the column-wise readers: in
DuckDB, as the columns of a query (`record_columns_sql`)."""

from __future__ import annotations

from orgflow.model.record import Record
from orgflow.store.schema import column_types


def record_columns_sql(record_class: type[Record], columns: dict[str, str], **constants: object) -> str:
    """The select list of `record_class`'s columns, in order and in the store's types: each column of
    `columns` from its SQL expression, each of `constants` a value repeated on every row, any other
    null (or an empty list)."""
    from orgflow.query.lookups import sql_literal

    selected = []
    for name, kind in column_types(record_class).items():
        if name in columns:
            value = columns[name]
        elif name in constants:
            value = sql_literal(constants[name])
        else:
            value = "[]" if kind.endswith("[]") else "NULL"
        selected.append(f"CAST({value} AS {kind}) AS {name}")
    return ", ".join(selected)
