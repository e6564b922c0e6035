"""The shape of the demo organization, Acme: its clusters, teams, roles, components and their dependencies,
and the names people are drawn from. It is the same for every seed (`orgflow.demo.org` lays it out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orgflow.model import Component, ComponentDependency

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
FLOW_LEAD_PAIRS = (
    ("payments", ("checkout", "billing")),
    ("logistics", ("shipping", "warehouse")),
    ("platform-cluster", ("developer-platform", "cloud-infrastructure")),
)
EMBEDDED_ENABLERS = ("tracking", "merchant-portal")

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

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Anders", "Aisha", "Ben", "Bruno", "Carla", "Chen", "Dara", "Diego", "Elif",
    "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jonas", "Julia", "Kai", "Kenji",
    "Lara", "Leon", "Lina", "Malik", "Maria", "Mateo", "Mei", "Nadia", "Nils", "Noor", "Omar", "Paula",
    "Priya", "Rafael", "Rosa", "Sami", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Vera", "Wei", "Yara",
    "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Andersen", "Bauer", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Hansen", "Ibrahim", "Jensen", "Kaur", "Keller", "Kowalski", "Larsen", "Lopez", "Moreau", "Muller",
    "Nakamura", "Novak", "Okafor", "Olsen", "Park", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt",
    "Silva", "Sato", "Tanaka", "Torres", "Varga", "Vogel", "Wagner", "Weber", "Yilmaz", "Zhang",
)  # fmt: skip

TITLES = {
    ENGINEER: "Software Engineer",
    TECH_LEAD: "Tech Lead",
    PRODUCT_MANAGER: "Product Manager",
    FLOW_LEAD: "Flow Lead",
    QA: "QA Engineer",
}


def components() -> tuple[list[Component], list[ComponentDependency], dict[str, tuple[str, ...]]]:
    """Acme's components, their dependencies, and per provider team the teams whose components depend on
    its components (before the reorg, the split team stands for its two successors)."""
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
