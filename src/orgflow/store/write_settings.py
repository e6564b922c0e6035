"""DuckDB's settings while the store writes a batch: one thread for a small store, text stored without FSST."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

ROW_GROUP_ROWS = 122_880
"""The rows of one of DuckDB's row groups, the unit its threads split a table's scan by."""


@contextmanager
def write_settings(connection: duckdb.DuckDBPyConnection) -> Iterator[int]:
    """DuckDB's settings while a batch is written (its rows staged, its tables and facts written, and the
    commit's checkpoint), restored after; yields the thread count it replaced:

    - one thread: DuckDB splits a scan by row groups (`ROW_GROUP_ROWS`), so over a store whose tables
      hold at most one, a second thread splits little but sorts and joins, at about 40 % more CPU (the
      20k CSV's import on two cores), and more wall-clock time whenever the machine has other work.
      `orgflow.store.database.Store._write` gives the flow facts and the commit the threads back when a
      table holds more;
    - no FSST compression of text at the checkpoint: it made the 20k CSV's commit about a fifth more
      CPU for a file 4 % smaller, and reading those columns back is no faster
      (benchmarks/import_speed.py).
    """
    (threads,) = connection.execute("SELECT current_setting('threads')").fetchone()  # type: ignore[misc]
    try:
        query = "SELECT current_setting('disabled_compression_methods')"
        (disabled,) = connection.execute(query).fetchone()  # type: ignore[misc]
    except duckdb.Error:
        disabled = None  # an older DuckDB without the setting compresses as it does
    connection.execute("SET threads = 1")
    if disabled is not None:
        connection.execute(f"SET disabled_compression_methods = {_text(with_fsst_disabled(str(disabled)))}")
    try:
        yield int(threads)
    finally:
        connection.execute(f"SET threads = {int(threads)}")
        if disabled is not None:
            connection.execute(f"SET disabled_compression_methods = {_text(str(disabled))}")


def with_fsst_disabled(methods: str) -> str:
    """The comma-separated compression methods `methods` with FSST among them."""
    names = [name.strip() for name in methods.split(",") if name.strip()]
    return ",".join(names if "fsst" in (name.lower() for name in names) else [*names, "fsst"])


def _text(value: str) -> str:
    """`value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
