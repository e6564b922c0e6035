"""Backstage software catalog YAML: groups, users, components, APIs, resources, systems and domains.

One or more multi-document YAML files (``catalog-info.yaml``, an exported catalog). Entities become:

- ``Group`` → `Group` (``spec.type`` → kind; a Team Topologies type as ``spec.type`` makes a team of that
  type); ``User`` → `Person`, its ``profile.email`` also a `PersonAlias`; ``User.spec.memberOf`` and
  ``Group.spec.members`` → `Membership` (role ``member``, no dates).
- ``Component`` → `Component` (id: its name), ``API`` → `Component` of kind ``api`` (id ``api:NAME``),
  ``Resource`` → `Component` of kind ``resource`` (id ``resource:NAME``); ``System`` and ``Domain`` give the
  components their ``system`` and ``domain``.
- Relations → `ComponentDependency` ("component_id depends on depends_on_id"): ``dependsOn``/``dependencyOf``
  (``depends_on``), ``consumesApis`` (``consumes_api``), ``providesApis`` (the API is ``provided_by`` its
  component, so consumer → API → provider is a path), ``subcomponentOf`` (``subcomponent_of``).

References (``[kind:][namespace/]name``) take the kind each field implies and the namespace ``default``;
entities outside ``default`` get ids ``namespace/name``. Relations may be written on either side (a group's
``children`` or the child's ``parent``; a user's ``memberOf`` or the group's ``members``); where the two sides
disagree the child's or user's own side wins and a warning says so. Warnings never stop an import.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.org import (
    TEAM_TOPOLOGIES_TYPES,
    Component,
    ComponentDependency,
    Group,
    Membership,
    Person,
    PersonAlias,
)
from orgflow.sources import ProgressCallback
from orgflow.sources.files import expand_paths, nul_field, read_text, text_value, yaml_error
from orgflow.store import ImportBatch

SOURCE = "backstage"
KINDS = ("Group", "User", "Component", "System", "Domain", "API", "Resource", "Location", "Template")
GROUP_KIND_OF_TYPE = {
    "organization": "org",
    "organisation": "org",
    "org": "org",
    "business-unit": "area",
    "division": "area",
    "department": "area",
    "area": "area",
    "sub-department": "cluster",
    "tribe": "cluster",
    "cluster": "cluster",
    "program": "cluster",
    "team": "team",
    "squad": "team",
}
"""Backstage ``Group.spec.type`` → orgflow group kind (extend with the ``group_kinds`` option)."""

SOURCE_LOCATION = "backstage.io/source-location"
_COMPONENT_PREFIX = {"component": "", "api": "api:", "resource": "resource:"}
_REPO_PATH = re.compile(r"/(?:-/)?(?:tree|blob|src)/[^/]+/(?P<path>.*)$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Entity:
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


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read Backstage catalog YAML files into groups, people, memberships, components and dependencies.

    Args:
        paths: YAML files (multi-document allowed) or folders searched for ``.yaml``/``.yml``.
        config: the workspace config (unused).
        options: ``source`` (default "backstage"); ``group_kinds`` (Backstage group type → kind).
        on_progress: called after each file with (files done, files, file name).

    Returns:
        One batch; its ``warnings`` (when the batch type carries them) list the disagreements found.

    Raises:
        InputError: unreadable YAML, or an entity without ``kind`` or ``metadata.name``.
    """
    source = str(options.get("source") or SOURCE)
    files = expand_paths(paths, suffixes=(".yaml", ".yml"))
    entities: list[_Entity] = []
    for done, path in enumerate(files, start=1):
        entities.extend(_read(path))
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    catalog = build_catalog(entities, source=source, group_kinds=options.get("group_kinds") or {})
    batch = ImportBatch(source=source, kind="backstage", origin=", ".join(str(path) for path in paths))
    batch.extend(catalog.records)
    warnings = getattr(batch, "warnings", None)
    if isinstance(warnings, list):
        warnings.extend(catalog.warnings)
    return batch


def read_catalog(paths: list[Path], *, source: str = SOURCE) -> Catalog:
    """The catalog of YAML files with its per-kind counts and warnings (what `load` imports)."""
    entities = [entity for path in expand_paths(paths, suffixes=(".yaml", ".yml")) for entity in _read(path)]
    return build_catalog(entities, source=source)


def _read(path: Path) -> list[_Entity]:
    """The entities of one multi-document YAML file, each with its document number and line."""
    file = str(path)
    text = read_text(path)
    entities: list[_Entity] = []
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
            entities.append(_Entity(kind, namespace, str(metadata["name"]), data, f"{file}: {where}"))
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
        for index, value in enumerate(_list(spec.get(name))):
            text_value(value, file=file, record=record, field=f"spec.{name}[{index}]", required=True)


def _ref(text: object, default_kind: str) -> tuple[str, str, str]:
    """(kind, namespace, name) of an entity reference, lower-cased (Backstage compares them so)."""
    value = str(text).strip()
    kind, colon, rest = value.partition(":")
    if not colon:
        kind, rest = default_kind, value
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = "default", rest
    return kind.strip().lower(), namespace.strip().lower(), name.strip().lower()


