"""Which tool's export a JSON object looks like, and the errors that say so.

An importer handed another tool's export (a Bugzilla file given to the GitHub importer) says what the
file looks like and what to do with it, rather than only that a field is missing.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from orgflow.errors import InputError

_EXPORTS: dict[str, tuple[str, str]] = {
    "jira": ("a Jira export", "import it with `orgflow import jira`"),
    "github": ("GitHub issues", "import them with `orgflow import github`"),
    "gitlab": ("a GitLab export", "import it with `orgflow import gitlab`"),
    "bugzilla": (
        "a Bugzilla export",
        "orgflow has no Bugzilla importer: write the bugs' status changes as a transitions CSV "
        "(`orgflow import transitions`)",
    ),
}
"""What `export_kind` tells apart: its name in a message, and what to do with such a file."""

_IMPORTERS: dict[str, str] = {"jira": "it", "github": "them", "gitlab": "it"}
"""The export kinds orgflow has an importer of (named like the kind), and how the action calls the file."""


def export_kind(data: Mapping[str, Any]) -> str | None:
    """Which tool's export one JSON object looks like, by keys only that tool writes: "jira" (``key``
    and a ``fields`` object), "bugzilla" (``creation_time`` and ``summary``), "gitlab" (``iid``),
    "github" (``number`` and ``html_url`` or ``repository_url``); None when it looks like none."""
    if isinstance(data.get("fields"), Mapping) and "key" in data:
        return "jira"
    if "creation_time" in data and "summary" in data:
        return "bugzilla"
    if "iid" in data:
        return "gitlab"
    if "number" in data and ("html_url" in data or "repository_url" in data):
        return "github"
    return None


def wrong_export(
    data: Mapping[str, Any], *, expected: str, wanted: str, file: str | None = None
) -> tuple[str, str] | None:
    """(``this looks like a Bugzilla export, not GitHub issues``, what to do) when the object `data`
    looks like another tool's export than `expected` (an `export_kind` name, or "" for none of them);
    `wanted` names what the importer reads. None when it looks like `expected`, or like nothing known.

    Given the `file` the object came from, the action is the whole command that imports it
    (``import them with `orgflow import github issues.json` ``): a GitHub issue `export_kind` knows
    has its URL, which names its repository, so no ``--repo`` is needed."""
    kind = export_kind(data)
    if kind is None or kind == expected:
        return None
    name, action = _EXPORTS[kind]
    if file is not None and kind in _IMPORTERS:
        action = f"import {_IMPORTERS[kind]} with `orgflow import {kind} {shlex.quote(file)}`"
    return f"this looks like {name}, not {wanted}", action


def json_type(value: object) -> str:
    """The JSON type of a parsed value, as a message names it: "null", "true or false", "a number", "text",
    "a list" or "an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def number_error(
    data: Mapping[str, Any], key: str, *, what: str, expected: str, wanted: str, file: str, record: str
) -> InputError:
    """The error for a record whose number under `key` is missing or not a whole number: `what` names the
    number ("issue number"), `expected` and `wanted` are `wrong_export`'s, so a file of another tool's
    export says so."""
    value = data.get(key)
    if value is not None:
        return InputError(
            f"the {what} must be a whole number, not {json_type(value)}", file=file, record=record, field=key
        )
    other = wrong_export(data, expected=expected, wanted=wanted)
    if other is not None:
        return InputError(f"no {what}: {other[0]}", file=file, record=record, field=key, hint=other[1])
    return InputError(
        f"no {what}",
        file=file,
        record=record,
        field=key,
        hint=f"every record of {wanted} has its {key}: is this the right file?",
    )
