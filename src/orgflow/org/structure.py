"""The organization as it was on any date: groups, members, owned components, managers, and attribution.

Every dated record is valid over the half-open interval [valid_from, valid_to) of UTC days; an empty end is
open. A group exists on a day when its own interval holds it; a membership counts on a day when both the
membership and its group hold it. The org is small (thousands of rows), so `OrgModel` keeps it in memory;
attributing many events (commits, items, deployments) to teams runs in DuckDB (`attribute`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from orgflow.errors import NotFoundError
from orgflow.model.org import (
    Component,
    ComponentDependency,
    ComponentOwnership,
    Group,
    Membership,
    Person,
    PersonAlias,
    RoleRequirement,
)
from orgflow.model.record import Record
from orgflow.org.person_team_sql import PERSON_TEAM_SQL
from orgflow.store.engine import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

R = TypeVar("R", bound=Record)
_EMAIL = re.compile(r"<([^>]+)>")


def valid_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    """Whether the half-open interval [valid_from, valid_to) holds `day` (None: open end)."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


@dataclass
class OrgModel:
    """The org's records, with effective-dated queries. Build it with `from_records` or `from_store`."""

    people: dict[str, Person] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    components: dict[str, Component] = field(default_factory=dict)
    ownerships: list[ComponentOwnership] = field(default_factory=list)
    dependencies: list[ComponentDependency] = field(default_factory=list)
    requirements: list[RoleRequirement] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Any]) -> OrgModel:
        """A model of canonical records (other record types are ignored; later ids win)."""
        model = cls()
        for record in records:
            if isinstance(record, Person):
                model.people[record.source_id] = record
            elif isinstance(record, Group):
                model.groups[record.source_id] = record
            elif isinstance(record, Membership):
                model.memberships.append(record)
            elif isinstance(record, Component):
                model.components[record.source_id] = record
            elif isinstance(record, ComponentOwnership):
                model.ownerships.append(record)
            elif isinstance(record, ComponentDependency):
                model.dependencies.append(record)
            elif isinstance(record, RoleRequirement):
                model.requirements.append(record)
            elif isinstance(record, PersonAlias):
                key = record.alias.casefold()
                # The same alias from two sources: the smaller person id, as the SQL of `attribute` picks.
                model.aliases[key] = min(record.person_id, model.aliases.get(key, record.person_id))
        return model

    @classmethod
    def from_store(cls, connection: duckdb.DuckDBPyConnection) -> OrgModel:
        """The org records of every source in the store (ids are expected to be unique across sources)."""
        records: list[Any] = []
        for record_class in (
            Person,
            Group,
            Membership,
            Component,
            ComponentOwnership,
            ComponentDependency,
            RoleRequirement,
            PersonAlias,
        ):
            records.extend(stored_records(connection, record_class))
        return cls.from_records(records)

    # -- groups ------------------------------------------------------------------------------
    def group(self, group_id: str) -> Group:
        """The group with this id.

        Raises:
            InputError: no such group.
        """
        if group_id not in self.groups:
            raise NotFoundError(f"unknown group {group_id!r}", field="group", hint="see `orgflow org summary`")
        return self.groups[group_id]

    def groups_on(self, day: date) -> list[Group]:
        """Groups that exist on `day`, by id."""
        return [group for _, group in sorted(self.groups.items()) if valid_on(group.valid_from, group.valid_to, day)]

    def ancestry(self, group_id: str) -> list[str]:
        """The group and its ancestors, nearest first (a cycle stops the walk)."""
        chain = [self.group(group_id).source_id]
        parent = self.groups[group_id].parent_id
        while parent is not None and parent in self.groups and parent not in chain:
            chain.append(parent)
            parent = self.groups[parent].parent_id
        return chain

    def children_on(self, group_id: str, day: date) -> list[str]:
        """Direct child groups that exist on `day`, by id."""
        return [group.source_id for group in self.groups_on(day) if group.parent_id == group_id]

    def descendants_on(self, group_id: str, day: date) -> list[str]:
        """Every group below `group_id` that exists on `day` (not the group itself), by id."""
        found: list[str] = []
        frontier = [group_id]
        while frontier:
            children = [child for parent in frontier for child in self.children_on(parent, day) if child not in found]
            found.extend(children)
            frontier = children
        return sorted(found)

    # -- people ------------------------------------------------------------------------------
    def memberships_on(self, day: date, group_id: str | None = None, *, descendants: bool = False) -> list[Membership]:
        """Memberships valid on `day` in groups that exist then (of one group, optionally with its descendants)."""
        wanted: set[str] | None = None
        if group_id is not None:
            self.group(group_id)
            wanted = {group_id, *(self.descendants_on(group_id, day) if descendants else ())}
        result = []
        for membership in self.memberships:
            group = self.groups.get(membership.group_id)
            if wanted is not None and membership.group_id not in wanted:
                continue
            if group is None or not valid_on(group.valid_from, group.valid_to, day):
                continue
            if valid_on(membership.valid_from, membership.valid_to, day):
                result.append(membership)
        return result

    def members_on(self, group_id: str, day: date, *, descendants: bool = False) -> list[str]:
        """Person ids in the group on `day` (direct members, or with every descendant group), sorted."""
        return sorted({m.person_id for m in self.memberships_on(day, group_id, descendants=descendants)})

    def team_of_person_on(self, person_id: str, day: date) -> str | None:
        """The person's team on `day`: their team membership with the largest allocation, ties going to the
        latest ``valid_from`` (an open start counts as earliest), then to the smaller group id; None if none."""
        candidates = [
            membership
            for membership in self.memberships_on(day)
            if membership.person_id == person_id and self.groups[membership.group_id].kind == "team"
        ]
        if not candidates:
            return None
        best = min(
            candidates,
            key=lambda m: (-m.allocation, -(m.valid_from.toordinal() if m.valid_from else 0), m.group_id),
        )
        return best.group_id

    def resolve(self, alias: str) -> str | None:
        """The person an alias names: a `PersonAlias`, else a person id, else a person's email (case-insensitive);
        an alias written ``Name <email>`` also tries the email."""
        key = alias.strip().casefold()
        email = _EMAIL.search(key)
        keys = [key, email.group(1)] if email else [key]
        for candidate in keys:
            if candidate in self.aliases:
                return self.aliases[candidate]
        for candidate in keys:
            for person_id in sorted(self.people):
                if person_id.casefold() == candidate:
                    return person_id
        for candidate in keys:
            for person_id, person in sorted(self.people.items()):
                if person.email and person.email.casefold() == candidate:
                    return person_id
        return None

    def active_on(self, person_id: str, day: date) -> bool:
        """A person counts on `day` when one of their memberships holds it; people without any membership
        always count (the file says nothing about when they were there)."""
        own = [m for m in self.memberships if m.person_id == person_id]
        return not own or any(m.person_id == person_id for m in self.memberships_on(day))

    def direct_reports_on(self, manager_id: str, day: date) -> list[str]:
        """People whose manager is `manager_id` and who are active on `day`, by id."""
        return sorted(
            person_id
            for person_id, person in self.people.items()
            if person.manager_id == manager_id and self.active_on(person_id, day)
        )

    # -- components --------------------------------------------------------------------------
    def owner_on(self, component_id: str, day: date) -> str | None:
        """The owning group on `day`: its `ComponentOwnership` rows decide when it has any, else `owner_id`."""
        rows = [row for row in self.ownerships if row.component_id == component_id]
        if rows:
            current = [row.group_id for row in rows if valid_on(row.valid_from, row.valid_to, day)]
            return min(current) if current else None
        component = self.components.get(component_id)
        return component.owner_id if component else None

    def components_of_on(self, group_id: str, day: date) -> list[str]:
        """Component ids the group owns on `day`, sorted."""
        self.group(group_id)
        ids = {*self.components, *(row.component_id for row in self.ownerships)}
        return sorted(component_id for component_id in ids if self.owner_on(component_id, day) == group_id)

    def dependencies_on(self, day: date) -> list[ComponentDependency]:
        """Declared component dependencies valid on `day`."""
        return [d for d in self.dependencies if valid_on(d.valid_from, d.valid_to, day)]

    def required_roles(self, template: str | None) -> dict[str, int]:
        """Role -> minimum count of a team template ({} without one)."""
        return {r.role: r.minimum for r in self.requirements if template is not None and r.template == template}


