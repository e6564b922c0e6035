"""A value an option refuses, said in orgflow's words: the option, the value given and what it takes.

Typer checks an option's value (its type, its choices, its `min` and `max`) before the command runs and
raises a `BadParameter` whose message is click's ("'abc' is not a valid integer range.", "0 is not in the
range 1<=x<=65535."). `refused_value` rewrites it as one sentence, "invalid value for '--port': 'abc' is
not a whole number", from the option's parameter type (its kind of number, bounds and choices) and the
value the message quotes; `orgflow.cli` prints it as a usage mistake (exit code 2).
"""

from __future__ import annotations

import ast
import re
from typing import Any

_NOT_PARSED = re.compile(r"^(?P<value>.+?) is not a valid (?P<kind>[a-z ]+)\.?$", re.DOTALL)
"""Click's message for a value its type cannot read: the value's repr, then the type's name ("int range")."""
_OUTSIDE = re.compile(r"^(?P<value>\S+) is not in the range .+$", re.DOTALL)
"""Click's message for a number outside an option's `min` or `max`."""
_CHOICE = re.compile(r"^(?P<value>.+?) is not one of .+$", re.DOTALL)
"""The message for a value that is none of an option's choices."""


def refused_value(error: Any) -> str | None:
    """The sentence for a `BadParameter` naming its option, "invalid value for '<option>': <what is
    wrong>"; None when the error names no option (the caller keeps click's message)."""
    param = getattr(error, "param", None)
    names = [name for name in getattr(param, "opts", ()) if name.startswith("-")]
    if param is None or not names:
        return None
    option = max(names, key=len)  # the long name: --format rather than -f
    return f"invalid value for '{option}': {_what_is_wrong(param, ' '.join(str(error.message).split()))}"


def _what_is_wrong(param: Any, message: str) -> str:
    """What is wrong with the value `message` (click's) quotes, in orgflow's words; the message itself
    (without its full stop) when it is none of the cases below."""
    kind = getattr(param, "type", None)
    choices = [str(choice) for choice in getattr(kind, "choices", None) or ()]
    chosen = _CHOICE.match(message)
    if choices and chosen:
        return f"{chosen['value']} is not one of {', '.join(repr(choice) for choice in choices)}"
    unread = _NOT_PARSED.match(message)
    if unread and _number_kind(kind) is not None:
        value = _literal(unread["value"])
        return f"{value!r} is not {'a whole number' if _number_kind(kind) is int else 'a number'}"
    outside = _OUTSIDE.match(message)
    if outside:
        low, high = getattr(kind, "min", None), getattr(kind, "max", None)
        value = outside["value"]
        if low is not None and high is not None:
            return f"{value} is not from {low} to {high}"
        if low is not None:
            return f"{value} is less than {low}"
        if high is not None:
            return f"{value} is more than {high}"
    return message.rstrip(".")


def _number_kind(kind: Any) -> type | None:
    """int or float for click's integer and float types (with or without a range), else None."""
    name = str(getattr(kind, "name", "")).split(" ")[0]  # "int range" is click's int with bounds
    return {"int": int, "integer": int, "float": float}.get(name)


def _literal(text: str) -> Any:
    """The value a message quotes with repr(), read back (the text itself when it is not a literal)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
