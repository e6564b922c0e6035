"""The org on any date: a test org with a reorganization (shipping splits in two on 2025-03-01).

Expected values below are worked out by hand from ORG_YAML.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from orgflow.config import Config, validate_config
from orgflow.errors import InputError
from orgflow.flow.browse import UnownedUnit, org_tree
from orgflow.model import StatusTransition, WorkItem
from orgflow.org.service import OrgService
from orgflow.org.structure import OrgModel, attribute, unattributed
from orgflow.query.window import Cut
from orgflow.sources import org_file
from orgflow.store import ImportBatch, Store
from orgflow.workspace import Workspace

REORG = date(2025, 3, 1)

ORG_YAML = """\
people:
  - {id: cto, name: Cleo Chief}
  - {id: hana, name: Hana Head, manager: cto}
  - {id: tom, name: Tom Lead, email: tom@acme.example, manager: hana, aliases: [tom@git.example, Tom T]}
  - {id: eve, manager: tom}
  - {id: ed, manager: tom}
  - {id: ian, manager: hana}
  - {id: ivy, manager: tom}
  - {id: pam, manager: hana}
  - {id: fay, manager: hana}
  - {id: wes, manager: hana}
  - {id: walt, manager: wes}
  - {id: nia, manager: ian}
groups:
  - {id: acme, name: Acme, kind: org}
  - {id: logistics, kind: cluster, parent: acme}
  - {id: shipping, kind: team, type: stream-aligned, parent: logistics, template: sa, to: 2025-03-01}
  - {id: warehouse, kind: team, type: stream-aligned, parent: logistics, template: sa}
  - {id: domestic, kind: team, type: stream-aligned, parent: logistics, template: sa, from: 2025-03-01}
  - {id: international, kind: team, type: stream-aligned, parent: logistics, template: sa, from: 2025-03-01}
templates:
  sa: {tech lead: 1, product manager: 1, flow lead: 1}
memberships:
  - {person: cto, group: acme, role: head, from: 2020-01-01}
  - {person: hana, group: logistics, role: head, from: 2020-01-01}
  - {person: tom, group: shipping, role: tech lead, from: 2024-01-01, to: 2025-03-01}
  - {person: ed, group: shipping, role: engineer, from: 2024-01-01, to: 2025-03-01}
  - {person: ian, group: shipping, role: engineer, from: 2024-01-01, to: 2025-03-01}
  - {person: ivy, group: shipping, role: engineer, from: 2024-01-01, to: 2025-03-01}
  - {person: pam, group: shipping, role: product manager, from: 2024-01-01, to: 2025-03-01}
  - {person: eve, group: shipping, role: engineer, from: 2024-12-01, to: 2025-03-01}
  - {person: fay, group: shipping, role: flow lead, allocation: 0.5, from: 2024-01-01, to: 2025-03-01}
  - {person: fay, group: warehouse, role: flow lead, allocation: 0.5, from: 2024-01-01}
  - {person: wes, group: warehouse, role: tech lead, from: 2024-01-01}
  - {person: walt, group: warehouse, role: engineer, from: 2024-01-01}
  - {person: walt, group: international, role: engineer, allocation: 0.5, from: 2025-04-01}
  - {person: tom, group: domestic, role: tech lead, from: 2025-03-01}
  - {person: eve, group: domestic, role: engineer, from: 2025-03-01}
  - {person: ed, group: domestic, role: engineer, from: 2025-03-01}
  - {person: pam, group: domestic, role: product manager, from: 2025-03-01}
  - {person: fay, group: domestic, role: flow lead, allocation: 0.5, from: 2025-03-01}
  - {person: ian, group: international, role: tech lead, from: 2025-03-01}
  - {person: ivy, group: international, role: engineer, from: 2025-03-01, to: 2025-05-01}
  - {person: nia, group: international, role: engineer, from: 2025-03-01}
components:
  - {id: shipping-api, owner: shipping, paths: ["services/shipping-api/**"]}
  - {id: carrier-gateway, owner: shipping}
  - {id: warehouse-svc, owner: warehouse}
ownership:
  - {component: shipping-api, group: shipping, to: 2025-03-01}
  - {component: shipping-api, group: domestic, from: 2025-03-01}
  - {component: carrier-gateway, group: shipping, to: 2025-03-01}
  - {component: carrier-gateway, group: international, from: 2025-03-01}
dependencies:
  - {component: warehouse-svc, depends_on: shipping-api}
  - {component: shipping-api, depends_on: carrier-gateway}
