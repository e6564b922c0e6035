"""Work items attributed to teams by the configured rule order (`org.attribution`), worked out by hand.

The org: acme (org) > core (cluster) > teams alpha, beta, gamma. On 2024-03-10 a reorganization closes alpha
and opens gamma: ann moves from alpha to gamma, bob's half-time spell in alpha ends (he stays in beta).
cat is only in the cluster (no team). Aliases: "ann@git.example" → ann, "Bobby" → bob.

Components (id / name / owner_id / ownership rows):
- pay / Payments / alpha / gamma from 2024-03-10 (before it no row holds, so owner_id alpha decides)
- ledger / Ledger / beta / none
- legacy / Legacy / none / none (no owner at all)
- web / Web / core (a cluster owns it) / none

Items (created 09:00 UTC on the day, done two days later; project P maps to no team):

| item | created | components         | assignee        | team_id (project)  | component | project | person |
|------|---------|--------------------|-----------------|--------------------|-----------|---------|--------|
| I-1  | 03-04   | Payments           | ann@git.example | P (P)              | alpha     | P       | alpha  |
| I-2  | 03-12   | pay                | ann             | beta (B)           | gamma     | beta    | gamma  |
| I-3  | 03-05   | unknown, ledger    | Bobby           | null (Q)           | beta      | Q       | alpha  |
| I-4  | 03-12   | legacy, ledger     | BOB             | beta (B)           | -         | beta    | beta   |
| I-5  | 03-06   | -                  | cat             | alpha (A)          | -         | alpha   | -      |
| I-6  | 03-06   | WEB                | -               | alpha (A)          | core      | alpha   | -      |
| I-7  | 03-12   | -                  | nobody          | gamma (G)          | -         | gamma   | -      |

Why: I-1's pay has no ownership row valid on 03-04, so its owner_id (alpha). I-3 skips the unknown name and
takes ledger; bob on 03-05 is in beta (0.5, from 01-01) and alpha (0.5, from 02-01): equal allocation, the
later start (alpha) wins. I-4's first known component, legacy, has no owner, so the rule gives none (ledger
is not tried); bob on 03-12 is only in beta. Names match case-insensitively (WEB, BOB). I-3 has no stored
team: the project rule gives its project key, as the flow metrics always did.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import orgflow
from orgflow.config import OrgSettings
from orgflow.errors import InputError
from orgflow.flow.service import FlowService
from orgflow.model import (
    Component,
    ComponentOwnership,
    Group,
    Membership,
    Person,
    PersonAlias,
    StatusTransition,
    WorkItem,
)
from orgflow.org.attribution import attributable_teams, attribution_counts, attribution_sql, build_attribution
from orgflow.org.structure import OrgModel
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

SOURCE = "t"
REORG = date(2024, 3, 10)
NOW = datetime(2024, 4, 1, tzinfo=UTC)
ITEMS = ("I-1", "I-2", "I-3", "I-4", "I-5", "I-6", "I-7")

# item: (created day, components, assignee, team_id, project)
ITEM_FIELDS: dict[str, tuple[str, tuple[str, ...], str | None, str | None, str]] = {
    "I-1": ("03-04", ("Payments",), "ann@git.example", "P", "P"),
    "I-2": ("03-12", ("pay",), "ann", "beta", "B"),
    "I-3": ("03-05", ("unknown", "ledger"), "Bobby", None, "Q"),
    "I-4": ("03-12", ("legacy", "ledger"), "BOB", "beta", "B"),
    "I-5": ("03-06", (), "cat", "alpha", "A"),
    "I-6": ("03-06", ("WEB",), None, "alpha", "A"),
    "I-7": ("03-12", (), "nobody", "gamma", "G"),
}

# The team each rule gives each item (the table of the module docstring; None: the rule gives none).
BY_RULE: dict[str, dict[str, str | None]] = {
    "component": {"I-1": "alpha", "I-2": "gamma", "I-3": "beta", "I-4": None, "I-5": None, "I-6": "core", "I-7": None},
    "project": {"I-1": "P", "I-2": "beta", "I-3": "Q", "I-4": "beta", "I-5": "alpha", "I-6": "alpha", "I-7": "gamma"},
    "person": {"I-1": "alpha", "I-2": "gamma", "I-3": "alpha", "I-4": "beta", "I-5": None, "I-6": None, "I-7": None},
}

# Per order: the team of each item and the rule that gave it, worked out row by row from BY_RULE.
EXPECTED: dict[tuple[str, ...], dict[str, tuple[str | None, str | None]]] = {
    ("project",): {item: (BY_RULE["project"][item], "project") for item in ITEMS},
    ("component", "project"): {
        "I-1": ("alpha", "component"),
        "I-2": ("gamma", "component"),
        "I-3": ("beta", "component"),
        "I-4": ("beta", "project"),
        "I-5": ("alpha", "project"),
        "I-6": ("core", "component"),
        "I-7": ("gamma", "project"),
    },
    ("person",): {
        "I-1": ("alpha", "person"),
        "I-2": ("gamma", "person"),
        "I-3": ("alpha", "person"),
        "I-4": ("beta", "person"),
        "I-5": (None, None),
        "I-6": (None, None),
        "I-7": (None, None),
    },
    ("component", "person"): {
        "I-1": ("alpha", "component"),
        "I-2": ("gamma", "component"),
        "I-3": ("beta", "component"),
        "I-4": ("beta", "person"),
        "I-5": (None, None),
        "I-6": ("core", "component"),
        "I-7": (None, None),
    },
    ("person", "component", "project"): {
        "I-1": ("alpha", "person"),
        "I-2": ("gamma", "person"),
        "I-3": ("alpha", "person"),
        "I-4": ("beta", "person"),
        "I-5": ("alpha", "project"),
        "I-6": ("core", "component"),
        "I-7": ("gamma", "project"),
    },
}


def _day(text: str) -> date:
    return date.fromisoformat(f"2024-{text}")


def _org_records() -> list[object]:
    d = date.fromisoformat
    return [
        Group(SOURCE, "acme", "Acme", "org"),
        Group(SOURCE, "core", "Core", "cluster", parent_id="acme"),
        Group(SOURCE, "alpha", "Alpha", "team", "stream-aligned", "core", valid_to=REORG),
        Group(SOURCE, "beta", "Beta", "team", "stream-aligned", "core"),
        Group(SOURCE, "gamma", "Gamma", "team", "stream-aligned", "core", valid_from=REORG),
        Person(SOURCE, "ann", "Ann"),
        Person(SOURCE, "bob", "Bob"),
        Person(SOURCE, "cat", "Cat"),
        PersonAlias(SOURCE, "ann@git.example", "ann"),
        PersonAlias(SOURCE, "Bobby", "bob"),
        Membership(SOURCE, "m1", "ann", "alpha", "engineer", 1.0, d("2024-01-01"), REORG),
        Membership(SOURCE, "m2", "ann", "gamma", "engineer", 1.0, REORG, None),
        Membership(SOURCE, "m3", "bob", "beta", "engineer", 0.5, d("2024-01-01"), None),
        Membership(SOURCE, "m4", "bob", "alpha", "engineer", 0.5, d("2024-02-01"), REORG),
        Membership(SOURCE, "m5", "cat", "core", "head", 1.0, d("2024-01-01"), None),
        Component(SOURCE, "pay", "Payments", owner_id="alpha"),
        Component(SOURCE, "ledger", "Ledger", owner_id="beta"),
        Component(SOURCE, "legacy", "Legacy"),
        Component(SOURCE, "web", "Web", owner_id="core"),
        ComponentOwnership(SOURCE, "o1", "pay", "gamma", REORG, None),
    ]


def _work_records() -> list[object]:
    records: list[object] = []
    for key, (created, components, assignee, team_id, project) in ITEM_FIELDS.items():
        created_at = datetime.combine(_day(created), datetime.min.time(), UTC) + timedelta(hours=9)
        records.append(
            WorkItem(
                source=SOURCE,
                source_id=key,
                project=project,
                team_id=team_id,
                title=key,
                item_type="Story",
                created_at=created_at,
                status="Done",
                assignee=assignee,
                components=components,
            )
        )
        records.append(StatusTransition(SOURCE, key, 0, created_at, None, "To Do"))
        records.append(StatusTransition(SOURCE, key, 1, created_at + timedelta(days=2), "To Do", "Done"))
    return records


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the org and the items above (its orgflow.yaml is written per test)."""
    path = tmp_path_factory.mktemp("attribution")
    workspace = orgflow.init(path)
    batch = ImportBatch(SOURCE, "test", "hand-built")
    batch.extend([*_org_records(), *_work_records()])
    workspace.store.write(batch)
    workspace.close()
    return path


