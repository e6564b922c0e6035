"""DuckDB, the store's engine, as orgflow's own modules import it: its compiled module.

The `duckdb` package re-exports that module (`_duckdb`: `connect`, connections, their errors) and, when
imported, also builds its DB-API type objects and reads its version from the installed package's
metadata (which loads `importlib.metadata` and looks through the installed packages): about as long as
loading the engine itself, some 30 ms of every command's start, for nothing orgflow uses. The classes
are the same objects either way (`duckdb.DuckDBPyConnection is _duckdb.DuckDBPyConnection`), so Ibis
and anything else that imports the package work with orgflow's connections as before. Where a DuckDB
release has no such module, the package itself is used.

    from orgflow.store.engine import duckdb
"""

from __future__ import annotations

try:
    import _duckdb as duckdb
except ImportError:  # pragma: no cover - a DuckDB release whose package holds the engine under another name
    import duckdb  # type: ignore[no-redef]

__all__ = ["duckdb"]
