"""Ibis tables by name, each looked up in the backend's catalog once.

Ibis reads a table's schema from the catalog on every ``backend.table(name)`` (about 2 ms on DuckDB);
a flow set asks for some thirty tables. A `KnownTables` remembers each table it has handed out. It
is meant for one preparation's life: the tables it serves may be replaced (``CREATE OR REPLACE``)
but keep their columns, which is true of the lookups and of a service's temporary tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir


class TableSource(Protocol):
    """Anything that hands out Ibis tables by name: an Ibis backend or `KnownTables`."""

    def table(self, name: str) -> ir.Table: ...


class KnownTables:
    """The tables of `backend`, each schema read once."""

    def __init__(self, backend: ibis.BaseBackend) -> None:
        self.backend = backend
        self._known: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        """The table called `name` (read from the catalog the first time it is asked for)."""
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = self.backend.table(name)
        return known
