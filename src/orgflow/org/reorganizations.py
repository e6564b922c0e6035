"""Reorganizations: the days the org's structure changed, read from the groups' validity intervals.

A group (org, cluster, team) is valid from its `valid_from` day (inclusive) to its `valid_to` day
(exclusive). The structure changed on a day when a group opened (its `valid_from`) or closed (its
`valid_to`) on it: a team split into two is one day with one group closed and two opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgflow.org.structure import OrgModel


@dataclass(frozen=True)
class StructureChange:
    """A day groups opened or closed: (group id, name) pairs of each, by group id."""

    day: date
    opened: list[tuple[str, str]]
    closed: list[tuple[str, str]]


def structure_changes(model: OrgModel) -> list[StructureChange]:
    """Every day on which a group of `model` opened or closed, oldest first."""
    opened: dict[date, list[tuple[str, str]]] = {}
    closed: dict[date, list[tuple[str, str]]] = {}
    for group_id, group in sorted(model.groups.items()):
        if group.valid_from is not None:
            opened.setdefault(group.valid_from, []).append((group_id, group.name))
        if group.valid_to is not None:
            closed.setdefault(group.valid_to, []).append((group_id, group.name))
    return [
        StructureChange(day, opened.get(day, []), closed.get(day, [])) for day in sorted(opened.keys() | closed.keys())
    ]
