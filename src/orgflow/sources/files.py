"""Reading saved exports: JSON records from files, folders and gzip; timestamps with clear errors."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from orgflow.errors import InputError


@dataclass(frozen=True)
class RawRecord:
    """One raw JSON object and where it came from (for error messages)."""

    data: dict[str, Any]
    file: str
    position: str


def expand_paths(paths: list[Path], *, suffixes: tuple[str, ...]) -> list[Path]:
    """Files named directly, plus files with one of `suffixes` inside named folders (sorted).

    Raises:
        InputError: a path that does not exist.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(suffixes)))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", file=str(path))
    return files


def read_text(path: Path) -> str:
    """The file's text, un-gzipped when it ends in .gz."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read().decode("utf-8")
        return path.read_text(encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the file ({error})", file=str(path)) from None


def iter_json_records(path: Path, *, list_keys: tuple[str, ...] = ()) -> Iterator[RawRecord]:
    """The JSON objects in a file: one document (an object, a list, or an object holding a list under
    one of `list_keys`, such as a search response's ``issues``) or JSON Lines.

    Raises:
        InputError: truncated or invalid JSON, naming the file and line.
    """
    text = read_text(path)
    stripped = text.lstrip()
    if not stripped:
        return
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        document = None
    if document is None:
        yield from _iter_json_lines(path, text)
        return
    if isinstance(document, dict):
        for key in list_keys:
            if isinstance(document.get(key), list):
                document = document[key]
                break
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(
                f"expected a JSON object, found {type(item).__name__}",
                file=str(path),
                record=f"record {index + 1}",
            )
        yield RawRecord(item, str(path), f"record {index + 1}")


def _iter_json_lines(path: Path, text: str) -> Iterator[RawRecord]:
    # Split on newlines only: str.splitlines also splits on U+2028, which JSON strings may hold.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise InputError(
                f"invalid or truncated JSON ({error})",
                file=str(path),
                record=f"line {number}",
                hint="export complete JSON objects, one per line or as one document",
            ) from None
        if not isinstance(item, dict):
            raise InputError(
                f"expected a JSON object, found {type(item).__name__}",
                file=str(path),
                record=f"line {number}",
            )
        yield RawRecord(item, str(path), f"line {number}")


def parse_instant(
    value: object, *, file: str, record: str, field: str, required: bool = True
) -> datetime | None:
    """An ISO 8601 timestamp with an offset (``Z``, ``+0000`` or ``+00:00``) as an aware UTC datetime.

    A date alone means midnight UTC. A timestamp without an offset is rejected: it is ambiguous.

    Raises:
        InputError: missing (when required), not a string, or not a timestamp.
    """
    if value is None or value == "":
        if required:
            raise InputError("missing timestamp", file=file, record=record, field=field)
        return None
    if not isinstance(value, str):
        raise InputError(f"not a timestamp ({value!r})", file=file, record=record, field=field)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Jira writes offsets without a colon ("+0000"); fromisoformat accepts both forms on 3.11.
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"not a timestamp ({value!r})",
            file=file,
            record=record,
            field=field,
            hint="use ISO 8601 with an offset, e.g. 2024-01-02T09:00:00+00:00",
        ) from None
    if len(text) == 10:
        return parsed.replace(tzinfo=UTC)
    if parsed.tzinfo is None:
        raise InputError(
            f"timestamp without a UTC offset ({value!r})",
            file=file,
            record=record,
            field=field,
            hint="add Z or an offset such as +02:00",
        )
    return parsed.astimezone(UTC)
