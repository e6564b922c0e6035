"""What every live connector shares: the page it yields, the context it runs in, cursor arithmetic.

A connector turns remote pages into canonical records with the file importers' own parsers and
yields one `SyncPage` per remote page; the sync engine writes each page and its advanced cursor in
one transaction. Connectors never write and never print.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from orgflow.config import Config
from orgflow.model.record import Record
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.http import HttpClient

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SKIP_UNCHANGED = "not updated since the last sync"

KnownUpdated = Callable[[str, list[str]], dict[str, datetime]]
"""known_updated(table, source ids) -> the stored ``updated_at`` of those ids that are in the store."""

SameAsStored = Callable[[list[Record]], set[str]]
"""same_as_stored(records of one keyed-by-source_id class) -> source ids whose stored row is identical."""


@dataclass
class SyncPage:
    """One remote page, normalized.

    Attributes:
        resource: what was listed (``issues``, ``merge_requests``, ``deployments``); each resource
            has its own cursor, stored as ``<source name>:<resource>``.
        groups: the canonical records to write, one list per item with the item first (its
            transitions, links, ... after it); items skipped as unchanged have none.
        fetched: items listed for the first time in this sync (duplicates of the walk excluded).
        skipped: items not written, by reason.
        cursor: the resource's cursor once this page is written.
        total: the remote's count of matching items, when known (for progress).
    """

    resource: str
    groups: list[list[Record]]
    fetched: int
    skipped: Counter[str] = field(default_factory=Counter)
    cursor: dict[str, Any] = field(default_factory=dict)
    total: int | None = None


@dataclass
class ConnectorContext:
    """What a connector needs: its settings, the shared client, the config and the store's memory.

    `full` ignores stored cursors and re-reads (and rewrites) every item, e.g. after the workflow
    mapping in orgflow.yaml changed.
    """

    settings: SourceSettings
    client: HttpClient
    config: Config
    known_updated: KnownUpdated
    same_as_stored: SameAsStored
    cursors: dict[str, dict[str, Any]]
    full: bool = False

    def start(self, resource: str) -> datetime:
        """Where the walk of `resource` starts: the stored cursor minus the overlap, else the epoch."""
        stored = None if self.full else self.cursors.get(resource, {}).get("updated")
        if not stored:
            return EPOCH
        return datetime.fromisoformat(stored) - timedelta(minutes=self.settings.overlap_minutes)

    def advanced(self, resource: str, last_updated: datetime) -> dict[str, Any]:
        """The cursor of `resource` after a page whose last item was updated at `last_updated`.

        Never moves back: a resumed walk re-reads its overlap without lowering the cursor.
        """
        cursor = dict(self.cursors.get(resource, {}))
        stored = cursor.get("updated")
        if stored is None or datetime.fromisoformat(stored) < last_updated:
            cursor["updated"] = last_updated.astimezone(UTC).isoformat()
        self.cursors[resource] = cursor
        return dict(cursor)

    def unchanged(self, table: str, updated: dict[str, datetime]) -> set[str]:
        """The ids in `updated` whose stored update time is the listed one (skipped unless `full`)."""
        if self.full or not updated:
            return set()
        stored = self.known_updated(table, list(updated))
        return {key for key, instant in updated.items() if stored.get(key) == instant}

    def identical(self, records: list[Record]) -> set[str]:
        """The source ids of `records` stored exactly so already (skipped unless `full`)."""
        return set() if self.full or not records else self.same_as_stored(records)


class Connector(Protocol):
    """A live source: yields normalized pages, reading from where the stored cursors say."""

    def pages(self) -> Iterator[SyncPage]: ...


def floor_minute(instant: datetime) -> datetime:
    """`instant` rounded down to the minute (JQL dates have minute precision)."""
    return instant.replace(second=0, microsecond=0)


def floor_second(instant: datetime) -> datetime:
    """`instant` rounded down to the second (GitHub and GitLab filters)."""
    return instant.replace(microsecond=0)


def iso_z(instant: datetime) -> str:
    """An ISO 8601 UTC timestamp with ``Z``, to the second (as GitHub and GitLab expect)."""
    return instant.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
