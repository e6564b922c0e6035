"""A local git repository (bare or not), read with the real ``git`` binary.

``git log --raw --numstat`` with a machine-readable format gives commits and their changed files
(each with git's status against the first parent; a merge lists its changes against its first
parent), ``git for-each-ref refs/tags`` the tags (an annotated tag with its own time), and
``git rev-parse HEAD`` the head.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from orgflow.errors import InputError
from orgflow.model.code import ChangedFile, RepoHead, Tag
from orgflow.sources import ProgressCallback
from orgflow.sources.git_records import (
    AuthorResolver,
    GitHistory,
    make_commit,
    numstat_count,
    numstat_path,
    raw_change,
)

# One header per commit: fields split by US (0x1f), the body ended by GS (0x1d), then the numstat lines.
_LOG_FORMAT = "%x1e%H%x1f%P%x1f%aI%x1f%cI%x1f%aN%x1f%aE%x1f%s%x1f%b%x1d"
_TAG_FORMAT = (
    "%(refname:strip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objecttype)%1f%(*objectname)%1f%(taggerdate:iso-strict)"
)


def is_repository(path: Path) -> bool:
    """A work tree's top folder (it holds ``.git``) or a bare repository (``HEAD``, ``objects``, ``refs``)."""
    if not path.is_dir():
        return False
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _git(path: Path, *arguments: str) -> bytes:
    """Run ``git -C path ...`` and return its output.

    Raises:
        InputError: git is not installed, or it failed (its message is kept).
    """
    command = ["git", "-C", str(path), "-c", "core.quotePath=false", *arguments]
    try:
        completed = subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed", file=str(path), hint="install git, or import a saved export") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"git {arguments[0]} failed: {message[-1] if message else completed.returncode}", file=str(path)
        )
    return completed.stdout


def read_repository(
    path: Path,
    *,
    source: str,
    repo: str,
    author_of: AuthorResolver,
    refs: tuple[str, ...] = ("--branches", "--tags"),
    on_progress: ProgressCallback | None = None,
) -> GitHistory:
    """Commits (with their changed files and statuses), tags and the HEAD of a local repository, read with ``git``."""
    history = GitHistory()
    output = _git(
        path,
        "log",
        *refs,
        "--raw",
        "--numstat",
        "--find-renames",
        "--diff-merges=first-parent",
        f"--format={_LOG_FORMAT}",
        "--",
    )
    for chunk in output.split(b"\x1e")[1:]:
        header, _separator, numstat = chunk.partition(b"\x1d")
        fields = header.decode("utf-8", "replace").split("\x1f", 7)
        sha, parents, authored, committed, name, email, subject, body = fields
        commit = make_commit(
            source=source,
            repo=repo,
            sha=sha,
            parents=tuple(parents.split()),
            author=author_of(name, email),
            authored_at=datetime.fromisoformat(authored).astimezone(UTC),
            committed_at=datetime.fromisoformat(committed).astimezone(UTC),
            subject=subject,
            body=body,
        )
        history.commits.append(commit)
        # git prints the --raw lines of a commit first, then its --numstat lines, both for the same files.
        statuses: dict[str, tuple[str, str | None]] = {}
        for line in numstat.decode("utf-8", "replace").splitlines():
            if not line:
                continue
            if line.startswith(":"):
                status, new_path, old_path = raw_change(line)
                statuses[new_path] = (status, old_path)
                continue
            added, deleted, text = line.split("\t", 2)
            file_path = numstat_path(text)
            status, old_path = statuses.get(file_path, (None, None))
            history.files.append(
                ChangedFile(source, sha, file_path, numstat_count(added), numstat_count(deleted), status, old_path)
            )
    if on_progress is not None:
        on_progress(1, 2, "git log")
    history.tags = _repository_tags(path, source=source, repo=repo)
    history.head = _repository_head(path, source=source, repo=repo)
    if on_progress is not None:
        on_progress(2, 2, "git for-each-ref refs/tags")
    return history


def _repository_head(path: Path, *, source: str, repo: str) -> RepoHead | None:
    """The commit HEAD names and its branch; None for a repository without commits."""
    try:
        sha = _git(path, "rev-parse", "--verify", "HEAD^{commit}").decode().strip()
    except InputError:
        return None  # an unborn HEAD: nothing committed yet
    try:
        ref: str | None = _git(path, "symbolic-ref", "-q", "HEAD").decode().strip() or None
    except InputError:
        ref = None  # a detached HEAD
    return RepoHead(source, repo, sha, ref)


def _repository_tags(path: Path, *, source: str, repo: str) -> list[Tag]:
    """Tags naming commits: lightweight (no time of their own) and annotated (the tagger's time)."""
    tags: list[Tag] = []
    output = _git(path, "for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags").decode("utf-8", "replace")
    for line in output.splitlines():
        name, kind, target, peeled_kind, peeled, tagger_date = line.split("\x1f")
        if kind == "commit":
            tags.append(Tag(source, repo, name, target))
        elif kind == "tag":
            if peeled_kind == "tag":  # a tag of a tag: let git peel it to the commit
                peeled = _git(path, "rev-parse", f"{name}^{{commit}}").decode().strip()
            elif peeled_kind != "commit":
                continue  # a tag of a tree or blob names no commit
            tagged_at = datetime.fromisoformat(tagger_date).astimezone(UTC) if tagger_date else None
            tags.append(Tag(source, repo, name, peeled, tagged_at, True))
    return tags
