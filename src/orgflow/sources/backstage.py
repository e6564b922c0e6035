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

from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.model.org import TEAM_TOPOLOGIES_TYPES, Group, Membership, Person, PersonAlias
from orgflow.sources import ProgressCallback
from orgflow.sources.backstage_components import add_components, path_globs_of
from orgflow.sources.backstage_entities import Catalog, Entity, as_list, entity_id, entity_ref, read_entities
from orgflow.sources.files import expand_paths
from orgflow.store import ImportBatch

__all__ = ["GROUP_KIND_OF_TYPE", "SOURCE", "Catalog", "build_catalog", "load", "path_globs_of", "read_catalog"]

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
    entities: list[Entity] = []
    for done, path in enumerate(files, start=1):
        entities.extend(read_entities(path))
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
    entities = [entity for path in expand_paths(paths, suffixes=(".yaml", ".yml")) for entity in read_entities(path)]
    return build_catalog(entities, source=source)


def build_catalog(
    entities: list[Entity], *, source: str = SOURCE, group_kinds: dict[str, str] | None = None
) -> Catalog:
    """Canonical records from parsed entities; both sides of every relation are merged (pure)."""
    catalog = Catalog()
    kinds_of_type = {**GROUP_KIND_OF_TYPE, **{k.lower(): v for k, v in (group_kinds or {}).items()}}
    index: dict[tuple[str, str, str], Entity] = {}
    for entity in entities:
        catalog.kinds[entity.kind] += 1
        key = (entity.kind.lower(), entity.namespace, entity.name.lower())
        if key in index:
            catalog.warnings.append(f"{entity.where}: {entity.kind} {entity.name!r} is defined twice; the last wins")
        index[key] = entity
    by_kind: dict[str, list[Entity]] = {}
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
        if parent and known(ref := entity_ref(parent, "group"), group.where, "spec.parent"):
            parent_of[key] = ref
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        children = [entity_ref(child, "group") for child in as_list(group.spec.get("children"))]
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
                entity_id(*key),
                _display_name(group),
                kind,
                topology,
                entity_id(*parent) if parent else None,
            )
        )

    # Users and memberships: the union of User.memberOf and Group.members.
    memberships: dict[tuple[tuple[str, str, str], tuple[str, str, str]], str] = {}
    for user in by_kind.get("user", []):
        key = ("user", user.namespace, user.name.lower())
        profile = user.spec.get("profile") if isinstance(user.spec.get("profile"), dict) else {}
        email = profile.get("email")
        person_id = entity_id(*key)
        catalog.records.append(
            Person(source, person_id, _display_name(user), email, user.data["metadata"].get("title"))
        )
        if isinstance(email, str) and email.strip():
            catalog.records.append(PersonAlias(source, email.strip().lower(), person_id))
        for group in as_list(user.spec.get("memberOf")):
            ref = entity_ref(group, "group")
            if known(ref, user.where, "spec.memberOf"):
                memberships[(key, ref)] = user.where
    for group in by_kind.get("group", []):
        key = ("group", group.namespace, group.name.lower())
        listed = group.spec.get("members")
        for member in as_list(listed):
            ref = entity_ref(member, "user")
            if known(ref, group.where, "spec.members"):
                memberships.setdefault((ref, key), group.where)
        if listed is None:
            continue
        listed_refs = {entity_ref(member, "user") for member in as_list(listed)}
        for (user_ref, group_ref), where in memberships.items():
            if group_ref == key and user_ref not in listed_refs:
                catalog.warnings.append(
                    f"{where}: user {user_ref[2]!r} is memberOf {group.name!r}, whose spec.members does not list them"
                )
    for user_ref, group_ref in memberships:
        person_id, group_id = entity_id(*user_ref), entity_id(*group_ref)
        catalog.records.append(Membership(source, f"{person_id}@{group_id}", person_id, group_id, "member"))

    add_components(catalog, index, by_kind, source=source, memberships=list(memberships), known=known)
    return catalog


def _display_name(entity: Entity) -> str:
    profile = entity.spec.get("profile")
    if isinstance(profile, dict) and profile.get("displayName"):
        return str(profile["displayName"])
    return str(entity.data["metadata"].get("title") or entity.name)
