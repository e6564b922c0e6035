"""Jira issues of a saved export, each line of a JSON Lines file first decoded into only the fields the
column-wise reader reads (`orgflow.sources.jira_columns`).

A Jira issue is mostly text no import reads (descriptions, comments, attachments, dozens of custom
fields): msgspec decodes an object into the named fields of a struct and checks the rest of the line
as JSON without building it, about twice as fast as building the whole issue. Such a partial issue
holds ``key``, ``fields`` (the fields of `PARTIAL_FIELDS` and the configured ones, each as JSON
gives it, absent and null alike None), ``changelog`` and ``self``, the only keys the column-wise
reader looks up; it reads a partial issue exactly as the whole one.

Every line it does not vouch for is read whole, as `orgflow.sources.files.iter_json_records` reads it
(`Issue.records`), which decides and words any error: a line msgspec does not decode into the struct
(not JSON, nested deeper than it reads, not an object, ``fields`` not an object), one holding a
``\\u0000`` escape (its NUL check walks the whole record), one that is not valid UTF-8 (msgspec does
not check the text it skips), one with an ``issues`` list (a search response), and, once more than
one line in eight of a file is, every later line of it (an export with changelogs, which the
column-wise reader leaves to `orgflow.sources.jira.parse_issue`). A file that is one JSON document
is read whole.

The one difference from reading every line whole: a number of a field no import reads that does not
fit a double (``1e400``) is no error here, where orjson would refuse the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from orgflow.sources.file_text import read_bytes
from orgflow.sources.files import RawRecord, document_records, is_json_lines, line_records
from orgflow.sources.jira_fields import ISSUE_FIELDS

PARTIAL_FIELDS = ISSUE_FIELDS
"""The issue fields read (`orgflow.sources.jira_fields`)."""

LIST_KEYS = ("issues",)
_CHECKED_AFTER = 64
"""Lines of a file read before the share read whole decides whether partial decoding goes on."""


@dataclass
class Issue:
    """One line's issue: `partial` (only the fields the column-wise reader reads; None when the line is
    read whole), and the way to read the line whole."""

    partial: dict[str, Any] | None
    line: bytes | None
    number: int
    file: str
    check_nul: bool
    whole: list[RawRecord] | None = None

    def records(self) -> Iterator[RawRecord]:
        """The line's records read whole (`orgflow.sources.files.line_records`): its error, if any."""
        if self.whole is not None:
            yield from self.whole
            return
        assert self.line is not None
        yield from line_records(self.line, self.number, self.file, list_keys=LIST_KEYS, check_nul=self.check_nul)


class IssueLines:
    """The issues of one file, decoding lines partially while the column-wise reader takes them."""

    def __init__(self, path: Path, fields: tuple[str, ...]) -> None:
        self.path = path
        self.fields = tuple(dict.fromkeys(fields))
        self.decoder = msgspec.json.Decoder(_issue_struct(self.fields))
        self.lines = 0
        self.whole = 0

    def declined(self) -> None:
        """Tell that the column-wise reader declined a partial issue (it is read whole)."""
        self.whole += 1

    def __iter__(self) -> Iterator[Issue]:
        file = str(self.path)
        data = read_bytes(self.path)
        if not is_json_lines(data):
            for raw in document_records(data, file, list_keys=LIST_KEYS):
                yield Issue(None, None, 0, file, False, whole=[raw])
            return
        check_nul = b"\\u0000" in data
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            self.lines += 1
            partial = None
            if self.lines <= _CHECKED_AFTER or self.whole * 8 <= self.lines:
                partial = self._partial(line, check_nul)
                if partial is None:
                    self.whole += 1
            yield Issue(partial, line, number, file, check_nul)

    def _partial(self, line: bytes, check_nul: bool) -> dict[str, Any] | None:
        """The partial issue of `line`, or None when the line is to be read whole."""
        if (check_nul and b"\\u0000" in line) or not _utf8(line):
            return None
        try:
            issue = self.decoder.decode(line)
        except (msgspec.DecodeError, RecursionError):  # also a ValidationError: not an object, fields not an object
            return None
        if issue.issues is not msgspec.UNSET:
            return None
        fields = issue.fields
        return {
            "key": issue.key,
            "fields": None if fields is None else dict(zip(self.fields, msgspec.structs.astuple(fields), strict=True)),
            "changelog": issue.changelog,
            "self": issue.self_,
        }


def _utf8(line: bytes) -> bool:
    """Whether `line` is valid UTF-8 (orjson refuses a line that is not)."""
    if line.isascii():
        return True
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_STRUCTS: dict[tuple[str, ...], type[msgspec.Struct]] = {}


def _issue_struct(fields: tuple[str, ...]) -> type[msgspec.Struct]:
    """The struct of a partial issue whose ``fields`` holds `fields` (made once per tuple of names)."""
    known = _STRUCTS.get(fields)
    if known is not None:
        return known
    names = [f"f{index}" for index in range(len(fields))]
    fields_struct = msgspec.defstruct(
        "PartialFields",
        [(name, Any, None) for name in names],
        rename=dict(zip(names, fields, strict=True)),
    )
    issue_struct = msgspec.defstruct(
        "PartialIssue",
        [
            ("key", Any, None),
            ("fields", fields_struct | None, None),
            ("changelog", Any, None),
            ("self_", Any, None),
            ("issues", Any, msgspec.UNSET),
        ],
        rename={"self_": "self"},
    )
    _STRUCTS[fields] = issue_struct
    return issue_struct
