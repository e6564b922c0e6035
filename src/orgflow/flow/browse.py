"""Read-only look-ups the surfaces need beside the metrics: the org tree, stages, item types, one item's
timeline.

These read the store's canonical tables and the config as they are; they compute no figure.

The org tree's teams are the store's team groups plus every unit work is attributed to that no team group
names (`orgflow.org.attribution.attributed_units`: a project key, a repository, the ``teams:`` entry of
the config, or ``unattributed``), as teams of their own: without an org file these are all the teams, and with
one, work the org does not own still shows, and `OrgTree.ownership_note` says how to map it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from orgflow.config import Config, status_key
from orgflow.errors import NotFoundError
from orgflow.model.org import Group as StoredGroup
from orgflow.org.attribution import UNATTRIBUTED, attributed_units
from orgflow.org.structure import stored_records
from orgflow.workspace import Workspace


@dataclass(frozen=True)
class Group:
    """A row of the store's `groups` table: a team, cluster, area or the org."""

    group_id: str
    name: str
    kind: str
    topology_type: str | None
    parent_id: str | None
    valid_from: date | None
    valid_to: date | None
    origin: str = "org"
    """``org``: a group of the store (an org file, a catalog); ``attributed``: a unit work is attributed to that
    no team group names, shown as a team of its own (no parent, no validity)."""

    def active_on(self, day: date) -> bool:
        """Whether the group exists on `day` (validity is [valid_from, valid_to))."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)


ORG = "org"
ATTRIBUTED = "attributed"


@dataclass(frozen=True)
class UnownedUnit:
    """A unit work is attributed to that no team of the org names: its id, the rule that attributed most of
    its items (None for ``unattributed``), how many items it holds and the smallest of their ids."""

    team_id: str
    rule: str | None
    items: int
    example: str


@dataclass(frozen=True)
class OrgTree:
    """The groups of the workspace, with parent → children links, and the work no team of the org owns.

    Attributes:
        groups: every group by id; units of `unowned` that clash with no group id are teams here too.
        children: parent id → child ids.
        unowned: the attributed units no team group names, most items first.
        attribution: the rules that attributed the items (`org.attribution`).
    """

    groups: dict[str, Group]
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unowned: tuple[UnownedUnit, ...] = ()
    attribution: tuple[str, ...] = ("project",)

    def get(self, group_id: str) -> Group | None:
        return self.groups.get(group_id)

    def require(self, group_id: str, *, kind: str) -> Group:
        """The group, or an `InputError` that says which ones exist.

        Raises:
            InputError: no group with that id (for `kind` "team", no team).
        """
        group = self.groups.get(group_id)
        if group is None or (kind == "team") != (group.kind == "team"):
            known = ", ".join(
                sorted(g.group_id for g in self.groups.values() if (g.kind == "team") == (kind == "team"))
            )
            raise NotFoundError(f"unknown {kind} {group_id!r}", field=kind, hint=f"known: {known or 'none'}")
        return group

    def roots(self) -> list[Group]:
        """Groups without a (known) parent, largest kind first."""
        order = {"org": 0, "area": 1, "cluster": 2, "team": 3}
        tops = [g for g in self.groups.values() if g.parent_id is None or g.parent_id not in self.groups]
        return sorted(tops, key=lambda g: (order.get(g.kind, 9), g.name))

    def kids(self, group_id: str) -> list[Group]:
        """Direct children of a group, sorted by name."""
        return sorted((self.groups[c] for c in self.children.get(group_id, ())), key=lambda g: g.name)

    def teams_under(self, group_id: str) -> list[Group]:
        """Every team at or under a group, sorted by name."""
        found: list[Group] = []
        stack = [group_id]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            group = self.groups.get(current)
            if group is not None and group.kind == "team":
                found.append(group)
            stack.extend(self.children.get(current, ()))
        return sorted(found, key=lambda g: g.name)

    def clusters(self) -> list[Group]:
        """Groups that hold teams directly (the level the org page shows as clusters)."""
        parents = {g.parent_id for g in self.groups.values() if g.kind == "team" and g.parent_id in self.groups}
        return sorted((self.groups[p] for p in parents if p is not None), key=lambda g: g.name)

    def teams(self) -> list[Group]:
        """Every team, the org's and the attributed units, sorted by name."""
        return sorted((g for g in self.groups.values() if g.kind == "team"), key=lambda g: g.name)

    @property
    def has_org(self) -> bool:
        """Whether the store holds groups (an org file or a catalog was loaded)."""
        return any(group.origin == ORG for group in self.groups.values())

    def attributed_teams(self) -> list[Group]:
        """The teams that are attributed units outside the org, most items first (as in `unowned`)."""
        return [self.groups[unit.team_id] for unit in self.unowned if self._is_attributed(unit.team_id)]

    def _is_attributed(self, group_id: str) -> bool:
        group = self.groups.get(group_id)
        return group is not None and group.origin == ATTRIBUTED

    def unowned_items(self) -> int:
        """How many work items no team of the org owns."""
        return sum(unit.items for unit in self.unowned)

    def ownership_note(self) -> str | None:
        """What a reader needs to know about work no team of the org owns, and the one config line that maps
        it (None when the org owns every item)."""
        if not self.unowned:
            return None
        listed = ", ".join(
            f"{unit.team_id} ({unit.items:,} item{'' if unit.items == 1 else 's'})" for unit in self.unowned[:5]
        )
        if len(self.unowned) > 5:
            listed += f" and {len(self.unowned) - 5} more"
        mappable = [unit for unit in self.unowned if unit.team_id != UNATTRIBUTED]
        org_teams = sorted(g.group_id for g in self.groups.values() if g.kind == "team" and g.origin == ORG)
        parts: list[str] = []
        if self.has_org:
            parts.append(
                f"{self.unowned_items():,} work items belong to no team of the org: {listed}. "
                "They are shown as teams of their own, outside the org's clusters."
            )
        else:
            parts.append(
                "No org file or catalog is loaded, so the teams are the units work is attributed to "
                f"(org.attribution: {', '.join(self.attribution)}): {listed}."
            )
        if mappable:
            line = f"{_yaml_key(mappable[0].team_id)}: {org_teams[0] if org_teams else 'my-team'}"
            parts.append(
                "To give a project's (or repository's) items to a team, add one line under `teams:` in "
                f"orgflow.yaml, e.g. `{line}`, and import that source again."
            )
        if not self.has_org:
            parts.append("To group teams into clusters, import an org file or a Backstage catalog.")
        if any(unit.team_id == UNATTRIBUTED for unit in self.unowned):
            parts.append(
                f"Items no rule of org.attribution gives a team count under `{UNATTRIBUTED}`; "
                "add `project` to org.attribution to fall back on their project."
            )
        return " ".join(parts)

    def name(self, group_id: str | None) -> str:
        """The group's display name (its id when unknown)."""
        if group_id is None:
            return ""
        group = self.groups.get(group_id)
        return group.name if group else group_id

    def ancestors(self, group_id: str) -> list[Group]:
        """The group's parents, nearest last (for breadcrumbs)."""
        chain: list[Group] = []
        current = self.groups.get(group_id)
        while current is not None and current.parent_id and current.parent_id not in {g.group_id for g in chain}:
            parent = self.groups.get(current.parent_id)
            if parent is None:
                break
            chain.append(parent)
            current = parent
        return list(reversed(chain))


