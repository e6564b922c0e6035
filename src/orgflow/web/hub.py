"""`MetricsHub`: one read-only workspace shared by every request, with prepared services and results.

A `FlowService` builds its temporary tables once (about a second on 20k items), so the hub keeps one
prepared service per "now" (the current UTC day, or an explicit `now` a URL asks for) and reuses it.
DuckDB connections are not safe to share between threads, so every call into the store holds one
lock; finished results are kept (the workspace is read-only, so they never go stale within a day)
and later requests for the same figure are answered without touching the store.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from orgflow.metrics.service import FlowService, MetricResult
from orgflow.workspace import Workspace, open_workspace

T = TypeVar("T")

METRICS = (
    "summary",
    "lead_time",
    "cycle_time",
    "throughput",
    "wip",
    "cfd",
    "age",
    "efficiency",
    "distribution",
    "stages",
    "blocked",
    "sle",
    "littles_law",
    "items",
)
"""The `FlowService` methods the web may call (by name)."""


class MetricsHub:
    """The workspace behind the web app: prepared flow services and a bounded cache of results.

    Args:
        directory: the workspace folder; opened read-only.
        now: a fixed "now" for every request that does not give one (tests, screenshots);
            by default the current time, with one service per UTC day.
        max_results: how many computed results to keep (least recently used go first).
        max_services: how many prepared services to keep (one per distinct "now").
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        now: datetime | None = None,
        max_results: int = 2048,
        max_services: int = 3,
    ) -> None:
        self.workspace: Workspace = open_workspace(directory, read_only=True)
        self.fixed_now = now.astimezone(UTC) if now is not None else None
        self._lock = threading.RLock()
        self._services: OrderedDict[Hashable, FlowService] = OrderedDict()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_results = max_results
        self._max_services = max_services
        self.responses = ResponseCache()

    # -- time ----------------------------------------------------------------------------------
    def service_key(self, now: datetime | None) -> Hashable:
        """Which prepared service answers for `now`: an explicit instant, or the current UTC day."""
        if now is not None:
            return ("at", now.astimezone(UTC))
        if self.fixed_now is not None:
            return ("at", self.fixed_now)
        return ("day", datetime.now(UTC).date())

    def service(self, now: datetime | None = None) -> FlowService:
        """The prepared service for `now` (None: the hub's default), built on first use."""
        key = self.service_key(now)
        with self._lock:
            service = self._services.get(key)
            if service is None:
                instant = key[1] if key[0] == "at" else datetime.now(UTC)
                service = self.workspace.metrics_at(instant)  # type: ignore[arg-type]
                service.window()  # prepares the temporary tables now, under the lock
                self._services[key] = service
                while len(self._services) > self._max_services:
                    self._services.popitem(last=False)
            else:
                self._services.move_to_end(key)
            return service

    def now(self, now: datetime | None = None) -> datetime:
        """The instant figures are computed as of, for a request that gives `now` (or not)."""
        return self.service(now).now

    # -- results -------------------------------------------------------------------------------
    def compute(self, metric: str, *, now: datetime | None = None, **params: Any) -> MetricResult:
        """`FlowService.<metric>(**params)` as of `now`, from the cache when it was computed before.

        Raises:
            InputError: as the metric does (unknown team, empty window...); errors are not cached.
        """
        if metric not in METRICS:
            raise ValueError(f"not a flow metric: {metric!r}")
        key = (self.service_key(now), metric, tuple(sorted(params.items())))
        return self.cached(key, lambda service: getattr(service, metric)(**params), now=now)

    def cached(self, key: Hashable, compute: Callable[[FlowService], T], *, now: datetime | None = None) -> T:
        """`compute(service)` once per `key`, under the store lock; later calls get the kept value."""
        hit = self._results.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        with self._lock:
            hit = self._results.get(key, _MISSING)
            if hit is not _MISSING:
                self._results.move_to_end(key)
                return hit  # type: ignore[return-value]
            value = compute(self.service(now))
            self._results[key] = value
            while len(self._results) > self._max_results:
                self._results.popitem(last=False)
            return value

    def query(self, key: Hashable | None, run: Callable[[Workspace], T]) -> T:
        """Run a read-only store query under the lock; kept under `key` unless it is None."""
        if key is None:
            with self._lock:
                return run(self.workspace)
        return self.cached(("query", key), lambda _service: run(self.workspace))

    def response_key(self, now: datetime | None, path: str, query: str) -> Hashable:
        """The key of a rendered response: its "now", path and parameters (in any order)."""
        from urllib.parse import parse_qsl

        return (self.service_key(now), path, tuple(sorted(parse_qsl(query, keep_blank_values=True))))

    def close(self) -> None:
        """Close the workspace."""
        with self._lock:
            self._services.clear()
            self._results.clear()
            self.responses.clear()
            self.workspace.close()


class ResponseCache:
    """Rendered responses (body, gzipped body, media type), least recently used first out, bounded
    in bytes. Pages are pure functions of the read-only workspace, their "now" and their URL, so
    a page rendered once is served again as it is (rendering a team page costs tens of ms)."""

    def __init__(self, max_bytes: int = 128 * 1024 * 1024) -> None:
        self._entries: OrderedDict[Hashable, tuple[bytes, bytes, str]] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, bytes, str] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, body: bytes, media_type: str) -> tuple[bytes, bytes, str]:
        """Keep `body` (and its gzip form) under `key`; returns the entry."""
        import gzip

        entry = (body, gzip.compress(body, compresslevel=6), media_type)
        size = len(entry[0]) + len(entry[1])
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous[0]) + len(previous[1])
            if size <= self._max_bytes:
                self._entries[key] = entry
                self._bytes += size
            while self._bytes > self._max_bytes and self._entries:
                _old, (raw, packed, _type) = self._entries.popitem(last=False)
                self._bytes -= len(raw) + len(packed)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_MISSING = object()