def _entity_id(kind: str, namespace: str, name: str) -> str:
    """The orgflow id: the name (``namespace/name`` outside the default namespace), kind-prefixed for APIs
    and resources, which share the components table."""
    base = name if namespace == "default" else f"{namespace}/{name}"
    return _COMPONENT_PREFIX.get(kind, "") + base


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def path_globs_of(location: object) -> tuple[str, ...]:
    """Path globs from a ``backstage.io/source-location`` pointing inside a repository (``.../tree/REF/path``).

    ``url:https://github.com/acme/shop/tree/main/services/cart/`` gives ``("services/cart/**",)``; a
    repository root or a location outside a repository gives ().
    """
    if not isinstance(location, str):
        return ()
    url = location.split(":", 1)[1] if location.startswith(("url:", "dir:", "file:")) else location
    match = _REPO_PATH.search(url.split("?", 1)[0].split("#", 1)[0])
    if match is None:
        return ()
    path = match.group("path").strip("/")
    return (f"{path}/**",) if path else ()


def build_catalog(
    entities: list[_Entity], *, source: str = SOURCE, group_kinds: dict[str, str] | None = None
) -> Catalog:
    """Canonical records from parsed entities; both sides of every relation are merged (pure)."""
    catalog = Catalog()
    kinds_of_type = {**GROUP_KIND_OF_TYPE, **{k.lower(): v for k, v in (group_kinds or {}).items()}}
    index: dict[tuple[str, str, str], _Entity] = {}
    for entity in entities:
        catalog.kinds[entity.kind] += 1
        key = (entity.kind.lower(), entity.namespace, entity.name.lower())
        if key in index:
            catalog.warnings.append(f"{entity.where}: {entity.kind} {entity.name!r} is defined twice; the last wins")
        index[key] = entity
    by_kind: dict[str, list[_Entity]] = {}
    for (kind, _namespace, _name), entity in index.items():
        by_kind.setdefault(kind, []).append(entity)

    def known(ref: tuple[str, str, str], where: str, what: str) -> bool:
        if ref in index:
            return True
        catalog.warnings.append(f"{where}: {what} refers to {ref[0]}:{ref[1]}/{ref[2]}, which is not in the catalog")
        return False

    # Groups: the child's spec.parent wins over a parent's spec.children.
    parent_of: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        parent = group.spec.get("parent")
        if parent and known(ref := _ref(parent, "group"), group.where, "spec.parent"):
            parent_of[key] = ref
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        children = [_ref(child, "group") for child in _list(group.spec.get("children"))]
        for child in children:
            if not known(child, group.where, "spec.children"):
                continue
            claimed = parent_of.get(child)
            if claimed is None:
                if index[child].spec.get("parent"):
                    continue
                parent_of[child] = key
            elif claimed != key:
                catalog.warnings.append(
                    f"{group.where}: group {group.name!r} lists child {child[2]!r}, whose spec.parent is "
                    f"{claimed[2]!r}; keeping {claimed[2]!r}"
                )
        child_groups = {ref for ref in children if ref in index}
        for child, parent in parent_of.items():
            if parent == key and group.spec.get("children") is not None and child not in child_groups:
                catalog.warnings.append(
                    f"{index[child].where}: group {child[2]!r} names parent {group.name!r}, whose spec.children "
                    "does not list it"
                )
    has_children = set(parent_of.values())
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        group_type = str(group.spec.get("type") or "").strip().lower()
        topology = group_type if group_type in TEAM_TOPOLOGIES_TYPES else None
        kind = "team" if topology else kinds_of_type.get(group_type)
        if kind is None:
            kind = "cluster" if key in has_children else "team"
            catalog.warnings.append(f"{group.where}: group type {group_type!r} is not known; taken as a {kind}")
        parent = parent_of.get(key)
        catalog.records.append(
            Group(
                source,
                _entity_id(*key),
                _display_name(group),
                kind,
                topology,
                _entity_id(*parent) if parent else None,
            )
        )

    # Users and memberships: the union of User.memberOf and Group.members.
    memberships: dict[tuple[tuple[str, str, str], tuple[str, str, str]], str] = {}
    for user in by_kind.get("user", []):
        key = ("user", user.namespace, user.name.lower())
        profile = user.spec.get("profile") if isinstance(user.spec.get("profile"), dict) else {}
        email = profile.get("email")
        person_id = _entity_id(*key)
        catalog.records.append(
            Person(source, person_id, _display_name(user), email, user.data["metadata"].get("title"))
        )
        if isinstance(email, str) and email.strip():
            catalog.records.append(PersonAlias(source, email.strip().lower(), person_id))
        for group in _list(user.spec.get("memberOf")):
            ref = _ref(group, "group")
            if known(ref, user.where, "spec.memberOf"):
                memberships[(key, ref)] = user.where
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        listed = group.spec.get("members")
        for member in _list(listed):
            ref = _ref(member, "user")
            if known(ref, group.where, "spec.members"):
                memberships.setdefault((ref, key), group.where)
        if listed is None:
            continue
        listed_refs = {_ref(member, "user") for member in _list(listed)}
        for (user_ref, group_ref), where in memberships.items():
            if group_ref == key and user_ref not in listed_refs:
                catalog.warnings.append(
                    f"{where}: user {user_ref[2]!r} is memberOf {group.name!r}, whose spec.members does not list them"
                )
    for user_ref, group_ref in memberships:
        person_id, group_id = _entity_id(*user_ref), _entity_id(*group_ref)
        catalog.records.append(Membership(source, f"{person_id}@{group_id}", person_id, group_id, "member"))

    _add_components(catalog, index, by_kind, source=source, memberships=list(memberships), known=known)
    return catalog


