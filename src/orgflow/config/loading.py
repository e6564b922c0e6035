"""Reading `orgflow.yaml`: validated by `orgflow.config.validation`; an error names the key and the line it
comes from, in plain words (`orgflow.config.errors`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orgflow.config.errors import bool_as_number, explain, number_expected
from orgflow.config.settings import Config, validate_config
from orgflow.config.validation import Invalid
from orgflow.errors import InputError

CONFIG_FILE = "orgflow.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, its C build (libyaml) where PyYAML has one: the file is read once, its nodes (for
an error's line) only when there is an error."""


def load_config(path: Path | None) -> Config:
    """Read and validate `orgflow.yaml`; a missing file (or None) gives the defaults.

    Raises:
        InputError: unreadable YAML or an invalid value, naming the key and its line.
    """
    if path is None or not path.exists():
        return Config()
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else None
        raise InputError(f"not valid YAML ({getattr(error, 'problem', error)})", file=str(path), record=line) from None
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping of settings", file=str(path), record="line 1")
    flagged = bool_as_number(data)
    if flagged is not None:
        location, value = flagged
        raise _error(
            path, text, location, f"expected {number_expected(location)}, got {'true' if value else 'false'}", None
        )
    try:
        return validate_config(data)
    except Invalid as error:
        location = tuple(part for part in error.location if part != "[key]")
        message, hint = explain(error)
        raise _error(path, text, location, message, hint) from None


def _error(path: Path, text: str, location: tuple[Any, ...], message: str, hint: str | None) -> InputError:
    """An error of the file at `path` (its `text`) at the key `location`, with the key's line."""
    line = _line_of(yaml.compose(text, Loader=_LOADER), location)
    key = ".".join(str(part) for part in location)
    return InputError(message, file=str(path), record=f"line {line}" if line else None, field=key or None, hint=hint)


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML key at `location` (of the item, for a list's item), or of the deepest
    parent that exists: a key's line, not its value's, which a block value starts below."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            pair = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
