"""Reading saved exports: JSON records from files, folders and gzip; timestamps with clear errors.

Every reader here fails with an `InputError` naming the file (and the line, record and field where one
is known) for anything a user can fix: a corrupt gzip, text that is not UTF-8, an empty file, a NUL
byte, a timestamp out of range or a value of the wrong type. A file's bytes and text are read by
`orgflow.sources.file_text`; which tool's export a record looks like is `orgflow.sources.export_kinds`'s
to say.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from orgflow.errors import InputError, NotFoundError
from orgflow.sources.file_text import read_bytes


@dataclass(frozen=True)
class RawRecord:
    """One raw JSON object and where it came from (for error messages)."""

    data: dict[str, Any]
    file: str
    position: str


def expand_paths(paths: list[Path], *, suffixes: tuple[str, ...]) -> list[Path]:
    """Files named directly, plus files with one of `suffixes` inside named folders (sorted).

    Raises:
        NotFoundError: a path that does not exist.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(suffixes)))
        elif path.is_file():
            files.append(path)
        else:
            raise NotFoundError("no such file or folder", file=str(path))
    return files


def iter_json_records(path: Path, *, list_keys: tuple[str, ...] = ()) -> Iterator[RawRecord]:
    """The JSON objects of a file: one document (an object, a list, or an object holding a list under
    one of `list_keys`, such as a search response's ``issues``) or JSON Lines of such documents.

    Lines are split on ``\\n`` only: text fields can hold U+2028, which `str.splitlines` would treat
    as a line break inside a JSON string.

    Raises:
        InputError: an empty or unreadable file, truncated or invalid JSON (naming the line), or a
            text holding NUL (``\\u0000``, naming the record and field).
    """
    data = read_bytes(path)
    file = str(path)
    if not is_json_lines(data):
        yield from document_records(data, file, list_keys=list_keys)
        return
    # A NUL can only come from a \\u0000 escape (raw control characters are invalid JSON): look for
    # it in the parsed records only when the text holds one.
    check_nul = b"\\u0000" in data
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield from line_records(line, number, file, list_keys=list_keys, check_nul=check_nul)


def is_json_lines(data: bytes) -> bool:
    """Whether the text `data` is read as JSON Lines: its first line (past leading white space) is a
    whole JSON object; else it is one document."""
    stripped = data.lstrip()
    end = stripped.find(b"\n")
    first_line = stripped if end < 0 else stripped[:end]
    if not first_line.startswith(b"{"):
        return False
    try:
        orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return True


def document_records(data: bytes, file: str, *, list_keys: tuple[str, ...] = ()) -> Iterator[RawRecord]:
    """The records of the text `data` of `file` read as one JSON document (`iter_json_records`)."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InputError(
            f"invalid or truncated JSON ({error.msg})", file=file, record=f"line {error.lineno}", hint=_JSON_HINT
        ) from None
    yield from _checked(_expand(document, file, None, list_keys), b"\\u0000" in data)


def line_records(
    line: bytes, number: int, file: str, *, list_keys: tuple[str, ...] = (), check_nul: bool = True
) -> Iterator[RawRecord]:
    """The records of line `number` of a JSON Lines `file` (not blank), as `iter_json_records` reads
    it; `check_nul` False: the file holds no ``\\u0000`` escape."""
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
        raise InputError(f"expected a JSON object, found {type(document).__name__}", file=file, record=f"line {number}")
    # Only a line holding the escape can hold a NUL: the others are not walked.
    yield from _checked(_expand(document, file, f"line {number}", list_keys), check_nul and b"\\u0000" in line)


_JSON_HINT = "export complete JSON objects, one per line or as one document"


def _checked(records: Iterator[RawRecord], check_nul: bool) -> Iterator[RawRecord]:
    """`records`, each checked for NUL characters when `check_nul`."""
    for raw in records:
        if check_nul:
            field = nul_field(raw.data, "")
            if field is not None:
                raise InputError(
                    "a NUL character (\\u0000) in the text", file=raw.file, record=raw.position, field=field
                )
        yield raw


def nul_field(value: object, path: str = "") -> str | None:
    """The path (``a.b[2]``) of the first string, value or key, in parsed JSON or YAML that holds a NUL
    character, or None. The store cannot take NUL, and no export means one."""
    if isinstance(value, str):
        return (path or "(value)") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return field
            found = nul_field(item, field)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


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
        raise InputError(f"not a timestamp ({quote(value)})", file=file, record=record, field=field)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Jira writes offsets without a colon ("+0000"); fromisoformat accepts both forms on 3.11.
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"not a timestamp ({quote(value)})",
            file=file,
            record=record,
            field=field,
            hint="use ISO 8601 with an offset, e.g. 2024-01-02T09:00:00+00:00",
        ) from None
    if len(text) == 10:
        return parsed.replace(tzinfo=UTC)
    if parsed.tzinfo is None:
        raise InputError(
            f"timestamp without a UTC offset ({quote(value)})",
            file=file,
            record=record,
            field=field,
            hint="add Z or an offset such as +02:00",
        )
    return to_utc(parsed, value=value, file=file, record=record, field=field)


def to_utc(instant: datetime, *, value: object, file: str, record: str, field: str) -> datetime:
    """An aware datetime as UTC.

    Raises:
        InputError: the instant falls outside years 1-9999 once in UTC (``9999-12-31T23:00-05:00``).
    """
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise InputError(
            f"timestamp out of range in UTC ({quote(value)})",
            file=file,
            record=record,
            field=field,
            hint="UTC instants run from 0001-01-01 to 9999-12-31",
        ) from None


def text_value(value: object, *, file: str, record: str, field: str, required: bool = False) -> str | None:
    """A JSON or YAML value that must be text: the string itself, None when missing or null.

    Raises:
        InputError: missing (when required) or not a string (a number, list or object).
    """
    if value is None:
        if required:
            raise InputError("missing", file=file, record=record, field=field)
        return None
    if not isinstance(value, str):
        raise InputError(f"not a string ({type(value).__name__} {quote(value)})", file=file, record=record, field=field)
    return value


def quote(value: object) -> str:
    """`value` as an error message quotes it: its repr, cut to 80 characters (inputs can be huge)."""
    return clip(repr(value))


def clip(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters ("..." at the end when cut), for quoting input in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def yaml_error(error: yaml.YAMLError, *, file: str) -> InputError:
    """The InputError for a YAML error, naming the line (a tag such as ``!!python/object`` is one)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    record = f"line {mark.line + 1}" if mark else None
    problem = " ".join(str(getattr(error, "problem", None) or error).split())
    hint = "plain YAML only, without tags such as !!python/object" if "tag" in problem else None
    return InputError(f"not valid YAML ({problem[:120]})", file=file, record=record, hint=hint)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an importer makes many small objects.

    None of them form cycles, yet each collection walks the growing heap: on the 100k-row transitions
    CSV read row by row this cost about a third of the load time (1.0 s -> 0.65 s measured), on the
    6,476-issue Jira file about an eighth. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
