"""`OrgService`: the organization of one workspace as of any date, with its design checks and Team APIs.

Like `FlowService`, it binds the store and the config (an `AnalysisContext`), calls the functions of
`orgflow.org.structure` and `orgflow.org.design`, and wraps their rows in `MetricResult` (definition,
parameters, table). It never prints. Every figure is of one day: the day given, else the UTC day of
the context's `now` (today when it has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.errors import InputError, NotFoundError
from orgflow.flow.service import MetricResult
from orgflow.org.design import DesignThresholds, run_checks
from orgflow.org.structure import OrgModel, unattributed, valid_on
from orgflow.registry import Computes, definitions

if TYPE_CHECKING:
    from orgflow.model import Group
    from orgflow.query.context import AnalysisContext

ORG_IMPORTS = "`orgflow import org FILE.yaml` or `orgflow import backstage CATALOG.yaml`"
"""How org data (groups, people, memberships, components) is loaded."""

DEFINITIONS = definitions("org")
"""Each organization figure's definition by name (`orgflow.org.figures`)."""

_CHECK_SCHEMA = pa.schema(
    [
        ("group", pa.string()),
        ("check", pa.string()),
        ("subject", pa.string()),
        ("value", pa.float64()),
        ("threshold", pa.string()),
        ("passed", pa.bool_()),
        ("details", pa.string()),
    ]
)


@dataclass(frozen=True)
class TeamApi:
    """A team's "Team API" on a date: who it is, what it owns, what it depends on, how it checks out."""

    team: str
    day: date
    info: dict[str, Any]
    members: MetricResult
    components: MetricResult
    dependencies: MetricResult
    checks: MetricResult


