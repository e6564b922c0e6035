"""`build_demo`: a seeded, realistic demo organization written into a fresh workspace.

Acme has three clusters of four teams of every Team Topologies type, a slow release stage, cross-team
dependencies and blocking links, a reorganization (a team splits in two), a team with a bus factor of
one and a team whose WIP explodes, so that every screen has something true to show. The same seed,
size and end give the same store, row for row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from orgflow.config import CONFIG_FILE
from orgflow.demo.acme import BUS_FACTOR_TEAM, CLUSTERS, EXPLODING_TEAM, NEW_TEAMS, SOURCE, SPLIT_TEAM
from orgflow.demo.delivery import build_delivery
from orgflow.demo.org import build_org
from orgflow.demo.work import build_work
from orgflow.errors import ConflictError, InputError
from orgflow.model import (
    BlockedInterval,
    Component,
    ComponentDependency,
    Group,
    ItemLink,
    Membership,
    Person,
    Record,
    StatusTransition,
    WorkItem,
)
from orgflow.store import ImportBatch
from orgflow.workspace import STORE_FILE, init_workspace

if TYPE_CHECKING:
    from orgflow.sources import ProgressCallback

DEFAULT_END = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
"""The demo's "now": fixed, so a build is reproducible whatever the day."""


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` wrote: row counts per table and the stories the demo tells."""

    directory: Path
    seed: int
    start: datetime
    end: datetime
    groups: int
    people: int
    memberships: int
    components: int
    component_dependencies: int
    items: int
    transitions: int
    blocked_intervals: int
    links: int
    reorg_date: date
    split_team_id: str
    new_team_ids: tuple[str, ...]
    exploding_team_id: str
    bus_factor_team_id: str
    delivery: dict[str, int] = field(default_factory=dict)
    """Rows of the delivery and org-design tables (commits, deployments, incidents, templates...) by table."""

    def __str__(self) -> str:
        return (
            f"{self.items:,} items, {self.transitions:,} transitions, {self.people} people in {self.groups} groups, "
            f"{self.links:,} blocking links, {self.blocked_intervals:,} blocked intervals; "
            f"{self.split_team_id} split on {self.reorg_date}, WIP explodes in {self.exploding_team_id}, "
            f"bus factor one in {self.bus_factor_team_id}"
        )

    def table_counts(self) -> dict[str, int]:
        """Rows written per store table (the tables the demo leaves empty are not listed)."""
        return {
            Group.spec.table: self.groups,
            Person.spec.table: self.people,
            Membership.spec.table: self.memberships,
            Component.spec.table: self.components,
            ComponentDependency.spec.table: self.component_dependencies,
            WorkItem.spec.table: self.items,
            StatusTransition.spec.table: self.transitions,
            BlockedInterval.spec.table: self.blocked_intervals,
            ItemLink.spec.table: self.links,
            **self.delivery,
        }


def build_demo(
    directory: Path,
    *,
    seed: int = 7,
    items: int = 20_000,
    years: float = 2.0,
    end: datetime | None = None,
    on_progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Create a workspace in `directory` holding the demo organization; returns what it wrote.

    Writes `orgflow.yaml` (the demo workflow, flow types and value streams, commented) and the store,
    in one import (source ``demo``, origin ``seed <seed>``).

    Args:
        directory: a new or empty folder; it is created if missing.
        seed: seeds `numpy.random.default_rng`; the same arguments give the same rows.
        items: how many work items to create.
        years: length of the history, ending at `end` (1 to 10).
        end: the demo's "now" (an aware instant); defaults to `DEFAULT_END`.
        on_progress: called as ``on_progress(done, total, what)`` between the steps.

    Raises:
        InputError: the folder already holds a workspace, or an argument is out of range.
    """
    directory = Path(directory)
    for existing in (directory / CONFIG_FILE, directory / STORE_FILE):
        if existing.exists():
            raise ConflictError(
                "a workspace already exists here", file=str(existing), hint="build the demo in a new folder"
            )
    if items < 100:
        raise InputError(f"the demo needs at least 100 items (got {items})", field="items")
    if not 1 <= years <= 10:
        # The reorg (9 months back) and the exploding team's 8 months of history need a year.
        raise InputError(f"years must be between 1 and 10 (got {years})", field="years")
    if end is not None and end.tzinfo is None:
        raise ValueError(f"naive datetime {end!r}: pass an aware UTC instant")
    end = (end or DEFAULT_END).astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=round(years * 365.25))
    progress = on_progress or (lambda done, total, what: None)
    steps = 5

    progress(0, steps, "organization")
    rng = np.random.default_rng(seed)
    org = build_org(rng, start=start, end=end)
    progress(1, steps, "work items")
    work = build_work(rng, org, items=items, start=start, end=end)

    progress(2, steps, "delivery")
    delivery = build_delivery(np.random.default_rng([seed, 1]), org, start=start, end=end)

    progress(3, steps, "configuration")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(demo_config_text(), encoding="utf-8")
    batch = ImportBatch(source=SOURCE, kind="demo", origin=f"seed {seed}")
    records: list[Record] = [
        *org.records,
        *work.items,
        *work.transitions,
        *work.blocked,
        *work.links,
        *delivery.records,
    ]
    batch.extend(records)

    progress(4, steps, "store")
    workspace = init_workspace(directory)
    try:
        workspace.write(batch)  # with the stored flow facts, in the same transaction
    finally:
        workspace.close()
    progress(steps, steps, "demo organization")
    return DemoSummary(
        directory=directory,
        seed=seed,
        start=start,
        end=end,
        groups=batch.count(Group),
        people=batch.count(Person),
        memberships=batch.count(Membership),
        components=batch.count(Component),
        component_dependencies=batch.count(ComponentDependency),
        items=batch.count(WorkItem),
        transitions=batch.count(StatusTransition),
        blocked_intervals=batch.count(BlockedInterval),
        links=batch.count(ItemLink),
        reorg_date=org.reorg_date,
        split_team_id=SPLIT_TEAM,
        new_team_ids=tuple(spec.team_id for spec in NEW_TEAMS),
        exploding_team_id=EXPLODING_TEAM,
        bus_factor_team_id=BUS_FACTOR_TEAM,
        delivery=_counts_by_table(delivery.records),
    )


def _counts_by_table(records: list[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.spec.table] = counts.get(record.spec.table, 0) + 1
    return counts


def demo_config_text() -> str:
    """The demo's `orgflow.yaml`: its workflow, item types and one value stream per cluster."""
    value_streams = "\n".join(f"  {name.lower()}:\n    groups: [{cluster_id}]" for cluster_id, name in CLUSTERS)
    return _CONFIG_TEMPLATE.format(value_streams=value_streams)


_CONFIG_TEMPLATE = """\
# orgflow.yaml of the demo organization (written by `orgflow demo`; edit freely).

# Time zone of daily series (WIP, CFD, throughput days). Stored times are always UTC.
timezone: UTC

# Value-stream phases, in order.
phases: [Ideate, Create, Release, Operate]

# The demo's Jira-like workflow: raw status -> stage -> phase and category. An item starts when it
# first leaves the backlog (here, usually into Refinement) and finishes when it reaches Done.
workflows:
  - name: demo
    applies_to: {{source: demo, projects: ["*"]}}
    cancelled_resolutions: ["Won't Do"]
    stages:
      - {{name: Backlog,           phase: Ideate,  category: backlog,   statuses: [Backlog]}}
      - {{name: Refinement,        phase: Ideate,  category: active,    statuses: [Refinement]}}
      - {{name: Ready,             phase: Create,  category: wait,      statuses: [Ready for Dev]}}
      - {{name: In Progress,       phase: Create,  category: active,    statuses: [In Progress]}}
      - {{name: Review,            phase: Create,  category: active,    statuses: [Code Review]}}
      # Changes to payments (and security fixes) wait for a change advisory board.
      - {{name: Awaiting Approval, phase: Release, category: wait,      statuses: [Awaiting Approval]}}
      # Each cluster ships on a release train (payments every other week): the slow stage.
      - {{name: Ready for Release, phase: Release, category: wait,      statuses: [Ready for Release]}}
      - {{name: Releasing,         phase: Release, category: active,    statuses: [Releasing]}}
      - {{name: Verifying,         phase: Operate, category: active,    statuses: [Verifying in Prod]}}
      - {{name: Done,              phase: Operate, category: done,      statuses: [Done]}}
      - {{name: Cancelled,         phase: Operate, category: cancelled, statuses: ["Won't Do"]}}

# Item type -> flow type (feature, defect, risk, debt); unlisted types are `other`.
flow_types:
  feature: [Story, Spike]
  defect: [Bug]
  risk: [Security]
  debt: [Tech Debt, Task]

# One value stream per cluster: the items of its teams flow through it.
value_streams:
{value_streams}
"""
