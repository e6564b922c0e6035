"""CODEOWNERS files: path patterns and their owners, one `OwnershipRule` per rule line.

A rule is a gitignore-style pattern followed by owners (``@user``, ``@org/team`` or an email). Blank lines
and lines starting with ``#`` are skipped; ``\\#`` at the start of a pattern stands for a literal ``#``, and
``\\ `` for a space inside a pattern. A ``#`` token after the pattern starts a comment. A pattern without
owners is kept: it clears ownership of what it matches. The last matching rule wins (`owners_of`).

An owner is what GitHub accepts: ``@user``, ``@org/team`` or an e-mail address; any other token
(``Enhancement``, a CSV's cells) stops the import, naming the file, the line and the owner. A file in
which no rule names an owner is not a CODEOWNERS file, and is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import OwnershipRule
from orgflow.sources import ProgressCallback
from orgflow.sources.file_text import read_text
from orgflow.sources.files import expand_paths, quote
from orgflow.store import ImportBatch

SOURCE = "codeowners"
OWNER = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"  # @user (GitHub: letters, digits and inner hyphens)
    r"(?:/[A-Za-z0-9_.-]+)?"  # /team, making it @org/team
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # an e-mail address
)
"""An owner GitHub accepts: ``@user``, ``@org/team`` or an e-mail address."""


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read CODEOWNERS files into `OwnershipRule` rows (one per rule line, keyed by repo and line number).

    Args:
        paths: CODEOWNERS files (a folder is searched for files named CODEOWNERS).
        config: the workspace config (unused; part of the importer signature).
        options: ``repo`` (required: the repository the file belongs to), ``source`` (default "codeowners").
        on_progress: called after each file with (files done, files, file name).

    Raises:
        InputError: no repo given, two files for one repo, a pattern or owner GitHub rejects, or a file
            without one rule that names an owner.
    """
    repo = str(options.get("repo") or "").strip()
    if not repo:
        raise InputError("which repository is this CODEOWNERS file of?", field="repo", hint="pass --repo owner/name")
    source = str(options.get("source") or SOURCE)
    files = expand_paths(paths, suffixes=("CODEOWNERS",))
    if len(files) > 1:
        raise InputError(
            f"{len(files)} CODEOWNERS files for one repository {quote(repo)}",
            file=", ".join(str(path) for path in files),
            hint="import one file per repository, each with its --repo",
        )
    batch = ImportBatch(source=source, kind="codeowners", origin=", ".join(str(path) for path in paths))
    for done, path in enumerate(files, start=1):
        rules = parse(read_text(path), repo=repo, source=source, file=str(path))
        if not any(rule.owners for rule in rules):
            raise InputError(
                "no ownership rules: no line names a pattern and its owners",
                file=str(path),
                hint="a CODEOWNERS line is a path pattern followed by owners (@user, @org/team or an e-mail)",
            )
        batch.extend(rules)
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return batch


def parse(text: str, *, repo: str, source: str = SOURCE, file: str = "CODEOWNERS") -> list[OwnershipRule]:
    """The rules of a CODEOWNERS text in file order; `line` is the 1-based line number.

    Raises:
        InputError: a pattern with ``!`` negation, ``[ ]`` ranges or ``***`` (GitHub does not support them),
            or an owner that is not ``@user``, ``@org/team`` or an e-mail address (`OWNER`).
    """
    rules: list[OwnershipRule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = _split(line)
        pattern, owners = tokens[0], []
        for token in tokens[1:]:
            if token.startswith("#"):
                break
            if not OWNER.fullmatch(token):
                raise InputError(
                    f"not an owner ({quote(token)}): owners are @user, @org/team or an e-mail address",
                    file=file,
                    record=f"line {number}",
                    field="owners",
                    hint="is this a CODEOWNERS file? Each line is a path pattern followed by its owners",
                )
            owners.append(token)
        _check_pattern(pattern, file=file, line=number)
        rules.append(OwnershipRule(source, repo, number, pattern, tuple(owners)))
    return rules


def _split(line: str) -> list[str]:
    """Whitespace-separated tokens; a backslash keeps the next character (``\\ `` is a space, ``\\#`` a hash)."""
    tokens: list[str] = []
    current: list[str] = []
    escaped = False
    for character in line:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(character)
    if current:
        tokens.append("".join(current))
    return tokens


def _check_pattern(pattern: str, *, file: str, line: int) -> None:
    problem = None
    if pattern.startswith("!"):
        problem = "negated patterns (!) are not supported in CODEOWNERS"
    elif "[" in pattern or "]" in pattern:
        problem = "character ranges ([ ]) are not supported in CODEOWNERS"
    elif "***" in pattern:
        problem = "three asterisks in a row are not a valid pattern"
    if problem:
        raise InputError(problem, file=file, record=f"line {line}", field="pattern")


@lru_cache(maxsize=4096)
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The compiled regular expression a CODEOWNERS pattern matches repository-relative paths with.

    Rules (gitignore's, as GitHub applies them): a ``/`` at the start or in the middle anchors the
    pattern at the root, otherwise it matches at any depth; ``*`` and ``?`` never cross ``/``; ``**``
    matches any number of directories; a trailing ``/`` matches only what is inside that directory; a
    pattern naming a directory matches everything under it, except that a final ``/*`` matches only the
    directory's direct children.
    """
    directory_only = pattern.endswith("/")
    body = pattern.strip("/") if pattern != "/" else ""
    anchored = pattern.startswith("/") or "/" in body
    segments = body.split("/") if body else []
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # "**/" at the start or middle: zero or more directories; "/**" at the end: everything inside.
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        text = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment)
        parts.append(text if last else text + "/")
    regex = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    if not segments:
        return re.compile(r"(?!)")
    if segments[-1] == "**":
        suffix = ""
    elif directory_only:
        suffix = "/.*"
    elif segments[-1] == "*" and len(segments) > 1:
        suffix = ""
    else:
        suffix = "(?:/.*)?"
    return re.compile(f"{prefix}{regex}{suffix}", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """Whether a CODEOWNERS pattern matches a repository-relative file path (no leading slash)."""
    return pattern_regex(pattern).fullmatch(path.lstrip("/")) is not None


def owners_of(path: str, rules: Sequence[OwnershipRule] | Iterable[tuple[str, Sequence[str]]]) -> tuple[str, ...]:
    """The owners of a file: those of the last rule (in line order) whose pattern matches it; () if none.

    Args:
        path: a repository-relative file path such as ``exporter/otlpexporter/otlp.go``.
        rules: `OwnershipRule` rows (ordered by `line` here) or (pattern, owners) pairs in file order.
    """
    pairs: list[tuple[str, Sequence[str]]]
    if isinstance(rules, Sequence) and rules and isinstance(rules[0], OwnershipRule):
        ordered = sorted(rules, key=lambda rule: rule.line)  # type: ignore[union-attr]
        pairs = [(rule.pattern, rule.owners) for rule in ordered]  # type: ignore[union-attr]
    else:
        pairs = list(rules)  # type: ignore[arg-type]
    for pattern, owners in reversed(pairs):
        if matches(pattern, path):
            return tuple(owners)
    return ()
