"""The org file: people, groups, memberships, team templates, components, ownership and dependencies over time.

One YAML file with a list per record kind, or CSV files named after the record kind (``people.csv``,
``groups.csv``, ``memberships.csv``, ``templates.csv``, ``components.csv``, ``ownership.csv``,
``dependencies.csv``, ``aliases.csv``), in a folder or named one by one. Field names are the same in both
forms (docs/org.md lists them). Dates are ``YYYY-MM-DD``; ``from`` is the first day, ``to`` the first day
no longer valid (half-open; empty means open). A reorganization is new rows with dates.

The files together must be self-contained: every reference (manager, parent, person, group, template,
component) names a record of the same import. Everything is validated before anything is returned, so a
bad file writes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.model.org import (
    GROUP_KINDS,
    TEAM_TOPOLOGIES_TYPES,
    Component,
    ComponentDependency,
    ComponentOwnership,
    Group,
    Membership,
    Person,
    PersonAlias,
    RoleRequirement,
)
from orgflow.sources import ProgressCallback
from orgflow.sources.files import expand_paths, quote
from orgflow.sources.org_rows import FIELDS, Row, read_csv, read_yaml, split_list
from orgflow.store import ImportBatch

__all__ = ["FIELDS", "SOURCE", "Row", "build_records", "load"]

SOURCE = "org"


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read an org file (YAML) or org CSV files into the org records, validated as a whole.

    Args:
        paths: a ``.yaml``/``.yml`` file, CSV files named after their record kind, or folders of them.
        config: the workspace config (unused).
        options: ``source`` (default "org").
        on_progress: called after each file with (files done, files, file name).

    Raises:
        InputError: naming file, record (line) and field: a missing or unknown field, a bad date or
            number, a membership or validity ending before it starts, an unknown reference, a cycle in the
            group or manager hierarchy, overlapping memberships, or a component with two owners at once.
    """
    source = str(options.get("source") or SOURCE)
    files = expand_paths(paths, suffixes=(".yaml", ".yml", ".csv"))
    rows: list[Row] = []
    for done, path in enumerate(files, start=1):
        rows.extend(read_yaml(path) if path.suffix in (".yaml", ".yml") else read_csv(path))
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    batch = ImportBatch(source=source, kind="org", origin=", ".join(str(path) for path in paths))
    batch.extend(build_records(rows, source=source))
    return batch


