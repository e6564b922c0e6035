"""Team design checks (docs/org.md) on the org as it was on a date.

Each check returns rows ``group, check, subject, value, threshold, passed, details``: `group` is the group
the row belongs to (a person's row goes to their team), `subject` what was measured (a group or a person),
`value` the figure, `threshold` the rule it was held to, in words. Defaults (docs/org.md): teams of
3 to 9 people, span of control at most 8, 3 to 5 teams per cluster, clusters under 50 and areas under 150
people (Dunbar); stability and churn thresholds are orgflow's own defaults. All are configurable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from orgflow.org.structure import OrgModel, valid_on

CHECKS = (
    "team_size",
    "communication_channels",
    "role_coverage",
    "teams_per_cluster",
    "dunbar",
    "span_of_control",
    "allocation",
    "team_split",
    "stability",
    "churn",
)


@dataclass(frozen=True)
class DesignThresholds:
    """Limits of the team design checks.

    Attributes:
        team_size_min, team_size_max: people in a team (docs/org.md: 3 to 9).
        span_of_control_max: direct reports of one manager (8).
        cluster_teams_min, cluster_teams_max: teams directly in a cluster (3 to 5).
        dunbar_cluster, dunbar_area: people in a cluster (50) and in an area (150), all levels below.
        stability_min: share of a team's members present at both ends of the window (0.75).
        churn_share_max: joins plus leaves in the window, as a share of the team's mean size (0.5).
        window_days: the window of stability and churn, ending on the day checked (90).
        allocation_max: total allocation of one person over all groups (1.0).
        teams_per_person_max: teams one person is in at once (2).
    """

    team_size_min: int = 3
    team_size_max: int = 9
    span_of_control_max: int = 8
    cluster_teams_min: int = 3
    cluster_teams_max: int = 5
    dunbar_cluster: int = 50
    dunbar_area: int = 150
    stability_min: float = 0.75
    churn_share_max: float = 0.5
    window_days: int = 90
    allocation_max: float = 1.0
    teams_per_person_max: int = 2

    @classmethod
    def from_settings(cls, settings: object | None) -> DesignThresholds:
        """Thresholds from a settings object or mapping with any of these names (others keep defaults)."""
        if settings is None:
            return cls()
        names = {item.name for item in fields(cls)}
        if isinstance(settings, dict):
            values = {key: value for key, value in settings.items() if key in names}
        else:
            values = {name: getattr(settings, name) for name in names if hasattr(settings, name)}
        return cls(**values)


def _row(group: str, check: str, subject: str, value: float | None, threshold: str, passed: bool | None, details: str):
    return {
        "group": group,
        "check": check,
        "subject": subject,
        "value": None if value is None else float(value),
        "threshold": threshold,
        "passed": passed,
        "details": details,
    }


def home_group(model: OrgModel, person_id: str, day: date) -> str:
    """The group a person's rows belong to: their team, else their largest membership's group, else ""."""
    team = model.team_of_person_on(person_id, day)
    if team is not None:
        return team
    own = [m for m in model.memberships_on(day) if m.person_id == person_id]
    return min(own, key=lambda m: (-m.allocation, m.group_id)).group_id if own else ""


def team_checks(model: OrgModel, day: date, limits: DesignThresholds) -> list[dict[str, Any]]:
    """Team size n, communication channels n(n−1)/2 and role coverage, for every team on `day`."""
    rows = []
    channels_max = limits.team_size_max * (limits.team_size_max - 1) // 2
    for group in model.groups_on(day):
        if group.kind != "team":
            continue
        team = group.source_id
        memberships = model.memberships_on(day, team)
        people = sorted({m.person_id for m in memberships})
        size = len(people)
        fte = sum(m.allocation for m in memberships)
        rows.append(
            _row(
                team,
                "team_size",
                team,
                size,
                f"{limits.team_size_min} to {limits.team_size_max}",
                limits.team_size_min <= size <= limits.team_size_max,
                f"{size} people, {fte:g} FTE",
            )
        )
        channels = size * (size - 1) // 2
        rows.append(
            _row(
                team, "communication_channels", team, channels, f"at most {channels_max}", channels <= channels_max, ""
            )
        )
        required = model.required_roles(group.template)
        if required:
            have = {role: 0 for role in required}
            for role in required:
                holders = {m.person_id for m in memberships if (m.role or "").casefold() == role.casefold()}
                have[role] = len(holders)
            missing = [
                f"{role} ({have[role]} of {need})" for role, need in sorted(required.items()) if have[role] < need
            ]
            rows.append(
                _row(
                    team,
                    "role_coverage",
                    team,
                    len(missing),
                    f"every role of template {group.template!r}",
                    not missing,
                    "missing: " + ", ".join(missing) if missing else "all roles covered",
                )
            )
    return rows


def structure_checks(model: OrgModel, day: date, limits: DesignThresholds) -> list[dict[str, Any]]:
    """Teams per cluster (direct child teams) and Dunbar limits (people in clusters and areas, all levels)."""
    rows = []
    for group in model.groups_on(day):
        group_id = group.source_id
        if group.kind == "cluster":
            teams = [child for child in model.children_on(group_id, day) if model.groups[child].kind == "team"]
            rows.append(
                _row(
                    group_id,
                    "teams_per_cluster",
                    group_id,
                    len(teams),
                    f"{limits.cluster_teams_min} to {limits.cluster_teams_max}",
                    limits.cluster_teams_min <= len(teams) <= limits.cluster_teams_max,
                    ", ".join(teams),
                )
            )
        limit = {"cluster": limits.dunbar_cluster, "area": limits.dunbar_area}.get(group.kind)
        if limit is not None:
            people = len(model.members_on(group_id, day, descendants=True))
            rows.append(
                _row(group_id, "dunbar", group_id, people, f"under {limit}", people < limit, f"{people} people")
            )
    return rows


def people_checks(model: OrgModel, day: date, limits: DesignThresholds) -> list[dict[str, Any]]:
    """Span of control of every manager active on `day`; allocation and team split of people in several
    groups or over-allocated."""
    rows = []
    for manager_id in sorted({p.manager_id for p in model.people.values() if p.manager_id}):
        if manager_id not in model.people or not model.active_on(manager_id, day):
            continue
        reports = model.direct_reports_on(manager_id, day)
        if not reports:
            continue
        rows.append(
            _row(
                home_group(model, manager_id, day),
                "span_of_control",
                manager_id,
                len(reports),
                f"at most {limits.span_of_control_max}",
                len(reports) <= limits.span_of_control_max,
                ", ".join(reports),
            )
        )
    by_person: dict[str, list[tuple[str, float, str]]] = {}
    for membership in model.memberships_on(day):
        kind = model.groups[membership.group_id].kind
        by_person.setdefault(membership.person_id, []).append((membership.group_id, membership.allocation, kind))
    for person_id, entries in sorted(by_person.items()):
        total = sum(allocation for _, allocation, _ in entries)
        teams = sorted({group for group, _, kind in entries if kind == "team"})
        details = ", ".join(f"{group} {allocation:g}" for group, allocation, _ in sorted(entries))
        group = home_group(model, person_id, day)
        if len(entries) > 1 or total > limits.allocation_max:
            rows.append(
                _row(
                    group,
                    "allocation",
                    person_id,
                    round(total, 6),
                    f"at most {limits.allocation_max:g}",
                    total <= limits.allocation_max + 1e-9,
                    details,
                )
            )
        if len(teams) > 1:
            rows.append(
                _row(
                    group,
                    "team_split",
                    person_id,
                    len(teams),
                    f"at most {limits.teams_per_person_max} teams",
                    len(teams) <= limits.teams_per_person_max,
                    ", ".join(teams),
                )
            )
    return rows


def stability_checks(model: OrgModel, day: date, limits: DesignThresholds) -> list[dict[str, Any]]:
    """Stability and churn of every team on `day`, over the window (day − window_days, day].

    Stability = |M(start) ∩ M(day)| / |M(start) ∪ M(day)| for teams that existed at the window's start.
    Churn = joins + leaves: days in the window on which a person's presence in the team changed, not
    counting the team's own first and last day (forming or closing a team is a reorganization, not churn);
    it is held to churn_share_max × the team's mean size at the two ends.
    """
    rows = []
    start = day - timedelta(days=limits.window_days)
    for group in model.groups_on(day):
        if group.kind != "team":
            continue
        team = group.source_id
        existed = valid_on(group.valid_from, group.valid_to, start)
        before = set(model.members_on(team, start)) if existed else set()
        now = set(model.members_on(team, day))
        if existed and before | now:
            share = len(before & now) / len(before | now)
            rows.append(
                _row(
                    team,
                    "stability",
                    team,
                    round(share, 6),
                    f"at least {limits.stability_min:g} over {limits.window_days} days",
                    share >= limits.stability_min,
                    f"{len(before & now)} of {len(before | now)} people at both ends ({start} and {day})",
                )
            )
        joins, leaves = _presence_changes(model, team, start, day)
        sizes = [len(now)] + ([len(before)] if existed else [])
        allowed = limits.churn_share_max * sum(sizes) / len(sizes)
        rows.append(
            _row(
                team,
                "churn",
                team,
                joins + leaves,
                f"at most {allowed:g} ({limits.churn_share_max:g} x mean size) in {limits.window_days} days",
                joins + leaves <= allowed,
                f"{joins} joined, {leaves} left",
            )
        )
    return rows


def _presence_changes(model: OrgModel, team: str, start: date, end: date) -> tuple[int, int]:
    """(joins, leaves) of a team's people on the days in (start, end], team start and end days excluded."""
    group = model.groups[team]
    own = [m for m in model.memberships if m.group_id == team]
    boundaries = {d for m in own for d in (m.valid_from, m.valid_to) if d is not None and start < d <= end}
    boundaries -= {group.valid_from, group.valid_to}
    joins = leaves = 0
    for boundary in sorted(boundaries):
        previous = boundary - timedelta(days=1)
        for person_id in sorted({m.person_id for m in own}):
            mine = [m for m in own if m.person_id == person_id]
            was = any(valid_on(m.valid_from, m.valid_to, previous) for m in mine)
            is_ = any(valid_on(m.valid_from, m.valid_to, boundary) for m in mine)
            joins += is_ and not was
            leaves += was and not is_
    return joins, leaves


def run_checks(
    model: OrgModel, day: date, limits: DesignThresholds | None = None, *, group: str | None = None
) -> list[dict[str, Any]]:
    """Every check on `day`, ordered by group, check and subject; only rows of `group` and the groups below it
    when `group` is given."""
    limits = limits or DesignThresholds()
    rows = [
        *team_checks(model, day, limits),
        *structure_checks(model, day, limits),
        *people_checks(model, day, limits),
        *stability_checks(model, day, limits),
    ]
    if group is not None:
        wanted = {group, *model.descendants_on(group, day)}
        rows = [row for row in rows if row["group"] in wanted]
    order = {name: index for index, name in enumerate(CHECKS)}
    return sorted(rows, key=lambda row: (row["group"], order[row["check"]], row["subject"]))
