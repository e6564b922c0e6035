"""Git's own text, read: commits as records, numstat and ``--raw`` lines, C-quoted paths.

These readers serve both the repository reader (`orgflow.sources.git_repository`) and the export
reader (`orgflow.sources.git_export`): a commit is a merge when it has more than one parent and a
revert when `git revert`'s message says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from orgflow.model.code import ChangedFile, Commit, RepoHead, Tag

# `git revert` writes both; a subject merely starting with "Revert" ("Revert to testify v1.10") is not one.
_REVERT_SUBJECT = re.compile(r'^Revert "')
_REVERT_BODY = re.compile(r"This reverts commit [0-9a-f]{7,64}")

AuthorResolver = Callable[[str, str], str]
"""author_of(name, email): the canonical author after the alias map."""


@dataclass
class GitHistory:
    """What a reader found: commits, their changed files, tags, commit times known only from tag rows, the
    repository's HEAD (None for an export, or a repository without commits), and what a partial export
    leaves out."""

    commits: list[Commit] = field(default_factory=list)
    files: list[ChangedFile] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    tag_commit_times: dict[str, datetime] = field(default_factory=dict)
    head: RepoHead | None = None
    kept_commit_columns: tuple[str, ...] = ()
    """Commit columns the input does not carry (a numstat log without its commits CSV: parents, subject,
    the merge and revert flags derived from them, and the committed time where a header lacks it):
    commits already stored keep their values of them."""
    carries_files: bool = True
    """Whether the input carries changed files (False: an export without its numstat log, so the files
    stored for its commits stay)."""


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
