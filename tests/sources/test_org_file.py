"""The org file importer: YAML and CSV forms give the same records; bad input names file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model import (
    Component,
    ComponentDependency,
    ComponentOwnership,
    Group,
    Membership,
    Person,
    PersonAlias,
    RoleRequirement,
)
from orgflow.sources import org_file
from orgflow.store import Store

YAML = """\
people:
  - {id: ana, name: Ana, email: ana@x.example, manager: bo, aliases: [ana-git, "Ana A"]}
  - {id: bo, name: Bo, title: Head}
groups:
  - {id: core, name: Core, kind: cluster}
  - {id: api, name: API, kind: team, type: platform, parent: core, template: basic, from: 2024-01-01}
templates:
  basic: {tech lead: 1, engineer: 2}
memberships:
  - {person: ana, group: api, role: engineer, allocation: 0.5, from: 2024-01-01, to: 2024-07-01}
  - {person: ana, group: api, role: tech lead, from: 2024-07-01}
  - {person: bo, group: core, role: head}
components:
  - {id: gateway, name: Gateway, kind: service, owner: api, system: edge, paths: ["svc/gw/**", "lib/gw/**"]}
  - {id: db, owner: api, lifecycle: production}
ownership:
  - {component: gateway, group: api, from: 2024-01-01}
dependencies:
  - {component: gateway, depends_on: db, from: 2024-02-01}
