"""The canonical schema as code: one module per domain.

Every record class is a frozen dataclass whose fields are the columns of its store table, in order.
`TABLES` lists them all; `orgflow.store.schema` creates the tables from it. Times are UTC instants
(aware ``datetime`` in Python; ``TIMESTAMP`` columns holding UTC in the store).
"""

from orgflow.model.code import ChangedFile, Commit, OwnershipRule, PullRequest, RepoHead, Tag
from orgflow.model.cost import CostRate
from orgflow.model.delivery import Deployment, Incident
from orgflow.model.org import (
    Component,
    ComponentDependency,
    ComponentOwnership,
    Group,
    Membership,
    Person,
    PersonAlias,
    RoleRequirement,
)
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
    PersonAlias,
    Group,
    Membership,
    RoleRequirement,
    Component,
    ComponentOwnership,
    ComponentDependency,
    WorkItem,
    StatusTransition,
    BlockedInterval,
    ItemLink,
    ReportedStatusTime,
    Release,
    Commit,
    ChangedFile,
    Tag,
    RepoHead,
    OwnershipRule,
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
    "ComponentOwnership",
    "CostRate",
    "Deployment",
    "Group",
    "Incident",
    "ItemLink",
    "Membership",
    "OwnershipRule",
    "Person",
    "PersonAlias",
    "PullRequest",
    "Record",
    "RecordSpec",
    "Release",
    "RepoHead",
    "ReportedStatusTime",
    "RoleRequirement",
    "StatusTransition",
    "SurveyResponse",
    "Tag",
    "WorkItem",
]