@pytest.fixture
def open_with(directory: Path) -> Iterator[object]:
    """Open the workspace with `org.attribution` set to an order (None: the key left out)."""
    opened: list[Workspace] = []

    def _open(order: tuple[str, ...] | None) -> Workspace:
        text = "" if order is None else "org:\n  attribution: [" + ", ".join(order) + "]\n"
        (directory / "orgflow.yaml").write_text(text, encoding="utf-8")
        workspace = orgflow.open(directory)
        opened.append(workspace)
        return workspace

    yield _open
    for workspace in opened:
        workspace.close()


def _attributed(workspace: Workspace, order: tuple[str, ...]) -> dict[str, tuple[str | None, str | None]]:
    rows = workspace.store.connection.execute(
        f"SELECT source_id, team_id, rule FROM ({attribution_sql(order)}) ORDER BY source_id"
    ).fetchall()
    return {item: (team, rule) for item, team, rule in rows}


def _attribution_tables(workspace: Workspace) -> list[str]:
    """The attribution temp tables of the workspace's connection."""
    rows = workspace.store.connection.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    return [name for (name,) in rows if name.startswith("of_attribution")]


def _team_of_items(service: FlowService) -> dict[str, str | None]:
    return {row["item_id"]: row["team_id"] for row in service.items().rows()}


