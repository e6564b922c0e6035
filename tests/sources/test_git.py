"""The git source: a real repository read with git (work tree and bare), saved exports, the otel export, errors."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.gitrepo import GitRepo

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import ChangedFile, Commit, RepoHead, Tag
from orgflow.model.delivery import Deployment
from orgflow.sources import git
from orgflow.store import ImportBatch, Store


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _load(paths: list[Path], **options: object) -> ImportBatch:
    return git.load(paths, config=Config(), options={"repo": "shop", **options})


@pytest.fixture
def repository(tmp_path: Path) -> tuple[GitRepo, dict[str, str]]:
    """A small history: a root, a rename into a folder, a binary file, a branch merged, a revert, tags."""
    repo = GitRepo(tmp_path / "shop")
    shas: dict[str, str] = {}
    shas["root"] = repo.commit(
        "first", at="2024-03-01T10:00:00+01:00", author="Ann Lee", files={"src/app.py": "a\nb\n", "README": "x\n"}
    )
    shas["move"] = repo.move("src/app.py", "src/core/app.py", at="2024-03-02T10:00:00+00:00")
    shas["binary"] = repo.commit(
        "logo", at="2024-03-03T10:00:00+00:00", author="ann", files={"logo.png": b"\x89PNG\x00\x01\x02"}
    )
    repo.tag("v1.0.0", at="2024-03-04T09:30:00+00:00")
    repo.branch("feature")
    shas["feature"] = repo.commit(
        "feature work",
        at="2024-03-05T12:00:00+00:00",
        authored="2024-03-05T08:00:00-04:00",
        author="Bob",
        files={"src/core/feature.py": "f\n"},
    )
    repo.checkout("main")
    shas["main"] = repo.commit("main work", at="2024-03-05T13:00:00+00:00", files={"README": "x\ny\n"})
    shas["merge"] = repo.merge("feature", at="2024-03-06T09:00:00+00:00")
    shas["revert"] = repo.revert(shas["main"], at="2024-03-06T10:00:00+00:00")
    repo.tag("v1.1.0")
    repo.tag("docs-snapshot", shas["root"], at="2024-03-07T00:00:00+00:00")
    return repo, shas


def test_local_repository_commits_files_and_flags(repository: tuple[GitRepo, dict[str, str]]) -> None:
    repo, shas = repository
    batch = _load([repo.path], aliases={"ann": "Ann Lee", "bob@example.com": "Robert"})
    commits = {commit.source_id: commit for commit in batch.records[Commit]}
    assert set(commits) == set(shas.values())
    root = commits[shas["root"]]
    assert root == Commit(
        "git",
        shas["root"],
        "shop",
        (),
        "Ann Lee",
        _utc("2024-03-01T09:00:00+00:00"),
        _utc("2024-03-01T09:00:00+00:00"),
        "first",
        False,
        False,
    )
    assert commits[shas["binary"]].author == "Ann Lee"  # alias by name
    feature = commits[shas["feature"]]
    assert feature.author == "Robert"  # alias by e-mail
    assert feature.authored_at == _utc("2024-03-05T12:00:00+00:00")
    assert feature.committed_at == _utc("2024-03-05T12:00:00+00:00")
    merge = commits[shas["merge"]]
    assert merge.parents == (shas["main"], shas["feature"]) and merge.is_merge and not merge.is_revert
    revert = commits[shas["revert"]]
    assert revert.is_revert and revert.subject == 'Revert "main work"' and revert.parents == (shas["merge"],)
    assert sum(commit.is_revert for commit in commits.values()) == 1
    files = {(f.commit_id, f.path): (f.added, f.deleted, f.status, f.old_path) for f in batch.records[ChangedFile]}
    assert files == {
        (shas["root"], "README"): (1, 0, "A", None),
        (shas["root"], "src/app.py"): (2, 0, "A", None),
        (shas["move"], "src/core/app.py"): (0, 0, "R", "src/app.py"),  # "src/{ => core}/app.py"
        (shas["binary"], "logo.png"): (None, None, "A", None),
        (shas["feature"], "src/core/feature.py"): (1, 0, "A", None),
        (shas["main"], "README"): (1, 0, "M", None),
        # A merge lists what it brought to its first parent: the feature branch's file.
        (shas["merge"], "src/core/feature.py"): (1, 0, "A", None),
        (shas["revert"], "README"): (0, 1, "M", None),
    }
    assert batch.records[RepoHead] == [RepoHead("git", "shop", shas["revert"], "refs/heads/main")]


def test_local_repository_tags_and_deployments(repository: tuple[GitRepo, dict[str, str]]) -> None:
    repo, shas = repository
    batch = _load([repo.path], deploy_tags=r"^v\d+\.\d+\.\d+$", service="shop-api")
    tags = sorted(batch.records[Tag], key=lambda tag: tag.name)  # type: ignore[attr-defined]
    assert tags == [
        Tag("git", "shop", "docs-snapshot", shas["root"], _utc("2024-03-07T00:00:00+00:00"), True),
        Tag("git", "shop", "v1.0.0", shas["binary"], _utc("2024-03-04T09:30:00+00:00"), True),
        Tag("git", "shop", "v1.1.0", shas["revert"], None, False),
    ]
    deployments = sorted(batch.records[Deployment], key=lambda d: d.source_id)  # type: ignore[attr-defined]
    assert deployments == [
        Deployment(
            "git",
            "shop@v1.0.0",
            "shop-api",
            "production",
            shas["binary"],
            _utc("2024-03-04T09:30:00+00:00"),
            time_basis="tag",
        ),
        Deployment(
            "git",
            "shop@v1.1.0",
            "shop-api",
            "production",
            shas["revert"],
            _utc("2024-03-06T10:00:00+00:00"),
            time_basis="commit",
        ),
    ]
    summary = git.summarize(batch)
    assert summary.deployments_by_basis == {"commit": 1, "tag": 1}
    assert (summary.commits, summary.merges, summary.reverts, summary.tags, summary.annotated_tags) == (7, 1, 1, 3, 2)
    assert "1 at the annotated tag time, 1 at the tagged commit's committed time" in summary.lines()[1]


def test_bare_clone_reads_the_same(repository: tuple[GitRepo, dict[str, str]], tmp_path: Path) -> None:
    repo, _shas = repository
    bare = repo.bare_clone(tmp_path / "shop.git")
    assert git.is_repository(bare) and not (bare / ".git").exists()
    work, mirror = _load([repo.path]), _load([bare])
    for kind in (Commit, ChangedFile, Tag, RepoHead):
        assert sorted(map(repr, work.records[kind])) == sorted(map(repr, mirror.records[kind]))


def test_store_write_is_idempotent(repository: tuple[GitRepo, dict[str, str]]) -> None:
    repo, _shas = repository
    store = Store.open(None)
    batch = _load([repo.path], deploy_tags="^v", service="shop-api")
    first = store.write(batch)
    second = store.write(_load([repo.path], deploy_tags="^v", service="shop-api"))
    # 7 commits, 8 changed files (the merge's included), 3 tags, 2 deployments, 1 head.
    assert first.new == 7 + 8 + 3 + 2 + 1 and second.new == 0 and second.changed == 0
    assert store.table_counts()["changed_files"] == 8


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("src/app.py", "src/app.py"),
        ("old.txt => new.txt", "new.txt"),
        ("src/{old => new}/app.py", "src/new/app.py"),
        ("src/{ => core}/app.py", "src/core/app.py"),
        ("src/{core => }/app.py", "src/app.py"),
        ("{a => b}/c.txt", "b/c.txt"),
        ('"tab\\there.txt"', "tab\there.txt"),
        ('"caf\\303\\251.txt"', "café.txt"),
    ],
)
def test_numstat_paths(text: str, path: str) -> None:
    assert git.numstat_path(text) == path


@pytest.mark.parametrize(
    ("line", "change"),
    [
        (":000000 100644 0000000 1a2b3c4 A\tsrc/app.py", ("A", "src/app.py", None)),
        (":100644 100644 1a2b3c4 5d6e7f8 M\tREADME", ("M", "README", None)),
        (":100644 000000 1a2b3c4 0000000 D\tgone.txt", ("D", "gone.txt", None)),
        (":100644 100644 1a2b3c4 1a2b3c4 R100\tsrc/app.py\tsrc/core/app.py", ("R", "src/core/app.py", "src/app.py")),
        (
            ':100644 100644 1a2b3c4 5d6e7f8 R087\t"tab\\there.txt"\t"caf\\303\\251.txt"',
            ("R", "café.txt", "tab\there.txt"),
        ),
    ],
)
def test_raw_changes(line: str, change: tuple[str, str, str | None]) -> None:
    assert git.raw_change(line) == change


def test_statuses_of_odd_paths_from_a_real_repository(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "odd")
    repo.commit("add", at="2024-01-01T10:00:00+00:00", files={"tab\there.txt": "a\nb\nc\n", "x y.txt": "x\n"})
    repo.move("tab\there.txt", "café.txt", at="2024-01-02T10:00:00+00:00")
    repo.git("rm", "-q", "x y.txt")
    repo.git("commit", "-q", "-m", "drop", committed="2024-01-03T10:00:00+00:00")
    files = {(f.path, f.status, f.old_path) for f in _load([repo.path]).records[ChangedFile]}
    assert files == {
        ("tab\there.txt", "A", None),
        ("x y.txt", "A", None),
        ("café.txt", "R", "tab\there.txt"),
        ("x y.txt", "D", None),
    }


A, B = "a" * 40, "b" * 40
REVERT = '"Revert ""x"" (#2)"'
NUMSTAT = f"""--{A}--2024-01-02T10:00:00+02:00--dev-one--2024-01-02T12:00:00+02:00
3\t1\tsrc/{{old => new}}/x.go
-\t-\tlogo.png

