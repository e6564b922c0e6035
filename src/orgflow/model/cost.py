"""Cost: loaded cost rates per person or role over a validity interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec


@dataclass(frozen=True, slots=True)
class CostRate(Record):
    """Loaded cost per month of a person (`person_id`) or of every person with `role`."""

    spec: ClassVar[RecordSpec] = RecordSpec("cost_rates", ("source", "source_id"))
    source: str
    source_id: str
    person_id: str | None
    role: str | None
    monthly_cost: float
    currency: str = "EUR"
    valid_from: date | None = None
    valid_to: date | None = None
