"""The demo organization, Acme, laid out: clusters, teams, people, memberships, components and their
dependencies as records.

The shape is fixed (`orgflow.demo.acme`: the same teams and components for every seed); the seed picks
names, hire dates, leavers, joiners and moves. Every id is a readable slug, and every record has source
``demo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from orgflow.demo import acme
from orgflow.demo.acme import (
    BUS_FACTOR_TEAM,
    CLUSTERS,
    EMBEDDED_ENABLERS,
    ENGINEER,
    FIRST_NAMES,
    FLOW_LEAD,
    FLOW_LEAD_PAIRS,
    LAST_NAMES,
    NEW_TEAMS,
    ORG_ID,
    PRODUCT_MANAGER,
    QA,
    SOURCE,
    SPLIT_TEAM,
    TEAMS,
    TECH_LEAD,
    TITLES,
    TeamSpec,
)
from orgflow.model import Group, Membership, Person, Record


@dataclass(frozen=True)
class Stint:
    """A person in a team over [starts, ends) in epoch seconds (ends None: still there)."""

    person_id: str
    role: str
    starts: int
    ends: int | None


@dataclass
class DemoOrg:
    """The organization's records and what the work generator needs to know about it."""

    records: list[Record]
    teams: tuple[TeamSpec, ...]
    reorg_date: date
    stints: dict[str, list[Stint]] = field(default_factory=dict)
    consumers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """provider team -> teams whose components depend on its components (blocking links run this way)."""


