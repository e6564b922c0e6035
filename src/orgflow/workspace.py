"""`Workspace`: the single entry point of every surface and of the Python API (`orgflow.open`).

It is the one door to every capability, each a service built on first use:

- `ws.flow` / `ws.flow_at(now)`: flow metrics (`orgflow.flow.service.FlowService`).
- `ws.delivery` / `ws.delivery_at(now)`: DORA's metrics (`orgflow.delivery.service.DeliveryService`);
  `ws.pull_requests_at(now)`: the pull-request stages (`orgflow.delivery.pr_service.PullRequestFlow`).
- `ws.org` / `ws.org_at(now)`: the organization on any date (`orgflow.org.service.OrgService`).
- `ws.sociotech` / `ws.sociotech_at(now)`: git-based socio-technical figures and the cross-team
  dependency graph (`orgflow.sociotech.service.SocioTechService`).
- `ws.forecasts` / `ws.forecasts_at(now)`: forecasts, plans and backtests
  (`orgflow.forecast.service.ForecastService`).
- `ws.insights` / `ws.insights_at(now)`: early-warning findings (`orgflow.insights.InsightService`).
- `ws.status`: what is loaded and how good it is (`orgflow.status.WorkspaceStatus`).
- `ws.simulate`: the simulation calibrated on the workspace's history.

Services see an `AnalysisContext` (`ws.context(now)`): the store, the config, the query engine and
`now`, never the workspace. Nothing here imports Ibis, Arrow or a service before it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgflow.config import CONFIG_FILE, Config, load_config
from orgflow.errors import InputError
from orgflow.store import Store
from orgflow.workspace_path import STORE_FILE as STORE_FILE
from orgflow.workspace_path import WORKSPACE_ENV as WORKSPACE_ENV
from orgflow.workspace_path import existing_store as _existing_store
from orgflow.workspace_path import workspace_dir as workspace_dir

if TYPE_CHECKING:
    import ibis

    from orgflow.delivery.pr_service import PullRequestFlow
    from orgflow.delivery.service import DeliveryService
    from orgflow.flow.service import FlowService
    from orgflow.forecast.service import ForecastService
    from orgflow.insights import InsightService
    from orgflow.org.service import OrgService
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.query.context import AnalysisContext
    from orgflow.query.lookups import Lookups
    from orgflow.simulate.service import Simulation
    from orgflow.sociotech.coupling import CouplingThresholds
    from orgflow.sociotech.service import SocioTechService
    from orgflow.sources import ProgressCallback
    from orgflow.status import WorkspaceStatus
    from orgflow.store import ImportBatch, ImportCounts

DOORS = ("flow", "delivery", "org", "sociotech", "forecasts", "insights", "status", "simulate")
"""The services a workspace keeps once built (dropped when a write changes the store)."""


class Workspace:
    """An open workspace: its folder, its config (`orgflow.yaml`) and its store (`orgflow.duckdb`).

    It hands out services (the doors: `flow`, `delivery`, `org`, `sociotech`, `forecasts`,
    `insights`, `status`, `simulate`) and parts (`store`, `config`) rather than growing a method per
    figure. A door without `_at` is as of now; `<door>_at(now)` builds one as of an earlier instant.
    """

    def __init__(self, directory: Path, config: Config, store: Store, *, keep_queries: bool = False) -> None:
        self.directory = directory
        self.config = config
        self.store = store
        self.keep_queries = keep_queries

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_FILE

    @cached_property
    def ibis(self) -> ibis.BaseBackend:
        """The Ibis backend over the store's connection (the query layer of analysis)."""
        import ibis

        return ibis.duckdb.from_connection(self.store.connection)

    @cached_property
    def fingerprint(self) -> str:
        """What compiled queries and kept lookups depend on besides the data: orgflow's code, its
        libraries, `orgflow.yaml` and the schema (`orgflow.store.query_file.fingerprint`)."""
        from orgflow.store import query_file

        return query_file.fingerprint(self.store.connection, self.config_path)

    @cached_property
    def lookups(self) -> Lookups:
        """The lookup tables of the store's connection (`orgflow.query.lookups.Lookups`), shared by every
        service of the workspace: they are written again only when their rows change. A read-only
        workspace whose store keeps current copies of them (`orgflow.query.kept_lookups`) writes none."""
        from orgflow.query.lookups import Lookups

        kept = None
        if self.store.read_only:
            from orgflow.query import kept_lookups

            kept = kept_lookups.load(self.store.connection, self.fingerprint, self.config)
        return Lookups(self.store.connection, kept=kept)

    def context(self, now: datetime | None = None) -> AnalysisContext:
        """What a service of this workspace reads: its store, config, query engine (shared by every
        service of the workspace), and `now` (None: the service's default)."""
        from orgflow.query.context import AnalysisContext

        return AnalysisContext(
            self.store, self.config, lambda: self.ibis, self._queries, now=now, lookups_source=lambda: self.lookups
        )

    def _queries(self, section: str | None) -> QueryCache:
        return self.compiled_queries if section is None else self.queries_for(section)

    @cached_property
    def compiled_queries(self) -> QueryCache:
        """Compiled flow queries by their shape, shared by this workspace's `FlowService`s (a figure
        asked again with another `now` or window skips building and compiling). With `keep_queries`,
        also those earlier processes compiled, kept beside the store (`orgflow.store.query_file`)."""
        if self.keep_queries:
            from orgflow.store import query_file

            path = self.directory / query_file.FILE_NAME
            return query_file.StoredQueryCache(path, self.fingerprint)
        from orgflow.query.compiled_sql import QueryCache

        return QueryCache()

    def queries_for(self, section: str) -> QueryCache:
        """Compiled queries of one kind kept apart from `compiled_queries`, with their own hits and
        misses: ``notes`` (the queries behind results' notes), ``tables`` (the temporary tables a
        service writes before its queries, such as flagged time). With `keep_queries`, kept in the
        same file, each in a section of its own."""
        sections = self.__dict__.setdefault("_query_sections", {})
        if section not in sections:
            kept = self.compiled_queries
            if hasattr(kept, "section"):
                sections[section] = kept.section(section)
            else:
                from orgflow.query.compiled_sql import QueryCache

                sections[section] = QueryCache()
        return sections[section]

    # -- the doors ---------------------------------------------------------------------------
    @cached_property
    def flow(self) -> FlowService:
        """Flow metrics bound to this workspace's tables and config, as of now."""
        return self.flow_at(None)

    def flow_at(self, now: datetime | None) -> FlowService:
        """Flow metrics as of `now` (an aware instant): later transitions are ignored. None: as of the
        current time, or of the end of the data's last day when the data stops earlier
        (`orgflow.query.as_of`)."""
        from orgflow.flow.service import FlowService

        return FlowService(self.context(now), now=now)

    @cached_property
    def delivery(self) -> DeliveryService:
        """DORA's five metrics per service, team and group, as of now."""
        return self.delivery_at(None)

    def delivery_at(self, now: datetime | None) -> DeliveryService:
        """DORA's metrics as of `now` (an aware instant; it ends the default window)."""
        from orgflow.delivery.service import DeliveryService

        return DeliveryService(self.context(now))

    def pull_requests_at(self, now: datetime | None, *, delivery: DeliveryService | None = None) -> PullRequestFlow:
        """Pull-request flow (coding, pickup, review, deploy) as of `now`; `delivery`: a delivery
        service as of the same `now` to share (its commit walk is the deploy stage's)."""
        from orgflow.delivery.pr_service import PullRequestFlow

        return PullRequestFlow(self.context(now), delivery or self.delivery_at(now))

    @cached_property
    def org(self) -> OrgService:
        """The organization (groups, members, design checks, Team APIs); its default day is today (UTC)."""
        return self.org_at(None)

    def org_at(self, now: datetime | None) -> OrgService:
        """The organization with `now`'s UTC day as its default day."""
        from orgflow.org.service import OrgService

        return OrgService(self.context(now))

    @cached_property
    def sociotech(self) -> SocioTechService:
        """Socio-technical figures from git and the cross-team dependency graph, as of now."""
        return self.sociotech_at(None)

    def sociotech_at(self, now: datetime | None, *, thresholds: CouplingThresholds | None = None) -> SocioTechService:
        """Socio-technical figures as of `now` (files as they exist then; the org on its UTC day),
        with change-coupling `thresholds` (default: `CouplingThresholds()`)."""
        from orgflow.sociotech.service import SocioTechService

        return SocioTechService(self.context(now), thresholds=thresholds)

    @cached_property
    def forecasts(self) -> ForecastService:
        """Forecasts from the teams' own throughput (when, how many, plans, backtests), as of now."""
        return self.forecasts_at(None)

    def forecasts_at(self, now: datetime | None, *, flow: FlowService | None = None) -> ForecastService:
        """Forecasts as of `now`; `flow`: a flow service as of the same `now` to read the history from
        (one already prepared), instead of a new one."""
        from orgflow.forecast.service import ForecastService

        return ForecastService(self.context(now), flow=flow)

    @cached_property
    def insights(self) -> InsightService:
        """Early-warning findings with evidence and a suggested action, as of now."""
        return self.insights_at(None)

    def insights_at(self, now: datetime | None) -> InsightService:
        """Early-warning findings as of `now` (an aware instant; later history is ignored)."""
        from orgflow.insights import InsightService

        return InsightService(self.context(now))

    @cached_property
    def status(self) -> WorkspaceStatus:
        """What is loaded, its ranges, the data-quality warnings and the work no team owns."""
        from orgflow.status import workspace_status

        return workspace_status(self.context(None))

    @cached_property
    def simulate(self) -> Simulation:
        """Simulation of the delivery system calibrated on this workspace's history (`orgflow.simulate`)."""
        from orgflow.simulate.service import Simulation

        return Simulation(self)

    def import_files(
        self,
        kind: str,
        paths: list[Path],
        *,
        options: dict[str, Any] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportCounts:
        """Import saved exports with the named importer, in one transaction.

        Raises:
            InputError: unknown importer or bad input; the store is left unchanged.
        """
        from orgflow.sources import importers, staged_importers

        available = importers()
        if kind not in available:
            raise InputError(f"unknown importer {kind!r} (known: {', '.join(sorted(available))})")
        # An importer that can declare its records for the store to build reads its files in the store's
        # connection (no copy of the rows in between): the same records, or the same error.
        load = staged_importers().get(kind, available[kind])
        batch = load(paths, config=self.config, options=options or {}, on_progress=on_progress)
        return self.write(batch)

    def write(self, batch: ImportBatch) -> ImportCounts:
        """Write one batch of canonical records and rebuild the stored flow facts, in one transaction;
        cached analysis is dropped."""
        counts = self.store.write(batch, before_commit=lambda: self.refresh_facts(own_transaction=False))
        for door in DOORS:
            self.__dict__.pop(door, None)
        return counts

    def refresh_facts(self, *, own_transaction: bool = True) -> bool:
        """Rebuild the stored flow facts (`orgflow.flow.stored_facts`) if the data or the workflow
        mapping changed since they were built; returns whether they were rebuilt. The lookups and
        reported times those facts are read with are kept beside them for read-only processes
        (`orgflow.query.kept_lookups`). With `own_transaction`, in a transaction of the store's
        (`Store.transaction`); without, inside the caller's (an import's)."""
        from orgflow.flow import stored_facts
        from orgflow.query import kept_lookups

        def rebuild() -> bool:
            # Ibis loads only if the facts' SQL must be compiled (it is kept in the query file).
            rebuilt = stored_facts.refresh(
                self.store.connection,
                lambda: self.ibis,
                self.config,
                own_transaction=False,
                queries=self.queries_for("facts"),
            )
            kept_lookups.keep(self.store.connection, self.fingerprint, self.config)
            return rebuilt

        if not own_transaction:
            return rebuild()
        with self.store.transaction():
            return rebuild()

    def close(self) -> None:
        """Close the store (with `keep_queries`, first keep the queries this process compiled)."""
        kept = self.__dict__.get("compiled_queries")
        if kept is not None and hasattr(kept, "save"):
            kept.save()
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(
    path: Path | str | None = None,
    *,
    read_only: bool = False,
    on_wait: Callable[[str], object] | None = None,
    keep_queries: bool = False,
    config: Config | None = None,
) -> Workspace:
    """Open an existing workspace folder (see `workspace_dir` for the default); `config`: the config to
    read it with (default: the folder's `orgflow.yaml`).

    Opening waits while another process holds a conflicting lock on the store (see `Store.open`),
    telling `on_wait` once. With `keep_queries`, compiled queries are kept across processes
    (`Workspace.compiled_queries`): what a command line wants, where each process asks one figure.

    Raises:
        InputError: there is no store in the folder (run `orgflow init`), or it stayed busy.
    """
    directory = workspace_dir(path)
    store_path = _existing_store(directory)
    if config is None:
        config = load_config(directory / CONFIG_FILE)
    store = Store.open(store_path, read_only=read_only, on_wait=on_wait)
    return Workspace(directory, config, store, keep_queries=keep_queries)


def open_snapshot(path: Path | str | None = None, *, publish: bool = True, config: Config | None = None) -> Workspace:
    """Open the dashboard's read-only snapshot of a workspace (`orgflow.store.snapshot`); with
    `publish`, first make it current (missing or older than the store: a copy under a read lock).
    `config`: the config to read it with (default: the folder's `orgflow.yaml` as it is now). The
    caller holds a lease (`snapshot.take_lease`)."""
    from orgflow.store import publish_snapshot, snapshot

    directory = workspace_dir(path)
    store_path = _existing_store(directory)
    snapshot_file = publish_snapshot(store_path) if publish else snapshot.snapshot_path(store_path)
    if config is None:
        config = load_config(directory / CONFIG_FILE)
    link = snapshot.reader_link(snapshot_file)
    try:
        store = Store.open(link, read_only=True)
    finally:
        snapshot.drop_reader_link(link)
    return Workspace(directory, config, store)


def init_workspace(path: Path | str | None = None) -> Workspace:
    """Create the folder's `orgflow.yaml` (a commented starter, unless one exists) and store."""
    from importlib.resources import files

    directory = workspace_dir(path)
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / CONFIG_FILE
    if not config_path.exists():
        config_path.write_text(files("orgflow").joinpath("config_starter.yaml").read_text(encoding="utf-8"))
    config = load_config(config_path)
    return Workspace(directory, config, Store.open(directory / STORE_FILE, create=True))
