"""The canonical schema as code: one module per domain.

Every record class is a frozen dataclass whose fields are the columns of its store table, in order.
`TABLES` lists them all; `orgflow.store.schema` creates the tables from it. Times are UTC instants
(aware ``datetime`` in Python; ``TIMESTAMP`` columns holding UTC in the store).
"""

from orgflow.model.code import ChangedFile, Commit, PullRequest
from orgflow.model.cost import CostRate
from orgflow.model.delivery import Deployment, Incident
from orgflow.model.org import Component, ComponentDependency, Group, Membership, Person
from orgflow.model.record import Record, RecordSpec
from orgflow.model.surveys import SurveyResponse
from orgflow.model.work import (
    BlockedInterval,
    ItemLink,
    Release,
    ReportedStatusTime,
    StatusTransition,
    WorkItem,
)

TABLES: tuple[type[Record], ...] = (
    Person,
    Group,
    Membership,
    Component,
    ComponentDependency,
    WorkItem,
    StatusTransition,
    BlockedInterval,
    ItemLink,
    ReportedStatusTime,
    Release,
    Commit,
    ChangedFile,
    PullRequest,
    Deployment,
    Incident,
    CostRate,
    SurveyResponse,
)

__all__ = [
    "TABLES",
    "BlockedInterval",
    "ChangedFile",
    "Commit",
    "Component",
    "ComponentDependency",
    "CostRate",
    "Deployment",
    "Group",
    "Incident",
    "ItemLink",
    "Membership",
    "Person",
    "PullRequest",
    "Record",
    "RecordSpec",
    "Release",
    "ReportedStatusTime",
    "StatusTransition",
    "SurveyResponse",
    "WorkItem",
]
