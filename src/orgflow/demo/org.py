"""The demo organization, Acme: clusters, teams, people, memberships, components and their dependencies.

The shape is fixed (the same teams and components for every seed); the seed picks names, hire dates,
leavers, joiners and moves. Every id is a readable slug, and every record has source ``demo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from orgflow.model import Component, ComponentDependency, Group, Membership, Person, Record

SOURCE = "demo"
ORG_ID = "acme"

ENGINEER = "engineer"
TECH_LEAD = "tech lead"
PRODUCT_MANAGER = "product manager"
FLOW_LEAD = "flow lead"
QA = "qa"

CLUSTERS: tuple[tuple[str, str], ...] = (
    ("payments", "Payments"),
    ("logistics", "Logistics"),
    ("platform-cluster", "Platform"),
)


@dataclass(frozen=True)
class TeamSpec:
    """A team as the work generator needs it.

    Attributes:
        weight: relative arrival rate of its work items (the org-wide rate is scaled to `items`).
        work_factor: multiplier on its time In Progress (complicated subsystems are slower).
        roster: the roles of its first members; the first one is the team's lead.
        valid_from, valid_to: the team's life (None: before and after the demo's window).
    """

    team_id: str
    name: str
    cluster_id: str
    topology_type: str
    project: str
    weight: float
    work_factor: float
    roster: tuple[str, ...]
    valid_from: date | None = None
    valid_to: date | None = None


# weight: relative arrival rate of items; work: multiplier on time In Progress; roster: the roles
# (TL tech lead, E engineer, PM product manager, QA), the first one being the team's lead.
_TEAMS = """
checkout             | payments         | stream-aligned        | CHK | 1.2  | 1.0 | TL 5E QA PM
billing              | payments         | stream-aligned        | BIL | 1.0  | 1.0 | TL 4E QA PM
fraud-detection      | payments         | complicated-subsystem | FRD | 0.35 | 1.6 | PM 1E QA
merchant-portal      | payments         | stream-aligned        | MER | 1.1  | 1.0 | TL 4E PM
shipping             | logistics        | stream-aligned        | SHP | 1.5  | 1.0 | TL 6E QA PM
warehouse            | logistics        | stream-aligned        | WHS | 1.0  | 1.0 | TL 4E QA PM
route-optimization   | logistics        | complicated-subsystem | RTE | 0.6  | 1.5 | TL 4E PM
tracking             | logistics        | stream-aligned        | TRK | 0.9  | 1.0 | TL 4E PM
developer-platform   | platform-cluster | platform              | DEV | 0.9  | 1.1 | TL 5E PM
data-platform        | platform-cluster | platform              | DAT | 1.0  | 1.2 | TL 8E PM
cloud-infrastructure | platform-cluster | platform              | INF | 0.8  | 1.1 | TL 4E PM
enablement           | platform-cluster | enabling              | ENB | 0.35 | 1.3 | TL 2E
"""
# The reorg splits shipping in two (see `_split_shipping` for who goes where).
_NEW_TEAMS = """
shipping-domestic      | logistics | stream-aligned | SHD | 0.8 | 1.0 | TL 3E PM
shipping-international | logistics | stream-aligned | SHI | 0.7 | 1.0 | TL 3E QA PM
"""
_ROLE_CODES = {"TL": TECH_LEAD, "E": ENGINEER, "PM": PRODUCT_MANAGER, "QA": QA}

SPLIT_TEAM = "shipping"
EXPLODING_TEAM = "merchant-portal"
BUS_FACTOR_TEAM = "fraud-detection"
# data-platform's lead has 9 direct reports: the org's one span of control above 8.

# Flow leads serve two teams at half allocation each; enablement engineers are half embedded.
_FLOW_LEAD_PAIRS = (
    ("payments", ("checkout", "billing")),
    ("logistics", ("shipping", "warehouse")),
    ("platform-cluster", ("developer-platform", "cloud-infrastructure")),
)
_EMBEDDED_ENABLERS = ("tracking", "merchant-portal")

# Components: kind, owner team, system, path globs. Their domain is the owner's cluster.
_COMPONENTS = """
checkout-web        | website        | checkout               | storefront | web/checkout/**
payments-api        | service        | checkout               | payments   | services/payments-api/**
billing-service     | service        | billing                | billing    | services/billing/**
invoice-renderer    | service        | billing                | billing    | services/invoice-renderer/**
fraud-scoring       | service        | fraud-detection        | risk       | services/fraud-scoring/** models/fraud/**
merchant-portal-web | website        | merchant-portal        | merchant   | web/merchant-portal/**
shipping-api        | service        | shipping-domestic      | shipping   | services/shipping-api/**
carrier-gateway     | service        | shipping-international | shipping   | services/carrier-gateway/**
customs-documents   | service        | shipping-international | shipping   | services/customs-documents/**
warehouse-service   | service        | warehouse              | fulfilment | services/warehouse/**
route-planner       | library        | route-optimization     | routing    | libs/route-planner/** libs/geo/**
tracking-events     | service        | tracking               | tracking   | services/tracking-events/**
ci-pipelines        | tool           | developer-platform     | delivery   | ci/** .github/**
service-template    | library        | developer-platform     | delivery   | templates/service/**
event-bus           | service        | data-platform          | data       | services/event-bus/**
data-warehouse      | service        | data-platform          | data       | data/warehouse/**
kubernetes-clusters | infrastructure | cloud-infrastructure   | runtime    | infra/kubernetes/** infra/terraform/**
"""
_COMPONENT_NAMES = {"payments-api": "Payments API", "ci-pipelines": "CI Pipelines"}

# component -> what it depends on
_DEPENDENCIES = """
checkout-web -> payments-api
payments-api -> fraud-scoring billing-service kubernetes-clusters
merchant-portal-web -> billing-service payments-api
billing-service -> event-bus
invoice-renderer -> billing-service
fraud-scoring -> data-warehouse
shipping-api -> route-planner carrier-gateway kubernetes-clusters
carrier-gateway -> customs-documents
warehouse-service -> shipping-api event-bus
tracking-events -> event-bus shipping-api
route-planner -> data-warehouse
event-bus -> kubernetes-clusters
data-warehouse -> event-bus
service-template -> ci-pipelines
"""


def _rows(table: str) -> list[list[str]]:
    """The cells of a `|`-separated table written in this module."""
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


def _team_specs(table: str) -> tuple[TeamSpec, ...]:
    specs = []
    for team_id, cluster_id, topology_type, project, weight, work_factor, roster in _rows(table):
        roles: list[str] = []
        for code in roster.split():
            count = code.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            roles.extend([_ROLE_CODES[code[len(count) :]]] * int(count or 1))
        name = team_id.replace("-", " ").title()
        specs.append(
            TeamSpec(team_id, name, cluster_id, topology_type, project, float(weight), float(work_factor), tuple(roles))
        )
    return tuple(specs)


TEAMS = _team_specs(_TEAMS)
NEW_TEAMS = _team_specs(_NEW_TEAMS)

_FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Anders", "Aisha", "Ben", "Bruno", "Carla", "Chen", "Dara", "Diego", "Elif",
    "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jonas", "Julia", "Kai", "Kenji",
    "Lara", "Leon", "Lina", "Malik", "Maria", "Mateo", "Mei", "Nadia", "Nils", "Noor", "Omar", "Paula",
    "Priya", "Rafael", "Rosa", "Sami", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Vera", "Wei", "Yara",
    "Yusuf", "Zoe",
)  # fmt: skip
_LAST_NAMES = (
    "Adeyemi", "Andersen", "Bauer", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Hansen", "Ibrahim", "Jensen", "Kaur", "Keller", "Kowalski", "Larsen", "Lopez", "Moreau", "Muller",
    "Nakamura", "Novak", "Okafor", "Olsen", "Park", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt",
    "Silva", "Sato", "Tanaka", "Torres", "Varga", "Vogel", "Wagner", "Weber", "Yilmaz", "Zhang",
)  # fmt: skip

_TITLES = {
    ENGINEER: "Software Engineer",
    TECH_LEAD: "Tech Lead",
    PRODUCT_MANAGER: "Product Manager",
    FLOW_LEAD: "Flow Lead",
    QA: "QA Engineer",
}


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
        pairs = [(first, last) for first in _FIRST_NAMES for last in _LAST_NAMES]
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
        lead = builder.hire(_TITLES[roster[0]], heads[spec.cluster_id])
        leads[spec.team_id] = lead
        members[spec.team_id] = [lead]
        builder.join(lead, spec.team_id, roster[0], builder.hire_date())
        for role in roster[1:]:
            person_id = builder.hire(_TITLES[role], lead)
            members[spec.team_id].append(person_id)
            allocation = 0.5 if spec.team_id == "enablement" else 1.0
            builder.join(person_id, spec.team_id, role, builder.hire_date(), allocation=allocation)
    for team_id, embedded in zip(_EMBEDDED_ENABLERS, members["enablement"][1:], strict=True):
        builder.join(embedded, team_id, ENGINEER, builder.hire_date(), allocation=0.5)
    flow_leads: dict[str, str] = {}
    for cluster_id, team_ids in _FLOW_LEAD_PAIRS:
        flow_lead = builder.hire(_TITLES[FLOW_LEAD], heads[cluster_id])
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
    components, dependencies, consumers = _components()
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
    builder.people[new_lead] = (builder.people[new_lead][0], _TITLES[TECH_LEAD])
    builder.join(new_lead, international, TECH_LEAD, reorg_date)
    for person_id in (*engineers[4:], qa):
        builder.manager[person_id] = new_lead
        builder.join(person_id, international, ENGINEER if person_id != qa else QA, reorg_date)
    for role in (PRODUCT_MANAGER, ENGINEER):
        hired = builder.hire(_TITLES[role], new_lead)
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
        if builder.people[person_id][1] == _TITLES[ENGINEER]
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
                replacement = builder.hire(_TITLES[role], leads[team_id])
                builder.join(replacement, team_id, role, joins)
        else:
            others = [other for other in leads if other not in stable and other != team_id]
            target = others[int(rng.integers(len(others)))]
            builder.manager[person_id] = leads[target]
            builder.join(person_id, target, role, on)


def _components() -> tuple[list[Component], list[ComponentDependency], dict[str, tuple[str, ...]]]:
    cluster_of = {spec.team_id: spec.cluster_id for spec in (*TEAMS, *NEW_TEAMS)}
    domain_of = {cluster_id: name.lower() for cluster_id, name in CLUSTERS}
    components = [
        Component(
            SOURCE,
            component_id,
            _COMPONENT_NAMES.get(component_id, component_id.replace("-", " ").title()),
            kind,
            owner,
            system,
            domain_of[cluster_of[owner]],
            tuple(globs.split()),
            "production",
        )
        for component_id, kind, owner, system, globs in _rows(_COMPONENTS)
    ]
    pairs = [(line.split()[0], target) for line in _DEPENDENCIES.strip().splitlines() for target in line.split()[2:]]
    owner_of = {component.source_id: component.owner_id for component in components}
    dependencies = [ComponentDependency(SOURCE, component, target) for component, target in pairs]
    consumers: dict[str, set[str]] = {}
    for component, target in pairs:
        consumer, provider = owner_of[component], owner_of[target]
        if consumer == provider or consumer is None or provider is None:
            continue
        consumers.setdefault(provider, set()).add(consumer)
    # Before the reorg shipping owned what its two successors own now.
    new_ids = {spec.team_id for spec in NEW_TEAMS}
    for provider, teams in list(consumers.items()):
        if teams & new_ids:
            teams.add(SPLIT_TEAM)
        if provider in new_ids:
            consumers.setdefault(SPLIT_TEAM, set()).update(teams - {SPLIT_TEAM})
    return (
        components,
        dependencies,
        {provider: tuple(sorted(teams)) for provider, teams in sorted(consumers.items())},
    )


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