class _OrgBuilder:
    """Collects people, memberships and manager lines while the org is laid out."""

    def __init__(self, rng: np.random.Generator, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        self.names = [pairs[index] for index in rng.permutation(len(pairs))]
        self.people: dict[str, tuple[str, str]] = {}  # id -> (name, title)
        self.manager: dict[str, str | None] = {}
        self.memberships: list[Membership] = []
        self.stints: dict[str, list[Stint]] = {}

    def hire(self, title: str, manager_id: str | None) -> str:
        first, last = self.names[len(self.people)]
        person_id = f"{first}-{last}".lower()
        self.people[person_id] = (f"{first} {last}", title)
        self.manager[person_id] = manager_id
        return person_id

    def hire_date(self) -> date:
        return self.start - timedelta(days=int(self.rng.integers(30, 1500)))

    def join(
        self,
        person_id: str,
        group_id: str,
        role: str,
        valid_from: date,
        *,
        allocation: float = 1.0,
        valid_to: date | None = None,
    ) -> None:
        self.memberships.append(
            Membership(
                SOURCE,
                f"{person_id}@{group_id}:{valid_from.isoformat()}",
                person_id,
                group_id,
                role,
                allocation,
                valid_from,
                valid_to,
            )
        )
        self.stints.setdefault(group_id, []).append(
            Stint(person_id, role, _epoch(valid_from), None if valid_to is None else _epoch(valid_to))
        )

    def leave(self, person_id: str, group_id: str, on: date) -> str:
        """End the person's open membership of the group; returns its role."""
        for index, membership in enumerate(self.memberships):
            if membership.person_id == person_id and membership.group_id == group_id and membership.valid_to is None:
                self.memberships[index] = replace(membership, valid_to=on)
                stints = self.stints[group_id]
                for position, stint in enumerate(stints):
                    if stint.person_id == person_id and stint.ends is None:
                        stints[position] = Stint(person_id, stint.role, stint.starts, _epoch(on))
                return membership.role or ENGINEER
        raise KeyError((person_id, group_id))

    def people_records(self) -> list[Person]:
        return [
            Person(
                SOURCE, person_id, name, f"{person_id.replace('-', '.')}@acme.example", title, self.manager[person_id]
            )
            for person_id, (name, title) in self.people.items()
        ]


def build_org(rng: np.random.Generator, *, start: datetime, end: datetime) -> DemoOrg:
    """Lay out Acme over [start, end]: the groups, people, memberships, components and the reorg.

    The reorganization happens on the Monday about nine months before `end`: `shipping` splits into
    `shipping-domestic` and `shipping-international`; its memberships end that day and restart in the
    new teams.
    """
    reorg_date = _monday_on_or_before((end - timedelta(days=273)).date())
    builder = _OrgBuilder(rng, start.date(), end.date())
    groups: list[Group] = [Group(SOURCE, ORG_ID, "Acme", "org")]
    chief = builder.hire("Chief Technology Officer", None)
    builder.join(chief, ORG_ID, "head", builder.hire_date())
    heads: dict[str, str] = {}
    for cluster_id, cluster_name in CLUSTERS:
        groups.append(Group(SOURCE, cluster_id, cluster_name, "cluster", parent_id=ORG_ID))
        heads[cluster_id] = builder.hire(f"Head of {cluster_name}", chief)
        builder.join(heads[cluster_id], cluster_id, "head", builder.hire_date())

    leads: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for spec in TEAMS:
        roster = spec.roster
        valid_to = reorg_date if spec.team_id == SPLIT_TEAM else None
        groups.append(
            Group(
                SOURCE,
                spec.team_id,
                spec.name,
                "team",
                spec.topology_type,
                spec.cluster_id,
                valid_to=valid_to,
                template=spec.topology_type,
            )
        )
        lead = builder.hire(TITLES[roster[0]], heads[spec.cluster_id])
        leads[spec.team_id] = lead
        members[spec.team_id] = [lead]
        builder.join(lead, spec.team_id, roster[0], builder.hire_date())
        for role in roster[1:]:
            person_id = builder.hire(TITLES[role], lead)
            members[spec.team_id].append(person_id)
            allocation = 0.5 if spec.team_id == "enablement" else 1.0
            builder.join(person_id, spec.team_id, role, builder.hire_date(), allocation=allocation)
    for team_id, embedded in zip(EMBEDDED_ENABLERS, members["enablement"][1:], strict=True):
        builder.join(embedded, team_id, ENGINEER, builder.hire_date(), allocation=0.5)
    flow_leads: dict[str, str] = {}
    for cluster_id, team_ids in FLOW_LEAD_PAIRS:
        flow_lead = builder.hire(TITLES[FLOW_LEAD], heads[cluster_id])
        hired = builder.hire_date()
        for team_id in team_ids:
            builder.join(flow_lead, team_id, FLOW_LEAD, hired, allocation=0.5)
        flow_leads[cluster_id] = flow_lead

    groups.extend(
        Group(
            SOURCE,
            spec.team_id,
            spec.name,
            "team",
            spec.topology_type,
            spec.cluster_id,
            valid_from=reorg_date,
            template=spec.topology_type,
        )
        for spec in NEW_TEAMS
    )
    _split_shipping(builder, members[SPLIT_TEAM], heads["logistics"], flow_leads["logistics"], reorg_date)
    _churn(builder, members, leads)

    teams = tuple(replace(spec, valid_to=reorg_date) if spec.team_id == SPLIT_TEAM else spec for spec in TEAMS)
    teams += tuple(replace(spec, valid_from=reorg_date) for spec in NEW_TEAMS)
    components, dependencies, consumers = acme.components()
    records: list[Record] = [
        *groups,
        *builder.people_records(),
        *builder.memberships,
        *components,
        *dependencies,
    ]
    return DemoOrg(records, teams, reorg_date, builder.stints, consumers)


def _split_shipping(builder: _OrgBuilder, members: list[str], head: str, flow_lead: str, reorg_date: date) -> None:
    """Shipping's people move to the two new teams; one engineer becomes international's tech lead."""
    lead, *engineers = members[:7]
    qa, product_manager = members[7:]
    for person_id in members:
        builder.leave(person_id, SPLIT_TEAM, reorg_date)
    builder.leave(flow_lead, SPLIT_TEAM, reorg_date)
    domestic, international = (spec.team_id for spec in NEW_TEAMS)
    builder.join(lead, domestic, TECH_LEAD, reorg_date)
    for person_id in engineers[:3]:
        builder.join(person_id, domestic, ENGINEER, reorg_date)
    builder.join(product_manager, domestic, PRODUCT_MANAGER, reorg_date)
    builder.join(flow_lead, domestic, FLOW_LEAD, reorg_date, allocation=0.5)
    new_lead = engineers[3]
    builder.manager[new_lead] = head
    builder.people[new_lead] = (builder.people[new_lead][0], TITLES[TECH_LEAD])
    builder.join(new_lead, international, TECH_LEAD, reorg_date)
    for person_id in (*engineers[4:], qa):
        builder.manager[person_id] = new_lead
        builder.join(person_id, international, ENGINEER if person_id != qa else QA, reorg_date)
    for role in (PRODUCT_MANAGER, ENGINEER):
        hired = builder.hire(TITLES[role], new_lead)
        builder.join(hired, international, role, reorg_date)


def _churn(builder: _OrgBuilder, members: dict[str, list[str]], leads: dict[str, str]) -> None:
    """Seven engineers leave (a replacement joins weeks later) and two move to another team."""
    rng = builder.rng
    # Teams whose shape the demo relies on (the split, bus factor one, span > 8) keep their people.
    stable = {SPLIT_TEAM, BUS_FACTOR_TEAM, "enablement", "data-platform"}
    candidates = [
        (team_id, person_id)
        for team_id, people in members.items()
        if team_id not in stable
        for person_id in people[1:]
        if builder.people[person_id][1] == TITLES[ENGINEER]
    ]
    chosen = rng.choice(len(candidates), size=9, replace=False)
    window_days = (builder.end - builder.start).days
    for number, index in enumerate(chosen):
        team_id, person_id = candidates[index]
        on = builder.start + timedelta(days=int(rng.integers(45, window_days - 20)))
        role = builder.leave(person_id, team_id, on)
        if number < 7:
            joins = on + timedelta(days=int(rng.integers(14, 70)))
            if joins < builder.end:
                replacement = builder.hire(TITLES[role], leads[team_id])
                builder.join(replacement, team_id, role, joins)
        else:
            others = [other for other in leads if other not in stable and other != team_id]
            target = others[int(rng.integers(len(others)))]
            builder.manager[person_id] = leads[target]
            builder.join(person_id, target, role, on)


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
