"""Option values every command group parses alike: --now (an instant) and --since/--until (UTC days)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from orgflow.errors import InputError
from orgflow.metrics.window import parse_day


def now_option(text: str | None) -> datetime | None:
    """A --now value: an ISO 8601 date or instant, UTC when it has no offset (None: the current time).

    Raises:
        InputError: not a date or an instant.
    """
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not a date or instant ({text!r})", field="--now", hint="use YYYY-MM-DD") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def day_option(text: str | None, field: str) -> date | None:
    """A --since/--until value (YYYY-MM-DD), or None when not given.

    Raises:
        InputError: not a date.
    """
    return parse_day(text, field=field) if text else None
