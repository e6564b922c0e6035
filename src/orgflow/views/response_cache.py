"""The dashboard's rendered responses, kept by URL and "now": a page is a pure function of the read-only
workspace, its "now" and its URL, so one rendered once is served again as it is."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ResponseCache:
    """Rendered responses (body, gzipped body once a client asked for it, media type), least recently
    used first out, bounded in bytes. Pages are pure functions of the read-only workspace, their "now"
    and their URL, so a page rendered once is served again as it is (rendering a team page costs tens
    of ms)."""

    def __init__(self, max_bytes: int = 128 * 1024 * 1024) -> None:
        self._entries: OrderedDict[Hashable, tuple[bytes, bytes | None, str]] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, bytes | None, str] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, body: bytes, media_type: str) -> tuple[bytes, bytes | None, str]:
        """Keep `body` under `key` (its gzip form is made when a client first asks for it: `gzipped`);
        returns the entry."""
        entry = (body, None, media_type)
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= _entry_size(previous)
            if len(body) <= self._max_bytes:
                self._entries[key] = entry
                self._bytes += len(body)
            self._evict()
        return entry

    def gzipped(self, key: Hashable, entry: tuple[bytes, bytes | None, str]) -> bytes:
        """The gzip form of `entry`'s body (kept under `key`), compressed on first need and kept with it."""
        import gzip

        raw, packed, media_type = entry
        if packed is not None:
            return packed
        packed = gzip.compress(raw, compresslevel=6)
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[0] is raw and kept[1] is None:
                self._entries[key] = (raw, packed, media_type)
                self._bytes += len(packed)
                self._evict()
        return packed

    def _evict(self) -> None:
        """Drop the least recently used entries past the byte bound (under the lock)."""
        while self._bytes > self._max_bytes and self._entries:
            _old, entry = self._entries.popitem(last=False)
            self._bytes -= _entry_size(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _entry_size(entry: tuple[bytes, bytes | None, str]) -> int:
    """The bytes an entry of `ResponseCache` holds: its body and its gzip form when made."""
    raw, packed, _type = entry
    return len(raw) + (len(packed) if packed is not None else 0)
