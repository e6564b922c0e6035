"""`MetricsHub`: one read-only workspace shared by every request of the dashboard, or by the pages of
a static report (`orgflow.report`), with prepared services and results.

A `FlowService` builds its temporary tables once (about a second on 20k items), so the hub keeps one
prepared service per "now" (the current UTC day, or an explicit `now` a URL asks for) and reuses it.
DuckDB connections are not safe to share between threads, so every call into the store holds its
connection's lock (and only those: a page's view is built outside it, from figures that each take it,
`memo`). Flow figures also run on the hub's lanes, more connections to the same store (one per core,
`orgflow.views.lanes`), so that requests for new windows use every core; everything else runs on the
hub's own connection. Finished results are kept (the workspace is read-only, so they never go stale
within a day) and later requests for the same figure are answered without touching the store.

A live hub (the one `orgflow serve` runs) reads the workspace's snapshot rather than its file, so
imports, syncs and the CLI keep working beside it (`orgflow.store.snapshot`); when a writer
publishes a new snapshot, the next request reopens it and forgets every kept result.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from orgflow import registry
from orgflow.errors import InputError
from orgflow.flow.service import FlowService, MetricResult
from orgflow.query.window import Cut, Window
from orgflow.store import snapshot
from orgflow.views.lanes import Lanes, serving_lanes
from orgflow.views.response_cache import ResponseCache
from orgflow.workspace import STORE_FILE, Workspace, open_snapshot, open_workspace, workspace_dir

T = TypeVar("T")

METRICS = tuple(figure.method for figure in registry.figures("flow") if figure.command)
"""The `FlowService` methods the web may call (by name): one per flow figure with a route."""
SERVING_THREADS = 1
"""DuckDB threads per query of a live hub (a server). Its queries run one at a time on each of its
connections (the hub's own and its lanes, one per core) while other requests build their pages in
Python; a query over the dashboard's tables (100,000 items fit in one row group) gains little from a
second thread, which the other requests need: measured on 2 cores with 30 clients asking new windows,
one thread per query answered about a quarter more requests per second, each sooner."""


def _serving(workspace: Workspace) -> Workspace:
    """`workspace`, its store's queries run on `SERVING_THREADS` threads."""
    workspace.store.connection.execute(f"SET threads = {SERVING_THREADS}")
    return workspace


class MetricsHub:
    """The workspace behind the web app: prepared flow services and a bounded cache of results.

    Args:
        directory: the workspace folder; opened read-only.
        now: a fixed "now" for every request that does not give one (tests, screenshots);
            by default the current time, with one service per UTC day.
        max_results: how many computed results to keep (least recently used go first).
        max_services: how many prepared services to keep (one per distinct "now").
        live: read the workspace's snapshot and follow the new ones writers publish (a server);
            otherwise read the workspace file itself (a report, a test).
        lanes: how many connections serve flow figures at once (`orgflow.views.lanes`); by default
            one per core for a live hub (at most `MAX_LANES`), one otherwise.
        keep_queries: keep compiled queries beside the store across processes, as commands do (a
            report, built again and again; `orgflow.store.query_file`); a hub reading the file only.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        now: datetime | None = None,
        max_results: int = 2048,
        max_services: int = 3,
        live: bool = False,
        lanes: int | None = None,
        keep_queries: bool = False,
    ) -> None:
        self.directory = workspace_dir(directory)
        self._lease: Path | None = None
        self._snapshot_stamp: snapshot.SnapshotStamp | None = None
        self._retired: Workspace | None = None
        if live:
            store_path = self.directory / STORE_FILE
            self._lease = snapshot.take_lease(store_path)
            try:
                self.workspace: Workspace = _serving(open_snapshot(self.directory))
            except BaseException:
                snapshot.release_lease(self._lease)
                raise
            self._snapshot_stamp = snapshot.stamp(snapshot.snapshot_path(store_path))
        else:
            self.workspace = open_workspace(directory, read_only=True, keep_queries=keep_queries)
        self.fixed_now = now.astimezone(UTC) if now is not None else None
        self._lock = threading.RLock()
        self._results_lock = threading.Lock()  # guards `_results` alone (taken after `_lock`, never before)
        self._services: OrderedDict[Hashable, FlowService] = OrderedDict()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_results = max_results
        self._max_services = max_services
        self.responses = ResponseCache()
        count = lanes if lanes is not None else (serving_lanes() if live else 1)
        self.lanes = Lanes(count, self._open_lane, max_services=max_services)

    def _open_lane(self) -> Workspace | None:
        """The workspace opened again on what this hub reads (its snapshot, or the file read-only), with
        the hub's config (not the file's, which may have been edited since); None when the snapshot is no
        longer the one this hub reads (a writer published another: `follow` renews the lanes)."""
        config = self.workspace.config
        if self._lease is None:
            return open_workspace(self.directory, read_only=True, config=config)
        path = snapshot.snapshot_path(self.directory / STORE_FILE)
        expected = self._snapshot_stamp
        if snapshot.stamp(path) != expected:
            return None
        opened = _serving(open_snapshot(self.directory, publish=False, config=config))
        if snapshot.stamp(path) != expected:  # published while it opened: which one it read is unknown
            opened.close()
            return None
        return opened

    # -- following writes ----------------------------------------------------------------------
    def follow(self) -> bool:
        """Reopen the snapshot if a writer published a new one since; returns whether it did.

        Kept services, results and responses are dropped with the old snapshot. The workspace it
        replaces stays open until the next swap, for a request that is still reading it.
        """
        if self._lease is None:
            return False
        path = snapshot.snapshot_path(self.directory / STORE_FILE)
        current = snapshot.stamp(path)
        if current is None or current == self._snapshot_stamp:
            return False
        with self._lock:
            current = snapshot.stamp(path)
            if current is None or current == self._snapshot_stamp:
                return False
            fresh = _serving(open_snapshot(self.directory, publish=False))
            if self._retired is not None:
                self._retired.close()
            self._retired, self.workspace = self.workspace, fresh
            self._snapshot_stamp = snapshot.stamp(path)
            self._services.clear()
            self.lanes.renew()
            with self._results_lock:
                self._results.clear()
            self.responses.clear()
            return True

    # -- time ----------------------------------------------------------------------------------
    def service_key(self, now: datetime | None) -> Hashable:
        """Which prepared service answers for `now`: an explicit instant, or the current UTC day (its
        service is as of the data's end when the data stops before it: `FlowService`)."""
        if now is not None:
            return ("at", now.astimezone(UTC))
        if self.fixed_now is not None:
            return ("at", self.fixed_now)
        return ("day", datetime.now(UTC).date())

    def service(self, now: datetime | None = None) -> FlowService:
        """The prepared service for `now` (None: the hub's default), built on first use."""
        self.follow()
        key = self.service_key(now)
        # A prepared service is found without the store lock, which a figure running on the hub's own
        # connection holds: every request asks its service (for `now`) before its figures, and a request a
        # lane can answer would otherwise wait for that figure. (A service of a snapshot just replaced
        # still reads the workspace it was made on, which stays open until the next swap: `follow`.)
        found = self._services.get(key)
        if found is not None:
            with contextlib.suppress(KeyError):  # dropped meanwhile by `follow` or the eviction below
                self._services.move_to_end(key)
            return found
        with self._lock:
            service = self._services.get(key)
            if service is None:
                # No instant: the service takes the clock, or the data's end when that is earlier.
                instant = key[1] if key[0] == "at" else None
                service = self.workspace.flow_at(instant)  # type: ignore[arg-type]
                service.window()  # prepares the temporary tables now, under the lock
                self._services[key] = service
                while len(self._services) > self._max_services:
                    self._services.popitem(last=False)
                self.lanes.prepare(key, lambda workspace: service.twin(workspace.context(instant)))
            else:
                self._services.move_to_end(key)
            return service

    def now(self, now: datetime | None = None) -> datetime:
        """The instant figures are computed as of, for a request that gives `now` (or not)."""
        return self.service(now).now

    def default_window(self, cut: Cut, now: datetime | None = None) -> Window:
        """The default window of `cut` as of `now` (`FlowService.default_window`); for a cut that names
        an unknown team, group or value stream, the workspace's (the page answers for the cut)."""

        def compute(service: FlowService) -> Window:
            try:
                return service.default_window(cut)
            except InputError:
                return service.default_window(None)

        return self.cached((self.service_key(now), "default-window", cut), compute, now=now)

    # -- results -------------------------------------------------------------------------------
    def compute(self, metric: str, *, now: datetime | None = None, **params: Any) -> MetricResult:
        """`FlowService.<metric>(**params)` as of `now`, from the cache when it was computed before.

        Raises:
            InputError: as the metric does (unknown team, empty window...); errors are not cached.
        """
        if metric not in METRICS:
            raise ValueError(f"not a flow metric: {metric!r}")
        self.follow()
        service_key = self.service_key(now)
        key = (service_key, metric, tuple(sorted(params.items())))
        hit = self._results.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        with self.lanes.held(service_key, self._lock) as lane:
            if lane is None:  # the hub's own connection (its lock held: `cached` takes it again)
                return self.cached(key, lambda service: getattr(service, metric)(**params), now=now)
            service = lane.services.get(service_key)
            if service is not None:
                value = getattr(service, metric)(**params)
        if service is None:  # the lane dropped that service meanwhile: the hub's own connection answers
            return self.cached(key, lambda service: getattr(service, metric)(**params), now=now)
        # A lane's lock is never held while the hub's is taken (`follow` and `close` take them the other way).
        return self._keep(key, value, built_on=lambda: lane.generation == self.lanes.generation)

    def prefetch(
        self,
        metric: str,
        asks: Sequence[tuple[Cut | None, date | None, date | None]],
        *,
        now: datetime | None = None,
        **options: Any,
    ) -> None:
        """Run ahead, on the hub's own connection, what `compute(metric, cut=, since=, until=, **options)`
        will run for each of `asks` (cut, since, until), as one statement for all where the store can
        (`FlowService.prefetch`): a page about to ask a figure for many teams. The answers are the same;
        a figure then answered on a lane computes its own. Asked once per set of asks."""
        if len(asks) < 2:
            return
        key = (self.service_key(now), "prefetch", metric, tuple(asks), tuple(sorted(options.items())))
        self.cached(key, lambda service: service.prefetch(metric, asks, **options), now=now)

    def cached(self, key: Hashable, compute: Callable[[FlowService], T], *, now: datetime | None = None) -> T:
        """`compute(service)` once per `key`, under the store lock; later calls get the kept value."""
        self.follow()
        hit = self._results.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        with self._lock:
            hit = self._results.get(key, _MISSING)
            if hit is not _MISSING:
                with self._results_lock:
                    self._results.move_to_end(key)
                return hit  # type: ignore[return-value]
            value = compute(self.service(now))
            with self._results_lock:
                self._results[key] = value
                self._evict_results()
            return value

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()` once per `key`, built outside the store lock: for what is a pure function of figures that
        take the lock themselves (a page's view: `Context.view`), so one request's Python work (charts,
        cards) overlaps another's queries. Two requests for the same key at once may both build it (the
        first kept wins); a value built on a snapshot replaced meanwhile is not kept."""
        self.follow()
        hit = self._results.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        workspace = self.workspace
        value = build()
        return self._keep(key, value, built_on=lambda: self.workspace is workspace)

    def cached_outside_lock(self, key: Hashable, read: Callable[[Workspace], Any], compute: Callable[[Any], T]) -> T:
        """`compute(read(workspace))` once per `key`: `read` (what needs the store) under the lock,
        `compute` outside it, so that a long computation on data read first (a simulation) does not
        hold up other requests. Two requests for the same key at once may both compute it (the
        first kept wins); a result computed on a snapshot replaced meanwhile is not kept."""
        self.follow()
        hit = self._results.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        with self._lock:
            hit = self._results.get(key, _MISSING)
            if hit is not _MISSING:
                return hit  # type: ignore[return-value]
            workspace = self.workspace
            data = read(workspace)
        value = compute(data)
        return self._keep(key, value, built_on=lambda: self.workspace is workspace)

    def _keep(self, key: Hashable, value: T, *, built_on: Callable[[], bool]) -> T:
        """Keep `value` under `key` (the first kept wins, the oldest results go past the limit) and
        return what is kept; a value built on a snapshot replaced since (`built_on()` is false) is
        returned, not kept."""
        with self._results_lock:
            if not built_on():
                return value
            value = self._results.setdefault(key, value)
            self._results.move_to_end(key)
            self._evict_results()
            return value

    def _evict_results(self) -> None:
        """Drop the least recently used results past the bound (the caller holds `_results_lock`)."""
        while len(self._results) > self._max_results:
            self._results.popitem(last=False)

    def query(self, key: Hashable | None, run: Callable[[Workspace], T]) -> T:
        """Run a read-only store query under the lock; kept under `key` unless it is None."""
        self.follow()
        if key is None:
            with self._lock:
                return run(self.workspace)
        return self.cached(("query", key), lambda _service: run(self.workspace))

    def response_key(self, now: datetime | None, path: str, query: str) -> Hashable:
        """The key of a rendered response: its "now", path and parameters (in any order)."""
        from urllib.parse import parse_qsl

        self.follow()
        return (self.service_key(now), path, tuple(sorted(parse_qsl(query, keep_blank_values=True))))

    def close(self) -> None:
        """Close the workspace (and a live hub's snapshot lease)."""
        with self._lock:
            self._services.clear()
            self.lanes.close()
            with self._results_lock:
                self._results.clear()
            self.responses.clear()
            self.workspace.close()
            if self._retired is not None:
                self._retired.close()
                self._retired = None
            if self._lease is not None:
                snapshot.release_lease(self._lease)
                self._lease = None


_MISSING = object()
