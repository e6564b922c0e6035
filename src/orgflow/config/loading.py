"""Reading `orgflow.yaml`: validated with pydantic; an error names the key and the line it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from orgflow.config.settings import Config
from orgflow.errors import InputError

CONFIG_FILE = "orgflow.yaml"


def load_config(path: Path | None) -> Config:
    """Read and validate `orgflow.yaml`; a missing file (or None) gives the defaults.

    Raises:
        InputError: unreadable YAML or an invalid value, naming the key and its line.
    """
    if path is None or not path.exists():
        return Config()
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else None
        raise InputError(f"not valid YAML ({getattr(error, 'problem', error)})", file=str(path), record=line) from None
    data = yaml.safe_load(text) if root is not None else None
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping of settings", file=str(path), record="line 1")
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        key = ".".join(str(part) for part in location)
        line = _line_of(root, location)
        raise InputError(
            first["msg"], file=str(path), record=f"line {line}" if line else None, field=key or None
        ) from None


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `location` (or of the deepest parent that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if key.value == str(part)), None)
            if match is None:
                key_node = next((key for key, _ in node.value if key.value == str(part)), None)
                return key_node.start_mark.line + 1 if key_node else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line
