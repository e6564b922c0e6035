"""`PullRequestFlow`: the deploy stage comes from the commit graph (the first production deployment whose
revision contains the merge commit) and a pull request's team is its repository's owner.

History of repository "shop" (owned by team "payments"), all times UTC on 2024-05-xx:

    a (01 09:00) ─ m1 (02 10:00, merges PR 1) ─ m2 (03 10:00, merges PR 2)
    deployments of "shop": D1 of a on 01 12:00 (first recorded), D2 of m1 on 02 16:00, D3 of m2 on 06 10:00

PR 1: opened 01 10:00, reviewed 01 14:00, merged 02 10:00 (m1) → first deployed by D2: deploy = 6 h.
PR 2: opened 02 11:00, reviewed 02 20:00, merged 03 10:00 (m2) → D3: deploy = 72 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgflow.delivery.pr_service import PullRequestFlow
from orgflow.model import Commit, Component, Deployment, Group, PullRequest
from orgflow.workspace import Workspace, init_workspace


def _at(day: int, hour: int) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=UTC)


@pytest.fixture
def flow(tmp_path) -> PullRequestFlow:
    workspace: Workspace = init_workspace(tmp_path)
    from orgflow.store import ImportBatch

    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.extend(
        [
            Group("t", "payments", "Payments", "team"),
            Component("t", "shop", "Shop", owner_id="payments"),
            Commit("t", "a", "shop", (), "ann", _at(1, 9), _at(1, 9)),
            Commit("t", "b", "shop", ("a",), "ann", _at(1, 8), _at(1, 9)),
            Commit("t", "m1", "shop", ("a", "b"), "ann", _at(2, 10), _at(2, 10), is_merge=True),
            Commit("t", "c", "shop", ("m1",), "bob", _at(2, 9), _at(2, 11)),
            Commit("t", "m2", "shop", ("m1", "c"), "bob", _at(3, 10), _at(3, 10), is_merge=True),
            Deployment("t", "D1", "shop", "production", "a", _at(1, 12)),
            Deployment("t", "D2", "shop", "production", "m1", _at(2, 16)),
            Deployment("t", "D3", "shop", "production", "m2", _at(6, 10)),
            PullRequest("t", "shop#1", "shop", 1, "one", "ann", _at(1, 10), _at(1, 8), _at(1, 14), _at(2, 10),
                        _at(2, 10), "m1", ("b",)),
            PullRequest("t", "shop#2", "shop", 2, "two", "bob", _at(2, 11), _at(2, 9), _at(2, 20), _at(3, 10),
                        _at(3, 10), "m2", ("c",)),
        ]
    )  # fmt: skip
    workspace.write(batch)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    yield workspace.pull_requests_at(now)
    workspace.close()


def test_deploy_stage_is_the_first_deployment_containing_the_merge(flow: PullRequestFlow) -> None:
    rows = flow.stages(since=date(2024, 5, 1), until=date(2024, 5, 31)).rows()
    got = {row["number"]: (row["team"], row["coding_hours"], row["pickup_hours"], row["review_hours"],
                           row["deploy_hours"]) for row in rows}  # fmt: skip
    assert got == {1: ("payments", 2.0, 4.0, 20.0, 6.0), 2: ("payments", 2.0, 9.0, 14.0, 72.0)}
    deployed = flow.deployed_at()
    assert deployed["m1"] == datetime(2024, 5, 2, 16) and deployed["m2"] == datetime(2024, 5, 6, 10)
    assert "a" not in deployed  # in production by the first recorded deployment: no arrival time


def test_summary_by_team_and_an_unknown_team(flow: PullRequestFlow) -> None:
    rows = flow.summary(by="team", since=date(2024, 5, 1), until=date(2024, 5, 31)).rows()
    deploy = next(row for row in rows if row["stage"] == "deploy")
    assert (deploy["team"], deploy["count"], deploy["p50_hours"]) == ("payments", 2, 39.0)
    from orgflow.errors import InputError

    with pytest.raises(InputError, match="no pull requests of team 'nobody'"):
        flow.stages(team="nobody")


def test_a_repository_no_team_owns_has_no_team(tmp_path) -> None:
    """PR 7 of "tools" (no component names it): its team is None, not a team called "unowned"."""
    from orgflow.store import ImportBatch

    workspace: Workspace = init_workspace(tmp_path)
    batch = ImportBatch(source="t", kind="test", origin="test")
    batch.add(PullRequest("t", "tools#7", "tools", 7, "seven", "ann", _at(1, 10), _at(1, 8), _at(1, 14), _at(2, 10),
                          _at(2, 10), None, ()))  # fmt: skip
    workspace.write(batch)
    try:
        flow = workspace.pull_requests_at(datetime(2024, 6, 1, tzinfo=UTC))
        (row,) = flow.stages(since=date(2024, 5, 1), until=date(2024, 5, 31)).rows()
        # coding 08:00 -> opened 10:00 = 2 h; pickup -> review 14:00 = 4 h; review -> merge 02 10:00 = 20 h.
        assert (row["team"], row["coding_hours"], row["pickup_hours"], row["review_hours"]) == (None, 2.0, 4.0, 20.0)
        teams = {row["team"] for row in flow.summary(by="team", since=date(2024, 5, 1), until=date(2024, 5, 31)).rows()}
        assert teams == {None}
    finally:
        workspace.close()
