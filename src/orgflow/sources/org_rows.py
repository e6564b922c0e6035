"""Reading the org file: YAML sections or CSV files named after their record kind, as rows to validate.

A row is one record of the input with its kind, its fields and where it is (file, "line N"); every
message about it names that place. `FIELDS` lists each kind's required and optional fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from orgflow.errors import InputError
from orgflow.sources.csv_rows import CsvReader
from orgflow.sources.file_text import read_text
from orgflow.sources.files import nul_field, quote, yaml_error

FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "people": (("id",), ("name", "email", "title", "manager", "aliases")),
    "groups": (("id", "kind"), ("name", "type", "parent", "template", "from", "to")),
    "memberships": (("person", "group"), ("id", "role", "allocation", "from", "to")),
    "templates": (("template", "role"), ("minimum",)),
    "components": (("id",), ("name", "kind", "owner", "system", "domain", "paths", "lifecycle")),
    "ownership": (("component", "group"), ("from", "to")),
    "dependencies": (("component", "depends_on"), ("kind", "from", "to")),
    "aliases": (("alias", "person"), ()),
}
"""Record kind -> (required fields, optional fields)."""
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader where installed: the same documents, read many times faster."""
_FILE_KINDS = {**{kind: kind for kind in FIELDS}, "ownerships": "ownership", "team-templates": "templates"}


@dataclass(frozen=True)
class Row:
    """One record of the input: its kind, its fields and where it is (file, "line N")."""

    kind: str
    values: dict[str, Any]
    file: str
    record: str

    def error(self, message: str, field: str | None = None, hint: str | None = None) -> InputError:
        return InputError(message, file=self.file, record=self.record, field=field, hint=hint)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dict | list):
            raise self.error(f"expected a single value, found {type(value).__name__}", name)
        return str(value).strip()

    def day(self, name: str) -> date | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.error(f"not a date ({quote(value)})", name, hint="write YYYY-MM-DD") from None


def read_yaml(path: Path) -> list[Row]:
    """The rows of an org YAML file (a mapping of record lists)."""
    file = str(path)
    text = read_text(path)
    if _BACKSTAGE.search(text):
        raise InputError(
            "this is a Backstage catalog (apiVersion: backstage.io/...), not an org file",
            file=file,
            hint="import it with `orgflow import backstage`",
        )
    try:
        return _yaml_rows(text, file)
    except yaml.YAMLError as error:
        raise yaml_error(error, file=file) from None
    except RecursionError:
        raise InputError(_TOO_DEEP, file=file, hint=_TOO_DEEP_HINT) from None
    except ValueError as error:
        # PyYAML's constructors raise plain ValueError, e.g. on an integer of over 4,300 digits.
        raise InputError(f"not valid YAML ({str(error)[:120]})", file=file) from None


_BACKSTAGE = re.compile(r"""^apiVersion:[ \t]*["']?backstage\.io/""", re.MULTILINE)
"""A top-level ``apiVersion: backstage.io/...`` line, which an org file (sections of records) never has."""
_TOO_DEEP = "YAML nested too deeply to read"
_TOO_DEEP_HINT = "an org file nests a few levels: sections, records, fields"


def _yaml_rows(text: str, file: str) -> list[Row]:
    root = yaml.compose(text, Loader=_Loader)
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise InputError("the top level must be a mapping of record lists", file=file, record="line 1")
    constructor = _Loader("")
    rows: list[Row] = []
    for key_node, value_node in root.value:
        kind = _FILE_KINDS.get(str(key_node.value)) if isinstance(key_node, yaml.ScalarNode) else None
        where = f"line {key_node.start_mark.line + 1}"
        if kind is None:
            raise InputError(
                f"unknown section {quote(key_node.value)}", file=file, record=where, hint=f"use {', '.join(FIELDS)}"
            )
        if kind == "templates" and isinstance(value_node, yaml.MappingNode):
            # templates: {NAME: {ROLE: MINIMUM, ...}}: the short form.
            for name_node, roles_node in value_node.value:
                if not isinstance(roles_node, yaml.MappingNode):
                    raise InputError("a template maps roles to minimums", file=file, record=where, field="templates")
                for role_node, minimum_node in roles_node.value:
                    values = {
                        "template": constructor.construct_object(name_node, deep=True),
                        "role": constructor.construct_object(role_node, deep=True),
                        "minimum": constructor.construct_object(minimum_node, deep=True),
                    }
                    record = f"line {role_node.start_mark.line + 1}"
                    _check_nul(values, file, record)
                    rows.append(Row(kind, values, file, record))
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            raise InputError(f"{key_node.value} must be a list of records", file=file, record=where)
        for item in value_node.value:
            values = constructor.construct_object(item, deep=True)
            record = f"line {item.start_mark.line + 1}"
            if not isinstance(values, dict):
                raise InputError("a record must be a mapping of fields", file=file, record=record)
            _check_nul(values, file, record)
            rows.append(Row(kind, {str(k): v for k, v in values.items()}, file, record))
    return rows


def _check_nul(values: dict[Any, Any], file: str, record: str) -> None:
    field = nul_field(values)
    if field is not None:
        raise InputError("a NUL character (\\0) in the text", file=file, record=record, field=field)


def read_csv(path: Path) -> list[Row]:
    """The rows of an org CSV file; its name (``groups.csv``) says which records it holds."""
    file = str(path)
    stem = path.name.removesuffix(".gz").removesuffix(".csv")
    kind = _FILE_KINDS.get(stem)
    if kind is None:
        raise InputError(
            f"cannot tell which records {quote(path.name)} holds",
            file=file,
            hint=f"name CSV files after their records: {', '.join(name + '.csv' for name in FIELDS)}",
        )
    reader = CsvReader(path)
    header = [name.strip() for name in next(reader, [])]
    rows: list[Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise InputError("more cells than columns", file=file, record=f"line {reader.line_num}")
        cells = cells + [""] * (len(header) - len(cells))
        cleaned = {name: cell.strip() for name, cell in zip(header, cells, strict=True) if name}
        rows.append(Row(kind, cleaned, file, f"line {reader.line_num}"))
    return rows


def split_list(value: object) -> tuple[str, ...]:
    """A YAML list, or a CSV cell of values separated by spaces or semicolons."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(item).strip() for item in value if str(item).strip())
    return tuple(part for part in str(value).replace(";", " ").split() if part)
