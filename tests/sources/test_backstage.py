"""Backstage catalog: the acme example loads whole; relations from either side; disagreements are warnings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model import Component, ComponentDependency, Group, Membership, Person, PersonAlias
from orgflow.sources import backstage
from orgflow.sources.backstage import path_globs_of, read_catalog
from orgflow.store import Store


@pytest.fixture
def acme(shared_data: Path) -> Path:
    return shared_data / "backstage" / "acme-catalog.yaml"


def test_acme_catalog_counts_per_kind(acme: Path) -> None:
    catalog = read_catalog([acme])
    # Independent count: PyYAML's own multi-document loader over the same file.
    independent = Counter(doc["kind"] for doc in yaml.safe_load_all(acme.read_text(encoding="utf-8")) if doc)
    expected = {
        "Group": 8,
        "User": 16,
        "Component": 13,
        "API": 7,
        "System": 3,
        "Domain": 2,
        "Resource": 1,
        "Location": 7,
    }
    assert dict(independent) == expected  # the data README's table
    assert dict(catalog.kinds) == expected
    records = Counter(type(record).__name__ for record in catalog.records)
    # Components: 13 components + 7 APIs + 1 resource; one alias per user email; every user memberOf one group.
    assert records == {
        "Group": 8,
        "Person": 16,
        "PersonAlias": 16,
        "Membership": 16,
        "Component": 21,
        "ComponentDependency": 9,
    }


def test_acme_groups_components_and_relations(acme: Path) -> None:
    catalog = read_catalog([acme])
    groups = {g.source_id: (g.kind, g.parent_id) for g in catalog.records if isinstance(g, Group)}
    assert groups == {
        "acme-corp": ("org", None),
        "infrastructure": ("area", "acme-corp"),
        "backstage": ("cluster", "infrastructure"),
        "boxoffice": ("cluster", "infrastructure"),
        "team-a": ("team", "backstage"),
        "team-b": ("team", "backstage"),
        "team-c": ("team", "boxoffice"),
        "team-d": ("team", "boxoffice"),
    }
    team_sizes = Counter(m.group_id for m in catalog.records if isinstance(m, Membership))
    assert team_sizes == {"team-a": 4, "team-b": 5, "team-c": 5, "team-d": 2}
    components = {c.source_id: c for c in catalog.records if isinstance(c, Component)}
    assert components["artist-lookup"].owner_id == "team-a"
    assert components["artist-lookup"].system == "artist-engagement-portal"
    assert components["artist-lookup"].domain == "artists"
    assert components["podcast-api"].domain == "playback"
    assert components["api:petstore"].kind == "api"
    assert components["petstore"].kind == "service"
    assert components["resource:artists-db"].owner_id == "team-a"
    assert components["shuffle-api"].owner_id == "team-a"  # owned by user:guest, who is in team-a only
    dependencies = {
        (d.component_id, d.depends_on_id, d.kind) for d in catalog.records if isinstance(d, ComponentDependency)
    }
    assert dependencies == {
        ("artist-lookup", "resource:artists-db", "depends_on"),
        ("api:petstore", "petstore", "provided_by"),
        ("api:streetlights", "petstore", "provided_by"),
        ("api:hello-world", "petstore", "provided_by"),
        ("api:wayback-archive", "wayback-archive", "provided_by"),
        ("api:wayback-search", "wayback-search", "provided_by"),
        ("wayback-search", "api:wayback-archive", "consumes_api"),
        ("wayback-archive-ingestion", "wayback-archive", "subcomponent_of"),
        ("wayback-archive-storage", "wayback-archive", "subcomponent_of"),
    }
    people = {p.source_id: p for p in catalog.records if isinstance(p, Person)}
    assert people["janelle.dawe"].name == "Janelle Dawe"
    assert people["breanna.davison"].name == "breanna.davison"  # no displayName
    assert PersonAlias("backstage", "janelle-dawe@example.com", "janelle.dawe") in catalog.records
    assert len(catalog.warnings) == 3
    assert all("owned by user 'guest'; attributed to their group 'team-a'" in w for w in catalog.warnings)


def test_acme_imports_into_the_store_and_again_unchanged(acme: Path) -> None:
    store = Store.open(None)
    first = store.write(backstage.load([acme], config=Config(), options={}))
    assert first.new == 8 + 16 + 16 + 16 + 21 + 9
    again = store.write(backstage.load([acme], config=Config(), options={}))
    assert (again.new, again.changed) == (0, 0)


CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: Payments}
spec: {type: tribe, children: [checkout, billing]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: checkout}
spec: {type: stream-aligned, members: [ana, user:ben]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: billing}
spec: {type: squad, parent: other, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: other}
spec: {type: guild}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ana}
spec: {memberOf: [checkout]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: cy}
spec: {memberOf: [checkout, billing]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ben, namespace: ops}
spec: {}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations: {backstage.io/source-location: "url:https://github.com/acme/shop/tree/main/services/cart/"}
spec: {type: service, owner: group:default/checkout, dependencyOf: [component:web], dependsOn: [component:ghost]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: website, owner: user:cy}
"""