@pytest.mark.parametrize("order", list(EXPECTED))
def test_each_order_gives_the_hand_computed_team_and_rule(open_with: object, order: tuple[str, ...]) -> None:
    workspace = open_with(order)  # type: ignore[operator]
    assert _attributed(workspace, order) == EXPECTED[order]


def test_expected_follows_from_the_rules_in_order() -> None:
    # The per-order tables above are written out by hand; they agree with "first rule that gives a team".
    for order, expected in EXPECTED.items():
        for item in ITEMS:
            first = next(((BY_RULE[rule][item], rule) for rule in order if BY_RULE[rule][item] is not None), None)
            assert expected[item] == (first or (None, None)), (order, item)


def test_person_rule_agrees_with_the_org_model(open_with: object) -> None:
    # An independent path: resolve the assignee and pick the team in Python (OrgModel) for every item.
    workspace = open_with(("person",))  # type: ignore[operator]
    model = OrgModel.from_store(workspace.store.connection)
    for item, (created, _components, assignee, _team, _project) in ITEM_FIELDS.items():
        person = model.resolve(assignee) if assignee else None
        team = model.team_of_person_on(person, _day(created)) if person else None
        assert BY_RULE["person"][item] == team, item


@pytest.mark.parametrize(
    ("order", "counts"),
    [
        (("component", "project"), [("component", 4), ("project", 3), ("none", 0)]),
        (("person",), [("person", 4), ("none", 3)]),
        (("component", "person"), [("component", 4), ("person", 1), ("none", 2)]),
        (("person", "component", "project"), [("person", 4), ("component", 1), ("project", 2), ("none", 0)]),
        (("project", "component"), [("project", 7), ("component", 0), ("none", 0)]),
    ],
)
def test_counts_per_rule(open_with: object, order: tuple[str, ...], counts: list[tuple[str, int]]) -> None:
    workspace = open_with(order)  # type: ignore[operator]
    table = attribution_counts(workspace.store.connection, order)
    assert list(zip(table["rule"].to_pylist(), table["items"].to_pylist(), strict=True)) == counts


def _lead_time_ids(service: FlowService, **cut: str) -> list[str]:
    return sorted(row["item_id"] for row in service.lead_time(cut=Cut(**cut)).rows())


def test_default_order_gives_todays_teams_and_builds_no_table(open_with: object) -> None:
    assert OrgSettings().attribution == ("project",)
    for order in (None, ("project",)):
        workspace = open_with(order)  # type: ignore[operator]
        service = FlowService(workspace, now=NOW)
        # Today's team: the stored team_id, else the project key.
        assert _team_of_items(service) == {
            key: team if team is not None else project for key, (_c, _x, _a, team, project) in ITEM_FIELDS.items()
        }
        assert _lead_time_ids(service, team="alpha") == ["I-5", "I-6"]
        assert _lead_time_ids(service, team="beta") == ["I-2", "I-4"]
        assert _lead_time_ids(service, team="P") == ["I-1"]
        # The core cluster holds the teams alpha, beta and gamma; P and Q are no groups.
        assert _lead_time_ids(service, group="core") == ["I-2", "I-4", "I-5", "I-6", "I-7"]
        assert not _attribution_tables(workspace)
        assert attributable_teams(workspace.store.connection, ("project",)) == set()


