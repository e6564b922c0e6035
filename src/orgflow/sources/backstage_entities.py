"""Backstage catalog entities: reading them from YAML, checking their field types, and their references.

An entity is one YAML document with a ``kind`` and a ``metadata.name``; its place (file, document
number and line) goes into every message about it. A reference is ``[kind:][namespace/]name``, with the
kind its field implies and the namespace ``default`` when left out; Backstage compares them lower-cased.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orgflow.errors import InputError
from orgflow.sources.file_text import read_text
from orgflow.sources.files import nul_field, text_value, yaml_error

_COMPONENT_PREFIX = {"component": "", "api": "api:", "resource": "resource:"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Entity:
    """One catalog entity: its kind, namespace (lower-cased), name, YAML data and where it was read."""

    kind: str
    namespace: str
    name: str
    data: dict[str, Any]
    where: str

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}


@dataclass
class Catalog:
    """What a catalog holds: canonical records, entities counted per kind, and warnings."""

    records: list[Any] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


def read_entities(path: Path) -> list[Entity]:
    """The entities of one multi-document YAML file, each with its document number and line."""
    file = str(path)
    text = read_text(path)
    entities: list[Entity] = []
    number = 0
    loader = None
    try:
        loader = _Loader(text)
        while loader.check_node():
            node = loader.get_node()
            number += 1
            if node is None:
                continue
            where = f"document {number} (line {node.start_mark.line + 1})"
            data = loader.construct_document(node)
            if data is None:
                continue
            if not isinstance(data, dict):
                raise InputError("an entity must be a mapping", file=file, record=where)
            kind = data.get("kind")
            metadata = data.get("metadata")
            if not isinstance(kind, str) or not kind:
                raise InputError("entity without a kind", file=file, record=where, field="kind")
            if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
                raise InputError("entity without metadata.name", file=file, record=where, field="metadata.name")
            _check_types(data, file=file, record=f"{where}, {kind[:40]} {metadata['name'][:60]!r}")
            namespace = str(metadata.get("namespace") or "default").lower()
            entities.append(Entity(kind, namespace, str(metadata["name"]), data, f"{file}: {where}"))
    except yaml.YAMLError as error:
        raise yaml_error(error, file=file) from None
    except RecursionError:
        raise InputError("YAML nested too deeply to read", file=file, record=f"document {number}") from None
    except ValueError as error:
        # PyYAML's constructors raise plain ValueError, e.g. on an integer of over 4,300 digits.
        raise InputError(f"not valid YAML ({str(error)[:120]})", file=file, record=f"document {number}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return entities


_TEXT_FIELDS = (
    ("metadata", "namespace"),
    ("metadata", "title"),
    ("spec", "type"),
    ("spec", "lifecycle"),
    ("spec", "owner"),
    ("spec", "system"),
    ("spec", "domain"),
    ("spec", "parent"),
    ("spec", "subcomponentOf"),
    ("spec", "profile", "email"),
    ("spec", "profile", "displayName"),
)
"""Fields that hold one text: a number, list or mapping there is a mistake in the catalog."""
_REFERENCE_LISTS = ("children", "members", "memberOf", "dependsOn", "dependencyOf", "consumesApis", "providesApis")
"""Spec fields that hold references: one text or a list of texts."""


def _check_types(data: dict[str, Any], *, file: str, record: str) -> None:
    """Raise on a field of the wrong type (`_TEXT_FIELDS`, `_REFERENCE_LISTS`) before anything is built.

    Raises:
        InputError: naming the field, e.g. ``spec.profile.email`` given as a number, or a text with NUL.
    """
    field = nul_field(data)
    if field is not None:
        raise InputError("a NUL character (\\0) in the text", file=file, record=record, field=field)
    for path in _TEXT_FIELDS:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        text_value(value, file=file, record=record, field=".".join(path))
    spec = data.get("spec")
    if spec is None:
        return
    if not isinstance(spec, dict):
        raise InputError(f"not a mapping ({type(spec).__name__})", file=file, record=record, field="spec")
    for name in ("profile",):
        if spec.get(name) is not None and not isinstance(spec[name], dict):
            raise InputError(
                f"not a mapping ({type(spec[name]).__name__})", file=file, record=record, field=f"spec.{name}"
            )
    for name in _REFERENCE_LISTS:
        for index, value in enumerate(as_list(spec.get(name))):
            text_value(value, file=file, record=record, field=f"spec.{name}[{index}]", required=True)


def entity_ref(text: object, default_kind: str) -> tuple[str, str, str]:
    """(kind, namespace, name) of an entity reference, lower-cased (Backstage compares them so)."""
    value = str(text).strip()
    kind, colon, rest = value.partition(":")
    if not colon:
        kind, rest = default_kind, value
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = "default", rest
    return kind.strip().lower(), namespace.strip().lower(), name.strip().lower()


def entity_id(kind: str, namespace: str, name: str) -> str:
    """The orgflow id: the name (``namespace/name`` outside the default namespace), kind-prefixed for APIs
    and resources, which share the components table."""
    base = name if namespace == "default" else f"{namespace}/{name}"
    return _COMPONENT_PREFIX.get(kind, "") + base


def as_list(value: object) -> list[Any]:
    """A field that holds one value or a list of them, as a list (none: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
