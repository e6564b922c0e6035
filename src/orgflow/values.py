"""How a table cell becomes a JSON value, the same for the CLI, the API, charts and the report."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


def json_value(value: Any) -> Any:
    """A cell as JSON: instants as ISO 8601 UTC with Z (the store's naive values are UTC), dates as
    YYYY-MM-DD, NaN as null; anything else unchanged."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text + "Z" if value.tzinfo is None else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
