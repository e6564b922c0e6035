"""The cross-team dependency graph on a hand-built org, code history and board; every weight by hand.

Org: cluster c1 holds team-a and team-b; team-c stands alone. Components: svc-a and svc-a2 (team-a, globs
a/** and a2/**), svc-b (team-b, b/**), svc-c (team-c, c/**).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import orgflow
from orgflow.model import (
    ChangedFile,
    Commit,
    Component,
    ComponentDependency,
    Group,
    ItemLink,
    StatusTransition,
    WorkItem,
)
from orgflow.sociotech.coupling import CouplingThresholds
from orgflow.sociotech.service import SocioTechService
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """'01-05 12:00' is 2024-01-05 12:00 UTC."""
    return datetime.strptime(f"2024-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def org() -> ImportBatch:
    batch = ImportBatch(source="org", kind="org", origin="test")
    batch.add(Group("org", "c1", "Cluster 1", "cluster"))
    batch.add(Group("org", "team-a", "Team A", "team", "stream-aligned", parent_id="c1"))
    batch.add(Group("org", "team-b", "Team B", "team", "platform", parent_id="c1"))
    batch.add(Group("org", "team-c", "Team C", "team"))
    for name, owner, glob in (
        ("svc-a", "team-a", "a/**"),
        ("svc-a2", "team-a", "a2/**"),
        ("svc-b", "team-b", "b/**"),
        ("svc-c", "team-c", "c/**"),
    ):
        batch.add(Component("org", name, name, owner_id=owner, path_globs=(glob,)))
    # a -> b twice (two component pairs), b -> c once; a -> a2 stays inside team-a.
    for component, depends_on in (("svc-a", "svc-b"), ("svc-a2", "svc-b"), ("svc-b", "svc-c"), ("svc-a", "svc-a2")):
        batch.add(ComponentDependency("org", component, depends_on))
    return batch


def code() -> ImportBatch:
    """a/x.go and b/y.go change together 5 times, a/x.go alone once: svc-a 6 revs, svc-b 5, shared 5."""
    batch = ImportBatch(source="git", kind="git", origin="test")
    for index in range(6):
        moment = at("01-01 00:00") + timedelta(hours=index)
        sha = f"c{index}"
        batch.add(Commit("git", sha, "mono", (), "dev", moment, moment, "change"))
        batch.add(ChangedFile("git", sha, "a/x.go", 3, 1))
        if index < 5:
            batch.add(ChangedFile("git", sha, "b/y.go", 2, 0))
    return batch


def board() -> ImportBatch:
    """Items and their moves; the blocking links are described in `test_blocking_edges`."""
    batch = ImportBatch(source="t", kind="test", origin="test")
    items = {
        "A1": ("team-a", "01-01 00:00", [("In Progress", "01-02 00:00"), ("Done", "01-10 00:00")]),
        "A2": ("team-a", "01-01 00:00", [("In Progress", "01-02 00:00")]),
        "A3": ("team-a", "01-01 00:00", [("In Progress", "01-03 00:00")]),
        "B1": ("team-b", "01-01 00:00", [("In Progress", "01-01 00:00"), ("Done", "01-05 12:00")]),
        "B2": ("team-b", "01-01 00:00", [("In Progress", "01-03 00:00"), ("Done", "01-04 00:00")]),
        "B3": ("team-b", "01-01 00:00", [("In Progress", "01-20 00:00")]),
        "C1": ("team-c", "01-01 00:00", [("In Progress", "01-01 00:00"), ("Done", "01-08 00:00")]),
    }
    for key, (team, created, moves) in items.items():
        status = moves[-1][0]
        batch.add(WorkItem("t", key, "P", team, key, "Story", at(created), status))
        batch.add(StatusTransition("t", key, 0, at(created), None, "To Do"))
        previous = "To Do"
        for seq, (to_status, when) in enumerate(moves, start=1):
            batch.add(StatusTransition("t", key, seq, at(when), previous, to_status))
            previous = to_status
    batch.add(ItemLink("t", "B1", "blocks", "A1"))
    batch.add(ItemLink("t", "B2", "blocks", "A1"))
    batch.add(ItemLink("t", "A1", "blocked_by", "C1"))
    batch.add(ItemLink("t", "A2", "blocks", "A3"))  # same team: not a cross-team edge
    batch.add(ItemLink("t", "C1", "blocks", "B3"))  # C1 finished before B3 started: no time lost, no edge
    return batch


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = orgflow.init(tmp_path)
    for batch in (org(), code(), board()):
        opened.store.write(batch)
    yield opened
    opened.close()


def edges(service: SocioTechService, **options: object) -> dict[tuple[str, str, str], dict[str, object]]:
    return {(r["source"], r["target"], r["kind"]): r for r in service.dependency_edges(**options).rows()}


def service_of(workspace: Workspace) -> SocioTechService:
    return workspace.sociotech_at(NOW, thresholds=CouplingThresholds(1, 1, 1, 30))


def test_declared_and_coupling_edges(workspace: Workspace) -> None:
    got = edges(service_of(workspace), kinds=("declared", "coupling"))
    assert set(got) == {
        ("team-a", "team-b", "declared"),
        ("team-b", "team-c", "declared"),
        ("team-a", "team-b", "coupling"),
    }
    declared = got[("team-a", "team-b", "declared")]
    assert (declared["weight"], declared["pairs"], declared["evidence"]) == (
        2.0,
        2,
        ["svc-a -> svc-b", "svc-a2 -> svc-b"],
    )
    assert got[("team-b", "team-c", "declared")]["weight"] == 1.0
    # Coupling svc-a ~ svc-b: shared 5, revs 6 and 5: degree 200·5 // 11 = 90.
    coupled = got[("team-a", "team-b", "coupling")]
    assert (coupled["weight"], coupled["pairs"], coupled["max_degree"]) == (5.0, 1, 90)


def test_blocking_edges(workspace: Workspace) -> None:
    # A1 (team-a) started 01-02. B1 blocks it until 01-05 12:00 (3.5 days), B2 until 01-04 (2 days): one team,
    # counted once: 3.5 days. C1 blocks it until 01-08: 6 days. A2 → A3 is inside team-a; C1 → B3 ended first.
    got = edges(service_of(workspace), kinds=("blocking",))
    assert set(got) == {("team-a", "team-b", "blocking"), ("team-a", "team-c", "blocking")}
    to_b = got[("team-a", "team-b", "blocking")]
    assert (to_b["weight"], to_b["items"], to_b["lost_days"], to_b["evidence"]) == (2.0, 1, 3.5, ["A1"])
    to_c = got[("team-a", "team-c", "blocking")]
    assert (to_c["weight"], to_c["items"], to_c["lost_days"]) == (1.0, 1, 6.0)
    # The flow metrics' blocked time of A1 by links is the union over both teams: 01-02 to 01-08, 6 days.
    blocked = {row["item_id"]: row for row in workspace.flow_at(NOW).blocked().rows()}
    assert blocked["A1"]["link_days"] == 6.0
    assert "B3" not in blocked or blocked["B3"]["link_days"] == 0.0


def test_filters_and_nodes(workspace: Workspace) -> None:
    service = service_of(workspace)
    # Group team-c: only edges touching team-c.
    assert set(edges(service, group="team-c")) == {("team-b", "team-c", "declared"), ("team-a", "team-c", "blocking")}
    # Group c1 holds team-a and team-b: every edge touches one of them.
    assert len(edges(service, group="c1")) == 5
    nodes = {row["team"]: row for row in service.dependency_nodes().rows()}
    assert set(nodes) == {"team-a", "team-b", "team-c"}
    a = nodes["team-a"]
    assert (a["name"], a["kind"], a["parent"], a["out_degree"], a["in_degree"]) == ("Team A", "team", "c1", 2, 0)
    assert (a["lost_days_in"], a["lost_days_out"]) == (9.5, 0.0)
    assert (nodes["team-c"]["in_degree"], nodes["team-c"]["lost_days_out"]) == (2, 6.0)


def test_bad_filters(workspace: Workspace) -> None:
    service = service_of(workspace)
    with pytest.raises(orgflow.InputError):
        service.dependency_edges(kinds=("friendship",))
    with pytest.raises(orgflow.InputError):
        service.dependency_edges(group="no-such-group")
