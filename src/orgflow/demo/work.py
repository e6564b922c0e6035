"""Work items of the demo organization as canonical records: items, transitions, blocks and links.

`orgflow.demo.timeline` decides when each item enters each status; this module names the items, picks
their people and components, and turns the timeline into records, cut at the demo's "now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat

import numpy as np

from orgflow.demo.acme import ENGINEER, NEW_TEAMS, SOURCE, SPLIT_TEAM, TECH_LEAD, TeamSpec
from orgflow.demo.org import DemoOrg, Stint
from orgflow.demo.timeline import (
    CANCELLED,
    DAY,
    DONE,
    ITEM_TYPES,
    REOPENED_DONE,
    SECURITY,
    SLOTS,
    STORY,
    Timeline,
    build_timeline,
    epoch_day,
)
from orgflow.model import BlockedInterval, Component, ItemLink, StatusTransition, WorkItem

_THINGS = {
    "payments": (
        "card payments", "refunds", "the checkout page", "invoices", "payout reports", "the 3-D Secure flow",
        "the merchant dashboard", "fraud rules", "subscription billing", "currency conversion",
    ),
    "logistics": (
        "shipment labels", "carrier rates", "delivery tracking", "customs forms", "pick lists",
        "route plans", "the returns flow", "parcel events", "warehouse slots", "delivery estimates",
    ),
    "platform-cluster": (
        "the CI pipeline", "the service template", "the event bus", "the Kubernetes upgrade", "log retention",
        "data warehouse tables", "the deploy dashboard", "secrets management", "the build cache",
        "alerting rules",
    ),
}  # fmt: skip
_TEMPLATES = (
    ("Add {} export", "Support {} in the app", "Show {} history", "Redesign {}", "Localize {}"),
    ("{} fails on retry", "Wrong totals in {}", "{} times out under load", "Error 500 from {}"),
    ("Update {} settings", "Document {}", "Clean up {} config", "Set up monitoring for {}"),
    ("Investigate {}", "Evaluate options for {}", "Prototype {}"),
    ("Refactor {}", "Remove legacy code in {}", "Upgrade libraries of {}", "Split {} module"),
    ("Patch vulnerable library in {}", "Rotate secrets of {}", "Fix XSS in {}", "Harden access to {}"),
)
_LABELS = (("customer",), ("incident-follow-up",), ("ops",), ("discovery",), ("tech-debt",), ("security",))
_PRIORITIES = ("Highest", "High", "Medium", "Low")


@dataclass
class DemoWork:
    """The generated work records."""

    items: list[WorkItem]
    transitions: list[StatusTransition]
    blocked: list[BlockedInterval]
    links: list[ItemLink]


def build_work(rng: np.random.Generator, org: DemoOrg, *, items: int, start: datetime, end: datetime) -> DemoWork:
    """Draw `items` work items created over [start, end) and walk each through the demo workflow.

    Items still on their way at `end` keep the transitions made so far, so the end has WIP.
    """
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    timeline = build_timeline(rng, org.teams, items=items, start_s=start_s, end_s=end_s)
    reached = timeline.visit & (timeline.enter <= end_s)
    rows, slots = np.nonzero(reached)
    times = timeline.enter[rows, slots]
    first_of_item = np.searchsorted(rows, np.arange(items))
    last_of_item = np.r_[first_of_item[1:], rows.size] - 1
    started_at = np.where(reached[:, 1:].any(axis=1), times[np.minimum(first_of_item + 1, rows.size - 1)], -1)
    last_slot = slots[last_of_item]
    finished = np.isin(last_slot, (DONE, REOPENED_DONE, CANCELLED))
    finished_at = np.where(finished, times[last_of_item], np.iinfo(np.int64).max)

    team_ids = np.array([spec.team_id for spec in org.teams])[timeline.team]
    people = _people(rng, org, team_ids, timeline.created)
    team_of_item = _move_open_items(team_ids, finished_at, people[0], org)
    keys = _keys(rng, org.teams, timeline.team)
    components = _components(rng, org, team_ids)
    final = (last_slot, times[last_of_item], finished)
    work_items = _items(rng, keys, org, timeline, team_of_item, people, components, final)
    transitions = _transitions(keys, rows, slots, times, people)
    blocked = _blocked(keys, timeline.blocked, end_s)
    links = _links(rng, keys, team_of_item, started_at, finished_at, last_slot == CANCELLED, org, end_s)
    return DemoWork(work_items, transitions, blocked, links)


def _move_open_items(
    team_ids: np.ndarray, finished_at: np.ndarray, assignees: list[str | None], org: DemoOrg
) -> np.ndarray:
    """Team of each item: the split team's items still open at the reorg follow their assignee."""
    reorg_s = epoch_day(org.reorg_date) * DAY
    result = team_ids.astype(object)
    new_ids = [spec.team_id for spec in NEW_TEAMS]
    team_of_person = {stint.person_id: team_id for team_id in new_ids for stint in org.stints.get(team_id, [])}
    open_at_reorg = np.flatnonzero((team_ids == SPLIT_TEAM) & (finished_at >= reorg_s))
    for number, index in enumerate(open_at_reorg.tolist()):
        result[index] = team_of_person.get(assignees[index] or "", new_ids[number % 2])
    return result