"""


def org_batch(tmp_path: Path) -> ImportBatch:
    """The test org, imported through the org file importer."""
    path = tmp_path / "org.yaml"
    path.write_text(ORG_YAML, encoding="utf-8")
    return org_file.load([path], config=Config(), options={})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(None)
    store.write(org_batch(tmp_path))
    return store


@pytest.fixture
def model(store: Store) -> OrgModel:
    return OrgModel.from_store(store.connection)


def test_groups_members_and_components_as_of_any_date(model: OrgModel) -> None:
    before, on, after = date(2025, 1, 15), REORG, date(2025, 5, 15)
    assert [g.source_id for g in model.groups_on(before)] == ["acme", "logistics", "shipping", "warehouse"]
    assert [g.source_id for g in model.groups_on(on)] == ["acme", "domestic", "international", "logistics", "warehouse"]
    assert model.members_on("shipping", before) == ["ed", "eve", "fay", "ian", "ivy", "pam", "tom"]
    assert model.members_on("shipping", date(2024, 11, 30)) == ["ed", "fay", "ian", "ivy", "pam", "tom"]
    assert model.members_on("shipping", on) == []
    assert model.members_on("domestic", on) == ["ed", "eve", "fay", "pam", "tom"]
    assert model.members_on("international", on) == ["ian", "ivy", "nia"]
    assert model.members_on("international", after) == ["ian", "nia", "walt"]
    assert model.members_on("logistics", before) == ["hana"]
    assert model.members_on("logistics", before, descendants=True) == [
        "ed", "eve", "fay", "hana", "ian", "ivy", "pam", "tom", "walt", "wes",
    ]  # fmt: skip
    assert model.components_of_on("shipping", before) == ["carrier-gateway", "shipping-api"]
    assert model.components_of_on("shipping", on) == []
    assert model.components_of_on("domestic", on) == ["shipping-api"]
    assert model.components_of_on("international", on) == ["carrier-gateway"]
    assert model.components_of_on("warehouse", after) == ["warehouse-svc"]  # no ownership rows: owner_id
    assert model.ancestry("domestic") == ["domestic", "logistics", "acme"]
    assert model.descendants_on("acme", before) == ["logistics", "shipping", "warehouse"]
    assert model.direct_reports_on("hana", after) == ["fay", "ian", "pam", "tom", "wes"]
    # ivy's memberships all ended on 2025-05-01, so she no longer counts for tom; nia starts on the reorg.
    assert model.direct_reports_on("tom", after) == ["ed", "eve"]
    assert model.direct_reports_on("ian", before) == []


def test_team_of_person_uses_largest_allocation_then_latest_start(model: OrgModel) -> None:
    assert model.team_of_person_on("tom", date(2025, 2, 28)) == "shipping"
    assert model.team_of_person_on("tom", REORG) == "domestic"
    # fay: 0.5 shipping and 0.5 warehouse, both from 2024-01-01: the smaller id breaks the tie.
    assert model.team_of_person_on("fay", date(2025, 1, 15)) == "shipping"
    # after the reorg: 0.5 domestic (from 2025-03-01) beats 0.5 warehouse (from 2024-01-01).
    assert model.team_of_person_on("fay", date(2025, 3, 15)) == "domestic"
    assert model.team_of_person_on("walt", date(2025, 5, 15)) == "warehouse"  # 1.0 beats 0.5
    assert model.team_of_person_on("cto", date(2025, 1, 15)) is None  # only in the org group
    assert model.team_of_person_on("nia", date(2025, 2, 1)) is None
    assert model.resolve("TOM@git.example") == "tom"
    assert model.resolve("Tom T") == "tom"
    assert model.resolve("Someone <tom@acme.example>") == "tom"
    assert model.resolve("nobody") is None


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_attribute_matches_the_per_person_rule(store: Store, model: OrgModel) -> None:
    events = [
        ("tom@git.example", datetime(2025, 2, 28, 23, 59, tzinfo=UTC)),
        ("Tom T", datetime(2025, 3, 1, 0, 0, tzinfo=UTC)),
        ("Tom T <TOM@GIT.EXAMPLE>", _at(date(2024, 6, 1))),
        ("fay", _at(date(2025, 1, 15))),
        ("fay", _at(date(2025, 3, 15))),
        ("cto", _at(date(2025, 1, 15))),
        ("unknown person", _at(date(2025, 1, 15))),
        (None, _at(date(2025, 1, 15))),
    ]
    expected = ["shipping", "domestic", "shipping", "shipping", "domestic", None, None, None]
    assert attribute(store.connection, events) == expected
    # Brute force: the Python rule, person by person and day by day, over random events.
    rng = random.Random(7)
    aliases = ["tom", "eve", "ed", "ian", "ivy", "pam", "fay", "wes", "walt", "nia", "hana", "x", "tom@git.example"]
    start = datetime(2023, 12, 1, tzinfo=UTC)
    events = [(rng.choice(aliases), start + timedelta(hours=rng.randrange(24 * 600))) for _ in range(3000)]
    brute = []
    for alias, at in events:
        person = model.resolve(alias)
        brute.append(None if person is None else model.team_of_person_on(person, at.date()))
    assert attribute(store.connection, events) == brute


def test_org_summary_history_and_team_api(model: OrgModel) -> None:
    service = OrgService.from_model(model)
    rows = service.summary(date(2025, 1, 15)).rows()
    assert [(r["group"], r["kind"], r["type"], r["parent"], r["members"], r["members_total"]) for r in rows] == [
        ("acme", "org", None, None, 1, 11),
        ("logistics", "cluster", None, "acme", 1, 10),
        ("shipping", "team", "stream-aligned", "logistics", 7, 7),
        ("warehouse", "team", "stream-aligned", "logistics", 3, 3),
    ]
    # logistics: 2 teams (< 3); warehouse: no product manager. Everything else passes on that day.
    assert [(r["group"], r["checks_failed"]) for r in rows] == [
        ("acme", 0),
        ("logistics", 1),
        ("shipping", 0),
        ("warehouse", 1),
    ]
    assert next(r for r in rows if r["group"] == "shipping")["fte"] == 6.5
    history = service.history("shipping").rows()
    assert [(r["date"], r["members"], r["fte"], r["joined"], r["left"]) for r in history] == [
        (date(2024, 1, 1), 6, 5.5, 6, 0),
        (date(2024, 12, 1), 7, 6.5, 1, 0),
        (REORG, 0, 0.0, 0, 7),
    ]
    api = service.team_api("domestic", date(2025, 3, 10))
    assert [r["component"] for r in api.components.rows()] == ["shipping-api"]
    assert [
        (r["direction"], r["component"], r["other_component"], r["other_team"]) for r in api.dependencies.rows()
    ] == [
        ("used by", "shipping-api", "warehouse-svc", "warehouse"),
        ("uses", "shipping-api", "carrier-gateway", "international"),
    ]
    assert [r["person"] for r in api.members.rows()] == ["ed", "eve", "fay", "pam", "tom"]
    with pytest.raises(InputError, match="does not exist on 2025-03-10"):
        service.team_api("shipping", date(2025, 3, 10))
    with pytest.raises(InputError, match="unknown group 'nope'"):
        service.members("nope", date(2025, 1, 1))


def _item(key: str, assignee: str, team: str | None, created: date, done: date) -> list[object]:
    created_at = _at(created, 9)
    return [
        WorkItem("t", key, "SHIP", team, key, "Story", created_at, "Done", assignee=assignee),
        StatusTransition("t", key, 0, created_at, None, "To Do"),
        StatusTransition("t", key, 1, created_at + timedelta(days=1), "To Do", "In Progress"),
        StatusTransition("t", key, 2, _at(done, 9), "In Progress", "Done"),
    ]


def test_flow_metrics_before_and_after_the_reorg_follow_attribution(tmp_path: Path, store: Store) -> None:
    """Items take the team of their assignee on the day they finished; the team cut then splits the flow."""
    items = [
        ("S-1", "tom", date(2025, 1, 6), date(2025, 1, 20)),
        ("S-2", "ian", date(2025, 2, 3), date(2025, 2, 20)),
        ("D-1", "tom@git.example", date(2025, 2, 24), date(2025, 3, 10)),  # started before, finished after
        ("I-1", "ivy", date(2025, 3, 3), date(2025, 3, 17)),
        ("W-1", "walt", date(2025, 4, 7), date(2025, 4, 14)),  # walt: warehouse 1.0 beats international 0.5
    ]
    teams = attribute(store.connection, [(assignee, _at(done, 9)) for _, assignee, _, done in items])
    assert teams == ["shipping", "shipping", "domestic", "international", "warehouse"]
    batch = ImportBatch(source="t", kind="test", origin="test")
    for (key, assignee, created, done), team in zip(items, teams, strict=True):
        batch.extend(_item(key, assignee, team, created, done))  # type: ignore[arg-type]
    store.write(batch)
    workspace = Workspace(tmp_path, Config(), store)
    flow = workspace.flow_at(datetime(2025, 6, 1, tzinfo=UTC))
    since, until = date(2025, 1, 1), date(2025, 5, 31)
    for team, keys, lead_days in [
        ("shipping", ["S-1", "S-2"], [14.0, 17.0]),
        ("domestic", ["D-1"], [14.0]),
        ("international", ["I-1"], [14.0]),
    ]:
        rows = flow.lead_time(cut=Cut(team=team), since=since, until=until).rows()
        assert [r["item_id"] for r in rows] == keys
        assert [r["lead_time_days"] for r in rows] == lead_days
    groups = flow.lead_time(cut=Cut(group="logistics"), since=since, until=until).rows()
    assert sorted(r["item_id"] for r in groups) == ["D-1", "I-1", "S-1", "S-2", "W-1"]


def test_unattributed_report(store: Store) -> None:
    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.extend(_item("X-1", "nobody", "ghost-team", date(2025, 1, 6), date(2025, 1, 9)))  # type: ignore[arg-type]
    store.write(batch)
    rows = unattributed(store.connection).to_pylist()
    assert rows == [{"what": "work items whose team is not a group", "count": 1, "example": "X-1"}]


def test_org_tree_keeps_work_the_org_does_not_own(tmp_path: Path, store: Store) -> None:
    """Two items of the org's team `warehouse`, three of `ghost` (no group), one without a team (its project
    `SHIP` attributes it): the tree has warehouse as the org's team and ghost and SHIP as teams of their own."""
    batch = ImportBatch(source="t", kind="test", origin="test")
    for key, team in [("W-1", "warehouse"), ("W-2", "warehouse"), ("G-1", "ghost"), ("G-2", "ghost"), ("G-3", "ghost")]:
        batch.extend(_item(key, "nobody", team, date(2025, 1, 6), date(2025, 1, 9)))  # type: ignore[arg-type]
    batch.extend(_item("S-9", "nobody", None, date(2025, 1, 6), date(2025, 1, 9)))  # type: ignore[arg-type]
    store.write(batch)
    tree = org_tree(Workspace(tmp_path, Config(), store))
    assert tree.unowned == (UnownedUnit("ghost", "project", 3, "G-1"), UnownedUnit("SHIP", "project", 1, "S-9"))
    assert [(g.group_id, g.origin, g.parent_id) for g in tree.attributed_teams()] == [
        ("ghost", "attributed", None),
        ("SHIP", "attributed", None),
    ]
    teams = {g.group_id: g.origin for g in tree.teams()}
    assert teams == {
        "domestic": "org",
        "international": "org",
        "shipping": "org",
        "warehouse": "org",
        "ghost": "attributed",
        "SHIP": "attributed",
    }
    assert [g.group_id for g in tree.clusters()] == ["logistics"] and tree.has_org
    assert tree.require("ghost", kind="team").name == "ghost"
    assert tree.ownership_note() == (
        "4 work items belong to no team of the org: ghost (3 items), SHIP (1 item). They are shown as teams of "
        "their own, outside the org's clusters. To give a project's (or repository's) items to a team, add one "
        "line under `teams:` in orgflow.yaml, e.g. `ghost: domestic`, and import that source again."
    )
    # `orgflow status` lists these by unit, so its table of unattributed records leaves them out.
    assert unattributed(store.connection).to_pylist()[0]["count"] == 4
    assert unattributed(store.connection, work_items=False).num_rows == 0


