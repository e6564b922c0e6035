"""Who owns a service, and which service a repository is: the ownership rules the delivery figures and
pages share.

A service's owner is the group of the component named like it (by its id or its display name): the
``component_ownerships`` row valid on the day when ownership over time is recorded, else the
component's ``owner_id``, else "unowned". Rolling up, ``by="group"`` counts a service in its owner and
in every ancestor group.

Deployments name a service; pull requests and commits name a repository ("org/name" on GitHub,
"group/sub/name" on GitLab, or a bare "name"). A repository is the service named by the last part of
its name (`service_of`): ``acme/payments-api`` and ``payments-api`` are both ``payments-api``, and a
repository's owner team is its service's owner.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

UNOWNED = "unowned"
"""The owner of a service no component names."""


def service_of(repository: str) -> str:
    """The service a repository is: the last "/"-separated part of its name."""
    return repository.rsplit("/", 1)[-1]


class ServiceOwners:
    """The services' owners (current and over time) and the groups above them, read once from the store."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        owners: dict[str, str] = {}
        # A service is named by its component's id or its display name.
        for source_id, name, owner in connection.execute(
            "SELECT source_id, name, owner_id FROM components WHERE owner_id IS NOT NULL ORDER BY source, source_id"
        ).fetchall():
            owners.setdefault(source_id, owner)
            owners.setdefault(name, owner)
        dated: dict[str, list[tuple[date | None, date | None, str]]] = {}
        for source_id, name, owner, since, until in connection.execute(
            "SELECT c.source_id, c.name, o.group_id, o.valid_from, o.valid_to FROM component_ownerships o "
            "JOIN components c ON c.source_id = o.component_id ORDER BY o.valid_from NULLS FIRST"
        ).fetchall():
            for key in {source_id, name}:
                dated.setdefault(key, []).append((since, until, owner))
        self._current = owners
        self._dated = dated
        self.groups: dict[str, tuple[str | None, str]] = {
            group_id: (parent, name)
            for group_id, parent, name in connection.execute(
                "SELECT source_id, parent_id, name FROM groups ORDER BY source, source_id"
            ).fetchall()
        }
        """Group id -> (parent id, name)."""

    def owner(self, service: str, on: date | None = None) -> str:
        """The group owning `service` on day `on` (ownership over time when recorded, else the component's
        owner; `on` None: the current owner), or "unowned"."""
        current = self._current.get(service, UNOWNED)
        periods = self._dated.get(service)
        if not periods:
            return current
        if on is None:
            return periods[-1][2]
        for since, until, owner in periods:
            if (since is None or since <= on) and (until is None or on < until):
                return owner
        return current

    def name(self, group: str) -> str:
        """A group's name (its id when the store has no such group)."""
        return self.groups.get(group, (None, group))[1]

    def keys(self, service: str, by: str, on: date | None = None) -> list[str]:
        """The rows a service counts in on day `on`: itself, its owner team, or its owner and every ancestor."""
        if by == "service":
            return [service]
        owner = self.owner(service, on)
        if by == "team" or owner == UNOWNED:
            return [owner]
        chain = [owner]
        parent = self.groups.get(owner, (None, ""))[0]
        while parent and parent not in chain:
            chain.append(parent)
            parent = self.groups.get(parent, (None, ""))[0]
        return chain

    def selected(
        self, service: str, *, only: str | None, team: str | None, group: str | None, on: date | None = None
    ) -> bool:
        """Whether `service` is in the cut on day `on`: it is `only` (when given), its owner is `team` (when
        given) and `group` is its owner or above it (when given)."""
        if only is not None and service != only:
            return False
        if team is not None and self.owner(service, on) != team:
            return False
        return group is None or group in self.keys(service, "group", on)
