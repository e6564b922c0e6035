"""The small formatting filters the pages' and the report's templates share (table cells, instants, days),
and the folder of the templates they share (the card)."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).parent / "templates"
"""Templates both the web pages and the report render (`card.html`: a card and its trend arrows)."""


def format_cell(value: Any) -> str:
    """A table cell: days with one decimal, instants to the minute, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_instant(value: datetime | None) -> str:
    """An instant to the minute, in UTC: "2026-11-15 09:30 UTC"; "" for none."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def days_between(start: datetime | None, end: datetime | None) -> str:
    """end − start in days with one decimal; "" when either is unknown."""
    if start is None or end is None:
        return ""
    return f"{(end - start).total_seconds() / 86_400:,.1f}"
