"""The errors a user can fix, and their kind: bad input, not found, conflict.

Every one is an `InputError` (so ``except InputError`` catches them all), named by file, record and
field. Its `kind` says what went wrong, and each surface maps the kind once: the web app to an HTTP
status (`orgflow.web.app`), the command line to an exit code (`orgflow.cli`).

- `ErrorKind.BAD_INPUT` (`InputError`): a value that cannot be used (a bad date, an unknown option,
  a malformed file).
- `ErrorKind.NOT_FOUND` (`NotFoundError`): a name that names nothing (an unknown team, group, item,
  service, repository, source or file).
- `ErrorKind.CONFLICT` (`ConflictError`): the request is sound but the state is in the way (another
  process holds the workspace, a workspace already exists where one would be made).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """What kind of mistake an `InputError` reports."""

    BAD_INPUT = "bad input"
    NOT_FOUND = "not found"
    CONFLICT = "conflict"


class InputError(Exception):
    """Input the user can fix: names where it is (file, record, field), what is wrong and how to fix it.

    Surfaces print it on one line without a traceback and exit non-zero (the CLI) or answer 4xx (the API).
    Bugs are never wrapped in it. Its `kind` is bad input; the subclasses carry the other kinds.
    """

    kind: ClassVar[ErrorKind] = ErrorKind.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.record = record
        self.field = field
        self.hint = hint

    def where(self) -> dict[str, str]:
        """The location parts that are known, as a dict (file, record, field)."""
        parts = {"file": self.file, "record": self.record, "field": self.field}
        return {key: value for key, value in parts.items() if value is not None}

    def as_kind(self, cls: type[InputError]) -> InputError:
        """The same message, location and hint as an error of class `cls` (another kind)."""
        return cls(self.message, file=self.file, record=self.record, field=self.field, hint=self.hint)

    def __str__(self) -> str:
        location = ": ".join(value for value in (self.file, self.record, self.field) if value)
        text = f"{location}: {self.message}" if location else self.message
        return f"{text}; {self.hint}" if self.hint else text


class NotFoundError(InputError):
    """A name that names nothing: an unknown team, group, item, service, repository, source or file."""

    kind: ClassVar[ErrorKind] = ErrorKind.NOT_FOUND


class ConflictError(InputError):
    """A sound request that the current state refuses: the workspace is busy, or already exists."""

    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