def _people(
    rng: np.random.Generator, org: DemoOrg, team_of_item: np.ndarray, created: np.ndarray
) -> tuple[list[str | None], list[str | None]]:
    """(assignee, reporter) of every item: an engineer and any member of its team when it was created."""
    assignees: list[str | None] = []
    reporters: list[str | None] = []
    draws = rng.random((created.size, 2)).tolist()
    for team_id, moment, (first, second) in zip(team_of_item.tolist(), created.tolist(), draws, strict=True):
        stints = org.stints.get(team_id, [])
        present = [s for s in stints if s.starts <= moment and (s.ends is None or moment < s.ends)] or stints
        builders = [s for s in present if s.role in (ENGINEER, TECH_LEAD)] or present
        assignees.append(_pick(builders, first))
        reporters.append(_pick(present, second))
    return assignees, reporters


def _pick(stints: list[Stint], draw: float) -> str | None:
    return stints[int(draw * len(stints))].person_id if stints else None


def _components(rng: np.random.Generator, org: DemoOrg, team_ids: np.ndarray) -> list[tuple[str, ...]]:
    """The component each item touches: one its team owns, for 70 % of the items of owning teams."""
    owned: dict[str, list[str]] = {}
    for record in org.records:
        if isinstance(record, Component) and record.owner_id is not None:
            owned.setdefault(record.owner_id, []).append(record.source_id)
    owned[SPLIT_TEAM] = [component for spec in NEW_TEAMS for component in owned.get(spec.team_id, [])]
    draws = rng.random((team_ids.size, 2)).tolist()
    result: list[tuple[str, ...]] = []
    for team_id, (first, second) in zip(team_ids.tolist(), draws, strict=True):
        choices = owned.get(team_id, [])
        result.append((choices[int(second * len(choices))],) if choices and first < 0.7 else ())
    return result


def _keys(rng: np.random.Generator, teams: tuple[TeamSpec, ...], team: np.ndarray) -> list[str]:
    """Issue keys like ``CHK-1234``: numbered in creation order per project, older projects from higher up."""
    numbers = np.empty(team.size, dtype=np.int64)
    for index, spec in enumerate(teams):
        rows = np.flatnonzero(team == index)
        offset = 0 if spec.valid_from is not None else int(rng.integers(40, 900))
        numbers[rows] = offset + np.arange(1, rows.size + 1)
    projects = [spec.project for spec in teams]
    return [f"{projects[t]}-{n}" for t, n in zip(team.tolist(), numbers.tolist(), strict=True)]