def build_records(rows: list[Row], *, source: str = SOURCE) -> list[Any]:
    """Validate rows as one org and return its canonical records (pure).

    Raises:
        InputError: see `load`.
    """
    by_kind: dict[str, list[Row]] = {kind: [] for kind in FIELDS}
    for row in rows:
        required, optional = FIELDS[row.kind]
        for name in row.values:
            if name not in required and name not in optional:
                raise row.error(
                    f"unknown field {quote(name)} in {row.kind}", name, f"use {', '.join(required + optional)}"
                )
        for name in required:
            if row.text(name) is None:
                raise row.error(f"missing {name}", name)
        by_kind[row.kind].append(row)

    people = _unique(by_kind["people"], "id", "person")
    groups = _unique(by_kind["groups"], "id", "group")
    components = _unique(by_kind["components"], "id", "component")
    templates = {row.text("template") for row in by_kind["templates"]}

    def check_ref(row: Row, field: str, known: dict[str, Row] | set[str | None], what: str) -> str | None:
        value = row.text(field)
        if value is not None and value not in known:
            raise row.error(f"unknown {what} {quote(value)}", field, f"add the {what} to this import")
        return value

    records: list[Any] = []
    for person_id, row in people.items():
        manager = check_ref(row, "manager", people, "person")
        records.append(
            Person(source, person_id, row.text("name") or person_id, row.text("email"), row.text("title"), manager)
        )
        records.extend(PersonAlias(source, alias, person_id) for alias in split_list(row.values.get("aliases")))
    _check_cycles(people, "manager", "manager line")
    for row in by_kind["aliases"]:
        records.append(PersonAlias(source, row.text("alias") or "", check_ref(row, "person", people, "person") or ""))

    for group_id, row in groups.items():
        kind = row.text("kind")
        if kind not in GROUP_KINDS:
            raise row.error(f"unknown group kind {quote(kind)}", "kind", f"use {', '.join(GROUP_KINDS)}")
        topology = row.text("type")
        if topology is not None and topology not in TEAM_TOPOLOGIES_TYPES:
            raise row.error(f"unknown team type {quote(topology)}", "type", f"use {', '.join(TEAM_TOPOLOGIES_TYPES)}")
        parent = check_ref(row, "parent", groups, "group")
        template = check_ref(row, "template", templates, "template")
        valid_from, valid_to = _interval(row)
        records.append(
            Group(
                source, group_id, row.text("name") or group_id, kind, topology, parent, valid_from, valid_to, template
            )
        )
    _check_cycles(groups, "parent", "group hierarchy")

    for row in by_kind["templates"]:
        minimum = _number(row, "minimum", int, default=1)
        if minimum < 0:
            raise row.error(f"minimum must not be negative ({minimum})", "minimum")
        records.append(RoleRequirement(source, row.text("template") or "", row.text("role") or "", int(minimum)))

    memberships: list[Membership] = []
    spans: dict[tuple[str, str], list[tuple[Row, date | None, date | None]]] = {}
    for row in by_kind["memberships"]:
        person = check_ref(row, "person", people, "person") or ""
        group = check_ref(row, "group", groups, "group") or ""
        allocation = float(_number(row, "allocation", float, default=1.0))
        if not 0 < allocation <= 1:
            raise row.error(f"allocation must be above 0 and at most 1 ({allocation})", "allocation")
        valid_from, valid_to = _interval(row)
        spans.setdefault((person, group), []).append((row, valid_from, valid_to))
        membership_id = row.text("id") or f"{person}@{group}:{valid_from.isoformat() if valid_from else 'start'}"
        memberships.append(
            Membership(source, membership_id, person, group, row.text("role"), allocation, valid_from, valid_to)
        )
    _check_overlaps(spans, "membership of {0} in {1} overlaps the one at {where}")
    _unique_ids(memberships, by_kind["memberships"])
    records.extend(memberships)

    for component_id, row in components.items():
        owner = check_ref(row, "owner", groups, "group")
        records.append(
            Component(
                source,
                component_id,
                row.text("name") or component_id,
                row.text("kind") or "service",
                owner,
                row.text("system"),
                row.text("domain"),
                split_list(row.values.get("paths")),
                row.text("lifecycle"),
            )
        )
    owners: dict[tuple[str, str], list[tuple[Row, date | None, date | None]]] = {}
    for row in by_kind["ownership"]:
        component = check_ref(row, "component", components, "component") or ""
        group = check_ref(row, "group", groups, "group") or ""
        valid_from, valid_to = _interval(row)
        owners.setdefault((component, ""), []).append((row, valid_from, valid_to))
        start = valid_from.isoformat() if valid_from else "start"
        records.append(
            ComponentOwnership(source, f"{component}@{group}:{start}", component, group, valid_from, valid_to)
        )
    _check_overlaps(owners, "component {0} has two owners at once: this row overlaps the one at {where}")
    for row in by_kind["dependencies"]:
        component = check_ref(row, "component", components, "component") or ""
        target = check_ref(row, "depends_on", components, "component") or ""
        valid_from, valid_to = _interval(row)
        kind = row.text("kind") or "depends_on"
        records.append(ComponentDependency(source, component, target, kind, None, valid_from, valid_to))
    return records


def _unique(rows: list[Row], field: str, what: str) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for row in rows:
        key = row.text(field) or ""
        if key in found:
            raise row.error(f"{what} {quote(key)} is defined twice (first at {found[key].record})", field)
        found[key] = row
    return found


def _unique_ids(memberships: list[Membership], rows: list[Row]) -> None:
    seen: dict[str, Row] = {}
    for membership, row in zip(memberships, rows, strict=True):
        first = seen.get(membership.source_id)
        if first is not None:
            message = f"membership id {quote(membership.source_id)} is used twice (first at {first.record})"
            raise row.error(message, "id")
        seen[membership.source_id] = row


def _interval(row: Row) -> tuple[date | None, date | None]:
    valid_from, valid_to = row.day("from"), row.day("to")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise row.error(
            f"ends ({valid_to}) before it starts ({valid_from})",
            "to",
            "`to` is the first day no longer valid, after `from`",
        )
    return valid_from, valid_to


def _number(row: Row, field: str, kind: Callable[[Any], float], *, default: float) -> float:
    text = row.text(field)
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise row.error(f"not a number ({quote(text)})", field) from None


def _check_cycles(records: dict[str, Row], field: str, what: str) -> None:
    """Raise on the first record (in input order) whose chain of `field` references comes back to itself."""
    for start, row in records.items():
        chain = [start]
        current = records[start].text(field)
        while current is not None and current in records:
            if current == start:
                path = " -> ".join([*chain, start])
                raise row.error(f"the {what} has a cycle: {path}", field)
            if current in chain:
                break
            chain.append(current)
            current = records[current].text(field)


def _check_overlaps(spans: dict[tuple[str, str], list[tuple[Row, date | None, date | None]]], message: str) -> None:
    """Raise when two half-open intervals of the same key overlap (open ends reach forever)."""
    for (first, second), intervals in spans.items():
        ordered = sorted(intervals, key=lambda item: (item[1] or date.min, item[0].record))
        for (earlier, _, earlier_to), (later, later_from, _) in itertools.pairwise(ordered):
            if earlier_to is None or later_from is None or later_from < earlier_to:
                raise later.error(message.format(first, second, where=earlier.record), "from")
