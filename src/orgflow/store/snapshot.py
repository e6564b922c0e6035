"""The dashboard's read-only snapshot of the store, so that a server never locks the workspace file.

DuckDB lets one process write a database file, or any number of processes read it, never both. A
dashboard that kept the workspace file open would stop every import, sync and refresh while it runs.
So the server reads a copy instead:

- `orgflow serve` publishes a snapshot (a copy of ``orgflow.duckdb`` in ``.orgflow-serve/``) when it
  starts, and leaves a lease file there (``serving.<pid>``) for as long as it runs;
- a process that wrote to the workspace publishes a new snapshot when it closes the store, if any
  server holds a lease: it checkpoints, copies the file beside the snapshot and renames it over the
  old one, which is atomic, so a reader sees the old snapshot or the new one, never half of one;
- the server notices the new file (its inode changes) on the next request and reopens it, through a
  hard link of its own with a new name (DuckDB keeps one database per path in a process, so opening
  the same path again would hand back the old snapshot).

The copy is made while the publisher holds a lock on the workspace file (its own write lock, or a
read lock at the server's start), so it is never taken in the middle of another process's write.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT_DIR = ".orgflow-serve"
SNAPSHOT_FILE = "orgflow.duckdb"
_LEASE_PREFIX = "serving."


@dataclass(frozen=True)
class SnapshotStamp:
    """What identifies one published snapshot file (a new file gets a new inode)."""

    inode: int
    modified_ns: int
    size: int


def snapshot_path(store_path: Path) -> Path:
    """The snapshot of the store file `store_path` (which may not exist)."""
    return store_path.parent / SNAPSHOT_DIR / SNAPSHOT_FILE


def stamp(path: Path) -> SnapshotStamp | None:
    """The snapshot file's identity now, or None when there is none."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return SnapshotStamp(info.st_ino, info.st_mtime_ns, info.st_size)


def has_readers(store_path: Path) -> bool:
    """Whether a server (alive or not) holds a lease on the store's snapshot, so writers must publish."""
    folder = store_path.parent / SNAPSHOT_DIR
    if not folder.is_dir():
        return False
    return any(_lease_alive(lease) for lease in folder.glob(f"{_LEASE_PREFIX}*"))


def copy_store(store_path: Path) -> Path:
    """Copy the store file to its snapshot path atomically; returns the snapshot path.

    The caller holds a lock on the store file and has checkpointed it (no write-ahead log is left),
    so the file alone is the whole database.
    """
    target = snapshot_path(store_path)
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(store_path, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def reader_link(snapshot_file: Path) -> Path:
    """A new name for the snapshot file (a hard link), for one open: the caller opens it, then
    removes the link with `drop_reader_link` (the open file stays readable)."""
    global _links_made
    _links_made += 1
    link = snapshot_file.with_name(f"reading.{os.getpid()}.{_links_made}.duckdb")
    link.unlink(missing_ok=True)
    os.link(snapshot_file, link)
    return link


def drop_reader_link(link: Path) -> None:
    """Remove a link made by `reader_link`."""
    link.unlink(missing_ok=True)


_links_made = 0


def take_lease(store_path: Path) -> Path:
    """Record that this process serves the store's snapshot; returns the lease file."""
    folder = store_path.parent / SNAPSHOT_DIR
    folder.mkdir(exist_ok=True)
    lease = folder / f"{_LEASE_PREFIX}{os.getpid()}"
    lease.write_text(f"{os.getpid()}\n", encoding="ascii")
    return lease


def release_lease(lease: Path) -> None:
    """Drop this process's lease; with no server left, drop the snapshot too (writers stop copying)."""
    lease.unlink(missing_ok=True)
    folder = lease.parent
    if not any(_lease_alive(other) for other in folder.glob(f"{_LEASE_PREFIX}*")):
        (folder / SNAPSHOT_FILE).unlink(missing_ok=True)


def _lease_alive(lease: Path) -> bool:
    """A lease whose process still runs; a dead server's lease (killed, not stopped) is removed."""
    try:
        pid = int(lease.name.removeprefix(_LEASE_PREFIX))
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        lease.unlink(missing_ok=True)
        return False
    except PermissionError:
        return True
    return True
