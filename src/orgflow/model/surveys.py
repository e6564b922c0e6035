"""Team-health survey answers. There is deliberately no person id: responses are anonymous."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec


@dataclass(frozen=True, slots=True)
class SurveyResponse(Record):
    """One anonymous answer (score) to one question of a survey, by a member of `group_id`."""

    spec: ClassVar[RecordSpec] = RecordSpec("survey_responses", ("source", "source_id"))
    source: str
    source_id: str
    survey: str
    group_id: str
    question: str
    score: float
    submitted_at: datetime