def org_tree(workspace: Workspace) -> OrgTree:
    """The store's groups as a tree, plus the attributed units no team group names as teams of their own.

    A unit whose id is a group that is no team (a cluster, say) keeps the group and stays listed in
    `OrgTree.unowned` only: the flow metrics still count its items under that id.
    """
    connection = workspace.store.connection
    stored = stored_records(connection, StoredGroup)
    groups = {
        g.source_id: Group(g.source_id, g.name, g.kind, g.topology_type, g.parent_id, g.valid_from, g.valid_to)
        for g in sorted(stored, key=lambda g: g.source_id)
    }
    order = tuple(workspace.config.org.attribution)
    org_teams = {group_id for group_id, group in groups.items() if group.kind == "team"}
    unowned = tuple(
        UnownedUnit(row["team_id"], row["rule"], row["items"], row["example"])
        for row in attributed_units(connection, order).to_pylist()
        if row["team_id"] not in org_teams
    )
    for unit in unowned:
        if unit.team_id not in groups:
            name = "Unattributed" if unit.team_id == UNATTRIBUTED else unit.team_id
            groups[unit.team_id] = Group(unit.team_id, name, "team", None, None, None, None, ATTRIBUTED)
    children: dict[str, list[str]] = {}
    for group in groups.values():
        if group.parent_id is not None:
            children.setdefault(group.parent_id, []).append(group.group_id)
    return OrgTree(groups, {key: tuple(value) for key, value in children.items()}, unowned, order)


