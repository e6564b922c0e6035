"""The commit graph (commits and their parents) and the commits each deployment brings to production.

A deployment brings to production the commits reachable from its revision that no earlier successful
production deployment of the same service had reached (docs/dora.md, "for the first time"). Walking
in deployment order with one "already in production" mark per commit and service, each commit is
visited once per service: the whole history costs O(commits + parent links) per service, however many
deployments there are.

The first deployment of a service whose revision is known has no predecessor to diff against: every
commit it reaches was in production by then, at a time the data does not tell. Those commits are
reported apart ("in production before the first recorded deployment") and never pinned to it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orgflow.store.engine import duckdb


class CommitGraph:
    """Commits by integer index: sha, parent indices, authored and committed instants (naive UTC).

    A parent that is not loaded (a shallow history, an excluded ref) is left out and counted in
    `missing_parents`.
    """

    def __init__(
        self,
        shas: Sequence[str],
        parents: Sequence[Sequence[str]],
        authored_at: Sequence[datetime],
        committed_at: Sequence[datetime],
        *,
        tags: dict[str, str] | None = None,
    ) -> None:
        self.shas = list(shas)
        self.index = {sha: position for position, sha in enumerate(self.shas)}
        self.authored_at = list(authored_at)
        self.committed_at = list(committed_at)
        self.missing_parents = 0
        links: list[tuple[int, ...]] = []
        for names in parents:
            known = tuple(self.index[name] for name in names if name in self.index)
            self.missing_parents += len(names) - len(known)
            links.append(known)
        self.parents = links
        self.tags = dict(tags or {})
        self._sorted = sorted(self.shas)

    def __len__(self) -> int:
        return len(self.shas)

    @classmethod
    def from_store(cls, connection: duckdb.DuckDBPyConnection) -> CommitGraph:
        """The graph of every loaded commit (a sha imported by two sources counts once), and tag names."""
        rows = connection.execute(
            """
            SELECT source_id, first(parents ORDER BY source), min(authored_at), min(committed_at)
            FROM commits GROUP BY source_id ORDER BY source_id
            """
        ).fetchall()
        tag_rows = connection.execute(
            "SELECT name, min(commit_id) FROM tags GROUP BY name HAVING count(DISTINCT commit_id) = 1"
        ).fetchall()
        return cls(
            [row[0] for row in rows],
            [row[1] or () for row in rows],
            [row[2] for row in rows],
            [row[3] for row in rows],
            tags=dict(tag_rows),
        )

    def resolve(self, revision: str) -> int | None:
        """The commit a deployment's revision names: a full sha, a tag name, or a unique sha prefix (7+)."""
        text = revision.strip()
        found = self.index.get(text)
        if found is not None:
            return found
        tagged = self.tags.get(text)
        if tagged is not None and tagged in self.index:
            return self.index[tagged]
        lowered = text.lower()
        if len(lowered) >= 7:
            start = bisect.bisect_left(self._sorted, lowered)
            matches = self._sorted[start : start + 2]
            matches = [sha for sha in matches if sha.startswith(lowered)]
            if len(matches) == 1:
                return self.index[matches[0]]
        return None

    def reach(self, start: int, seen: bytearray) -> list[int]:
        """Commits reachable from `start` (itself included) not marked in `seen`; marks them.

        Stops at marked commits: everything behind one was reached (and marked) by an earlier walk.
        """
        if seen[start]:
            return []
        seen[start] = 1
        found = [start]
        stack = [start]
        parents = self.parents
        while stack:
            for parent in parents[stack.pop()]:
                if not seen[parent]:
                    seen[parent] = 1
                    found.append(parent)
                    stack.append(parent)
        return found


@dataclass(frozen=True, slots=True)
class DeploymentRef:
    """A successful production deployment, as the walk needs it."""

    deployment_id: str
    service: str
    finished_at: datetime
    revision: str


@dataclass
class DeployedCommits:
    """Which commits each deployment brought to production first.

    Attributes:
        new: deployment id -> commit indices it brought first (empty for a service's first recorded one).
        baseline: service -> id of its first deployment with a known revision.
        before_first: service -> commits in production by that first deployment (time unknown).
        unknown: deployment ids whose revision names no loaded commit (data quality).
        revision: deployment id -> the index of its revision's commit (known revisions only).
        first_deployment: (service, commit index) -> the deployment that brought it first.
    """

    new: dict[str, list[int]] = field(default_factory=dict)
    baseline: dict[str, str] = field(default_factory=dict)
    before_first: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    revision: dict[str, int] = field(default_factory=dict)
    first_deployment: dict[tuple[str, int], str] = field(default_factory=dict)


def deployed_commits(graph: CommitGraph, deployments: Iterable[DeploymentRef]) -> DeployedCommits:
    """Walk each service's deployments in time order (ties by id) and split the commits between them.

    A deployment before the service's first known revision (its revision unknown) brings nothing, as
    does one whose revision was already in production (a rollback, a redeploy).
    """
    result = DeployedCommits()
    by_service: dict[str, list[DeploymentRef]] = {}
    for deployment in deployments:
        by_service.setdefault(deployment.service, []).append(deployment)
    for service, refs in by_service.items():
        refs.sort(key=lambda ref: (ref.finished_at, ref.deployment_id))
        seen = bytearray(len(graph))
        for ref in refs:
            position = graph.resolve(ref.revision)
            if position is None:
                result.unknown.append(ref.deployment_id)
                result.new[ref.deployment_id] = []
                continue
            result.revision[ref.deployment_id] = position
            reached = graph.reach(position, seen)
            if service not in result.baseline:
                result.baseline[service] = ref.deployment_id
                result.before_first[service] = reached
                result.new[ref.deployment_id] = []
                continue
            result.new[ref.deployment_id] = reached
            for commit in reached:
                result.first_deployment[(service, commit)] = ref.deployment_id
    return result
