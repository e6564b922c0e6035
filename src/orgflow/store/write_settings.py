"""DuckDB's settings while the store writes a batch: one thread for a small store, text stored without FSST,
the commit written straight into the file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orgflow.store.engine import duckdb

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
      (benchmarks/import_speed.py);
    - the commit checkpoints (a checkpoint threshold of 0 bytes): a batch under DuckDB's default
      threshold (16 MiB of log) was written to the write-ahead log at the commit and then, when the
      command closed the store, read back into the file by the checkpoint: the real Jira export's
      import spent about 30 ms on that log and 160 ms on the closing checkpoint. Written into the file at
      once, the batch is durable as before and the close has nothing left to do.
    """
    query = (
        "SELECT current_setting('threads'), current_setting('disabled_compression_methods'), "
        "current_setting('checkpoint_threshold')"
    )
    (threads, disabled, threshold) = connection.execute(query).fetchone()  # type: ignore[misc]
    connection.execute("SET threads = 1")
    connection.execute(f"SET disabled_compression_methods = {_text(with_fsst_disabled(str(disabled)))}")
    connection.execute("SET checkpoint_threshold = '0 bytes'")
    try:
        yield int(threads)
    finally:
        connection.execute(f"SET threads = {int(threads)}")
        connection.execute(f"SET disabled_compression_methods = {_text(str(disabled))}")
        connection.execute(f"SET checkpoint_threshold = {_text(str(threshold))}")


def with_fsst_disabled(methods: str) -> str:
    """The comma-separated compression methods `methods` with FSST among them."""
    names = [name.strip() for name in methods.split(",") if name.strip()]
    return ",".join(names if "fsst" in (name.lower() for name in names) else [*names, "fsst"])


def _text(value: str) -> str:
    """`value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
