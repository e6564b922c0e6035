"""Git history: commits, changed files and tags, from a local repository or a saved export.

A local repository (bare or not) is read with the real ``git`` binary: ``git log --raw --numstat`` with a
machine-readable format for commits and files, ``git for-each-ref refs/tags`` for tags (with the
annotated tag's own time), ``git rev-parse HEAD`` for the head. A saved export (the numstat log, commits
CSV and tags CSV described in ``docs/import.md``) is read by `orgflow.sources.git_export`.

Each changed file keeps git's status (A, M, D, R with the old path, T, C) against the commit's first
parent, and a merge commit lists its changes against its first parent (``--diff-merges=first-parent``).
With the recorded HEAD, this lets the analysis replay the mainline and know which files exist at a date
(`orgflow.sociotech.file_tree`); a numstat export has no statuses and no head.

Tags matching the ``deploy_tags`` option become production deployments of ``service``: a release
tag is the moment a version shipped. Their time is the annotated tag's time when there is one, else
the tagged commit's committed time; ``Deployment.time_basis`` says which ("tag" or "commit").
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import ChangedFile, Commit, RepoHead, Tag
from orgflow.model.delivery import Deployment
from orgflow.sources import ProgressCallback
from orgflow.sources.files import collector_paused
from orgflow.store import ImportBatch

DEFAULT_SOURCE = "git"
DEFAULT_ENVIRONMENT = "production"

# `git revert` writes both; a subject merely starting with "Revert" ("Revert to testify v1.10") is not one.
_REVERT_SUBJECT = re.compile(r'^Revert "')
_REVERT_BODY = re.compile(r"This reverts commit [0-9a-f]{7,64}")
# One header per commit: fields split by US (0x1f), the body ended by GS (0x1d), then the numstat lines.
_LOG_FORMAT = "%x1e%H%x1f%P%x1f%aI%x1f%cI%x1f%aN%x1f%aE%x1f%s%x1f%b%x1d"
_TAG_FORMAT = (
    "%(refname:strip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objecttype)%1f%(*objectname)%1f%(taggerdate:iso-strict)"
)

AuthorResolver = Callable[[str, str], str]
"""author_of(name, email): the canonical author after the alias map."""


@dataclass
class GitHistory:
    """What a reader found: commits, their changed files, tags, commit times known only from tag rows, and
    the repository's HEAD (None for an export, or a repository without commits)."""

    commits: list[Commit] = field(default_factory=list)
    files: list[ChangedFile] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    tag_commit_times: dict[str, datetime] = field(default_factory=dict)
    head: RepoHead | None = None


