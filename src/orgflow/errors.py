"""The one error type a user can fix: bad input, named by file, record and field."""

from __future__ import annotations


class InputError(Exception):
    """Input the user can fix: names where it is (file, record, field), what is wrong and how to fix it.

    Surfaces print it on one line without a traceback and exit non-zero (the CLI) or answer 4xx (the API).
    Bugs are never wrapped in it.
    """

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

    def __str__(self) -> str:
        location = ": ".join(value for value in (self.file, self.record, self.field) if value)
        text = f"{location}: {self.message}" if location else self.message
        return f"{text}; {self.hint}" if self.hint else text
