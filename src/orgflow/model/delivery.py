"""Delivery: deployments and incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec


@dataclass(frozen=True, slots=True)
class Deployment(Record):
    """A deployment of `revision` of a service to an environment. `kind`: normal, rollback or hotfix."""

    spec: ClassVar[RecordSpec] = RecordSpec("deployments", ("source", "source_id"))
    source: str
    source_id: str
    service: str
    environment: str
    revision: str
    finished_at: datetime
    started_at: datetime | None = None
    status: str = "success"
    kind: str = "normal"
    time_basis: str = "reported"


@dataclass(frozen=True, slots=True)
class Incident(Record):
    """A production incident, with an optional explicit link to the deployment or commit that caused it."""

    spec: ClassVar[RecordSpec] = RecordSpec("incidents", ("source", "source_id"))
    source: str
    source_id: str
    service: str | None
    title: str
    started_at: datetime | None
    resolved_at: datetime | None = None
    severity: str | None = None
    deployment_id: str | None = None
    commit_id: str | None = None