@dataclass(frozen=True)
class GitImportSummary:
    """Counts of one git import, for the CLI to print after the write."""

    commits: int
    merges: int
    reverts: int
    changed_files: int
    tags: int
    annotated_tags: int
    deployments: int
    deployments_by_basis: dict[str, int]
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. ``176 deployments from tags: 170 at the annotated tag time, 6 at ...``."""
        lines = [
            f"{self.commits} commits ({self.merges} merges, {self.reverts} reverts), "
            f"{self.changed_files} changed files, {self.tags} tags ({self.annotated_tags} annotated)"
        ]
        if self.deployments:
            by_tag = self.deployments_by_basis.get("tag", 0)
            by_commit = self.deployments_by_basis.get("commit", 0)
            lines.append(
                f"{self.deployments} deployments from tags: {by_tag} at the annotated tag time, "
                f"{by_commit} at the tagged commit's committed time (lightweight tags)"
            )
        lines.extend(self.notes)
        return lines


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read a git repository or a saved git export into commits, changed files, tags and deployments.

    Args:
        paths: one repository folder (a work tree or a bare repository), or export files / folders.
        config: the workspace config (unused; sources share one signature).
        options: ``repo`` (required: the repository's name), ``source`` (default "git"), ``aliases``
            ({author name or e-mail: canonical author}), ``refs`` (what ``git log`` walks, default
            ``["--branches", "--tags"]``), ``deploy_tags`` (a regular expression searched in tag names),
            ``service`` (required with deploy_tags) and ``environment`` (default "production").
        on_progress: called with (step, steps, what) as reading advances.

    Returns:
        One batch; `summarize` counts it (deployments per time basis included).

    Raises:
        InputError: a missing option, a bad regular expression, a git failure or a malformed export.
    """
    del config
    settings = _Settings.from_options(options)
    batch = ImportBatch(source=settings.source, kind="git", origin=", ".join(str(path) for path in paths))
    # 100k small records and no cycle among them: the collector would only walk the heap.
    with collector_paused():
        if len(paths) == 1 and is_repository(paths[0]):
            history = read_repository(
                paths[0],
                source=settings.source,
                repo=settings.repo,
                author_of=settings.author_of,
                refs=settings.refs,
                on_progress=on_progress,
            )
        else:
            from orgflow.sources.git_export import read_export

            history = read_export(
                paths, source=settings.source, repo=settings.repo, author_of=settings.author_of, on_progress=on_progress
            )
    # Whole lists at once: 100k ChangedFiles through batch.add cost 0.2 s.
    batch.records[Commit].extend(history.commits)
    batch.records[ChangedFile].extend(history.files)
    batch.records[Tag].extend(history.tags)
    if history.head is not None:
        batch.records[RepoHead].append(history.head)
    if settings.deploy_tags is not None:
        batch.records[Deployment].extend(tag_deployments(history, settings))
    return batch


def summarize(batch: ImportBatch) -> GitImportSummary:
    """Counts of a git batch: commits, merges, reverts, files, tags, and deployments per time basis."""
    commits = batch.records.get(Commit, [])
    tags = batch.records.get(Tag, [])
    deployments = batch.records.get(Deployment, [])
    basis = Counter(deployment.time_basis for deployment in deployments)  # type: ignore[attr-defined]
    roots = sum(1 for commit in commits if not commit.parents)  # type: ignore[attr-defined]
    notes = []
    if roots > 1 and roots * 2 > len(commits):
        notes.append(
            f"{roots} of {len(commits)} commits have no parent: an export without its commits CSV? "
            "Lead times need the parents to walk the history"
        )
    return GitImportSummary(
        commits=len(commits),
        merges=sum(1 for commit in commits if commit.is_merge),  # type: ignore[attr-defined]
        reverts=sum(1 for commit in commits if commit.is_revert),  # type: ignore[attr-defined]
        changed_files=batch.count(ChangedFile),
        tags=len(tags),
        annotated_tags=sum(1 for tag in tags if tag.annotated),  # type: ignore[attr-defined]
        deployments=len(deployments),
        deployments_by_basis=dict(sorted(basis.items())),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class _Settings:
    source: str
    repo: str
    aliases: dict[str, str]
    refs: tuple[str, ...]
    deploy_tags: re.Pattern[str] | None
    service: str | None
    environment: str

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> _Settings:
        repo = options.get("repo")
        if not repo:
            raise InputError("the repository needs a name", field="repo", hint="pass --repo NAME")
        aliases = options.get("aliases") or {}
        if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
        ):
            raise InputError("aliases must map names to names", field="aliases")
        pattern = options.get("deploy_tags")
        compiled = None
        if pattern:
            try:
                compiled = re.compile(str(pattern))
            except re.error as error:
                raise InputError(f"not a regular expression ({error})", field="deploy_tags") from None
            if not options.get("service"):
                raise InputError("deployments from tags need a service", field="service", hint="pass --service NAME")
        refs = options.get("refs") or ("--branches", "--tags")
        return cls(
            source=str(options.get("source") or DEFAULT_SOURCE),
            repo=str(repo),
            aliases=dict(aliases),
            refs=tuple(str(ref) for ref in refs),
            deploy_tags=compiled,
            service=str(options["service"]) if options.get("service") else None,
            environment=str(options.get("environment") or DEFAULT_ENVIRONMENT),
        )

    def author_of(self, name: str, email: str) -> str:
        """The canonical author: the alias map by name, then by e-mail, else the name."""
        return self.aliases.get(name) or (self.aliases.get(email) if email else None) or name