def test_forced_project_rule_equals_the_default_items_table(open_with: object) -> None:
    # The SQL's project rule and the default path of the item facts agree item by item.
    workspace = open_with(None)  # type: ignore[operator]
    service = FlowService(workspace, now=NOW)
    build_attribution(workspace.store.connection, ("project",), "of_attribution_check")
    rows = workspace.store.connection.execute("SELECT source_id, team_id FROM of_attribution_check").fetchall()
    assert dict(rows) == _team_of_items(service)


@pytest.mark.parametrize("order", [order for order in EXPECTED if order != ("project",)])
def test_flow_metrics_follow_the_attribution(open_with: object, order: tuple[str, ...]) -> None:
    workspace = open_with(order)  # type: ignore[operator]
    service = FlowService(workspace, now=NOW)
    # Items no rule attributes count under the team "unattributed".
    teams = {item: team or "unattributed" for item, (team, _rule) in EXPECTED[order].items()}
    assert _team_of_items(service) == teams
    assert _attribution_tables(workspace) == [f"of_attribution_{service._serial}"]
    for team in sorted(set(teams.values())):
        assert _lead_time_ids(service, team=team) == sorted(item for item, value in teams.items() if value == team)
    # A cluster cut takes every team under it, and the cluster itself when it owns a component.
    under_core = {"alpha", "beta", "gamma", "core"}
    assert _lead_time_ids(service, group="core") == sorted(item for item, t in teams.items() if t in under_core)
    # by=team: every item finished once, in its team's row.
    expected_counts: dict[str, int] = {}
    for team in teams.values():
        expected_counts[team] = expected_counts.get(team, 0) + 1
    assert {row["team"]: row["finished"] for row in service.summary(by="team").rows()} == expected_counts
    weekly: dict[str, int] = {}
    for row in service.throughput(by="team").rows():
        if row["finished"] is not None:  # the default window's weeks before the data's first event: unknown
            weekly[row["team"]] = weekly.get(row["team"], 0) + row["finished"]
    assert {team: count for team, count in weekly.items() if count} == expected_counts


def test_a_reorganization_moves_a_persons_items(open_with: object) -> None:
    # ann's items: I-1 (03-04, before the reorg) counts for alpha, I-2 (03-12, after it) for gamma.
    service = FlowService(open_with(("person",)), now=NOW)  # type: ignore[operator]
    assert _lead_time_ids(service, team="alpha") == ["I-1", "I-3"]
    assert _lead_time_ids(service, team="gamma") == ["I-2"]
    assert _lead_time_ids(service, team="beta") == ["I-4"]
    assert _lead_time_ids(service, team="unattributed") == ["I-5", "I-6", "I-7"]


def test_a_team_no_item_has_any_more_is_unknown(open_with: object) -> None:
    service = FlowService(open_with(("component", "project")), now=NOW)  # type: ignore[operator]
    with pytest.raises(InputError, match="unknown team 'P'"):
        service.lead_time(cut=Cut(team="P"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("org: {attribution: []}", "at least one rule"),
        ("org: {attribution: [person, person]}", "'person' is listed twice"),
        ("org: {attribution: [owner]}", "attribution"),
    ],
)
def test_a_bad_order_is_a_config_error(directory: Path, text: str, message: str) -> None:
    (directory / "orgflow.yaml").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        orgflow.open(directory)


def _status(directory: Path, order: tuple[str, ...] | None) -> dict[str, list[dict[str, object]]]:
    text = "" if order is None else "org:\n  attribution: [" + ", ".join(order) + "]\n"
    (directory / "orgflow.yaml").write_text(text, encoding="utf-8")
    command = [sys.executable, "-c", "from orgflow.cli import main; main()", "--workspace", str(directory)]
    result = subprocess.run(
        [*command, "status", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_status_shows_the_counts_per_rule(directory: Path) -> None:
    payload = _status(directory, ("component", "person"))
    assert payload["work items attributed by rule"] == [
        {"rule": "component", "items": 4},
        {"rule": "person", "items": 1},
        {"rule": "none", "items": 2},
    ]
    assert "work items attributed by rule" not in _status(directory, None)
