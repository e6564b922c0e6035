"""Timestamps parsed a column at a time, in SQL, exactly as a row-by-row reader's Python parser reads them.

The common shape, ``YYYY-MM-DDTHH:MM:SS[.f]`` with 1 to 6 fraction digits and ``Z`` or an offset
``+HH:MM`` / ``+HHMM``, is parsed by DuckDB (``CAST(text AS TIMESTAMPTZ)``, taken as microseconds since
1970 UTC, so the session's time zone plays no part). For those texts DuckDB's instant equals what
Python's ``datetime.fromisoformat`` gives, converted to UTC: the pattern bounds hours, minutes, seconds
and the offset as Python does, and a day that does not exist makes DuckDB's cast fail (`ShapeRejected`:
the caller falls back). Texts of years 0000 and of the first and last days of years 1-9999 (an offset
can move those out of range once in UTC, which Python rejects), and every other shape (a date alone,
white space, a comma fraction, garbage) are handed to the row reader's own parser, once per distinct
text; its error, if any, propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from orgflow.store.engine import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

COMMON_SHAPE = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$"
FIRST_MICROS = -62_135_596_800_000_000
"""0001-01-01T00:00:00 UTC in microseconds since 1970."""
LAST_MICROS = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999 UTC in microseconds since 1970."""


class ShapeRejected(Exception):
    """A text of the common shape that DuckDB would not read (a day that does not exist)."""


def _in_shape(column: str) -> str:
    """SQL: whether the text `column` is of the common shape and DuckDB's to read (not a year 0000 nor a
    first or last day of years 1-9999, which Python decides)."""
    return (
        f"(regexp_full_match({column}, '{COMMON_SHAPE}') AND NOT starts_with({column}, '0000') "
        f"AND NOT starts_with({column}, '0001-01-01') AND NOT starts_with({column}, '9999-12-31'))"
    )


def instant_sql(column: str) -> str:
    """SQL: the text `column` as a naive UTC ``TIMESTAMP`` when it is of the common shape (else NULL;
    `fill_instants` then decides)."""
    return f"CASE WHEN {_in_shape(column)} THEN make_timestamp(epoch_us(try_cast({column} AS TIMESTAMPTZ))) END"


def fill_instants(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    text: str,
    target: str,
    parse_one: Callable[[str], datetime],
) -> None:
    """Fill the null `target` of the rows of `table` whose `text` is not null and of another shape than
    the common one (`target` made by `instant_sql(text)`), by `parse_one`, once per distinct text.

    Raises:
        ShapeRejected: a text of the common shape is not a real instant (the caller falls back).
        whatever `parse_one` raises, for the first distinct text it cannot read.
    """
    rest = connection.execute(
        f"SELECT DISTINCT {text}, {_in_shape(text)} FROM {table} WHERE {target} IS NULL AND {text} IS NOT NULL "
        f"ORDER BY 1"
    ).fetchall()
    if not rest:
        return
    if any(shaped for _, shaped in rest):
        raise ShapeRejected
    from orgflow.query.lookups import sql_literal

    values = ", ".join(f"({sql_literal(value)}, {_micros(parse_one(value))})" for value, _ in rest)
    # A temporary table of the connection's, dropped when done (the connection may be the store's).
    connection.execute("CREATE OR REPLACE TEMP TABLE _odd_instants (text VARCHAR, micros BIGINT)")
    try:
        connection.execute(f"INSERT INTO _odd_instants VALUES {values}")
        connection.execute(
            f"UPDATE {table} SET {target} = make_timestamp(o.micros) FROM _odd_instants AS o "
            f"WHERE {table}.{target} IS NULL AND {table}.{text} = o.text"
        )
    finally:
        connection.execute("DROP TABLE _odd_instants")


def parse_instants(texts: pa.Array, parse_one: Callable[[str], datetime]) -> pa.Array:
    """`texts` (no nulls) as naive UTC ``timestamp[us]`` values (`instant_sql`, then `fill_instants`).

    Args:
        texts: the cells, as read.
        parse_one: the row reader's parser of one text to an aware instant; raises on a bad one.

    Raises:
        ShapeRejected: a text of the common shape is not a real instant (the caller falls back).
        whatever `parse_one` raises, for the first distinct text it cannot read.
    """
    import pyarrow as pa

    with duckdb.connect() as connection:
        connection.register("_texts", pa.table({"text": texts}))
        connection.execute(f"CREATE TEMP TABLE _parsed AS SELECT text, {instant_sql('text')} AS instant FROM _texts")
        fill_instants(connection, "_parsed", "text", "instant", parse_one)
        parsed = connection.execute("SELECT instant FROM _parsed ORDER BY rowid").fetch_arrow_table()
    return parsed.column(0).combine_chunks()


def _micros(instant: datetime) -> int:
    """An aware instant as microseconds since 1970-01-01 UTC."""
    delta = instant.astimezone(UTC).replace(tzinfo=None) - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
