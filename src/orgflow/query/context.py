"""`AnalysisContext`: what an analysis service reads, and nothing more.

Every analysis service (flow, delivery, pull requests, org, socio-technical, forecasts, insights) is
built on one context: the store (its DuckDB connection, and its transaction for the rare write), the
config, the Ibis backend over the store's connection, the compiled-query caches, and the instant
`now` its figures are as of (None: the current time, or the data's end where a service says so).

The workspace hands them out (`Workspace.context`); a script or a test makes one over a store alone
(`AnalysisContext.over`). The backend and the caches are built on first use, since Ibis costs about
half a second to import, and are shared by every context of one workspace: a query compiled for one
`now` serves another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import ibis

    from orgflow.config import Config
    from orgflow.flow.service import FlowService
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.query.lookups import Lookups
    from orgflow.store import Store


@dataclass(frozen=True)
class AnalysisContext:
    """The store, config, query engine and `now` one analysis service works with.

    Attributes:
        store: the open store (read `connection`; write only through `store.transaction()`).
        config: the workspace's config (`orgflow.yaml`).
        backend_source: returns the Ibis backend over the store's connection (built on first call).
        query_source: returns the compiled-query cache of a section (None: the figures' own cache;
            ``notes``, ``tables``: the caches kept apart, see `Workspace.queries_for`).
        now: the instant figures are as of (aware), or None for the service's default.
        lookups_source: returns the lookup tables of the store's connection with what they remember
            (`orgflow.query.lookups.Lookups`, one per workspace); None: a fresh one each time.
    """

    store: Store
    config: Config
    backend_source: Callable[[], ibis.BaseBackend]
    query_source: Callable[[str | None], QueryCache]
    now: datetime | None = None
    lookups_source: Callable[[], Lookups] | None = None

    @classmethod
    def over(cls, store: Store, config: Config, *, now: datetime | None = None) -> AnalysisContext:
        """A context over `store` alone (a test, a script): its own backend and in-memory query caches."""
        engine = _Engine(store)
        return cls(store, config, engine.backend, engine.queries, now=now, lookups_source=engine.lookups)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The store's DuckDB connection."""
        return self.store.connection

    @property
    def ibis(self) -> ibis.BaseBackend:
        """The Ibis backend over the store's connection."""
        return self.backend_source()

    @property
    def compiled_queries(self) -> QueryCache:
        """The compiled queries of figures, by their shape."""
        return self.query_source(None)

    def queries_for(self, section: str) -> QueryCache:
        """Compiled queries of one kind kept apart (``notes``, ``tables``)."""
        return self.query_source(section)

    @property
    def lookups(self) -> Lookups:
        """The lookup tables of the store's connection (`orgflow.query.lookups.Lookups`)."""
        if self.lookups_source is None:
            from orgflow.query.lookups import Lookups

            return Lookups(self.store.connection)
        return self.lookups_source()

    def at(self, now: datetime | None) -> AnalysisContext:
        """The same context as of another instant."""
        return replace(self, now=now)

    def flow_service(self) -> FlowService:
        """A flow service over this context, as of its `now` (for services built on flow figures)."""
        from orgflow.flow.service import FlowService

        return FlowService(self, now=self.now)


class _Engine:
    """A backend and query caches of a store alone, each made on first use."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._backend: ibis.BaseBackend | None = None
        self._caches: dict[str | None, QueryCache] = {}
        self._lookups: Lookups | None = None

    def backend(self) -> ibis.BaseBackend:
        if self._backend is None:
            import ibis

            self._backend = ibis.duckdb.from_connection(self._store.connection)
        return self._backend

    def lookups(self) -> Lookups:
        if self._lookups is None:
            from orgflow.query.lookups import Lookups

            self._lookups = Lookups(self._store.connection)
        return self._lookups

    def queries(self, section: str | None) -> QueryCache:
        if section not in self._caches:
            from orgflow.query.compiled_sql import QueryCache

            self._caches[section] = QueryCache()
        return self._caches[section]
