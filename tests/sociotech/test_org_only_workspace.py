"""A workspace with an org and no commits (a Backstage catalog alone): the figures over the commits say
that no commit is loaded, and give null, not 0; a group whose memberships have no dates has no history,
and says why. Then one commit on 2024-01-03 outside the window asked for: nothing in the window.

Hand-built: groups team-a and team-b; ana and bo in team-a, cy in team-b, none with a date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.model import ChangedFile, Commit, Group, Membership, Person
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

NO_COMMITS = "no commits are loaded in this workspace"
HOW = "load them with `orgflow import git REPO`"
CONGRUENCE_COLUMNS = (
    "people",
    "people_in_teams",
    "required_pairs",
    "coordinated_pairs",
    "intra_weight",
    "team_weight",
    "congruence",
    "conway_alignment",
)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = orgflow.init(tmp_path)
    batch = ImportBatch(source="org", kind="org", origin="test")
    batch.add(Group("org", "team-a", "A", "team"))
    batch.add(Group("org", "team-b", "B", "team"))
    for index, (person, team) in enumerate((("ana", "team-a"), ("bo", "team-a"), ("cy", "team-b"))):
        batch.add(Person("org", person, person.title()))
        batch.add(Membership("org", f"m{index}", person, team))
    opened.store.write(batch)
    yield opened
    opened.close()


def test_congruence_without_commits_is_unknown_not_zero(workspace: Workspace) -> None:
    result = workspace.sociotech_at(None).compute("congruence", level="component")
    assert result.rows() == [dict.fromkeys(CONGRUENCE_COLUMNS)]
    note = f"{NO_COMMITS}: congruence needs who changed what ({HOW})"
    assert result.notes == [note] and result.params["unknown_reason"] == note
    assert not any("memberships" in text for text in result.notes)  # the org is loaded


def test_drift_without_commits_names_what_is_missing(workspace: Workspace) -> None:
    result = workspace.sociotech_at(None).compute("drift")
    assert result.table.num_rows == 0
    # The figure declares it reads the commits: the framework's note says none is loaded.
    assert result.notes == [f"{NO_COMMITS} (nothing to show, which is not zero): {HOW}"]
    assert result.params["empty_reason"] == (
        f"{NO_COMMITS}: drift compares who changes a component with its owner ({HOW})"
    )


def test_a_commit_outside_the_window_is_nothing_in_the_window(workspace: Workspace) -> None:
    batch = ImportBatch(source="git", kind="git", origin="test")
    at = datetime(2024, 1, 3, 12, tzinfo=UTC)
    batch.add(Commit("git", "a" * 40, "acme/shop", (), "ana", at, at, "change"))
    batch.add(ChangedFile("git", "a" * 40, "api/a.go", 3, 0))
    workspace.store.write(batch)
    service = workspace.sociotech_at(None)
    window = {"since": date(2024, 2, 1), "until": date(2024, 2, 29)}
    congruence = service.compute("congruence", level="component", **window)
    assert congruence.rows() == [dict.fromkeys(CONGRUENCE_COLUMNS)]
    assert congruence.notes == ["no commit in the window or repository asked for: congruence needs who changed what"]
    drift = service.compute("drift", **window)
    assert drift.table.num_rows == 0
    assert drift.notes == [
        "no commit in the window or repository asked for: drift compares who changes a component with its owner"
    ]
    # Over the whole history ana, in team-a, made the one change: 1 person, in a team.
    whole = service.compute("congruence", level="file").rows()[0]
    assert (whole["people"], whole["people_in_teams"]) == (1, 1)


def test_history_of_undated_memberships_says_why_it_is_empty(workspace: Workspace) -> None:
    result = workspace.org_at(None).compute("org-history", group="team-a")
    assert result.table.num_rows == 0
    note = (
        "no membership of team-a (or of a group below it) has a start or end date: its 2 memberships changed "
        "on no known day (a catalog records who is in a group, not since when); `orgflow org members team-a` "
        "lists them"
    )
    assert result.notes == [note] and result.params["empty_reason"] == note