def test_org_tree_without_an_org_and_items_no_rule_attributes(tmp_path: Path) -> None:
    """No groups: every unit is a team; with only the component rule, items without components fall to
    `unattributed`, which is a team too, so no work disappears."""
    store = Store.open(None)
    batch = ImportBatch(source="t", kind="test", origin="test")
    for key in ("A-1", "A-2"):
        batch.extend(_item(key, "nobody", "alpha", date(2025, 1, 6), date(2025, 1, 9)))  # type: ignore[arg-type]
    store.write(batch)
    tree = org_tree(Workspace(tmp_path, Config(), store))
    assert not tree.has_org and tree.clusters() == []
    assert [(g.group_id, g.origin) for g in tree.teams()] == [("alpha", "attributed")]
    assert tree.ownership_note() == (
        "No org file or catalog is loaded, so the teams are the units work is attributed to (org.attribution: "
        "project): alpha (2 items). To give a project's (or repository's) items to a team, add one line under "
        "`teams:` in orgflow.yaml, e.g. `alpha: my-team`, and import that source again. To group teams into "
        "clusters, import an org file or a Backstage catalog."
    )
    by_component = validate_config({"org": {"attribution": ["component"]}})
    tree = org_tree(Workspace(tmp_path, by_component, store))
    assert tree.unowned == (UnownedUnit("unattributed", None, 2, "A-1"),)
    assert [(g.group_id, g.name) for g in tree.teams()] == [("unattributed", "Unattributed")]
    assert tree.ownership_note().endswith(
        "Items no rule of org.attribution gives a team count under `unattributed`; add `project` to "
        "org.attribution to fall back on their project."
    )
