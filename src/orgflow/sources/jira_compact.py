"""Jira JSON Lines exports decoded into only the values an import reads, strictly typed, and re-encoded
as compact JSON Lines for DuckDB to read (`orgflow.sources.jira_staged`).

Each line is decoded by msgspec into structs that hold the values `orgflow.sources.jira.parse_issue`
reads of an issue with an inferred history, each of the one JSON type it reads without an error (a
text as a string or null, a list as a list, an object as an object), and nothing else: the rest of
the line is checked as JSON without being built. The structs are encoded again as JSON Lines (``null``
and missing values left out), about a twentieth of the export, which DuckDB reads into typed columns. A
key listed twice in an object counts once, with its last value, as in the row-by-row reader's dict.

`compact_issues` vouches only for exports it reads as the row-by-row reader would read them, line by
line, and returns None for any other (the caller then leaves the import to that reader): a file that
is one JSON document, a line msgspec does not decode into the structs (not JSON, not an object, a value
of another type than the one read, nested deeper than it reads), a line holding a NUL character
(``\\u0000``; the few lines holding that escape are read whole to tell), a line that is not UTF-8, a
line with an ``issues`` list (a search response), an issue with changelog histories, and configured
field names it cannot tell apart from the fields it reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import orjson

from orgflow.sources import ProgressCallback
from orgflow.sources.files import collector_paused, is_json_lines, nul_field
from orgflow.sources.inflate import Unreadable, inflated_blocks
from orgflow.sources.jira_fields import ISSUE_FIELDS

PLACE = "orgflow_place"
"""The key of an issue's place in the files (1, 2, ...) in the compact issues (a key of the same name in
an issue is read over, or declines it when it is not an integer)."""
TIME_IN_STATUS = "time_in_status"
"""The struct attribute of the configured Time in Status field (encoded under the field's own name)."""
EPIC = "epic"
"""The struct attribute of the configured epic field (encoded under the field's own name)."""
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PROGRESS_EVERY = 500


class Named(msgspec.Struct, omit_defaults=True):
    """A named Jira object (issue type, priority, resolution, component)."""

    name: str | None = None


class Status(msgspec.Struct, omit_defaults=True):
    name: str | None = None
    id: str | int | None = None


class Project(msgspec.Struct, omit_defaults=True):
    key: str | None = None


class User(msgspec.Struct, omit_defaults=True):
    displayName: str | None = None
    name: str | None = None


class Version(msgspec.Struct, omit_defaults=True):
    name: str | None = None
    releaseDate: str | None = None
    released: bool | None = None


class Keyed(msgspec.Struct, omit_defaults=True):
    key: str | None = None


class LinkType(msgspec.Struct, omit_defaults=True):
    name: str | None = None
    inward: str | None = None
    outward: str | None = None


class Link(msgspec.Struct, omit_defaults=True):
    type: LinkType | None = None
    outwardIssue: Keyed | None = None
    inwardIssue: Keyed | None = None


class ParentFields(msgspec.Struct, omit_defaults=True):
    issuetype: Named | None = None


class Parent(msgspec.Struct, omit_defaults=True):
    key: str | None = None
    fields: ParentFields | None = None


class Changelog(msgspec.Struct, omit_defaults=True):
    histories: list[Any] | None = None


_FIELD_TYPES: dict[str, Any] = {
    "project": Project,
    "status": Status,
    "created": str,
    "resolutiondate": str,
    "parent": Parent,
    "summary": str,
    "issuetype": Named,
    "resolution": Named,
    "priority": Named,
    "assignee": User,
    "reporter": User,
    "components": list[Named],
    "labels": list[str],
    "fixVersions": list[Version],
    "updated": str,
    "issuelinks": list[Link],
}
assert tuple(_FIELD_TYPES) == ISSUE_FIELDS  # every field the row-by-row reader reads, and no other


def compact_issues(
    files: list[Path],
    *,
    time_in_status_field: str,
    epic_field: str | None,
    on_progress: ProgressCallback | None = None,
) -> bytes | None:
    """The issues of `files`, in file order, as compact JSON Lines (see the module's docstring), or None
    when declined. Each issue is ``{"key", "self", "fields": {...}, PLACE}`` (the configured fields under
    their own names; `PLACE` its place, from 1); a blank line is skipped, as the row-by-row reader skips it.

    `on_progress` is called as ``(done, None, "issues")`` every 500 issues.
    """
    decoder = _decoder(time_in_status_field, epic_field)
    if decoder is None:
        return None
    reading = _Reading(decoder, on_progress)
    with collector_paused():
        try:
            for path in files:
                reading.file(path)
        except _Unread:
            return None
        return _ENCODER.encode_lines(reading.issues)


_ENCODER = msgspec.json.Encoder()
_ESCAPE = b"\\u0000"


class _Unread(Exception):
    """An export `compact_issues` declines."""


class _Reading:
    """The issues of the files read so far, decoded."""

    def __init__(self, decoder: msgspec.json.Decoder[Any], on_progress: ProgressCallback | None) -> None:
        self.decoder = decoder
        self.on_progress = on_progress
        self.issues: list[Any] = []
        self.first = True

    def file(self, path: Path) -> None:
        """Decode the lines of one file, as its text is inflated (`inflated_blocks`).

        Raises:
            _Unread: a file or line declined; or a file with no line that is not blank (empty).
        """
        self.first = True
        carry = b""
        try:
            for block in inflated_blocks(path):
                lines = block.split(b"\n")
                lines[0] = carry + lines[0]
                # An escape in the line carried over, or split between blocks, is whole in the first line.
                escape = _ESCAPE in block or _ESCAPE in lines[0]
                carry = lines.pop()
                self.lines(lines, escape)
        except Unreadable:
            raise _Unread from None
        self.lines([carry], _ESCAPE in carry)
        if self.first:
            raise _Unread  # empty: the row-by-row reader words it

    def lines(self, lines: list[bytes], escape: bool) -> None:
        """Decode whole lines (`escape`: whether any may hold a ``\\u0000`` escape)."""
        decoder = self.decoder
        for line in lines:
            if not line or line.isspace():  # as `line.strip()` is empty
                continue
            if self.first:
                if not is_json_lines(line):  # the file is one JSON document
                    raise _Unread
                self.first = False
            if not _utf8(line) or (escape and _ESCAPE in line and _holds_nul(line)):
                raise _Unread
            try:
                issue = decoder.decode(line)
            except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
                raise _Unread from None
            if issue.issues is not msgspec.UNSET or (issue.changelog is not None and issue.changelog.histories):
                raise _Unread
            self.issues.append(issue)
            issue.place = len(self.issues)
            if self.on_progress is not None and issue.place % _PROGRESS_EVERY == 0:
                self.on_progress(issue.place, None, "issues")


def _utf8(line: bytes) -> bool:
    """Whether `line` is valid UTF-8 (msgspec does not check the text it skips; the row-by-row reader's
    orjson refuses a line that is not). Line by line: a whole file decoded at once is a string four
    bytes a character wide as soon as one line holds an emoji."""
    if line.isascii():
        return True
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _holds_nul(line: bytes) -> bool:
    """Whether a line holding a ``\\u0000`` escape holds a NUL character (or is not JSON): the row-by-row
    reader's check (`orgflow.sources.files.nul_field`), made on the few lines that can fail it."""
    try:
        return nul_field(orjson.loads(line)) is not None
    except orjson.JSONDecodeError:
        return True


_DECODERS: dict[tuple[str, str | None], msgspec.json.Decoder[Any] | None] = {}


def _decoder(time_in_status_field: str, epic_field: str | None) -> msgspec.json.Decoder[Any] | None:
    """The decoder of an issue with these configured fields, made once per pair (None: names it cannot
    tell apart from the fields read, ignoring case as DuckDB's struct fields do, or that are not plain
    identifiers)."""
    pair = (time_in_status_field, epic_field)
    if pair in _DECODERS:
        return _DECODERS[pair]
    configured = [time_in_status_field, *([epic_field] if epic_field is not None else [])]
    names = [name.casefold() for name in (*ISSUE_FIELDS, *configured)]
    decoder = None
    if len(set(names)) == len(names) and all(_FIELD_NAME.fullmatch(name) for name in configured):
        fields = [(name, kind | None, None) for name, kind in _FIELD_TYPES.items()]
        renames = {TIME_IN_STATUS: time_in_status_field}
        fields.append((TIME_IN_STATUS, str | None, None))
        if epic_field is not None:
            fields.append((EPIC, str | None, None))
            renames[EPIC] = epic_field
        fields_struct = msgspec.defstruct("CompactFields", fields, rename=renames, omit_defaults=True)
        issue_struct = msgspec.defstruct(
            "CompactIssue",
            [
                ("key", str | None, None),
                ("self_", str | None, None),
                ("fields", fields_struct | None, None),
                ("changelog", Changelog | None, None),
                ("issues", Any, msgspec.UNSET),
                ("place", int, 0),
            ],
            rename={"self_": "self", "place": PLACE},
            omit_defaults=True,
        )
        decoder = msgspec.json.Decoder(issue_struct)
    _DECODERS[pair] = decoder
    return decoder
