"""Reading saved exports: JSON records from files, folders and gzip; timestamps with clear errors."""

from __future__ import annotations

import gzip
import zlib
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


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when it ends in .gz."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.name.endswith(".gz") else data
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"cannot read the file ({error})", file=str(path)) from None


def iter_json_records(path: Path, *, list_keys: tuple[str, ...] = ()) -> Iterator[RawRecord]:
    """The JSON objects of a file: one document (an object, a list, or an object holding a list under
    one of `list_keys`, such as a search response's ``issues``) or JSON Lines of such documents.

    Lines are split on ``\\n`` only: text fields can hold U+2028, which `str.splitlines` would treat
    as a line break inside a JSON string.

    Raises:
        InputError: truncated or invalid JSON, naming the file and line.
    """
    file = str(path)
    data = read_bytes(path)
    stripped = data.lstrip()
    if not stripped:
        return
    end = stripped.find(b"\n")
    first_line = stripped if end < 0 else stripped[:end]
    first: object = None
    if first_line.startswith(b"{"):
        try:
            first = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            first = None
    if first is None:
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise InputError(
                f"invalid or truncated JSON ({error.msg})", file=file, record=f"line {error.lineno}", hint=_JSON_HINT
            ) from None
        yield from _expand(document, file, None, list_keys)
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise InputError(
                f"invalid or truncated JSON ({error.msg}, column {error.colno})",
                file=file,
                record=f"line {number}",
                hint=_JSON_HINT,
            ) from None
        if not isinstance(document, dict):
            raise InputError(
                f"expected a JSON object, found {type(document).__name__}", file=file, record=f"line {number}"
            )
        yield from _expand(document, file, f"line {number}", list_keys)


_JSON_HINT = "export complete JSON objects, one per line or as one document"


def _expand(document: object, file: str, line: str | None, list_keys: tuple[str, ...]) -> Iterator[RawRecord]:
    """The records of one parsed document (`line` None: a whole file): itself, a list's elements, or
    the list a container object holds under one of `list_keys`."""
    container = next(
        (key for key in list_keys if isinstance(document, dict) and isinstance(document.get(key), list)), None
    )
    if container is not None:
        records = document[container]  # type: ignore[index]
    elif isinstance(document, dict):
        yield RawRecord(document, file, line or "record 1")
        return
    elif isinstance(document, list):
        records = document
    else:
        raise InputError(f"expected a JSON object or list, found {type(document).__name__}", file=file)
    prefix = f"{line}, record " if line else "record "
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise InputError(
                f"expected a JSON object, found {type(record).__name__}", file=file, record=f"{prefix}{index}"
            )
        yield RawRecord(record, file, f"{prefix}{index}")


def parse_instant(value: object, *, file: str, record: str, field: str, required: bool = True) -> datetime | None:
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