class OrgService(Computes):
    """The organization as of any date: the org of the context's store, with the design thresholds of
    its config's ``org.design`` section (`from_model`: of an `OrgModel` alone, for tests).

    ``compute(name, **options)`` computes an org figure by its declared name (`orgflow.org.figures`).
    """

    domain = "org"

    def __init__(self, context: AnalysisContext) -> None:
        self.context: AnalysisContext | None = context
        settings = getattr(context.config, "org", None)
        self.thresholds = DesignThresholds.from_settings(getattr(settings, "design", settings))
        self.model = OrgModel.from_store(context.connection)
        self.now = context.now

    @classmethod
    def from_model(cls, model: OrgModel, *, thresholds: DesignThresholds | None = None) -> OrgService:
        """The organization of `model` alone (no store: `unattributed` is not available)."""
        service = cls.__new__(cls)
        service.context, service.model, service.now = None, model, None
        service.thresholds = thresholds or DesignThresholds()
        return service

    @property
    def day(self) -> date:
        """The default day of every figure: the UTC day of `now`, or today."""
        return (self.now or datetime.now(UTC)).astimezone(UTC).date()

    def _result(
        self,
        metric: str,
        rows: list[dict[str, Any]],
        params: dict[str, Any],
        schema: pa.Schema,
        notes: list[str] | None = None,
    ) -> MetricResult:
        table = pa.Table.from_pylist(rows, schema=schema)
        full = {key: value.isoformat() if isinstance(value, date) else value for key, value in params.items()}
        full["rows"] = table.num_rows
        return MetricResult(metric, DEFINITIONS[metric], full, table, notes or [])

    def group(self, group_id: str) -> Group:
        """The group with this id.

        Raises:
            NotFoundError: no such group. A team the work items are attributed to, or any name with no org
                data loaded, is said to be so, with how to load the org or map the team (`missing_group`).
        """
        if group_id in self.model.groups or self.context is None:
            return self.model.group(group_id)
        from orgflow.org.attribution import attributed_units

        org = getattr(self.context.config, "org", None)
        order = tuple(getattr(org, "attribution", ("project",)))
        units = attributed_units(self.context.connection, order).to_pylist()
        unit = next((row for row in units if row["team_id"] == group_id), None)
        raise missing_group(group_id, has_org=bool(self.model.groups), unit=unit)

    def summary(self, day: date | None = None) -> MetricResult:
        """One row per group on `day` (default: `self.day`), parents before children: group, name, kind,
        type, parent, members (direct), fte, members_total (with every group below), checks, checks_failed."""
        day = day or self.day
        model = self.model
        checks = run_checks(model, day, self.thresholds)
        rows = []
        for group_id in self._tree_order(day):
            group = model.groups[group_id]
            memberships = model.memberships_on(day, group_id)
            own = [row for row in checks if row["group"] == group_id]
            rows.append(
                {
                    "group": group_id,
                    "name": group.name,
                    "kind": group.kind,
                    "type": group.topology_type,
                    "parent": group.parent_id,
                    "members": len({m.person_id for m in memberships}),
                    "fte": round(sum(m.allocation for m in memberships), 6),
                    "members_total": len(model.members_on(group_id, day, descendants=True)),
                    "checks": len(own),
                    "checks_failed": sum(1 for row in own if row["passed"] is False),
                }
            )
        schema = pa.schema(
            [
                ("group", pa.string()),
                ("name", pa.string()),
                ("kind", pa.string()),
                ("type", pa.string()),
                ("parent", pa.string()),
                ("members", pa.int64()),
                ("fte", pa.float64()),
                ("members_total", pa.int64()),
                ("checks", pa.int64()),
                ("checks_failed", pa.int64()),
            ]
        )
        return self._result("org-summary", rows, {"date": day}, schema)

    def _tree_order(self, day: date) -> list[str]:
        """Groups on `day`, depth first from the roots (a group whose parent is absent that day is a root)."""
        present = {group.source_id for group in self.model.groups_on(day)}
        roots = sorted(g for g in present if self.model.groups[g].parent_id not in present)
        order: list[str] = []
        stack = list(reversed(roots))
        while stack:
            group_id = stack.pop()
            if group_id in order:
                continue
            order.append(group_id)
            stack.extend(reversed(self.model.children_on(group_id, day)))
        return order

    def members(self, group: str, day: date | None = None, *, descendants: bool = False) -> MetricResult:
        """People in `group` on `day` (default: `self.day`): person, name, group, role, allocation,
        valid_from, valid_to, manager, team."""
        day = day or self.day
        model = self.model
        self.group(group)
        rows = []
        for membership in sorted(
            model.memberships_on(day, group, descendants=descendants), key=lambda m: (m.group_id, m.person_id)
        ):
            person = model.people.get(membership.person_id)
            rows.append(
                {
                    "person": membership.person_id,
                    "name": person.name if person else None,
                    "group": membership.group_id,
                    "role": membership.role,
                    "allocation": membership.allocation,
                    "valid_from": membership.valid_from,
                    "valid_to": membership.valid_to,
                    "manager": person.manager_id if person else None,
                    "team": model.team_of_person_on(membership.person_id, day),
                }
            )
        schema = pa.schema(
            [
                ("person", pa.string()),
                ("name", pa.string()),
                ("group", pa.string()),
                ("role", pa.string()),
                ("allocation", pa.float64()),
                ("valid_from", pa.date32()),
                ("valid_to", pa.date32()),
                ("manager", pa.string()),
                ("team", pa.string()),
            ]
        )
        return self._result("org-members", rows, {"group": group, "date": day, "descendants": descendants}, schema)

    def checks(self, day: date | None = None, group: str | None = None, *, failed_only: bool = False) -> MetricResult:
        """The design checks on `day` (default: `self.day`; of `group` and the groups below it, if given)."""
        day = day or self.day
        if group is not None:
            self.group(group)
        rows = run_checks(self.model, day, self.thresholds, group=group)
        if failed_only:
            rows = [row for row in rows if row["passed"] is False]
        params = {"date": day, "group": group, "failed_only": failed_only, **vars(self.thresholds)}
        return self._result("org-checks", rows, params, _CHECK_SCHEMA)

    def history(self, group: str) -> MetricResult:
        """The group's size on each day its membership (or that of a group below it) changed: date, members,
        fte, members_total, joined, left (direct members compared with the day before)."""
        model = self.model
        self.group(group)
        family = {group} | {g for g in model.groups if group in model.ancestry(g)}
        days: set[date] = set()
        for membership in model.memberships:
            if membership.group_id in family:
                days.update(d for d in (membership.valid_from, membership.valid_to) if d is not None)
        for group_id in family:
            days.update(d for d in (model.groups[group_id].valid_from, model.groups[group_id].valid_to) if d)
        rows = []
        for day in sorted(days):
            before = set(model.members_on(group, day - timedelta(days=1)))
            now_memberships = model.memberships_on(day, group)
            now = {m.person_id for m in now_memberships}
            rows.append(
                {
                    "date": day,
                    "members": len(now),
                    "fte": round(sum(m.allocation for m in now_memberships), 6),
                    "members_total": len(model.members_on(group, day, descendants=True)),
                    "joined": len(now - before),
                    "left": len(before - now),
                }
            )
        schema = pa.schema(
            [
                ("date", pa.date32()),
                ("members", pa.int64()),
                ("fte", pa.float64()),
                ("members_total", pa.int64()),
                ("joined", pa.int64()),
                ("left", pa.int64()),
            ]
        )
        notes = [] if rows else [_no_history_note(group, model, family)]
        params: dict[str, Any] = {"group": group}
        if notes:
            params["empty_reason"] = notes[0]
        return self._result("org-history", rows, params, schema, notes)

    def team_api(self, team: str, day: date | None = None) -> TeamApi:
        """The team's members, owned components, dependencies (both ways, with the other side's owner) and
        checks, on `day` (default: `self.day`).

        Raises:
            InputError: an unknown group, or a group that does not exist on `day`.
        """
        day = day or self.day
        model = self.model
        group = self.group(team)
        if not valid_on(group.valid_from, group.valid_to, day):
            raise InputError(
                f"group {team!r} does not exist on {day} (valid {group.valid_from or '…'} to {group.valid_to or '…'})",
                field="date",
            )
        owned = model.components_of_on(team, day)
        components = []
        for component_id in owned:
            component = model.components.get(component_id)
            components.append(
                {
                    "component": component_id,
                    "name": component.name if component else component_id,
                    "kind": component.kind if component else None,
                    "system": component.system if component else None,
                    "domain": component.domain if component else None,
                    "lifecycle": component.lifecycle if component else None,
                    "paths": " ".join(component.path_globs) if component else "",
                }
            )
        dependencies = []
        for dependency in model.dependencies_on(day):
            mine, theirs = dependency.component_id in owned, dependency.depends_on_id in owned
            if mine:
                other = dependency.depends_on_id
                direction = "uses"
            elif theirs:
                other = dependency.component_id
                direction = "used by"
            else:
                continue
            source = dependency.component_id if mine else dependency.depends_on_id
            dependencies.append(
                {
                    "direction": direction,
                    "component": source,
                    "other_component": other,
                    "kind": dependency.kind,
                    "other_team": model.owner_on(other, day),
                    "cross_team": model.owner_on(other, day) != team,
                }
            )
        dependencies.sort(key=lambda row: (row["direction"], row["component"], row["other_component"], row["kind"]))
        params = {"team": team, "date": day}
        checks = [row for row in run_checks(model, day, self.thresholds, group=team) if row["group"] == team]
        info = {
            "team": team,
            "name": group.name,
            "kind": group.kind,
            "type": group.topology_type,
            "parent": group.parent_id,
            "template": group.template,
            "date": day.isoformat(),
        }
        return TeamApi(
            team,
            day,
            info,
            self.members(team, day),
            self._result("team-components", components, params, _COMPONENTS),
            self._result("team-dependencies", dependencies, params, _DEPENDENCIES),
            self._result("org-checks", checks, params, _CHECK_SCHEMA),
        )

    def unattributed(self) -> MetricResult:
        """What cannot be tied to a team (for `orgflow status`): what, count, example."""
        if self.context is None:
            raise ValueError("unattributed() needs a store (build the service from a context)")
        table = unattributed(self.context.connection)
        return MetricResult("unattributed", DEFINITIONS["unattributed"], {"rows": table.num_rows}, table)


