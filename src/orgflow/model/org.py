"""The organization: people, groups (team, cluster, area, org), memberships, components."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec

GROUP_KINDS = ("team", "cluster", "area", "org")
TEAM_TOPOLOGIES_TYPES = ("stream-aligned", "platform", "enabling", "complicated-subsystem")


@dataclass(frozen=True, slots=True)
class Person(Record):
    """A person. `manager_id` is the source id of their manager (span of control)."""

    spec: ClassVar[RecordSpec] = RecordSpec("people", ("source", "source_id"))
    source: str
    source_id: str
    name: str
    email: str | None = None
    title: str | None = None
    manager_id: str | None = None


@dataclass(frozen=True, slots=True)
class Group(Record):
    """A team, cluster, area or the org. `topology_type` is a Team Topologies type, for teams."""

    spec: ClassVar[RecordSpec] = RecordSpec("groups", ("source", "source_id"))
    source: str
    source_id: str
    name: str
    kind: str
    topology_type: str | None = None
    parent_id: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True)
class Membership(Record):
    """A person in a group with a role and allocation (0-1) over [valid_from, valid_to) (open if None)."""

    spec: ClassVar[RecordSpec] = RecordSpec("memberships", ("source", "source_id"))
    source: str
    source_id: str
    person_id: str
    group_id: str
    role: str | None = None
    allocation: float = 1.0
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Component(Record):
    """A service, library or website; owned by a group, in a system and domain, matched by path globs."""

    spec: ClassVar[RecordSpec] = RecordSpec("components", ("source", "source_id"))
    source: str
    source_id: str
    name: str
    kind: str = "service"
    owner_id: str | None = None
    system: str | None = None
    domain: str | None = None
    path_globs: tuple[str, ...] = ()
    lifecycle: str | None = None


@dataclass(frozen=True, slots=True)
class ComponentDependency(Record):
    """`component_id` depends on `depends_on_id` (kind: dependsOn, consumesApi, ...)."""

    spec: ClassVar[RecordSpec] = RecordSpec(
        "component_dependencies", ("source", "component_id", "depends_on_id", "kind")
    )
    source: str
    component_id: str
    depends_on_id: str
    kind: str = "depends_on"
    declared_at: datetime | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class ComponentOwnership(Record):
    """`group_id` owns `component_id` over [valid_from, valid_to) (open if None); ownership over time."""

    spec: ClassVar[RecordSpec] = RecordSpec("component_ownerships", ("source", "source_id"))
    source: str
    source_id: str
    component_id: str
    group_id: str
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class RoleRequirement(Record):
    """A team template's required role: a group with `template` needs at least `minimum` members in `role`."""

    spec: ClassVar[RecordSpec] = RecordSpec("role_requirements", ("source", "template", "role"))
    source: str
    template: str
    role: str
    minimum: int = 1


@dataclass(frozen=True, slots=True)
class PersonAlias(Record):
    """Another name of a person (git author name or email, tracker login), resolved to `person_id`."""

    spec: ClassVar[RecordSpec] = RecordSpec("person_aliases", ("source", "alias"))
    source: str
    alias: str
    person_id: str