def _items(
    rng: np.random.Generator,
    keys: list[str],
    org: DemoOrg,
    timeline: Timeline,
    team_of_item: np.ndarray,
    people: tuple[list[str | None], list[str | None]],
    components: list[tuple[str, ...]],
    final: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[WorkItem]:
    """Work items with their current status (of their last transition) and, if finished, resolution."""
    team, item_type, cluster = timeline.team, timeline.item_type, timeline.cluster
    items = team.size
    thing = rng.integers(0, 10, items).tolist()
    template = rng.integers(0, 1 << 30, items).tolist()
    labelled = (rng.random(items) < np.where(item_type == STORY, 0.2, 0.6)).tolist()
    priority = rng.choice(len(_PRIORITIES), size=items, p=(0.05, 0.25, 0.55, 0.15))
    priority = np.where(item_type == SECURITY, np.minimum(priority, 1), priority).tolist()
    created_at = _instants(timeline.created)
    last_slot, last_time, finished = final
    statuses = [SLOTS[slot][0] for slot in last_slot.tolist()]
    updated_at = _instants(last_time)
    assignees, reporters = people
    result = []
    for index, (kind, done) in enumerate(zip(item_type.tolist(), finished.tolist(), strict=True)):
        templates = _TEMPLATES[kind]
        title = templates[template[index] % len(templates)].format(
            _THINGS[timeline.clusters[cluster[index]]][thing[index]]
        )
        result.append(
            WorkItem(
                source=SOURCE,
                source_id=keys[index],
                project=org.teams[team[index]].project,
                team_id=team_of_item[index],
                title=title[0].upper() + title[1:],
                item_type=ITEM_TYPES[kind],
                created_at=created_at[index],
                status=statuses[index],
                resolved_at=updated_at[index] if done else None,
                resolution=statuses[index] if done else None,
                priority=_PRIORITIES[priority[index]],
                assignee=assignees[index],
                reporter=reporters[index],
                components=components[index],
                labels=_LABELS[kind] if labelled[index] else (),
                updated_at=updated_at[index],
            )
        )
    return result


def _transitions(
    keys: list[str],
    rows: np.ndarray,
    slots: np.ndarray,
    times: np.ndarray,
    people: tuple[list[str | None], list[str | None]],
) -> list[StatusTransition]:
    """One transition per slot entered: seq 0 is the creation in Backlog (from no status)."""
    is_first = np.r_[True, rows[1:] != rows[:-1]]
    positions = np.arange(rows.size)
    seq = positions - np.maximum.accumulate(np.where(is_first, positions, 0))
    names = [name for name, _, _ in SLOTS]
    statuses = [names[slot] for slot in slots.tolist()]
    from_statuses = [None if first else status for first, status in zip(is_first[1:].tolist(), statuses, strict=False)]
    assignees, reporters = people
    authors = [
        reporters[row] if first else assignees[row] for row, first in zip(rows.tolist(), is_first.tolist(), strict=True)
    ]
    item_keys = [keys[row] for row in rows.tolist()]
    return list(
        map(
            StatusTransition,
            repeat(SOURCE),
            item_keys,
            seq.tolist(),
            _instants(times),
            [None, *from_statuses],
            statuses,
            authors,
        )
    )


def _blocked(keys: list[str], blocked: tuple[np.ndarray, np.ndarray, np.ndarray], end_s: int) -> list[BlockedInterval]:
    """The flagged spells that began by `end_s`; one still going then has no end."""
    items, starts, ends = blocked
    keep = np.flatnonzero(starts <= end_s)
    start_times, end_times = _instants(starts[keep]), _instants(ends[keep])
    return [
        BlockedInterval(SOURCE, keys[items[n]], 0, start_times[k], end_times[k] if ends[n] <= end_s else None)
        for k, n in enumerate(keep.tolist())
    ]


def _links(
    rng: np.random.Generator,
    keys: list[str],
    team_of_item: np.ndarray,
    started_at: np.ndarray,
    finished_at: np.ndarray,
    cancelled: np.ndarray,
    org: DemoOrg,
    end_s: int,
) -> list[ItemLink]:
    """About 5 % of items block an item of a team that depends on their team's components.

    The blocked item started while the blocker was still open, so the link overlaps both flows.
    """
    started_by_team: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for team_id in set(team_of_item.tolist()):
        rows = np.flatnonzero((team_of_item == team_id) & (started_at >= 0) & ~cancelled)
        order = np.argsort(started_at[rows], kind="stable")
        started_by_team[team_id] = (started_at[rows][order], rows[order])
    providers = np.array([team_id in org.consumers for team_id in team_of_item.tolist()])
    candidates = np.flatnonzero(providers & (started_at >= 0) & ~cancelled)
    wanted = round(0.05 * len(keys))
    if candidates.size == 0 or wanted == 0:
        return []
    blockers = rng.choice(candidates, size=min(candidates.size, wanted * 2), replace=False)
    draws = rng.random((blockers.size, 2)).tolist()
    pairs: dict[tuple[int, int], None] = {}
    for blocker, (first, second) in zip(blockers.tolist(), draws, strict=True):
        consumers = org.consumers[team_of_item[blocker]]
        starts, rows = started_by_team.get(consumers[int(first * len(consumers))], (np.empty(0), np.empty(0)))
        low, high = int(started_at[blocker]), min(int(finished_at[blocker]), end_s)
        position = int(np.searchsorted(starts, low + second * (high - low), side="right")) - 1
        # The blocked item must have been open when the blocker started, and started before it ended.
        if position < 0 or finished_at[rows[position]] <= low or starts[position] < low - 30 * DAY:
            continue
        pairs.setdefault((blocker, int(rows[position])))
        if len(pairs) == wanted:
            break
    return [ItemLink(SOURCE, keys[blocker], "blocks", keys[blocked]) for blocker, blocked in pairs]


def _instants(seconds: np.ndarray) -> list[datetime]:
    """Epoch seconds as aware UTC datetimes."""
    return list(map(datetime.fromtimestamp, seconds.tolist(), repeat(UTC)))