"""

CSV = {
    "people.csv": "id,name,email,title,manager,aliases\nana,Ana,ana@x.example,,bo,ana-git\nbo,Bo,,Head,,\n",
    "aliases.csv": "alias,person\nAna A,ana\n",
    "groups.csv": "id,name,kind,type,parent,template,from,to\ncore,Core,cluster,,,,,\n"
    "api,API,team,platform,core,basic,2024-01-01,\n",
    "templates.csv": "template,role,minimum\nbasic,tech lead,1\nbasic,engineer,2\n",
    "memberships.csv": "person,group,role,allocation,from,to\nana,api,engineer,0.5,2024-01-01,2024-07-01\n"
    "ana,api,tech lead,,2024-07-01,\nbo,core,head,,,\n",
    "components.csv": "id,name,kind,owner,system,domain,paths,lifecycle\n"
    "gateway,Gateway,service,api,edge,,svc/gw/** lib/gw/**,\ndb,,,api,,,,production\n",
    "ownership.csv": "component,group,from,to\ngateway,api,2024-01-01,\n",
    "dependencies.csv": "component,depends_on,kind,from,to\ngateway,db,,2024-02-01,\n",
}

EXPECTED = {
    Person("org", "ana", "Ana", "ana@x.example", None, "bo"),
    Person("org", "bo", "Bo", None, "Head", None),
    PersonAlias("org", "ana-git", "ana"),
    PersonAlias("org", "Ana A", "ana"),
    Group("org", "core", "Core", "cluster"),
    Group("org", "api", "API", "team", "platform", "core", date(2024, 1, 1), None, "basic"),
    RoleRequirement("org", "basic", "tech lead", 1),
    RoleRequirement("org", "basic", "engineer", 2),
    Membership("org", "ana@api:2024-01-01", "ana", "api", "engineer", 0.5, date(2024, 1, 1), date(2024, 7, 1)),
    Membership("org", "ana@api:2024-07-01", "ana", "api", "tech lead", 1.0, date(2024, 7, 1), None),
    Membership("org", "bo@core:start", "bo", "core", "head", 1.0, None, None),
    Component("org", "gateway", "Gateway", "service", "api", "edge", None, ("svc/gw/**", "lib/gw/**"), None),
    Component("org", "db", "db", "service", "api", None, None, (), "production"),
    ComponentOwnership("org", "gateway@api:2024-01-01", "gateway", "api", date(2024, 1, 1), None),
    ComponentDependency("org", "gateway", "db", "depends_on", None, date(2024, 2, 1), None),
}


def _load(paths: list[Path]) -> set[object]:
    batch = org_file.load(paths, config=Config(), options={})
    return {record for records in batch.records.values() for record in records}


def test_yaml_gives_the_expected_records(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(YAML, encoding="utf-8")
    assert _load([path]) == EXPECTED


def test_csv_folder_gives_the_same_records(tmp_path: Path) -> None:
    for name, text in CSV.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert _load([tmp_path]) == EXPECTED


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(YAML, encoding="utf-8")
    store = Store.open(None)
    first = store.write(org_file.load([path], config=Config(), options={}))
    second = store.write(org_file.load([path], config=Config(), options={}))
    assert first.new == len(EXPECTED)
    assert (second.new, second.changed, second.unchanged) == (0, 0, len(EXPECTED))


def _error(tmp_path: Path, text: str, name: str = "org.yaml") -> InputError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = Store.open(None)
    before = store.table_counts()
    with pytest.raises(InputError) as caught:
        store.write(org_file.load([path], config=Config(), options={}))
    assert store.table_counts() == before  # nothing half written
    return caught.value


def _replace(old: str, new: str) -> str:
    assert old in YAML
    return YAML.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        # A membership ending before it starts.
        ("from: 2024-01-01, to: 2024-07-01}", "from: 2024-07-01, to: 2024-01-01}", 10, "to",
         "ends (2024-01-01) before"),
        # A cycle in the group hierarchy: core's parent is api, api's parent is core.
        ("{id: core, name: Core, kind: cluster}", "{id: core, name: Core, kind: cluster, parent: api}", 5, "parent",
         "the group hierarchy has a cycle: core -> api -> core"),
        # A component with two owners at the same time.
        ("  - {component: gateway, group: api, from: 2024-01-01}",
         "  - {component: gateway, group: api, from: 2024-01-01}\n"
         "  - {component: gateway, group: core, from: 2024-06-01}",
         18, "from", "component gateway has two owners at once"),
        # Unknown references.
        ("{person: bo, group: core, role: head}", "{person: cy, group: core, role: head}", 12, "person",
         "unknown person 'cy'"),
        ("{person: bo, group: core, role: head}", "{person: bo, group: corp, role: head}", 12, "group",
         "unknown group 'corp'"),
        ("manager: bo,", "manager: zed,", 2, "manager", "unknown person 'zed'"),
        ("template: basic,", "template: fancy,", 6, "template", "unknown template 'fancy'"),
        ("depends_on: db,", "depends_on: cache,", 19, "depends_on", "unknown component 'cache'"),
        # Other bad values.
        ("allocation: 0.5", "allocation: 1.5", 10, "allocation", "allocation must be above 0 and at most 1"),
        ("kind: cluster}", "kind: tribe}", 5, "kind", "unknown group kind 'tribe'"),
        ("type: platform", "type: platfrom", 6, "type", "unknown team type 'platfrom'"),
        ("{id: bo, name: Bo, title: Head}", "{id: bo, name: Bo, titel: Head}", 3, "titel", "unknown field 'titel'"),
        ("{id: bo, name: Bo, title: Head}", "{id: ana, name: Bo}", 3, "id", "person 'ana' is defined twice"),
        ("from: 2024-07-01}", "from: 2024-06-01}", 11, "from", "membership of ana in api overlaps the one at line 10"),
        ("to: 2024-07-01}", "to: soon}", 10, "to", "not a date ('soon')"),
        ("{id: bo, name: Bo, title: Head}", "{id: bo, manager: ana}", 2, "manager",
         "the manager line has a cycle: ana -> bo -> ana"),
    ],
)  # fmt: skip
def test_bad_yaml_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    error = _error(tmp_path, _replace(old, new))
    assert error.file == str(tmp_path / "org.yaml")
    assert (error.record, error.field) == (f"line {line}", field)
    assert message in error.message


def test_bad_csv_names_file_line_and_field(tmp_path: Path) -> None:
    text = (
        "person,group,role,allocation,from,to\nana,api,engineer,,2024-01-01,\nbo,api,engineer,,2024-03-01,2024-02-01\n"
    )
    for name, content in CSV.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "memberships.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        org_file.load([tmp_path], config=Config(), options={})
    assert (caught.value.file, caught.value.record, caught.value.field) == (
        str(tmp_path / "memberships.csv"),
        "line 3",
        "to",
    )
    error = _error(tmp_path, "id,name\nx,y\n", name="teams.csv")
    assert "cannot tell which records" in error.message
    error = _error(tmp_path, "id,kind,colour\nx,team,red\n", name="groups.csv")
    assert (error.record, error.field) == ("line 2", "colour")
    error = _error(tmp_path, "people: {id: x}\n")
    assert error.message == "people must be a list of records"
    error = _error(tmp_path, "staff: []\n")
    assert (error.record, error.message) == ("line 1", "unknown section 'staff'")
