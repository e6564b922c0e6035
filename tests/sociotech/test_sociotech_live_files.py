"""Knowledge figures over the files that exist at the analysis date, on real git repositories.

Each history is built with the real git (`tests.gitrepo`), imported with the git source, and read through
`SocioTechService`. Expected values are worked by hand in the comments.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.gitrepo import GitRepo

import orgflow
from orgflow.sources import git
from orgflow.workspace import Workspace

REPO = "shop"


def _doa(first_authorship: int, deliveries: int, acceptances: int) -> float:
    return 3.293 + 1.098 * first_authorship + 0.164 * deliveries - 0.321 * math.log(1 + acceptances)


def _import(workspace: Workspace, repo: GitRepo) -> None:
    workspace.store.write(git.load([repo.path], config=workspace.config, options={"repo": REPO}))


def _ls_tree(repo: GitRepo, ref: str = "HEAD") -> set[str]:
    return set(repo.git("ls-tree", "-r", "--name-only", ref).splitlines())


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = orgflow.init(tmp_path / "workspace")
    yield opened
    opened.close()


@pytest.fixture
def renamed_then_deleted(tmp_path: Path) -> GitRepo:
    """The issue's example: Ann commits a.txt; Bo renames it to b.txt; Cy removes b.txt and adds c.txt."""
    repo = GitRepo(tmp_path / "shop")
    repo.commit("a", at="2024-01-01T10:00:00+00:00", author="Ann", files={"a.txt": "one\ntwo\nthree\n"})
    repo.git("mv", "a.txt", "b.txt")
    repo.git("commit", "-q", "-m", "rename", committed="2024-01-02T10:00:00+00:00", author="Bo")
    repo.git("rm", "-q", "b.txt")
    repo.commit("replace", at="2024-01-03T10:00:00+00:00", author="Cy", files={"c.txt": "c\n"})
    return repo


def test_a_deleted_and_a_renamed_away_file_are_not_counted(workspace: Workspace, renamed_then_deleted: GitRepo) -> None:
    # Only c.txt exists at HEAD. Its one change is Cy's creation: DOA 3.293 + 1.098 = 4.391, Cy is its author;
    # without Cy no file keeps an author (0 < 50 %): truck factor 1. The net-lines rule counted a.txt too
    # (+3 lines, never deleted under that name): 2 files.
    _import(workspace, renamed_then_deleted)
    result = workspace.sociotech_at(None).truck_factor(repo=REPO)
    (row,) = result.rows()
    assert (row["files"], row["authored_files"], row["truck_factor"], row["truck_authors"]) == (1, 1, 1, ["Cy"])
    assert row["coverage_left"] == 0.0
    assert _ls_tree(renamed_then_deleted) == {"c.txt"}
    assert any("renames followed" in note for note in result.notes)
    doa = workspace.sociotech_at(None).doa_authors(repo=REPO, since=None, until=None)
    assert doa.execute().to_dict("records") == [
        {
            "entity": "c.txt",
            "author": "Cy",
            "first_authorship": 1,
            "deliveries": 0,
            "acceptances": 0,
            "doa": pytest.approx(4.391),
            "doa_relative": 1.0,
            "is_author": True,
        }
    ]


