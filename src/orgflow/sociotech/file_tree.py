"""The files that exist in a repository at a date, and the path each file's history lives under now.

The **mainline** is the first-parent history of the imported HEAD (`RepoHead`), oldest first. A commit's tree
is its first parent's tree plus the commit's changes against that parent, so replaying the mainline's changes
(git's statuses A, M, D, R, T, C; a merge's changes against its first parent included) gives the tree of
every mainline commit. The files that exist at an instant are those of the last mainline commit committed on
or before it (commit times along the mainline are taken as their running maximum, so a rebased commit with an
older time never moves the cut backwards).

Why the mainline and not every imported commit: a release branch repeats additions (a cherry-pick adds the
file again) and never sees the deletion made later on the main branch; counting every branch keeps deleted
files alive. What a merged branch brought is in its merge's first-parent changes.

**Renames are followed**: a file keeps one identity from its creation to its deletion, through any renames,
and every change of it (under any earlier name) is attributed to the path it has at the analysis date. A
change made outside the mainline (a branch commit, merged later) is placed on the mainline by its commit time:
it belongs to the file that held its path then, else to the one that takes the path next (a file created on
a branch lands with its merge), else to the one that held it last.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TreeChange:
    """One file change of a mainline commit: git's status letter (None: unknown), the path, the old path."""

    status: str | None
    path: str
    old_path: str | None = None


@dataclass
class _Segment:
    """A file's stay at one path: from the mainline position that put it there to the one that took it away."""

    start: int
    end: int | None
    file_id: int


class FileTree:
    """The mainline of one repository, replayed: which files exist at each commit, and under which path.

    Args:
        mainline: (sha, committed_at) of the mainline commits, root first, HEAD last.
        changes: the changes of each mainline commit against its first parent, by sha.
    """

    def __init__(self, mainline: Sequence[tuple[str, datetime]], changes: Mapping[str, Iterable[TreeChange]]) -> None:
        self.head = mainline[-1][0] if mainline else None
        self._positions = {sha: position for position, (sha, _at) in enumerate(mainline)}
        self._shas = [sha for sha, _at in mainline]
        self._times = list(itertools.accumulate((at for _sha, at in mainline), max))
        self._segments: dict[str, list[_Segment]] = {}
        self._paths: list[list[tuple[int, str]]] = []  # per file id: (position, path) from its creation on
        self._deaths: dict[int, int] = {}
        alive: dict[str, int] = {}
        for position, (sha, _at) in enumerate(mainline):
            self._apply(position, list(changes.get(sha, ())), alive)

    def _apply(self, position: int, rows: list[TreeChange], alive: dict[str, int]) -> None:
        # Removals first: one commit may rename a.txt away and add a new a.txt.
        moved: dict[str, int | None] = {}
        for row in rows:
            if row.status == "D":
                file_id = self._leave(row.path, position, alive)
                if file_id is not None:
                    self._deaths[file_id] = position
            elif row.status == "R" and row.old_path is not None:
                moved[row.path] = self._leave(row.old_path, position, alive)
        for row in rows:
            if row.status == "D":
                continue
            file_id = moved.get(row.path)
            if file_id is None and row.path in alive:
                continue  # a modification (or a repeated addition) of a file that exists
            if row.path in alive:  # a rename onto an existing path replaces that file
                replaced = self._leave(row.path, position, alive)
                if replaced is not None:
                    self._deaths[replaced] = position
            if file_id is None:
                file_id = len(self._paths)
                self._paths.append([])
            self._paths[file_id].append((position, row.path))
            self._segments.setdefault(row.path, []).append(_Segment(position, None, file_id))
            alive[row.path] = file_id

    def _leave(self, path: str, position: int, alive: dict[str, int]) -> int | None:
        """Take the file at `path` away (deleted or renamed) at `position`; its id, None when none was there."""
        file_id = alive.pop(path, None)
        if file_id is not None:
            self._segments[path][-1].end = position
        return file_id

    def position_at(self, instant: datetime) -> int:
        """The mainline position of the tree at `instant`: the last commit committed on or before it (-1: none)."""
        return bisect.bisect_right(self._times, instant) - 1

    def sha_at(self, position: int) -> str | None:
        """The sha of the mainline commit at `position` (None before the first)."""
        return self._shas[position] if 0 <= position < len(self._shas) else None

    def path_of(self, file_id: int, position: int) -> str | None:
        """The path of a file in the tree at `position`; None when it does not exist there."""
        if position < 0 or self._deaths.get(file_id, position + 1) <= position:
            return None
        stays = self._paths[file_id]
        index = bisect.bisect_right(stays, position, key=lambda stay: stay[0]) - 1
        return stays[index][1] if index >= 0 else None

    def files_at(self, position: int) -> set[str]:
        """Every path in the tree of the mainline commit at `position`."""
        paths = (self.path_of(file_id, position) for file_id in range(len(self._paths)))
        return {path for path in paths if path is not None}

    def current_path(self, path: str, *, revision: str, committed_at: datetime, position: int) -> str | None:
        """The path, in the tree at `position`, of the file a change of `path` by `revision` belongs to.

        None when that file does not exist there (deleted, not created yet), when the change comes after
        `position` on the mainline, or when the path never was on the mainline.
        """
        at = self._positions.get(revision)
        on_mainline = at is not None
        if at is None:
            at = bisect.bisect_right(self._times, committed_at) - 1
        elif at > position:
            return None
        file_id = self._file_at(path, at, on_mainline=on_mainline)
        return None if file_id is None else self.path_of(file_id, position)

    def _file_at(self, path: str, position: int, *, on_mainline: bool) -> int | None:
        """The file a change of `path` at mainline `position` belongs to (rule in the module docstring).

        The mainline commit that takes a file away from its path (its deletion) still changes that file; a
        branch commit placed at the same position came after it.
        """
        segments = self._segments.get(path)
        if not segments:
            return None
        holding = [
            s
            for s in segments
            if s.start <= position and (s.end is None or position < s.end or (on_mainline and position == s.end))
        ]
        if holding:
            return max(holding, key=lambda segment: segment.start).file_id
        later = [s for s in segments if s.start > position]
        if later:
            return min(later, key=lambda segment: segment.start).file_id
        return max(segments, key=lambda segment: segment.start).file_id


def mainline(head: str, parents: Mapping[str, Sequence[str]]) -> tuple[list[str], str | None]:
    """The first-parent history of `head`, root first, and the first parent it stops at when that is missing.

    Args:
        head: the sha to start from.
        parents: the parents of every known commit, first parent first.

    Returns:
        (shas root first, the sha of a first parent not in `parents`, or None when the walk reached a root).
        An unknown head gives ([], head).
    """
    chain: list[str] = []
    sha: str | None = head
    seen: set[str] = set()
    while sha is not None and sha in parents and sha not in seen:
        seen.add(sha)
        chain.append(sha)
        first = parents[sha]
        sha = first[0] if first else None
    chain.reverse()
    return chain, sha