def _yaml_key(text: str) -> str:
    """`text` as a YAML mapping key: quoted when plain YAML would read it otherwise."""
    words = {"true", "false", "yes", "no", "on", "off", "null"}
    plain = (
        bool(text)
        and text[0].isalpha()
        and all(ch.isalnum() or ch in "-_./" for ch in text)
        and text.casefold() not in words
    )
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class StageInfo:
    """A workflow stage as configured: its order, phase and category."""

    stage: str
    stage_order: int
    phase: str
    category: str


def item_types(workspace: Workspace) -> list[str]:
    """The item types present in the store, sorted."""
    rows = workspace.store.connection.execute("SELECT DISTINCT item_type FROM work_items ORDER BY 1").fetchall()
    return [value for (value,) in rows if value]


def stage_catalog(config: Config) -> dict[str, StageInfo]:
    """Every configured stage by name (the first workflow that names it wins), plus `unmapped`."""
    catalog: dict[str, StageInfo] = {}
    for workflow in config.all_workflows():
        for order, stage in enumerate(workflow.stages):
            catalog.setdefault(stage.name, StageInfo(stage.name, order, stage.phase, stage.category))
    catalog.setdefault("unmapped", StageInfo("unmapped", 999, "unmapped", "unmapped"))
    return catalog


def stages_in_use(workspace: Workspace) -> list[StageInfo]:
    """The stages of the workflows the workspace's projects use, in order (for filter menus)."""
    config = workspace.config
    projects = workspace.store.connection.execute("SELECT DISTINCT source, project FROM work_items").fetchall()
    names = {config.workflow_for(source, project).name for source, project in projects}
    seen: dict[str, StageInfo] = {}
    for workflow in config.all_workflows():
        if workflow.name not in names:
            continue
        for order, stage in enumerate(workflow.stages):
            seen.setdefault(stage.name, StageInfo(stage.name, order, stage.phase, stage.category))
    return sorted(seen.values(), key=lambda s: (s.stage_order, s.stage))


@dataclass(frozen=True)
class TimelineStep:
    """One status an item was in: from `entered_at` to `left_at` (None: still there)."""

    status: str
    stage: str
    phase: str
    category: str
    entered_at: datetime
    left_at: datetime | None
    author: str | None


@dataclass(frozen=True)
class ItemDetail:
    """One work item's record and its status history, mapped to the workflow."""

    source: str
    item_id: str
    title: str
    project: str
    team_id: str | None
    item_type: str
    status: str
    created_at: datetime
    url: str | None
    steps: tuple[TimelineStep, ...]


def item_detail(
    workspace: Workspace, item_id: str, *, until: datetime | None = None, source: str | None = None
) -> ItemDetail:
    """An item and its status transitions up to `until` (a naive UTC instant; None: all), each
    mapped to stage, phase and category by its workflow.

    Raises:
        InputError: no such item.
    """
    connection = workspace.store.connection
    query = "SELECT source, source_id, title, project, team_id, item_type, status, created_at, url FROM work_items"
    arguments: list[object] = [item_id]
    query += " WHERE source_id = ?"
    if source:
        query += " AND source = ?"
        arguments.append(source)
    row = connection.execute(query + " ORDER BY source LIMIT 1", arguments).fetchone()
    if row is None:
        raise NotFoundError(f"unknown item {item_id!r}", field="item", hint="see the items table for item ids")
    item_source, key, title, project, team_id, item_type, status, created_at, url = row
    transitions = connection.execute(
        "SELECT to_status, changed_at, author FROM status_transitions WHERE source = ? AND item_id = ? "
        "AND (CAST(? AS TIMESTAMP) IS NULL OR changed_at <= CAST(? AS TIMESTAMP)) ORDER BY changed_at, seq",
        [item_source, key, until, until],
    ).fetchall()
    workflow = workspace.config.workflow_for(item_source, project)
    by_status = {status_key(raw): stage for stage in workflow.stages for raw in stage.statuses}
    steps: list[TimelineStep] = []
    for index, (to_status, changed_at, author) in enumerate(transitions):
        stage = by_status.get(status_key(to_status))
        left_at = transitions[index + 1][1] if index + 1 < len(transitions) else None
        steps.append(
            TimelineStep(
                status=to_status,
                stage=stage.name if stage else "unmapped",
                phase=stage.phase if stage else "unmapped",
                category=stage.category if stage else "unmapped",
                entered_at=changed_at,
                left_at=left_at,
                author=author,
            )
        )
    return ItemDetail(item_source, key, title, project, team_id, item_type, status, created_at, url, tuple(steps))
