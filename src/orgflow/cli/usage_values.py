"""A value an option refuses, said in orgflow's words: the option, the value given and what it takes.

Typer checks an option's value (its type, its choices, its `min` and `max`) before the command runs and
raises a `BadParameter` whose message is the validation library's ("Value error, ...", "Input should be a
valid integer, unable to parse string as an integer"). `refused_value` rewrites it as one sentence,
"invalid value for '--port': 'abc' is not a whole number"; `orgflow.cli` prints it as a usage mistake
(exit code 2).
"""

from __future__ import annotations

import enum
import re
from typing import Any

_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}
"""The validation errors of a number outside an option's `min` or `max`."""


def refused_value(error: Any) -> str | None:
    """The sentence for a `BadParameter` naming its option, "invalid value for '<option>': <what is
    wrong>"; None when the error names no option (the caller keeps click's message)."""
    param = getattr(error, "param", None)
    names = [name for name in getattr(param, "opts", ()) if name.startswith("-")]
    if param is None or not names:
        return None
    option = max(names, key=len)  # the long name: --format rather than -f
    problem = _first_problem(error)
    value = problem.get("input")
    return f"invalid value for '{option}': {_what_is_wrong(param, problem, value, str(error.message))}"


def _first_problem(error: Any) -> dict[str, Any]:
    """The first validation error behind `error` (type, input...), or {} when it came from elsewhere."""
    cause = error.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return {}
    try:
        found = errors()
    except Exception:  # not the validation library's error after all
        return {}
    return found[0] if found and isinstance(found[0], dict) else {}


def _what_is_wrong(param: Any, problem: dict[str, Any], value: Any, message: str) -> str:
    choices = _choices(param)
    kind = problem.get("type")
    if value is not None and choices:
        return f"{value!r} is not one of {', '.join(repr(choice) for choice in choices)}"
    if value is not None and kind in {"int_parsing", "int_from_float"}:
        return f"{value!r} is not a whole number"
    if value is not None and kind == "float_parsing":
        return f"{value!r} is not a number"
    if value is not None and kind in _BOUNDS:
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if low is not None and high is not None:
            return f"{value} is not from {low} to {high}"
        if low is not None:
            return f"{value} is less than {low}"
        return f"{value} is more than {high}"
    return re.sub(r"^Value error, ", "", " ".join(message.split())).rstrip(".")


def _choices(param: Any) -> list[str]:
    """The values an option takes: its enum's (typer's annotation) or its click `Choice`'s; [] for others."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return [str(choice) for choice in getattr(getattr(param, "type", None), "choices", None) or ()]
