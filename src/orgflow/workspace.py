"""`Workspace`: the single entry point of every surface and of the Python API (`orgflow.open`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgflow.config import CONFIG_FILE, Config, load_config
from orgflow.errors import InputError
from orgflow.store import ImportBatch, ImportCounts, Store

if TYPE_CHECKING:
    import ibis

    from orgflow.delivery.pr_service import PullRequestFlow
    from orgflow.delivery.service import DeliveryService
    from orgflow.flow.service import FlowService
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.simulate.service import Simulation
    from orgflow.sources import ProgressCallback

STORE_FILE = "orgflow.duckdb"
WORKSPACE_ENV = "ORGFLOW_WORKSPACE"


def workspace_dir(path: Path | str | None = None) -> Path:
    """The workspace folder: `path`, else $ORGFLOW_WORKSPACE, else the current directory."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(WORKSPACE_ENV) or ".")


class Workspace:
    """An open workspace: its folder, its config (`orgflow.yaml`) and its store (`orgflow.duckdb`).

    It hands out parts (`metrics`, `store`, `config`) rather than growing a method per feature.
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
    def metrics(self) -> FlowService:
        """Flow metrics bound to this workspace's tables and config, as of now."""
        return self.metrics_at(None)

    @cached_property
    def compiled_queries(self) -> QueryCache:
        """Compiled flow queries by their shape, shared by this workspace's `FlowService`s (a figure
        asked again with another `now` or window skips building and compiling). With `keep_queries`,
        also those earlier processes compiled, kept beside the store (`orgflow.store.query_file`)."""
        if self.keep_queries:
            from orgflow.store import query_file

            path = self.directory / query_file.FILE_NAME
            return query_file.StoredQueryCache(path, query_file.fingerprint(self.store.connection, self.config_path))
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

    def metrics_at(self, now: datetime | None) -> FlowService:
        """Flow metrics as of `now` (an aware instant): later transitions are ignored. None: as of the
        current time, or of the end of the data's last day when the data stops earlier
        (`orgflow.query.as_of`)."""
        from orgflow.flow.service import FlowService

        return FlowService(self, now=now)

    @cached_property
    def delivery(self) -> DeliveryService:
        """DORA's five metrics per service, team and group, as of now."""
        return self.delivery_at(None)

    def delivery_at(self, now: datetime | None) -> DeliveryService:
        """DORA's metrics as of `now` (an aware instant; it ends the default window)."""
        from orgflow.delivery.service import DeliveryService

        return DeliveryService(self, now=now)

    @cached_property
    def simulate(self) -> Simulation:
        """Simulation of the delivery system calibrated on this workspace's history (`orgflow.simulate`)."""
        from orgflow.simulate.service import Simulation

        return Simulation(self)

    def pull_requests_at(self, now: datetime | None) -> PullRequestFlow:
        """Pull-request flow (coding, pickup, review, deploy) as of `now`."""
        from orgflow.delivery.pr_service import PullRequestFlow

        return PullRequestFlow(self, self.delivery_at(now))

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
        from orgflow.sources import importers

        available = importers()
        if kind not in available:
            raise InputError(f"unknown importer {kind!r} (known: {', '.join(sorted(available))})")
        batch = available[kind](paths, config=self.config, options=options or {}, on_progress=on_progress)
        return self.write(batch)

    def write(self, batch: ImportBatch) -> ImportCounts:
        """Write one batch of canonical records and rebuild the stored flow facts, in one transaction;
        cached analysis is dropped."""
        counts = self.store.write(batch, before_commit=lambda: self.refresh_facts(own_transaction=False))
        for part in ("metrics", "delivery", "simulate"):
            self.__dict__.pop(part, None)
        return counts

    def refresh_facts(self, *, own_transaction: bool = True) -> bool:
        """Rebuild the stored flow facts (`orgflow.flow.stored_facts`) if the data or the workflow
        mapping changed since they were built; returns whether they were rebuilt."""
        from orgflow.flow import stored_facts

        return stored_facts.refresh(self.store.connection, self.ibis, self.config, own_transaction=own_transaction)

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
) -> Workspace:
    """Open an existing workspace folder (see `workspace_dir` for the default).

    Opening waits while another process holds a conflicting lock on the store (see `Store.open`),
    telling `on_wait` once. With `keep_queries`, compiled queries are kept across processes
    (`Workspace.compiled_queries`): what a command line wants, where each process asks one figure.

    Raises:
        InputError: there is no store in the folder (run `orgflow init`), or it stayed busy.
    """
    directory = workspace_dir(path)
    store_path = _existing_store(directory)
    config = load_config(directory / CONFIG_FILE)
    store = Store.open(store_path, read_only=read_only, on_wait=on_wait)
    return Workspace(directory, config, store, keep_queries=keep_queries)


def open_snapshot(path: Path | str | None = None, *, publish: bool = True) -> Workspace:
    """Open the dashboard's read-only snapshot of a workspace (`orgflow.store.snapshot`); with
    `publish`, first make it current (missing or older than the store: a copy under a read lock).
    The caller holds a lease (`snapshot.take_lease`)."""
    from orgflow.store import publish_snapshot, snapshot

    directory = workspace_dir(path)
    store_path = _existing_store(directory)
    snapshot_file = publish_snapshot(store_path) if publish else snapshot.snapshot_path(store_path)
    config = load_config(directory / CONFIG_FILE)
    link = snapshot.reader_link(snapshot_file)
    try:
        store = Store.open(link, read_only=True)
    finally:
        snapshot.drop_reader_link(link)
    return Workspace(directory, config, store)


def _existing_store(directory: Path) -> Path:
    store_path = directory / STORE_FILE
    if not store_path.exists():
        raise InputError(
            "no orgflow workspace here",
            file=str(store_path),
            hint=f"run `orgflow init` (or `orgflow demo`) there, or set {WORKSPACE_ENV}",
        )
    return store_path


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
