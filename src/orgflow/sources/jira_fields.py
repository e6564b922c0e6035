"""Typed readers of a raw Jira issue's fields, and the records beside its work item: links, releases, epic.

Every reader fails with an `InputError` naming the file, the issue and the field path
(``fields.issuelinks[2].type.name``), so one bad issue is reported where it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from orgflow.config import status_key
from orgflow.errors import InputError
from orgflow.model.work import ItemLink, Release
from orgflow.sources.files import parse_instant, quote

ISSUE_FIELDS = (
    "project",
    "status",
    "created",
    "resolutiondate",
    "parent",
    "summary",
    "issuetype",
    "resolution",
    "priority",
    "assignee",
    "reporter",
    "components",
    "labels",
    "fixVersions",
    "updated",
    "issuelinks",
)
"""The issue fields `orgflow.sources.jira.parse_issue` reads, besides the configured epic and Time in
Status fields: what a sync asks the server for and what the JSON Lines reader decodes."""


class Where:
    """Where an issue came from, and typed readers of its fields that fail with an InputError."""

    __slots__ = ("file", "record")

    def __init__(self, file: str, record: str) -> None:
        self.file = file
        self.record = record

    def fail(self, message: str, field: str | None, *, hint: str | None = None) -> NoReturn:
        raise InputError(message, file=self.file, record=self.record, field=field, hint=hint)

    def mapping(self, value: object, field: str, *, required: bool = False) -> dict[str, Any] | None:
        if value is None:
            return self.fail("missing", field) if required else None
        if not isinstance(value, dict):
            self.fail(f"not an object ({quote(value)})", field)
        return value

    def text(self, value: object, field: str, *, required: bool = False) -> str | None:
        if value is None:
            return self.fail("missing", field) if required else None
        if not isinstance(value, str):
            self.fail(f"not a string ({quote(value)})", field)
        return value

    def name(self, value: object, field: str, *, required: bool = False) -> str | None:
        """The ``name`` of a named Jira object (status, priority, issue type, version)."""
        found = self.mapping(value, field, required=required)
        return None if found is None else self.text(found.get("name"), f"{field}.name", required=required)

    def user(self, value: object, field: str) -> str | None:
        found = self.mapping(value, field)
        if found is None:
            return None
        return self.text(found.get("displayName") or found.get("name"), f"{field}.displayName")

    def array(self, value: object, field: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"not a list ({quote(value)})", field)
        return value

    def names(self, value: object, field: str) -> tuple[str, ...]:
        return tuple(
            self.name(element, f"{field}[{index}]", required=True)
            for index, element in enumerate(self.array(value, field))
        )

    def texts(self, value: object, field: str) -> tuple[str, ...]:
        return tuple(
            self.text(element, f"{field}[{index}]", required=True)
            for index, element in enumerate(self.array(value, field))
        )

    def instant(self, value: object, field: str, *, required: bool = False) -> datetime | None:
        return parse_instant(value, file=self.file, record=self.record, field=field, required=required)


def links(source: str, key: str, issuelinks: object, where: Where) -> list[ItemLink]:
    """The issue's links; a "Blocks" link becomes ``blocks`` or ``blocked_by`` (by its direction)."""
    links: list[ItemLink] = []
    for index, link in enumerate(where.array(issuelinks, "fields.issuelinks")):
        field = f"fields.issuelinks[{index}]"
        link = where.mapping(link, field, required=True)
        link_type = where.mapping(link.get("type"), f"{field}.type", required=True)
        name = where.text(link_type.get("name"), f"{field}.type.name") or ""
        outward_issue = where.mapping(link.get("outwardIssue"), f"{field}.outwardIssue")
        inward_issue = where.mapping(link.get("inwardIssue"), f"{field}.inwardIssue")
        if outward_issue is not None:
            target = where.text(outward_issue.get("key"), f"{field}.outwardIssue.key", required=True)
            phrase = where.text(link_type.get("outward"), f"{field}.type.outward")
        elif inward_issue is not None:
            target = where.text(inward_issue.get("key"), f"{field}.inwardIssue.key", required=True)
            phrase = where.text(link_type.get("inward"), f"{field}.type.inward")
        else:
            where.fail("a link needs an outwardIssue or an inwardIssue", field)
        outward = where.text(link_type.get("outward"), f"{field}.type.outward")
        kind = _kind(name, phrase, outward, outward_issue is not None)
        links.append(ItemLink(source, key, kind, target, name or None))
    return links


def link_kind(name: str | None, inward: str | None, outward: str | None, outward_side: bool) -> str:
    """The kind of a link of type `name` (its ``inward`` and ``outward`` phrases), seen from its
    outward side or not: ``blocks`` or ``blocked_by`` for a "Blocks" link (by its direction), else the
    phrase of that side (else the name) in lower case, words joined by ``_`` (``is_duplicated_by``),
    else ``link``."""
    return _kind(name or "", outward if outward_side else inward, outward, outward_side)


def _kind(name: str, phrase: str | None, outward: str | None, outward_side: bool) -> str:
    if name.casefold() in ("blocker", "blocks") or "blocks" in (outward or "").casefold():
        return "blocks" if outward_side else "blocked_by"
    return "_".join((phrase or name).casefold().split()) or "link"


def releases(source: str, project: str, versions: object, where: Where) -> list[Release]:
    """The fix versions that have a release date, as releases of the project."""
    releases: list[Release] = []
    for index, version in enumerate(where.array(versions, "fields.fixVersions")):
        field = f"fields.fixVersions[{index}]"
        version = where.mapping(version, field, required=True)
        release_date = where.instant(version.get("releaseDate"), f"{field}.releaseDate")
        if release_date is None:
            continue
        name = where.text(version.get("name"), f"{field}.name", required=True)
        released = version.get("released")
        if not isinstance(released, bool | None):
            where.fail(f"not true or false ({quote(released)})", f"{field}.released")
        releases.append(Release(source, f"{project}:{name}", project, name, bool(released), release_date))
    return releases


def epic_of(fields: dict[str, Any], parent: dict[str, Any] | None, epic_field: str | None, where: Where) -> str | None:
    """The epic key: from the configured epic field, else the parent when the parent is an Epic."""
    if epic_field is not None:
        epic = where.text(fields.get(epic_field), f"fields.{epic_field}")
        if epic:
            return epic
    if parent is None:
        return None
    parent_fields = where.mapping(parent.get("fields"), "fields.parent.fields")
    if parent_fields is None:
        return None
    parent_type = where.name(parent_fields.get("issuetype"), "fields.parent.fields.issuetype")
    if parent_type is not None and status_key(parent_type) == "epic":
        return where.text(parent.get("key"), "fields.parent.key")
    return None
