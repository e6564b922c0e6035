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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import ChangedFile, Commit, RepoHead, Tag
from orgflow.model.delivery import Deployment
from orgflow.sources import ProgressCallback
from orgflow.sources.files import collector_paused
from orgflow.sources.git_records import AuthorResolver, GitHistory, make_commit, numstat_count, numstat_path, raw_change
from orgflow.sources.git_repository import is_repository, read_repository
from orgflow.store import ImportBatch

__all__ = [
    "AuthorResolver",
    "GitHistory",
    "GitImportSummary",
    "is_repository",
    "load",
    "make_commit",
    "numstat_count",
    "numstat_path",
    "raw_change",
    "read_repository",
    "summarize",
    "tag_deployments",
]

DEFAULT_SOURCE = "git"
DEFAULT_ENVIRONMENT = "production"


@dataclass(frozen=True)
class GitImportSummary:
    """Counts of one git import, for the CLI to print after the write."""

    commits: int
    merges: int | None
    """None when the input carries no parents (a numstat log without its commits CSV)."""
    reverts: int | None
    """None when the input carries no subjects (a numstat log without its commits CSV)."""
    changed_files: int
    tags: int
    annotated_tags: int
    deployments: int
    deployments_by_basis: dict[str, int]
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. ``176 deployments from tags: 170 at the annotated tag time, 6 at ...``."""
        flags = (
            "merges and reverts not in this export"
            if self.merges is None or self.reverts is None
            else f"{self.merges} merges, {self.reverts} reverts"
        )
        lines = [
            f"{self.commits} commits ({flags}), "
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
    if history.kept_commit_columns:
        batch.kept_columns[Commit] = history.kept_commit_columns
    untied = _tags_without_commit(history)
    if untied:
        batch.warnings.append(
            f"{untied} of {len(history.tags)} tags name a commit that is not in this import: unless the "
            "workspace already holds those commits, import the git log too (the numstat log and commits "
            "CSV, e.g. orgflow import git FOLDER)"
        )
    if not history.carries_files:
        batch.kept_children = (ChangedFile,)
    if settings.deploy_tags is not None:
        batch.records[Deployment].extend(tag_deployments(history, settings))
    return batch


def _tags_without_commit(history: GitHistory) -> int:
    """How many tags name a commit the history does not hold."""
    shas = {commit.source_id for commit in history.commits}
    return sum(1 for tag in history.tags if tag.commit_id not in shas)


def summarize(batch: ImportBatch) -> GitImportSummary:
    """Counts of a git batch: commits, merges, reverts, files, tags, and deployments per time basis."""
    commits = batch.records.get(Commit, [])
    tags = batch.records.get(Tag, [])
    deployments = batch.records.get(Deployment, [])
    basis = Counter(deployment.time_basis for deployment in deployments)  # type: ignore[attr-defined]
    roots = sum(1 for commit in commits if not commit.parents)  # type: ignore[attr-defined]
    kept = batch.kept_columns.get(Commit, ())
    notes = []
    if kept:
        notes.append(
            f"{roots} of {len(commits)} commits have no parent in this export: a numstat log carries no "
            "parents or subjects (commits already stored keep theirs); for lead times, import the commits "
            "CSV (*.commits.csv) too"
        )
    elif roots > 1 and roots * 2 > len(commits):
        notes.append(
            f"{roots} of {len(commits)} commits have no parent: an export without its commits CSV? "
            "Lead times need the parents to walk the history"
        )
    if ChangedFile in batch.kept_children and commits:
        notes.append("no numstat log in this export: the changed files already stored for its commits are kept")
    merges = sum(1 for commit in commits if commit.is_merge)  # type: ignore[attr-defined]
    reverts = sum(1 for commit in commits if commit.is_revert)  # type: ignore[attr-defined]
    return GitImportSummary(
        commits=len(commits),
        merges=None if "is_merge" in kept else merges,
        reverts=None if "is_revert" in kept else reverts,
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
