"""The sync engine: pull each configured source page by page, writing every page with its cursor.

Pages a connector yields are written in one transaction together with the resource's advanced
cursor (a row of ``sync_state`` named ``<source>:<resource>`` holding ``{"updated": <ISO instant>}``),
one page or a batch of pages at a time. A sync killed at any point therefore leaves the store at a
page boundary with the cursor of that page; the next sync starts again at the cursor minus the
overlap, re-reads a few items, skips those already stored (same update time) and goes on. Items are
upserted by key, so reading one twice never duplicates it.

The cursor rides in the page's own `Store.write` batch as a `SyncCursor` record (table
``sync_state``), so the store's one transaction covers both.

Counts: ``fetched`` items listed; ``new``, ``changed`` and ``unchanged`` items written (work items,
pull requests, deployments, compared with the stored rows by the store); ``skipped`` items not
written, by reason. A sync with nothing changed remotely writes nothing at all.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from orgflow.config import Config
from orgflow.errors import InputError, NotFoundError
from orgflow.model.record import Record, RecordSpec
from orgflow.sources import ProgressCallback
from orgflow.sources.connectors.base import Connector, ConnectorContext, SyncPage
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.http import BasicAuth, HttpClient, TokenAuth, safe_url
from orgflow.store import ImportBatch, Store
from orgflow.store.batch import to_utc_naive
from orgflow.store.schema import column_types

ITEM_TABLES = ("work_items", "pull_requests", "deployments")
"""The tables whose rows are the items a summary counts."""

_API_ROOTS = {"jira": "", "github": "", "gitlab": "/api/v4"}
_HEADERS = {
    "github": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
}


@dataclass(frozen=True, slots=True)
class SyncCursor(Record):
    """A row of the store's ``sync_state`` table, written in the same transaction as its page."""

    spec: ClassVar[RecordSpec] = RecordSpec("sync_state", ("source_name",))
    source_name: str
    cursor: str
    updated_at: datetime


@dataclass
class SyncSummary:
    """What one source's sync did. Times in seconds."""

    name: str
    kind: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """A one-line account, e.g. ``jira: 120 fetched, 3 new, 2 changed, 0 unchanged, 115 skipped (...)``."""
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        text = (
            f"{self.name}: {self.fetched} fetched, {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {skipped} skipped"
        )
        return f"{text} ({reasons})" if reasons else text


ClientFactory = Callable[[SourceSettings], HttpClient]


def make_client(
    settings: SourceSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    timeout_seconds: float = 30.0,
    max_retries: int = 6,
    backoff_base: float = 0.5,
    jitter: random.Random | None = None,
    transport: httpx.BaseTransport | None = None,
) -> HttpClient:
    """The HTTP client of a source: its API root and its credentials from the environment.

    Raises:
        InputError: a configured token or user variable is not set, or a token would go over plain
            http to another machine than this one.
    """
    token = settings.token()
    user = settings.user()
    auth: httpx.Auth | None = None
    if token is not None:
        auth = BasicAuth(user, token) if user is not None else TokenAuth(token)
    return HttpClient(
        settings.url + _API_ROOTS[settings.kind],
        auth=auth,
        timeout_seconds=timeout_seconds,
        max_retries=max_retries,
        backoff_base=backoff_base,
        sleep=sleep,
        jitter=jitter,
        headers=_HEADERS.get(settings.kind),
        transport=transport,
        source=settings.name,
    )


def sync_source(
    store: Store,
    config: Config,
    settings: SourceSettings,
    *,
    full: bool = False,
    client_factory: ClientFactory = make_client,
    on_progress: ProgressCallback | None = None,
    batch_items: int = 1000,
    batch_seconds: float = 10.0,
) -> SyncSummary:
    """Pull one source into `store`, from its stored cursors, one transaction per page.

    Args:
        store: the open workspace store.
        config: the workspace config (the parsers map teams and workflows with it).
        settings: the source.
        full: ignore the cursors and rewrite every item (after a change of the workflow mapping).
        client_factory: builds the HTTP client (tests set sleep, timeouts and retries).
        on_progress: called as ``(items fetched, total or None, "<name> <resource>")`` after each page.
        batch_items, batch_seconds: pages are written together until they hold `batch_items` items or
            `batch_seconds` passed since the last write (each write is one transaction with the cursors).

    Raises:
        SyncError: a request failed for good; pages written so far stay, with their cursors.
        InputError: a bad setting or an unreadable item (nothing of its page is written).
    """
    started = time.perf_counter()
    summary = SyncSummary(settings.name, settings.kind)
    cursors = _read_cursors(store, settings.name)
    with client_factory(settings) as client:
        context = ConnectorContext(
            settings=settings,
            client=client,
            config=config,
            known_updated=lambda table, ids: _known_updated(store, settings.name, table, ids),
            same_as_stored=lambda records: _same_as_stored(store, settings.name, records),
            cursors={resource: dict(cursor) for resource, cursor in cursors.items()},
            full=full,
        )
        pending = _Pending(settings, cursors)
        try:
            for page in _connector(context).pages():
                pending.add(page, summary)
                if pending.due(batch_items, batch_seconds):
                    pending.flush(store, summary)
                if on_progress is not None:
                    on_progress(summary.fetched, page.total, f"{settings.name} {page.resource}")
            pending.flush(store, summary)
        finally:
            summary.requests = client.requests_made
            summary.retries = client.retries_made
            summary.seconds = time.perf_counter() - started
    return summary