def make_commit(
    *,
    source: str,
    repo: str,
    sha: str,
    parents: tuple[str, ...],
    author: str,
    authored_at: datetime,
    committed_at: datetime,
    subject: str,
    body: str = "",
) -> Commit:
    """A Commit record; a merge has more than one parent, a revert is named so by `git revert`'s message."""
    is_revert = bool(_REVERT_SUBJECT.match(subject) or _REVERT_BODY.search(body))
    return Commit(source, sha, repo, parents, author, authored_at, committed_at, subject, len(parents) > 1, is_revert)


def numstat_path(text: str) -> str:
    """The path a numstat line names, after a rename: ``a => b`` gives b, ``src/{x => y}/f`` gives src/y/f.

    A C-quoted path (git quotes tabs, newlines, quotes and backslashes) is unquoted first.
    """
    text = _unquote_path(text)
    if " => " not in text:
        return text
    opening, closing = text.find("{"), text.rfind("}")
    if 0 <= opening < closing and " => " in text[opening:closing]:
        _old, new = text[opening + 1 : closing].split(" => ", 1)
        joined = text[:opening] + new + text[closing + 1 :]
        return joined.replace("//", "/").lstrip("/")
    return text.split(" => ", 1)[1]


def numstat_count(text: str) -> int | None:
    """Lines added or deleted: an int, or None for a binary file (``-``). Raises ValueError otherwise."""
    return None if text == "-" else int(text)


def _unquote_path(text: str) -> str:
    """A path as git prints it, C-quoted or not, as it is in the tree."""
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return _unquote(text[1:-1])
    return text


def raw_change(line: str) -> tuple[str, str, str | None]:
    """(status, path, old path) of a ``--raw`` line, e.g. ``:100644 100644 1a2b 3c4d R087\told\tnew``.

    The status is git's letter without its score (R087 gives R); the old path is given for R and C only.
    """
    meta, *paths = line.split("\t")
    status = meta.split()[-1][:1]
    if status in ("R", "C") and len(paths) == 2:
        return status, _unquote_path(paths[1]), _unquote_path(paths[0])
    return status, _unquote_path(paths[-1]), None


def _unquote(text: str) -> str:
    """Undo git's C-style quoting (escapes and octal bytes)."""
    raw = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1", "replace")
    return raw.decode("utf-8", "replace")


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


def tag_deployments(history: GitHistory, settings: _Settings) -> list[Deployment]:
    """Production deployments from the tags whose name matches ``deploy_tags``.

    finished_at is the annotated tag's time (time_basis "tag"), else the tagged commit's committed
    time (time_basis "commit"); revision is the tagged commit's sha.

    Raises:
        InputError: a lightweight tag whose commit is not in the history (no time to give it).
    """
    assert settings.deploy_tags is not None and settings.service is not None
    committed = {commit.source_id: commit.committed_at for commit in history.commits}
    deployments: list[Deployment] = []
    for tag in history.tags:
        if not settings.deploy_tags.search(tag.name):
            continue
        if tag.tagged_at is not None:
            finished_at, basis = tag.tagged_at, "tag"
        else:
            commit_time = committed.get(tag.commit_id) or history.tag_commit_times.get(tag.commit_id)
            if commit_time is None:
                raise InputError(
                    f"tag {tag.name} names commit {tag.commit_id}, which is not in the history",
                    record=f"tag {tag.name}",
                    hint="import the history that contains the tagged commit",
                )
            finished_at, basis = commit_time, "commit"
        deployments.append(
            Deployment(
                source=settings.source,
                source_id=f"{settings.repo}@{tag.name}",
                service=settings.service,
                environment=settings.environment,
                revision=tag.commit_id,
                finished_at=finished_at,
                time_basis=basis,
            )
        )
    return deployments
