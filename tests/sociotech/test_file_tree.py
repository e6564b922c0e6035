"""The mainline replay: which files exist at a position, and which file a change belongs to."""

from __future__ import annotations

from datetime import UTC, datetime

from orgflow.sociotech.file_tree import FileTree, TreeChange, mainline


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, 12, tzinfo=UTC)


def _tree() -> FileTree:
    """c1 adds a and x; c2 renames a to b; c3 adds a new a; c4 deletes x; c5 renames b onto a (replacing it)."""
    commits = [("c1", _at(1)), ("c2", _at(2)), ("c3", _at(3)), ("c4", _at(4)), ("c5", _at(5))]
    changes = {
        "c1": [TreeChange("A", "a"), TreeChange("A", "x")],
        "c2": [TreeChange("R", "b", "a")],
        "c3": [TreeChange("A", "a")],
        "c4": [TreeChange("D", "x")],
        "c5": [TreeChange("R", "a", "b")],
    }
    return FileTree(commits, changes)


def test_files_at_every_position() -> None:
    tree = _tree()
    assert [sorted(tree.files_at(position)) for position in range(-1, 5)] == [
        [],
        ["a", "x"],
        ["b", "x"],
        ["a", "b", "x"],
        ["a", "b"],
        ["a"],
    ]


def test_changes_go_to_the_file_and_its_path_at_the_date() -> None:
    tree = _tree()

    def path(name: str, revision: str, day: int, position: int) -> str | None:
        return tree.current_path(name, revision=revision, committed_at=_at(day), position=position)

    # The first a (created by c1) is b at position 2 and a again at position 4 (c5 moved it back, replacing
    # the second a, which c3 created and which no longer exists then).
    assert path("a", "c1", 1, 2) == "b"
    assert path("a", "c1", 1, 4) == "a"
    assert path("a", "c3", 3, 3) == "a"
    assert path("a", "c3", 3, 4) is None
    assert path("b", "c2", 2, 4) == "a"
    assert path("x", "c1", 1, 2) == "x" and path("x", "c1", 1, 3) is None and path("x", "c4", 4, 3) is None
    # A mainline change after the analysis position does not count.
    assert path("a", "c3", 3, 1) is None
    # Off the mainline, placed by commit time: a branch commit on a at day 1.5 belongs to the first a; one on
    # a at day 2.5 (after c2 took the first a away: a held by nobody) to the a that comes next (c3's); one on
    # x after its deletion to the deleted x; a path never on the mainline to nothing.
    assert tree.current_path("a", revision="f1", committed_at=datetime(2024, 1, 1, 18, tzinfo=UTC), position=3) == "b"
    assert tree.current_path("a", revision="f2", committed_at=datetime(2024, 1, 2, 18, tzinfo=UTC), position=3) == "a"
    assert tree.current_path("x", revision="f3", committed_at=_at(5), position=4) is None
    assert tree.current_path("nowhere", revision="f4", committed_at=_at(5), position=4) is None


def test_position_at_takes_the_running_maximum_of_commit_times() -> None:
    # c2 was rebased and keeps an older time than c1: the cut never falls between them.
    tree = FileTree([("c1", _at(5)), ("c2", _at(3)), ("c3", _at(7))], {})
    assert [tree.position_at(_at(day)) for day in (2, 4, 5, 6, 7, 9)] == [-1, -1, 1, 1, 2, 2]
    assert tree.sha_at(1) == "c2" and tree.sha_at(-1) is None and tree.head == "c3"


def test_mainline_follows_first_parents_and_reports_a_missing_one() -> None:
    parents = {"m": ("c2", "f1"), "f1": ("c1",), "c2": ("c1",), "c1": ()}
    assert mainline("m", parents) == (["c1", "c2", "m"], None)
    assert mainline("m", {"m": ("c2",), "c2": ("gone",)}) == (["c2", "m"], "gone")
    assert mainline("unknown", parents) == ([], "unknown")