def test_the_cli_counts_the_file_that_exists(workspace: Workspace, renamed_then_deleted: GitRepo) -> None:
    folder = workspace.directory
    workspace.close()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from orgflow.cli import main; main()", "--workspace", str(folder), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    imported = run("import", "git", str(renamed_then_deleted.path), "--repo", REPO)
    assert imported.returncode == 0, imported.stderr
    shown = run("deps", "truck-factor", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert [(row["files"], row["truck_factor"]) for row in json.loads(shown.stdout)["rows"]] == [(1, 1)]
    # --now: the tree as it was after the rename (b.txt, Ann's), before the deletion.
    earlier = run("deps", "truck-factor", "--format", "json", "--now", "2024-01-02T12:00:00Z")
    assert earlier.returncode == 0, earlier.stderr
    rows = json.loads(earlier.stdout)["rows"]
    assert [(row["files"], row["truck_authors"]) for row in rows] == [(1, ["Ann"])]
    owned = run("deps", "ownership", "--format", "json", "--now", "2024-01-02T12:00:00Z")
    assert [(row["entity"], row["main_dev"]) for row in json.loads(owned.stdout)["rows"]] == [("b.txt", "Ann")]


def test_the_files_at_an_earlier_now(workspace: Workspace, renamed_then_deleted: GitRepo) -> None:
    _import(workspace, renamed_then_deleted)

    def files_at(now: str) -> dict[str, object]:
        service = workspace.sociotech_at(datetime.fromisoformat(now))
        (row,) = service.truck_factor(repo=REPO).rows()
        ownership = {r["entity"]: r["main_dev"] for r in service.ownership(repo=REPO).rows()}
        return {"files": row["files"], "truck": row["truck_authors"], "ownership": ownership}

    # Before the rename: a.txt, Ann's. After it: the same file as b.txt, still Ann's (a pure rename is no
    # delivery). After the deletion: c.txt only. Before the first commit: no file, so no row.
    assert files_at("2024-01-01T12:00:00+00:00") == {"files": 1, "truck": ["Ann"], "ownership": {"a.txt": "Ann"}}
    assert files_at("2024-01-02T12:00:00+00:00") == {"files": 1, "truck": ["Ann"], "ownership": {"b.txt": "Ann"}}
    assert files_at("2024-01-03T12:00:00+00:00") == {"files": 1, "truck": ["Cy"], "ownership": {"c.txt": "Cy"}}
    before = workspace.sociotech_at(datetime(2023, 12, 31, tzinfo=UTC))
    assert before.truck_factor(repo=REPO).rows() == [] and before.ownership(repo=REPO).rows() == []
    # --until cuts the same way as an earlier now.
    service = workspace.sociotech_at(datetime(2024, 6, 1, tzinfo=UTC))
    (row,) = service.truck_factor(repo=REPO, until=datetime(2024, 1, 2).date()).rows()
    assert (row["files"], row["truck_authors"]) == (1, ["Ann"])


def test_a_rename_carries_the_history_to_the_new_path(workspace: Workspace, tmp_path: Path) -> None:
    """Rule: a file keeps its history through renames; a commit that only renames it is no delivery, a commit
    that renames and edits it is one."""
    repo = GitRepo(tmp_path / "shop")
    body = "".join(f"line {n}\n" for n in range(10))
    repo.commit("x", at="2024-01-01T10:00:00+00:00", author="Xi", files={"a.txt": body, "m.txt": body})
    repo.git("mv", "a.txt", "b.txt")
    repo.git("commit", "-q", "-m", "pure rename", committed="2024-01-02T10:00:00+00:00", author="Yu")
    repo.git("mv", "m.txt", "n.txt")
    repo.commit("rename and edit", at="2024-01-03T10:00:00+00:00", author="Yu", files={"n.txt": body + "more\n"})
    _import(workspace, repo)
    service = workspace.sociotech_at(None)
    doa = {
        (row["entity"], row["author"]): (row["doa"], row["is_author"])
        for row in service.doa_authors(repo=REPO, since=None, until=None).execute().to_dict("records")
    }
    # b.txt: Xi created it (FA 1, DL 0, AC 0) = 4.391; Yu's rename is no delivery, so Yu has no row.
    # n.txt: Xi FA 1, DL 0, AC 1 = 4.1685; Yu FA 0, DL 1, AC 0 = 3.457, 3.457 / 4.1685 = 0.829 >= 0.75: both.
    assert doa == {
        ("b.txt", "Xi"): (pytest.approx(_doa(1, 0, 0)), True),
        ("n.txt", "Xi"): (pytest.approx(_doa(1, 0, 1)), True),
        ("n.txt", "Yu"): (pytest.approx(_doa(0, 1, 0)), True),
    }
    assert round(_doa(1, 0, 1), 4) == 4.1685 and round(_doa(0, 1, 0), 4) == 3.457
    # Truck factor: Xi authors both files; removing Xi leaves n.txt (50 %, not under), then Yu: 0 %. TF 2.
    (row,) = service.truck_factor(repo=REPO).rows()
    assert (row["files"], row["truck_factor"], row["truck_authors"]) == (2, 2, ["Xi", "Yu"])
    islands = {row["entity"]: row["sole_author"] for row in service.knowledge_islands(repo=REPO).rows()}
    assert islands == {"b.txt": "Xi"}
    ownership = {row["entity"]: (row["revs"], row["main_dev"]) for row in service.ownership(repo=REPO).rows()}
    assert ownership == {"b.txt": (1, "Xi"), "n.txt": (2, "Xi")}


def test_release_branch_additions_and_merged_branches(workspace: Workspace, tmp_path: Path) -> None:
    """A cherry-pick on a release branch repeats an addition that main later deletes: the file is gone. A file
    created on a feature branch and merged exists, and its creator is the branch commit's author."""
    repo = GitRepo(tmp_path / "shop")
    repo.commit("base", at="2024-01-01T10:00:00+00:00", author="Ann", files={"main.go": "package main\n"})
    repo.branch("release-1")
    repo.checkout("main")
    added = repo.commit("add tool", at="2024-01-02T10:00:00+00:00", author="Bo", files={"tool.go": "t\nu\n"})
    repo.checkout("release-1")
    repo.git("cherry-pick", added, committed="2024-01-03T10:00:00+00:00")
    repo.tag("v1.0.1")
    repo.checkout("main")
    repo.git("rm", "-q", "tool.go")
    repo.git("commit", "-q", "-m", "drop tool", committed="2024-01-04T10:00:00+00:00", author="Bo")
    repo.branch("feature")
    repo.commit("feature", at="2024-01-05T10:00:00+00:00", author="Cy", files={"feature.go": "f\n"})
    repo.checkout("main")
    repo.merge("feature", at="2024-01-06T10:00:00+00:00")
    _import(workspace, repo)
    # tool.go: +2 on main, +2 on the release branch, -2 on main: net 2, so the net-lines rule counted it.
    assert _ls_tree(repo) == {"main.go", "feature.go"}
    service = workspace.sociotech_at(None)
    (row,) = service.truck_factor(repo=REPO).rows()
    # main.go is Ann's, feature.go Cy's: removing Ann (first by name among ties) leaves 1 of 2 (50 %, not
    # under), removing Cy leaves 0: truck factor 2.
    assert (row["files"], row["truck_factor"], row["truck_authors"]) == (2, 2, ["Ann", "Cy"])
    ownership = {row["entity"]: row["main_dev"] for row in service.ownership(repo=REPO).rows()}
    assert ownership == {"main.go": "Ann", "feature.go": "Cy"}


def test_the_replayed_tree_equals_git_ls_tree(workspace: Workspace, tmp_path: Path) -> None:
    """Renames into folders, a path reused after its file moved away, a branch renaming a file, deletions:
    the replayed tree of every mainline commit equals `git ls-tree` of that commit."""
    repo = GitRepo(tmp_path / "shop")
    shas = [repo.commit("one", at="2024-01-01T10:00:00+00:00", files={"a.txt": "a\n" * 5, "x/y.txt": "y\n"})]
    shas.append(repo.move("a.txt", "src/a.txt", at="2024-01-02T10:00:00+00:00"))
    shas.append(repo.commit("reuse", at="2024-01-03T10:00:00+00:00", files={"a.txt": "new\n"}))
    repo.branch("topic")
    repo.move("x/y.txt", "x/z.txt", at="2024-01-04T10:00:00+00:00")
    repo.checkout("main")
    shas.append(repo.commit("more", at="2024-01-05T10:00:00+00:00", files={"b.txt": "b\n"}))
    shas.append(repo.merge("topic", at="2024-01-06T10:00:00+00:00"))
    repo.git("rm", "-q", "src/a.txt")
    repo.git("commit", "-q", "-m", "drop", committed="2024-01-07T10:00:00+00:00")
    shas.append(repo.rev())
    _import(workspace, repo)
    tree, notes = workspace.sociotech_at(None).file_tree(REPO)
    assert tree is not None and notes == []
    for position, sha in enumerate(shas):
        assert tree.sha_at(position) == sha
        assert tree.files_at(position) == _ls_tree(repo, sha), sha


def test_a_saved_export_falls_back_to_net_lines(workspace: Workspace, tmp_path: Path) -> None:
    log = tmp_path / "shop.numstat.log"
    log.write_text(
        "--" + "1" * 40 + "--2024-01-01T10:00:00+00:00--Ann--2024-01-01T10:00:00+00:00\n3\t0\ta.txt\n\n"
        "--" + "2" * 40 + "--2024-01-02T10:00:00+00:00--Bo--2024-01-02T10:00:00+00:00\n0\t3\ta.txt\n1\t0\tc.txt\n",
        encoding="utf-8",
    )
    workspace.store.write(git.load([log], config=workspace.config, options={"repo": REPO}))
    result = workspace.sociotech_at(None).truck_factor(repo=REPO)
    (row,) = result.rows()
    assert (row["files"], row["truck_authors"]) == (1, ["Bo"])
    assert result.notes == [
        f"{REPO}: no HEAD imported (a saved numstat export?): "
        "files with positive net lines counted, renames not followed"
    ]
