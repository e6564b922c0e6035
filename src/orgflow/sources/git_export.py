"""A saved git export: a numstat log, a commits CSV (with parents) and a tags CSV, each optional.

- ``*.numstat.log[.gz]``: code-maat's git2 format plus the committer date, one header per commit
  ``--<sha>--<author date>--<author>--<committer date>`` (the committer date may be missing), then
  ``<added>\\t<deleted>\\t<path>`` lines (``-`` for binary files), then a blank line.
- ``*.commits.csv[.gz]``: ``sha, parent_shas (space-separated), author_date_iso, commit_date_iso, author,
  subject``.
- ``*.tags.csv[.gz]``: ``tag, commit_sha, tagger_date_iso, commit_date_iso``; an empty tagger date is a
  lightweight tag.

Commits come from the commits CSV; a commit only the numstat log names is kept from its header, without
parents. Without the commits CSV no commit has parents, and lead times cannot walk the history.

A partial export erases nothing it does not carry: imported without the commits CSV, the numstat log's
commits keep the parents, subjects, merge and revert flags already stored for them (and the committed
time, when a header lacks it); imported without the numstat log, the commits keep their stored changed
files. Importing the same files again therefore changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from orgflow.errors import InputError
from orgflow.model.code import ChangedFile, Commit, Tag
from orgflow.sources import ProgressCallback
from orgflow.sources.csv_rows import CsvReader, row_instant
from orgflow.sources.file_text import read_text
from orgflow.sources.files import clip, expand_paths, quote
from orgflow.sources.git import AuthorResolver, GitHistory, make_commit, numstat_path

NUMSTAT_SUFFIXES = (".numstat.log", ".numstat.log.gz")
COMMITS_SUFFIXES = (".commits.csv", ".commits.csv.gz")
TAGS_SUFFIXES = (".tags.csv", ".tags.csv.gz")
COMMIT_COLUMNS = ("sha", "parent_shas", "author_date_iso", "commit_date_iso", "author", "subject")
TAG_COLUMNS = ("tag", "commit_sha", "tagger_date_iso", "commit_date_iso")
NOT_IN_NUMSTAT = ("parents", "subject", "is_merge", "is_revert")
"""Commit columns a numstat header does not carry (committed_at too when its committer date is missing)."""

_SHA = re.compile(r"[0-9a-f]{7,64}")
# The author may hold "--"; the dates never do, so the greedy author stops before the last one.
_HEADER = re.compile(r"--([0-9a-f]{7,64})--([^-]\S*?)--(.*?)(?:--(\d{4}-\d\d-\d\dT\S+))?")
_HINT_NUMSTAT = "export with git log --numstat --date=iso-strict --pretty=format:'--%H--%ad--%aN--%cd'"


def read_export(
    paths: list[Path],
    *,
    source: str,
    repo: str,
    author_of: AuthorResolver,
    on_progress: ProgressCallback | None = None,
) -> GitHistory:
    """Commits, changed files and tags of the export files in `paths` (files or folders).

    Raises:
        InputError: no export file found, or a malformed line (file, line and field named).
    """
    everything = NUMSTAT_SUFFIXES + COMMITS_SUFFIXES + TAGS_SUFFIXES
    files = [path for path in expand_paths(paths, suffixes=everything) if path.name.endswith(everything)]
    if not files:
        raise InputError(
            "neither a git repository nor a git export (*.numstat.log, *.commits.csv, *.tags.csv)",
            file=", ".join(str(path) for path in paths),
        )
    history = GitHistory(carries_files=any(path.name.endswith(NUMSTAT_SUFFIXES) for path in files))
    headers: dict[str, tuple[datetime, str, datetime | None]] = {}
    csv_shas: set[str] = set()
    has_csv = any(path.name.endswith(COMMITS_SUFFIXES) for path in files)
    for done, path in enumerate(files, start=1):
        name = path.name
        if name.endswith(COMMITS_SUFFIXES):
            for commit in _read_commits(path, source=source, repo=repo, author_of=author_of):
                history.commits.append(commit)
                csv_shas.add(commit.source_id)
        elif name.endswith(NUMSTAT_SUFFIXES):
            _read_numstat(path, source=source, into=history.files, headers=headers)
        else:
            _read_tags(path, source=source, repo=repo, history=history)
        if on_progress is not None:
            on_progress(done, len(files), name)
    for sha, (authored_at, author, committed_at) in headers.items():
        if sha not in csv_shas:
            history.commits.append(
                make_commit(
                    source=source,
                    repo=repo,
                    sha=sha,
                    parents=(),
                    author=author_of(author, ""),
                    authored_at=authored_at,
                    committed_at=committed_at or authored_at,
                    subject="",
                )
            )
    if headers and not has_csv:
        undated = any(committed_at is None for _, _, committed_at in headers.values())
        history.kept_commit_columns = NOT_IN_NUMSTAT + (("committed_at",) if undated else ())
    return history


def _rows(path: Path, columns: tuple[str, ...]) -> tuple[CsvReader, dict[str, int]]:
    """A CSV reader past its header, and the position of each required column.

    Raises:
        InputError: a required column is missing.
    """
    reader = CsvReader(path)
    header = reader.header() or []
    missing = [name for name in columns if name not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {clip(', '.join(header)) or 'nothing'})",
            file=str(path),
            record="line 1",
            hint=f"the header must name {', '.join(columns)}",
        )
    return reader, {name: header.index(name) for name in columns}


def _cell(row: list[str], position: int, *, file: str, line: int, field: str) -> str:
    if position >= len(row):
        raise InputError("missing value (short row)", file=file, record=f"line {line}", field=field)
    return row[position]


def _sha(text: str, *, file: str, line: int, field: str) -> str:
    if not _SHA.fullmatch(text):
        raise InputError(f"not a commit sha ({quote(text)})", file=file, record=f"line {line}", field=field)
    return text


def _read_commits(path: Path, *, source: str, repo: str, author_of: AuthorResolver) -> list[Commit]:
    file = str(path)
    reader, at = _rows(path, COMMIT_COLUMNS)
    sha_at, parents_at, authored_at, committed_at, author_at, subject_at = (at[name] for name in COMMIT_COLUMNS)
    width = max(at.values()) + 1
    commits = []
    for row in reader.rows():
        line = reader.line_num
        if len(row) < width:
            missing = next(name for name in COMMIT_COLUMNS if at[name] >= len(row))
            raise InputError("missing value (short row)", file=file, record=f"line {line}", field=missing)
        sha = _sha(row[sha_at], file=file, line=line, field="sha")
        parents = tuple(_sha(parent, file=file, line=line, field="parent_shas") for parent in row[parents_at].split())
        commits.append(
            make_commit(
                source=source,
                repo=repo,
                sha=sha,
                parents=parents,
                author=author_of(row[author_at], ""),
                authored_at=row_instant(row[authored_at], file=file, line=line, field="author_date_iso"),
                committed_at=row_instant(row[committed_at], file=file, line=line, field="commit_date_iso"),
                subject=row[subject_at],
            )
        )
    return commits


def _read_numstat(
    path: Path,
    *,
    source: str,
    into: list[ChangedFile],
    headers: dict[str, tuple[datetime, str, datetime | None]],
) -> None:
    """Changed files into `into`; each header's (authored_at, author, committed_at) into `headers`."""
    file = str(path)
    sha: str | None = None
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line:
            continue
        if line.startswith("--"):
            match = _HEADER.fullmatch(line)
            if match is None:
                raise InputError(
                    "not a commit header", file=file, record=f"line {number}", field="header", hint=_HINT_NUMSTAT
                )
            sha, authored, author, committed = match.groups()
            headers[sha] = (
                row_instant(authored, file=file, line=number, field="author date"),
                author,
                None if committed is None else row_instant(committed, file=file, line=number, field="committer date"),
            )
            continue
        parts = line.split("\t", 2)
        if sha is None or len(parts) != 3:
            raise InputError(
                "expected <added>\\t<deleted>\\t<path> after a commit header",
                file=file,
                record=f"line {number}",
                field="numstat",
                hint=_HINT_NUMSTAT,
            )
        added_text, deleted_text, path_text = parts
        try:
            added = None if added_text == "-" else int(added_text)
            deleted = None if deleted_text == "-" else int(deleted_text)
        except ValueError:
            field = "added" if parts[0] != "-" and not parts[0].isdigit() else "deleted"
            raise InputError(
                f"not a line count ({quote(parts[0])}, {quote(parts[1])})",
                file=file,
                record=f"line {number}",
                field=field,
            ) from None
        # Most paths need no rename or unquoting: skip the call for them.
        path = numstat_path(path_text) if " => " in path_text or path_text[:1] == '"' else path_text
        into.append(ChangedFile(source, sha, path, added, deleted))


def _read_tags(path: Path, *, source: str, repo: str, history: GitHistory) -> None:
    file = str(path)
    reader, at = _rows(path, TAG_COLUMNS)
    for row in reader.rows():
        line = reader.line_num
        name = _cell(row, at["tag"], file=file, line=line, field="tag")
        if not name:
            raise InputError("empty tag name", file=file, record=f"line {line}", field="tag")
        sha = _sha(
            _cell(row, at["commit_sha"], file=file, line=line, field="commit_sha"),
            file=file,
            line=line,
            field="commit_sha",
        )
        tagger = _cell(row, at["tagger_date_iso"], file=file, line=line, field="tagger_date_iso")
        committed = _cell(row, at["commit_date_iso"], file=file, line=line, field="commit_date_iso")
        tagged_at = row_instant(tagger, file=file, line=line, field="tagger_date_iso") if tagger else None
        if committed:
            history.tag_commit_times[sha] = row_instant(committed, file=file, line=line, field="commit_date_iso")
        history.tags.append(Tag(source, repo, name, sha, tagged_at, tagged_at is not None))