def sync_all(
    store: Store,
    config: Config,
    sources: Sequence[SourceSettings],
    *,
    name: str | None = None,
    full: bool = False,
    client_factory: ClientFactory = make_client,
    on_progress: ProgressCallback | None = None,
    batch_items: int = 1000,
) -> list[SyncSummary]:
    """Sync every source (or the one called `name`), in configured order.

    Raises:
        NotFoundError: `name` is not a configured source.
        InputError: no source is configured.
    """
    chosen = [source for source in sources if name is None or source.name == name]
    if not chosen:
        known = ", ".join(source.name for source in sources) or "none"
        kind = NotFoundError if name else InputError
        what = f"no source named {name!r}" if name else "no sources configured"
        raise kind(what, file="orgflow.yaml", field="sources", hint=f"configured: {known}; see docs/sources.md")
    return [
        sync_source(
            store,
            config,
            source,
            full=full,
            client_factory=client_factory,
            on_progress=on_progress,
            batch_items=batch_items,
        )
        for source in chosen
    ]


def _connector(context: ConnectorContext) -> Connector:
    kind = context.settings.kind
    if kind == "jira":
        from orgflow.sources.connectors.jira import JiraConnector

        return JiraConnector(context)
    if kind == "github":
        from orgflow.sources.connectors.github import GithubConnector

        return GithubConnector(context)
    from orgflow.sources.connectors.gitlab import GitlabConnector

    return GitlabConnector(context)


class _Pending:
    """Pages read but not yet written: item groups by item key (a later version replaces an earlier
    one whole, so no stale child survives) and the cursor of each resource after the last page."""

    def __init__(self, settings: SourceSettings, written: dict[str, dict[str, Any]]) -> None:
        self.settings = settings
        self.written = written
        self.groups: dict[tuple[object, ...], list[Record]] = {}
        self.cursors: dict[str, dict[str, Any]] = {}
        self.since = time.monotonic()

    def add(self, page: SyncPage, summary: SyncSummary) -> None:
        summary.fetched += page.fetched
        summary.skipped.update(page.skipped)
        for group in page.groups:
            if group:
                parent = group[0]
                key = (type(parent), *(getattr(parent, name) for name in parent.spec.key))
                self.groups.pop(key, None)
                self.groups[key] = group
        if self.written.get(page.resource) != page.cursor:
            self.cursors[page.resource] = dict(page.cursor)

    def due(self, batch_items: int, batch_seconds: float) -> bool:
        return len(self.groups) >= batch_items or time.monotonic() - self.since >= batch_seconds

    def flush(self, store: Store, summary: SyncSummary) -> None:
        """Write the pending items and cursors in one transaction (nothing when there is nothing)."""
        self.since = time.monotonic()
        if not self.groups and not self.cursors:
            return
        settings = self.settings
        batch = ImportBatch(source=settings.name, kind=f"sync {settings.kind}", origin=safe_url(settings.url))
        for group in self.groups.values():
            batch.extend(group)
        now = datetime.now(UTC)
        for resource, cursor in self.cursors.items():
            batch.add(SyncCursor(f"{settings.name}:{resource}", json.dumps(cursor, sort_keys=True), now))
        counts = store.write(batch)
        self.written.update(self.cursors)
        self.groups.clear()
        self.cursors.clear()
        summary.writes += 1
        for table in ITEM_TABLES:
            new, changed, unchanged = counts.by_table.get(table, (0, 0, 0))
            summary.new += new
            summary.changed += changed
            summary.unchanged += unchanged


def _read_cursors(store: Store, name: str) -> dict[str, dict[str, Any]]:
    """The stored cursors of a source, by resource."""
    rows = store.connection.execute("SELECT source_name, cursor FROM sync_state").fetchall()
    prefix = f"{name}:"
    cursors: dict[str, dict[str, Any]] = {}
    for source_name, cursor in rows:
        if source_name.startswith(prefix) and cursor:
            cursors[source_name[len(prefix) :]] = json.loads(cursor)
    return cursors


def _known_updated(store: Store, source: str, table: str, ids: list[str]) -> dict[str, datetime]:
    """Stored ``updated_at`` (aware UTC) of `ids` in `table` (a table with that column)."""
    rows = store.connection.execute(
        f"SELECT source_id, updated_at FROM {table} WHERE source = ? AND list_contains(?, source_id)",
        [source, ids],
    ).fetchall()
    return {source_id: updated.replace(tzinfo=UTC) for source_id, updated in rows if updated is not None}


def _same_as_stored(store: Store, source: str, records: list[Record]) -> set[str]:
    """Source ids of `records` (one class, keyed by source and source_id) whose stored row is identical."""
    record_class = type(records[0])
    columns = list(column_types(record_class))
    wanted = {record.source_id: _row(record, columns) for record in records}  # type: ignore[attr-defined]
    rows = store.connection.execute(
        f"SELECT * FROM {record_class.spec.table} WHERE source = ? AND list_contains(?, source_id)",
        [source, list(wanted)],
    ).fetchall()
    source_id_at = columns.index("source_id")
    return {row[source_id_at] for row in rows if wanted.get(row[source_id_at]) == tuple(row)}


def _row(record: Record, columns: list[str]) -> tuple[object, ...]:
    """A record as the store returns its row: naive UTC instants, lists for tuples."""
    values = []
    for name in columns:
        value = getattr(record, name)
        if isinstance(value, datetime):
            value = to_utc_naive(value)
        elif isinstance(value, tuple):
            value = list(value)
        values.append(value)
    return tuple(values)