def stored_records(connection: duckdb.DuckDBPyConnection, record_class: type[R]) -> list[R]:
    """Every stored row of `record_class`'s table as a record, in the table's column order."""
    names = [item.name for item in dataclasses.fields(record_class)]
    table = record_class.spec.table
    rows = connection.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY ALL").fetchall()
    return [record_class(*[_from_store(value) for value in row]) for row in rows]


def _from_store(value: object) -> object:
    """Store values back to record values: lists become tuples, naive timestamps become UTC instants."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return value


def attribute(connection: duckdb.DuckDBPyConnection, events: Sequence[tuple[str | None, datetime]]) -> list[str | None]:
    """The team of each (person alias, instant) event, in input order; None when unattributed.

    The alias resolves to a person through `PersonAlias`, a person id or an email, case-insensitively (an
    author written ``Name <email>`` also tries the email); the person's team is their team membership on
    the instant's UTC day with the largest allocation, ties to the latest ``valid_from`` (the same rule as
    `OrgModel.team_of_person_on`). One SQL pass in DuckDB, so a history of commits attributes in one query.
    """
    import pyarrow as pa

    table = pa.table(
        {
            "idx": pa.array(range(len(events)), pa.int64()),
            "alias": pa.array([alias or "" for alias, _ in events], pa.string()),
            "event_at": pa.array([_naive_utc(at) for _, at in events], pa.timestamp("us")),
        }
    )
    name = "_orgflow_attribution_events"
    connection.register(name, table)
    try:
        rows = connection.execute(PERSON_TEAM_SQL.format(events=name) + " ORDER BY idx").fetchall()
    finally:
        connection.unregister(name)
    return [team_id for _idx, _alias, _person, team_id in rows]


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass aware UTC instants")
    return value.astimezone(UTC).replace(tzinfo=None)


def unattributed(connection: duckdb.DuckDBPyConnection, *, work_items: bool = True) -> pa.Table:
    """What cannot be tied to a team, one row per kind: ``what, count, example`` (only kinds with a count).

    - work items whose team is not a group of the org (only when the store holds groups, and `work_items`:
      `orgflow status` lists them by the unit they are attributed to instead, `orgflow.flow.browse.org_tree`);
    - commits whose author resolves to no person, and commits whose author has no team on the commit day;
    - components without an owner (neither ``owner_id`` nor an ownership row);
    - deployments of a service that is no component (by id or name, only when the store holds components).
    """
    commit_events = "(SELECT row_number() OVER () AS idx, author AS alias, authored_at AS event_at FROM commits)"
    checks = {
        "work items whose team is not a group": """
            SELECT source_id FROM work_items w WHERE EXISTS (SELECT 1 FROM groups)
              AND (team_id IS NULL OR team_id NOT IN (SELECT source_id FROM groups))""",
        "commits whose author is no known person": f"""
            SELECT alias FROM ({PERSON_TEAM_SQL.format(events=commit_events)}) WHERE person_id IS NULL""",
        "commits whose author has no team on that day": f"""
            SELECT alias FROM ({PERSON_TEAM_SQL.format(events=commit_events)})
            WHERE person_id IS NOT NULL AND team_id IS NULL""",
        "components without an owner": """
            SELECT source_id FROM components c WHERE owner_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM component_ownerships o WHERE o.component_id = c.source_id)""",
        "deployments of a service that is no component": """
            SELECT source_id FROM deployments d WHERE EXISTS (SELECT 1 FROM components)
              AND NOT EXISTS (SELECT 1 FROM components c WHERE c.source_id = d.service OR c.name = d.service)""",
    }
    rows = []
    if not work_items:
        del checks["work items whose team is not a group"]
    for what, query in checks.items():
        count, example = connection.execute(f"SELECT count(*), min(x) FROM ({query}) AS q(x)").fetchone()
        if count:
            rows.append({"what": what, "count": count, "example": example})
    import pyarrow as pa

    from orgflow.query.values_table import values_table

    # Through DuckDB: pyarrow would load pandas (about 0.3 s) to convert the Python values.
    schema = pa.schema([("what", pa.string()), ("count", pa.int64()), ("example", pa.string())])
    return values_table(connection, rows, schema)
