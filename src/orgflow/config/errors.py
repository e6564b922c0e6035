"""Plain words for what is wrong in a hand-written `orgflow.yaml`: the validator's mistakes ("Extra inputs are
not permitted", "Input should be a valid tuple") said as the key, what was expected and what was written.

`explain(error)` turns the mistake the validator found in `Config` into a message and a hint: an unknown key
with the closest known one ("did you mean 'workflows'?"), a missing key, a value of the wrong kind (a list,
text, a number, true/false, a mapping) with an example of the right one, a value outside its allowed set
listing them, a number out of its range. `bool_as_number` finds true/false written where a number belongs,
which the validator would otherwise read as 1/0.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator
from typing import Any, Literal, Union, get_args, get_origin

from orgflow.config.settings import Config
from orgflow.config.validation import Invalid, field_types, is_section

LISTS: dict[str, tuple[str, str]] = {
    "statuses": ("statuses", "[Open, Reopened]"),
    "projects": ("project keys (globs allowed)", "[AMQ, 'ZOOK*']"),
    "phases": ("phases", "[Ideate, Create, Release, Operate]"),
    "stages": ("stages", "[{name: Doing, phase: Create, category: active, statuses: [In Progress]}]"),
    "workflows": ("workflows", "[{name: jira, stages: [...]}]"),
    "cancelled_resolutions": ("resolutions", '["Won\'t Fix", Duplicate]'),
    "attribution": ("rules", "[component, project]"),
    "status_from": ("places to read a status from", "[project_column, label]"),
    "status_labels": ("labels", "[in progress, blocked]"),
    "groups": ("group ids", "[payments, checkout]"),
    "include": ("resources", "[merge_requests, deployments]"),
    "sources": (
        "sources",
        "[{name: apache, kind: jira, url: 'https://issues.apache.org/jira', query: 'project = AMQ'}]",
    ),
    "flow_types[]": ("item types", "[Story, Bug]"),
}
"""The lists of `orgflow.yaml` by key (``KEY[]``: a value of the mapping KEY): what they list and an example."""

MAPPINGS: dict[str, str] = {
    "teams": "{AMQ: messaging}",
    "flow_types": "{defect: [Bug, Incident]}",
    "value_streams": "{checkout: {groups: [payments, checkout]}}",
}
"""The mappings of `orgflow.yaml` by key, with an example."""


def explain(error: Invalid) -> tuple[str, str | None]:
    """The message and hint (None: no hint) for the mistake the validator found in `Config`."""
    kind, location, value = error.kind, error.location, error.value
    if kind == "extra_forbidden":
        return _unknown_key(location)
    if kind == "missing":
        expected = _expected(*_annotation_at(location))
        key = str(location[-1])
        return f"the required key {key!r} is missing", f"add `{key}: ...` ({expected})" if expected else f"add `{key}:`"
    if kind == "literal_error":
        return _not_allowed(location, value, error.context)
    bounds = {
        "greater_than": "above",
        "greater_than_equal": "at least",
        "less_than": "below",
        "less_than_equal": "at most",
    }
    if kind in bounds:
        limit = next(iter(error.context.values()), None)
        return f"must be {bounds[kind]} {_number(limit)}, got {_written(value)}", None
    if kind == "string_too_short":
        return "must not be empty", None
    if kind in ("value_error", "assertion_error"):
        message = error.message
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, "), None
    if location and location[-1] == "[key]":
        return f"expected text as the key, got {_written(value)}", None
    annotation, name = _annotation_at(location)
    expected = _expected(annotation, name)
    if expected is None:
        return error.message, None
    one = f"for one, write [{value}]" if get_origin(annotation) is tuple and isinstance(value, str | int) else None
    return f"expected {expected}, got {_written(value)}", one


def bool_as_number(data: Any) -> tuple[tuple[Any, ...], bool] | None:
    """The location and value of the first true/false written where `Config` takes a number (the validator
    reads it as 1 or 0), or None."""
    return next(_bools(data, Config, ()), None)


def number_expected(location: tuple[Any, ...]) -> str:
    """What the number at `location` of `Config` must be: "a whole number" or "a number"."""
    return _expected(*_annotation_at(location)) or "a number"


def _bools(value: Any, annotation: Any, location: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], bool]]:
    annotation = _optional(annotation)
    if isinstance(value, bool):
        if annotation in (int, float):
            yield location, value
        return
    if is_section(annotation) and isinstance(value, dict):
        types_of = field_types(annotation)
        for key, item in value.items():
            if str(key) in types_of:
                yield from _bools(item, types_of[str(key)], (*location, key))
    elif get_origin(annotation) is tuple and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bools(item, get_args(annotation)[0], (*location, index))
    elif get_origin(annotation) is dict and isinstance(value, dict):
        for key, item in value.items():
            yield from _bools(item, get_args(annotation)[1], (*location, key))


def _unknown_key(location: tuple[Any, ...]) -> tuple[str, str]:
    key = str(location[-1])
    parent, _ = _annotation_at(location[:-1])
    known = list(field_types(parent)) if is_section(parent) else []
    inside = f" in {_path(location[:-1])}" if location[:-1] else ""
    closest = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    listed = f"the keys{inside or ' at the top level'} are {', '.join(known)}"
    hint = f"did you mean {closest[0]!r}? ({listed})" if closest else listed
    return f"unknown key {key!r}{inside}", hint


def _not_allowed(location: tuple[Any, ...], value: Any, context: dict[str, Any]) -> tuple[str, str | None]:
    annotation, _ = _annotation_at(location)
    allowed = [str(option) for option in get_args(annotation)] if get_origin(annotation) is Literal else []
    choices = ", ".join(allowed) if allowed else str(context.get("expected", ""))
    closest = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    return (
        f"{_written(value)} is not allowed here: use one of {choices}",
        f"did you mean {closest[0]!r}?" if closest else None,
    )


def _annotation_at(location: tuple[Any, ...]) -> tuple[Any, str]:
    """The type `Config` gives the value at `location` and the key naming it (``KEY[]`` for a value of the
    mapping KEY); (None, key) when the location leaves the model."""
    annotation: Any = Config
    name = ""
    for part in location:
        annotation = _optional(annotation)
        if is_section(annotation):
            types_of = field_types(annotation)
            if str(part) not in types_of:
                return None, str(part)
            annotation, name = types_of[str(part)], str(part)
        elif get_origin(annotation) is tuple and isinstance(part, int):
            annotation = get_args(annotation)[0]
            name = f"{name}:item"
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            name = f"{name}[]"
        else:
            return None, name
    return _optional(annotation), name


def _expected(annotation: Any, name: str) -> str | None:
    """What a value of `annotation` (the key `name`) is, in words with an example: "a list of statuses,
    e.g. [Open, Reopened]"."""
    origin = get_origin(annotation)
    if annotation is str:
        return "text"
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number"
    if annotation is float:
        return "a number"
    if origin is Literal:
        return "one of " + ", ".join(str(option) for option in get_args(annotation))
    if origin is tuple:
        listed, example = LISTS.get(name, (f"{name.replace('_', ' ')}", ""))
        return f"a list of {listed}" + (f", e.g. {example}" if example else "")
    if origin is dict:
        example = MAPPINGS.get(name)
        return "a mapping of names to values" + (f", e.g. {example}" if example else "")
    if is_section(annotation):
        return f"a mapping with the keys {', '.join(field_types(annotation))}"
    return None


def _optional(annotation: Any) -> Any:
    """`X | None` as X."""
    if get_origin(annotation) in (Union, types.UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation


def _written(value: Any) -> str:
    """What the file holds, in words: "the text 'Open'", "a list", "nothing"."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {_number(value)}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _number(value: Any) -> str:
    """A number as written: 100.0 as 100."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)