def test_relations_from_either_side_and_disagreements(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    catalog = read_catalog([path])
    groups = {g.source_id: (g.kind, g.topology_type, g.parent_id) for g in catalog.records if isinstance(g, Group)}
    assert groups == {
        "payments": ("cluster", None, None),
        "checkout": ("team", "stream-aligned", "payments"),  # parent from the parent's children
        "billing": ("team", None, "other"),  # its own spec.parent wins over payments' children
        "other": ("cluster", None, None),  # unknown type "guild", has a child
    }
    memberships = {(m.person_id, m.group_id) for m in catalog.records if isinstance(m, Membership)}
    # ana on both sides, cy from memberOf only, ben (namespace ops) from the group's members only.
    assert memberships == {("ana", "checkout"), ("cy", "checkout"), ("cy", "billing")}
    components = {c.source_id: c for c in catalog.records if isinstance(c, Component)}
    assert components["cart"].path_globs == ("services/cart/**",)
    assert components["web"].owner_id is None  # user cy is in two groups
    dependencies = {(d.component_id, d.depends_on_id) for d in catalog.records if isinstance(d, ComponentDependency)}
    assert dependencies == {("web", "cart")}  # from cart's dependencyOf; ghost is unknown
    assert len(catalog.warnings) == 6
    warnings = "\n".join(catalog.warnings)
    assert "group 'Payments' lists child 'billing', whose spec.parent is 'other'" in warnings
    assert "group type 'guild' is not known; taken as a cluster" in warnings
    assert "user 'cy' is memberOf 'checkout', whose spec.members does not list them" in warnings
    assert "spec.members refers to user:default/ben" in warnings
    assert "spec.dependsOn refers to component:default/ghost" in warnings
    assert "owned by user 'cy', who is in 2 groups" in warnings


def test_user_in_another_namespace_gets_a_namespaced_id(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG.replace("[ana, user:ben]", "[ana, user:ops/ben]"), encoding="utf-8")
    catalog = read_catalog([path])
    memberships = {(m.person_id, m.group_id) for m in catalog.records if isinstance(m, Membership)}
    assert ("ops/ben", "checkout") in memberships


def test_source_location_to_path_globs() -> None:
    assert path_globs_of("url:https://github.com/acme/shop/tree/main/services/cart/") == ("services/cart/**",)
    assert path_globs_of("url:https://gitlab.com/acme/shop/-/blob/v1.2/libs/geo") == ("libs/geo/**",)
    assert path_globs_of("url:https://github.com/acme/shop/tree/main/") == ()
    assert path_globs_of("url:https://example.com/docs") == ()
    assert path_globs_of(None) == ()


def test_entity_without_name_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("kind: Group\nmetadata: {}\n---\nkind: User\nmetadata: {name: x}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_catalog([path])
    assert (caught.value.record, caught.value.field) == ("document 1 (line 1)", "metadata.name")
    path.write_text("kind: Group\nmetadata: {name: [x\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        read_catalog([path])