--{B}--2024-01-01T10:00:00+00:00--dev--two--2024-01-01T11:00:00+00:00
1\t0\tREADME
"""
COMMITS = f"""sha,parent_shas,author_date_iso,commit_date_iso,author,subject
{A},{B},2024-01-02T10:00:00+02:00,2024-01-02T12:00:00+02:00,dev-one,{REVERT}
{B},,2024-01-01T10:00:00+00:00,2024-01-01T11:00:00+00:00,dev--two,first (#1)
"""
TAGS = f"""tag,commit_sha,tagger_date_iso,commit_date_iso
v0.1.0,{B},2024-01-03T00:00:00-05:00,2024-01-01T11:00:00+00:00
mod/v0.1.0,{B},2024-01-03T00:00:01-05:00,2024-01-01T11:00:00+00:00
v0.2.0,{A},,2024-01-02T12:00:00+02:00
"""


def _export(tmp_path: Path, *, numstat: str = NUMSTAT, commits: str | None = COMMITS, tags: str = TAGS) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(parents=True)
    with gzip.open(folder / "shop.numstat.log.gz", "wt", encoding="utf-8") as handle:
        handle.write(numstat)
    if commits is not None:
        (folder / "shop.commits.csv").write_text(commits, encoding="utf-8")
    (folder / "shop.tags.csv").write_text(tags, encoding="utf-8")
    return folder


def test_saved_export(tmp_path: Path) -> None:
    batch = _load([_export(tmp_path)], deploy_tags=r"^v\d", service="shop-api")
    commits = sorted(batch.records[Commit], key=lambda c: c.source_id)  # type: ignore[attr-defined]
    assert commits == [
        Commit(
            "git",
            A,
            "shop",
            (B,),
            "dev-one",
            _utc("2024-01-02T08:00:00+00:00"),
            _utc("2024-01-02T10:00:00+00:00"),
            'Revert "x" (#2)',
            False,
            True,
        ),
        Commit(
            "git",
            B,
            "shop",
            (),
            "dev--two",
            _utc("2024-01-01T10:00:00+00:00"),
            _utc("2024-01-01T11:00:00+00:00"),
            "first (#1)",
            False,
            False,
        ),
    ]
    assert batch.records[ChangedFile] == [
        ChangedFile("git", A, "src/new/x.go", 3, 1),
        ChangedFile("git", A, "logo.png", None, None),
        ChangedFile("git", B, "README", 1, 0),
    ]
    assert [(d.source_id, d.revision, d.finished_at, d.time_basis) for d in batch.records[Deployment]] == [
        ("shop@v0.1.0", B, _utc("2024-01-03T05:00:00+00:00"), "tag"),
        ("shop@v0.2.0", A, _utc("2024-01-02T10:00:00+00:00"), "commit"),
    ]


def test_numstat_alone_keeps_header_commits_without_parents(tmp_path: Path) -> None:
    batch = _load([_export(tmp_path, commits=None)])
    commits = {c.source_id: c for c in batch.records[Commit]}  # type: ignore[attr-defined]
    assert commits[B].author == "dev--two" and commits[B].parents == ()
    assert commits[A].committed_at == _utc("2024-01-02T10:00:00+00:00")
    assert "2 of 2 commits have no parent" in git.summarize(batch).lines()[-1]


def _error(tmp_path: Path, **parts: str) -> InputError:
    with pytest.raises(InputError) as caught:
        _load([_export(tmp_path, **parts)])
    return caught.value


def test_malformed_exports_name_file_line_and_field(tmp_path: Path) -> None:
    bad_count = NUMSTAT.replace("3\t1\t", "three\t1\t")
    error = _error(tmp_path / "1", numstat=bad_count)
    assert (Path(error.file or "").name, error.record, error.field) == ("shop.numstat.log.gz", "line 2", "added")
    bad_header = NUMSTAT.replace(f"--{B}", "--zzzz")
    error = _error(tmp_path / "2", numstat=bad_header)
    assert (error.record, error.field) == ("line 5", "header")
    bad_date = COMMITS.replace("2024-01-01T11:00:00+00:00,dev--two", "yesterday,dev--two")
    error = _error(tmp_path / "3", commits=bad_date)
    assert (Path(error.file or "").name, error.record, error.field) == ("shop.commits.csv", "line 3", "commit_date_iso")
    error = _error(tmp_path / "4", commits=COMMITS.replace(f",{B},2024", ",nope,2024"))
    assert (error.record, error.field) == ("line 2", "parent_shas")
    error = _error(tmp_path / "5", tags=TAGS.replace("tagger_date_iso", "tagged"))
    assert (Path(error.file or "").name, error.record) == ("shop.tags.csv", "line 1")
    assert "tagger_date_iso" in error.message
    error = _error(tmp_path / "6", tags=TAGS.replace("2024-01-03T00:00:00-05:00", "2024-01-03T00:00:00"))
    assert (error.record, error.field) == ("line 2", "tagger_date_iso")
    error = _error(tmp_path / "7", numstat="1\t1\tREADME\n")
    assert (error.record, error.field) == ("line 1", "numstat")


def test_option_errors(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    with pytest.raises(InputError) as caught:
        git.load([folder], config=Config(), options={})
    assert caught.value.field == "repo"
    with pytest.raises(InputError) as caught:
        _load([folder], deploy_tags="^v")
    assert caught.value.field == "service"
    with pytest.raises(InputError) as caught:
        _load([folder], deploy_tags="(", service="x")
    assert caught.value.field == "deploy_tags"
    with pytest.raises(InputError) as caught:
        _load([tmp_path / "nothing-here"])
    assert "no such file" in caught.value.message


def test_otel_export(shared_data: Path) -> None:
    folder = shared_data / "git"
    batch = _load([folder], deploy_tags=r"^v\d+\.\d+\.\d+$", service="collector")
    with gzip.open(folder / "otel-collector.commits.csv.gz", "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(folder / "otel-collector.tags.csv", encoding="utf-8") as handle:
        tags = list(csv.DictReader(handle))
    with gzip.open(folder / "otel-collector.numstat.log.gz", "rt", encoding="utf-8") as handle:
        numstat_lines = [line for line in handle.read().split("\n") if line and not line.startswith("--")]
    summary = git.summarize(batch)
    assert summary.commits == len(rows) == 8527
    assert summary.merges == sum(1 for row in rows if len(row["parent_shas"].split()) > 1) == 44
    assert summary.reverts == sum(1 for row in rows if row["subject"].startswith('Revert "'))
    assert summary.changed_files == len(numstat_lines) == 97725
    assert summary.tags == summary.annotated_tags == len(tags) == 6694
    releases = [tag for tag in tags if "/" not in tag["tag"]]
    assert summary.deployments == len(releases) == 176 and summary.deployments_by_basis == {"tag": 176}
    binary = [line for line in numstat_lines if line.startswith("-\t-\t")]
    assert sum(1 for f in batch.records[ChangedFile] if f.added is None) == len(binary)  # type: ignore[attr-defined]
