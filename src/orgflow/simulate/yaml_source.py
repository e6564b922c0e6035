"""A YAML file read with its node tree, so that every error can name the line of the field it is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orgflow.errors import InputError


def check_input_file(path: Path) -> Path:
    """`path` as a file to read: it exists and is not a folder.

    Raises:
        InputError: no such file, or a folder (naming the path).
    """
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path), hint="name the YAML file in it")
    return path


@dataclass(frozen=True)
class YamlSource:
    """The data of a YAML file and its node tree (for line numbers)."""

    file: str
    data: Any
    root: yaml.Node | None

    @classmethod
    def read(cls, path: Path) -> YamlSource:
        """Read `path`.

        Raises:
            InputError: the file is missing, a folder, or not valid YAML (naming the line).
        """
        check_input_file(path)
        text = path.read_text(encoding="utf-8")
        try:
            root = yaml.compose(text)
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise InputError(
                f"not valid YAML ({getattr(error, 'problem', error)})",
                file=str(path),
                record=f"line {mark.line + 1}" if mark else None,
            ) from None
        return cls(str(path), data, root)

    def line(self, path: tuple[Any, ...]) -> int | None:
        """The 1-based line of the node at `path` (keys and list indices), or of its deepest existing parent."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next(((key, value) for key, value in node.value if key.value == str(part)), None)
                if match is None:
                    return line
                node = match[1]
                line = match[0].start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def error(self, message: str, path: tuple[Any, ...], *, hint: str | None = None) -> InputError:
        """An `InputError` naming this file, the line of `path` and the field (the path, dotted)."""
        line = self.line(path)
        return InputError(
            message,
            file=self.file,
            record=f"line {line}" if line else None,
            field=".".join(str(part) for part in path) or None,
            hint=hint,
        )
