"""Backstage components, APIs and resources: owner, system, domain, path globs and their relations.

A component's owning group is its ``spec.owner``; a user owner stands for their group when they belong
to exactly one. Relations become `ComponentDependency` rows ("component_id depends on depends_on_id"):
``dependsOn``/``dependencyOf`` (``depends_on``), ``consumesApis`` (``consumes_api``), ``providesApis``
(the API is ``provided_by`` its component), ``subcomponentOf`` (``subcomponent_of``).
"""

from __future__ import annotations

import re
from typing import Any

from orgflow.model.org import Component, ComponentDependency
from orgflow.sources.backstage_entities import Catalog, Entity, as_list, entity_id, entity_ref

SOURCE_LOCATION = "backstage.io/source-location"
_REPO_PATH = re.compile(r"/(?:-/)?(?:tree|blob|src)/[^/]+/(?P<path>.*)$")


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


def add_components(
    catalog: Catalog,
    index: dict[tuple[str, str, str], Entity],
    by_kind: dict[str, list[Entity]],
    *,
    source: str,
    memberships: list[tuple[tuple[str, str, str], tuple[str, str, str]]],
    known: Any,
) -> None:
    """Components, APIs and resources with owner, system, domain and path globs; their relations."""
    domain_of_system: dict[tuple[str, str, str], str] = {}
    for system in by_kind.get("system", []):
        domain = system.spec.get("domain")
        if domain and known(ref := entity_ref(domain, "domain"), system.where, "spec.domain"):
            domain_of_system[("system", system.namespace, system.name.lower())] = entity_id(*ref)
    groups_of_user: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for user_ref, group_ref in memberships:
        groups_of_user.setdefault(user_ref, []).append(group_ref)
    dependencies: dict[tuple[str, str, str], None] = {}

    def relate(component: str, target: tuple[str, str, str], kind: str, where: str, what: str) -> None:
        if known(target, where, what):
            dependencies[(component, entity_id(*target), kind)] = None

    for kind in ("component", "api", "resource"):
        for entity in by_kind.get(kind, []):
            spec = entity.spec
            component_id = entity_id(kind, entity.namespace, entity.name.lower())
            owner_id = _owner(spec.get("owner"), entity, catalog, groups_of_user, known)
            system_name = domain = None
            if spec.get("system"):
                system_ref = entity_ref(spec["system"], "system")
                if known(system_ref, entity.where, "spec.system"):
                    system_name = entity_id(*system_ref)
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
            for target in as_list(spec.get("dependsOn")):
                relate(component_id, entity_ref(target, "component"), "depends_on", entity.where, "spec.dependsOn")
            for target in as_list(spec.get("dependencyOf")):
                ref = entity_ref(target, "component")
                if known(ref, entity.where, "spec.dependencyOf"):
                    dependencies[(entity_id(*ref), component_id, "depends_on")] = None
            for api in as_list(spec.get("consumesApis")):
                relate(component_id, entity_ref(api, "api"), "consumes_api", entity.where, "spec.consumesApis")
            for api in as_list(spec.get("providesApis")):
                ref = entity_ref(api, "api")
                if known(ref, entity.where, "spec.providesApis"):
                    dependencies[(entity_id(*ref), component_id, "provided_by")] = None
            if spec.get("subcomponentOf"):
                ref = entity_ref(spec["subcomponentOf"], "component")
                relate(component_id, ref, "subcomponent_of", entity.where, "spec.subcomponentOf")
    catalog.records.extend(ComponentDependency(source, a, b, kind) for a, b, kind in dependencies)


def _owner(
    owner: object,
    entity: Entity,
    catalog: Catalog,
    groups_of_user: dict[tuple[str, str, str], list[tuple[str, str, str]]],
    known: Any,
) -> str | None:
    """The owning group's id. A user owner stands for their group when they belong to exactly one."""
    if not owner:
        catalog.warnings.append(f"{entity.where}: {entity.kind} {entity.name!r} has no spec.owner")
        return None
    ref = entity_ref(owner, "group")
    if not known(ref, entity.where, "spec.owner"):
        return None
    if ref[0] == "group":
        return entity_id(*ref)
    groups = groups_of_user.get(ref, [])
    if len(groups) == 1:
        catalog.warnings.append(
            f"{entity.where}: {entity.kind} {entity.name!r} is owned by user {ref[2]!r}; "
            f"attributed to their group {groups[0][2]!r}"
        )
        return entity_id(*groups[0])
    catalog.warnings.append(
        f"{entity.where}: {entity.kind} {entity.name!r} is owned by user {ref[2]!r}, who is in "
        f"{len(groups)} groups; left without an owning group"
    )
    return None