def _display_name(entity: _Entity) -> str:
    profile = entity.spec.get("profile")
    if isinstance(profile, dict) and profile.get("displayName"):
        return str(profile["displayName"])
    return str(entity.data["metadata"].get("title") or entity.name)


def _add_components(
    catalog: Catalog,
    index: dict[tuple[str, str, str], _Entity],
    by_kind: dict[str, list[_Entity]],
    *,
    source: str,
    memberships: list[tuple[tuple[str, str, str], tuple[str, str, str]]],
    known: Any,
) -> None:
    """Components, APIs and resources with owner, system, domain and path globs; their relations."""
    domain_of_system: dict[tuple[str, str, str], str] = {}
    for system in by_kind.get("system", []):
        domain = system.spec.get("domain")
        if domain and known(ref := _ref(domain, "domain"), system.where, "spec.domain"):
            domain_of_system[("system", system.namespace, system.name.lower())] = _entity_id(*ref)
    groups_of_user: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for user_ref, group_ref in memberships:
        groups_of_user.setdefault(user_ref, []).append(group_ref)
    dependencies: dict[tuple[str, str, str], None] = {}

    def relate(component: str, target: tuple[str, str, str], kind: str, where: str, what: str) -> None:
        if known(target, where, what):
            dependencies[(component, _entity_id(*target), kind)] = None

    for kind in ("component", "api", "resource"):
        for entity in by_kind.get(kind, []):
            spec = entity.spec
            component_id = _entity_id(kind, entity.namespace, entity.name.lower())
            owner_id = _owner(spec.get("owner"), entity, catalog, groups_of_user, known)
            system_name = domain = None
            if spec.get("system"):
                system_ref = _ref(spec["system"], "system")
                if known(system_ref, entity.where, "spec.system"):
                    system_name = _entity_id(*system_ref)
                    domain = domain_of_system.get(system_ref)
            annotations = entity.data["metadata"].get("annotations")
            location = annotations.get(SOURCE_LOCATION) if isinstance(annotations, dict) else None
            catalog.records.append(
                Component(
                    source,
                    component_id,
                    str(entity.data["metadata"].get("title") or entity.name),
                    kind if kind != "component" else str(spec.get("type") or "service"),
                    owner_id,
                    system_name,
                    domain,
                    path_globs_of(location),
                    spec.get("lifecycle"),
                )
            )
            for target in _list(spec.get("dependsOn")):
                relate(component_id, _ref(target, "component"), "depends_on", entity.where, "spec.dependsOn")
            for target in _list(spec.get("dependencyOf")):
                ref = _ref(target, "component")
                if known(ref, entity.where, "spec.dependencyOf"):
                    dependencies[(_entity_id(*ref), component_id, "depends_on")] = None
            for api in _list(spec.get("consumesApis")):
                relate(component_id, _ref(api, "api"), "consumes_api", entity.where, "spec.consumesApis")
            for api in _list(spec.get("providesApis")):
                ref = _ref(api, "api")
                if known(ref, entity.where, "spec.providesApis"):
                    dependencies[(_entity_id(*ref), component_id, "provided_by")] = None
            if spec.get("subcomponentOf"):
                ref = _ref(spec["subcomponentOf"], "component")
                relate(component_id, ref, "subcomponent_of", entity.where, "spec.subcomponentOf")
    catalog.records.extend(ComponentDependency(source, a, b, kind) for a, b, kind in dependencies)


def _owner(
    owner: object,
    entity: _Entity,
    catalog: Catalog,
    groups_of_user: dict[tuple[str, str, str], list[tuple[str, str, str]]],
    known: Any,
) -> str | None:
    """The owning group's id. A user owner stands for their group when they belong to exactly one."""
    if not owner:
        catalog.warnings.append(f"{entity.where}: {entity.kind} {entity.name!r} has no spec.owner")
        return None
    ref = _ref(owner, "group")
    if not known(ref, entity.where, "spec.owner"):
        return None
    if ref[0] == "group":
        return _entity_id(*ref)
    groups = groups_of_user.get(ref, [])
    if len(groups) == 1:
        catalog.warnings.append(
            f"{entity.where}: {entity.kind} {entity.name!r} is owned by user {ref[2]!r}; "
            f"attributed to their group {groups[0][2]!r}"
        )
        return _entity_id(*groups[0])
    catalog.warnings.append(
        f"{entity.where}: {entity.kind} {entity.name!r} is owned by user {ref[2]!r}, who is in "
        f"{len(groups)} groups; left without an owning group"
    )
    return None