_COMPONENTS = pa.schema(
    [(name, pa.string()) for name in ("component", "name", "kind", "system", "domain", "lifecycle", "paths")]
)
_DEPENDENCIES = pa.schema(
    [(name, pa.string()) for name in ("direction", "component", "other_component", "kind", "other_team")]
    + [("cross_team", pa.bool_())]
)


def missing_group(group_id: str, *, has_org: bool, unit: dict[str, Any] | None) -> NotFoundError:
    """The error for `group_id`, which names no group: a team of the work items (`unit`: its row of
    `orgflow.org.attribution.attributed_units`, None when it is none) with no org data loaded, or outside the
    loaded org; else any name with no org loaded; else an unknown group among those loaded."""
    if unit is not None:
        items = unit["items"]
        of = f"{items:,} work item{'' if items == 1 else 's'}" + (
            f", by the rule {unit['rule']}" if unit["rule"] else ""
        )
        if not has_org:
            return NotFoundError(
                f"{group_id!r} is a team of the work items ({of}) and no org data is loaded: it has no "
                "members, components or design checks",
                field="group",
                hint=f"load the org with {ORG_IMPORTS}; its flow figures: `orgflow flow summary --team {group_id}`",
            )
        return NotFoundError(
            f"{group_id!r} is a team of the work items ({of}) that no group of the loaded org has as its id",
            field="group",
            hint=f"to give its items to a team of the org, add one line under `teams:` in orgflow.yaml, e.g. "
            f"`{group_id}: my-team`, and import that source again; `orgflow org summary` lists the groups",
        )
    if not has_org:
        return NotFoundError(
            f"unknown group {group_id!r}: no org data is loaded", field="group", hint=f"load it with {ORG_IMPORTS}"
        )
    return NotFoundError(f"unknown group {group_id!r}", field="group", hint="see `orgflow org summary`")


def _no_history_note(group: str, model: OrgModel, family: set[str]) -> str:
    """Why `group` has no history: none of its memberships (nor it, nor a group below it) has a start or
    end date, so its size never changed on a known day."""
    undated = sum(1 for membership in model.memberships if membership.group_id in family)
    if not undated:
        return f"{group} has no memberships and no dated change: there is no size to follow"
    return (
        f"no membership of {group} (or of a group below it) has a start or end date: its {undated} "
        f"membership{'s' if undated != 1 else ''} changed on no known day (a catalog records who is in a "
        f"group, not since when); `orgflow org members {group}` lists them"
    )
