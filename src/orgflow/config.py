"""`orgflow.yaml`: workflow mappings, item types, teams, value streams and thresholds.

Validated with pydantic; an error names the key and the line of the file it comes from. What the file
does not set falls back to defaults that fit common Jira and GitHub setups (`DEFAULT_WORKFLOW`).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orgflow.errors import InputError
from orgflow.sources.connectors.settings import SourceSettings

CATEGORIES = ("backlog", "active", "wait", "done", "cancelled")
DEFAULT_PHASES = ("Ideate", "Create", "Release", "Operate")
FLOW_TYPES = ("feature", "defect", "risk", "debt", "other")
CONFIG_FILE = "orgflow.yaml"

Category = Literal["backlog", "active", "wait", "done", "cancelled"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(_Strict):
    """An ordered stage of a workflow: its phase, category and the raw statuses that map to it.

    `blocked` marks a stage whose time counts as blocked time (a "Blocked" or "On Hold" column).
    """

    name: str
    phase: str
    category: Category
    statuses: tuple[str, ...] = ()
    blocked: bool = False


class AppliesTo(_Strict):
    """Which items a workflow maps: a source name and project keys (shell-style globs)."""

    source: str = "*"
    projects: tuple[str, ...] = ("*",)

    def matches(self, source: str, project: str) -> bool:
        return fnmatchcase(source, self.source) and any(fnmatchcase(project, p) for p in self.projects)


class Workflow(_Strict):
    """Raw status -> stage -> phase and category, for the items it `applies_to`."""

    name: str
    applies_to: AppliesTo = AppliesTo()
    stages: tuple[Stage, ...]
    cancelled_resolutions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _statuses_unique(self) -> Workflow:
        seen: dict[str, str] = {}
        for stage in self.stages:
            for status in stage.statuses:
                key = status_key(status)
                if key in seen and seen[key] != stage.name:
                    raise ValueError(f"status {status!r} is in stages {seen[key]!r} and {stage.name!r}")
                seen[key] = stage.name
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError("stage names must be unique")
        return self


class GithubMapping(_Strict):
    """How a GitHub issue's status is read: the first source in `status_from` that has a value wins."""

    status_from: tuple[Literal["project_column", "milestone", "label"], ...] = (
        "project_column",
        "milestone",
        "label",
    )
    status_labels: tuple[str, ...] = ("in progress", "in review", "blocked")


class Thresholds(_Strict):
    """Defaults of figures: SLE percentile and sample, small-sample warning."""

    sle_percentile: float = Field(85, gt=0, lt=100)
    sle_items: int = Field(50, ge=1)
    small_sample: int = Field(20, ge=1)
    # Early-warning insights (docs/insights.md).
    sle_high_percentile: float = Field(95, gt=0, lt=100)
    sle_min_sample: int = Field(5, ge=1)
    insight_weeks: int = Field(8, ge=2)
    growth_share: float = Field(0.2, gt=0)
    significance: float = Field(0.01, gt=0, lt=1)
    throughput_recent_weeks: int = Field(4, ge=1)
    throughput_baseline_weeks: int = Field(12, ge=1)
    throughput_drop: float = Field(0.3, gt=0, lt=1)
    plan_probability: float = Field(0.7, gt=0, lt=1)
    min_baseline_items: float = Field(1.0, ge=0)
    min_sle_days: float = Field(0.01, ge=0)


class DesignSettings(_Strict):
    """Limits of the team design checks (METRICS.md §4; docs/org.md)."""

    team_size_min: int = Field(3, ge=1)
    team_size_max: int = Field(9, ge=1)
    span_of_control_max: int = Field(8, ge=1)
    cluster_teams_min: int = Field(3, ge=1)
    cluster_teams_max: int = Field(5, ge=1)
    dunbar_cluster: int = Field(50, ge=1)
    dunbar_area: int = Field(150, ge=1)
    stability_min: float = Field(0.75, ge=0, le=1)
    churn_share_max: float = Field(0.5, ge=0)
    window_days: int = Field(90, ge=1)
    allocation_max: float = Field(1.0, gt=0)
    teams_per_person_max: int = Field(2, ge=1)


class OrgSettings(_Strict):
    """The organization section: design-check limits and how work items are attributed to teams."""

    design: DesignSettings = DesignSettings()
    attribution: tuple[Literal["component", "project", "person"], ...] = ("project",)
    """The rules tried in order for each work item; the first that gives a team wins, none leaves it
    unattributed (team null). `component`: the owner of the item's first component (in its `components`) that
    names a known component by id or name, from the ownership valid on the item's created day, else the
    component's `owner_id`. `project`: the team stored at import (the project/board mapping of `teams`, else
    the project key). `person`: the team of the item's assignee on its created day (person aliases, then the
    person's team memberships: largest allocation, ties to the latest start). See docs/org.md."""

    @field_validator("attribution")
    @classmethod
    def _attribution_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one rule (component, project, person)")
        repeated = sorted({rule for rule in value if value.count(rule) > 1})
        if repeated:
            raise ValueError(f"rule {repeated[0]!r} is listed twice")
        return value


class ValueStream(_Strict):
    """A value stream: the groups (teams, clusters) whose items flow through it."""

    groups: tuple[str, ...]


class Config(_Strict):
    """The whole `orgflow.yaml`."""

    timezone: str = "UTC"
    phases: tuple[str, ...] = DEFAULT_PHASES
    workflows: tuple[Workflow, ...] = ()
    flow_types: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    teams: dict[str, str] = Field(default_factory=dict)
    value_streams: dict[str, ValueStream] = Field(default_factory=dict)
    github: GithubMapping = GithubMapping()
    thresholds: Thresholds = Thresholds()
    org: OrgSettings = OrgSettings()
    sources: tuple[SourceSettings, ...] = ()
    """Live sources `orgflow sync` pulls from (docs/sources.md)."""

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, value: tuple[SourceSettings, ...]) -> tuple[SourceSettings, ...]:
        names = [source.name for source in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"two sources are named {duplicates[0]!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _utc_only(cls, value: str) -> str:
        # Daily series are bucketed by UTC day; other report time zones are not supported yet.
        if value.upper() not in ("UTC", "Z", "ETC/UTC"):
            raise ValueError(f"time zone {value!r} is not supported yet: daily series use UTC days")
        return "UTC"

    @field_validator("flow_types")
    @classmethod
    def _known_flow_types(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name in value:
            if name not in FLOW_TYPES:
                raise ValueError(f"unknown flow type {name!r} (use {', '.join(FLOW_TYPES)})")
        return value

    def all_workflows(self) -> tuple[Workflow, ...]:
        """The configured workflows, then the built-in defaults, in matching order."""
        return (*self.workflows, DEFAULT_WORKFLOW)

    def workflow_for(self, source: str, project: str) -> Workflow:
        """The first workflow whose `applies_to` matches (the default one always does)."""
        for workflow in self.all_workflows():
            if workflow.applies_to.matches(source, project):
                return workflow
        return DEFAULT_WORKFLOW

    def flow_type_of(self) -> dict[str, str]:
        """Item type (normalized by `status_key`) -> flow type, configured entries first."""
        mapping: dict[str, str] = {}
        for source in (self.flow_types, DEFAULT_FLOW_TYPES):
            for flow_type, item_types in source.items():
                for item_type in item_types:
                    mapping.setdefault(status_key(item_type), flow_type)
        return mapping

    def team_of_project(self, project: str) -> str:
        """The team that owns a project's items when there is no org model: configured, else the key."""
        return self.teams.get(project, project)


def status_key(status: str) -> str:
    """How statuses and item types are matched: case-insensitive, surrounding spaces ignored."""
    return " ".join(status.split()).casefold()


def _stage(name: str, phase: str, category: str, *statuses: str) -> Stage:
    return Stage(name=name, phase=phase, category=category, statuses=statuses)  # type: ignore[arg-type]


DEFAULT_WORKFLOW = Workflow(
    name="default",
    stages=(
        _stage(
            "Backlog",
            "Ideate",
            "backlog",
            "Backlog",
            "To Do",
            "Todo",
            "Open",
            "New",
            "Reopened",
            "Funnel",
            "Idea",
            "Triage",
            "Needs Triage",
            "Unconfirmed",
            "Proposed",
            "Icebox",
        ),
        _stage("Analysis", "Ideate", "active", "Analysis", "In Analysis", "Refinement", "Design"),
        _stage(
            "Ready",
            "Create",
            "wait",
            "Selected",
            "Selected for Development",
            "Ready",
            "Ready for Development",
            "Committed",
            "Accepted",
            "Confirmed",
        ),
        _stage(
            "In Progress",
            "Create",
            "active",
            "In Progress",
            "In Development",
            "Doing",
            "Implementing",
            "Assigned",
            "Started",
            "Active",
        ),
        Stage(
            name="Blocked",
            phase="Create",
            category="wait",
            blocked=True,
            statuses=("Blocked", "On Hold", "Impeded", "Waiting"),
        ),
        _stage(
            "Awaiting Review",
            "Create",
            "wait",
            "Patch Available",
            "Ready for Review",
            "Awaiting Review",
            "Needs Review",
        ),
        _stage(
            "Review",
            "Create",
            "active",
            "In Review",
            "Code Review",
            "Review",
            "QA",
            "In QA",
            "Testing",
            "In Test",
        ),
        _stage(
            "Ready for Release",
            "Release",
            "wait",
            "Ready for Release",
            "Ready to Deploy",
            "Awaiting Release",
            "Merged",
        ),
        _stage("Releasing", "Release", "active", "Releasing", "Deploying", "In Release"),
        _stage(
            "Done",
            "Operate",
            "done",
            "Done",
            "Closed",
            "Resolved",
            "Released",
            "Fixed",
            "Complete",
            "Completed",
            "Verified",
            "Deployed",
            "Shipped",
        ),
        _stage(
            "Cancelled",
            "Operate",
            "cancelled",
            "Cancelled",
            "Canceled",
            "Won't Do",
            "Won't Fix",
            "Rejected",
            "Declined",
            "Obsolete",
            "Abandoned",
            "Closed (not planned)",
        ),
    ),
    cancelled_resolutions=(
        "Won't Fix",
        "Won't Do",
        "Duplicate",
        "Invalid",
        "Cannot Reproduce",
        "Incomplete",
        "Not A Problem",
        "Not A Bug",
        "Abandoned",
        "Later",
    ),
)

DEFAULT_FLOW_TYPES: dict[str, tuple[str, ...]] = {
    "feature": (
        "Story",
        "User Story",
        "Feature",
        "New Feature",
        "Improvement",
        "Enhancement",
        "Epic",
        "Wish",
        "Requirement",
        "enhancement",
        "feature",
    ),
    "defect": ("Bug", "Defect", "Incident", "Problem", "bug"),
    "risk": ("Security", "Vulnerability", "Risk", "Compliance"),
    "debt": ("Tech Debt", "Technical Debt", "Refactoring", "Chore", "Maintenance"),
}


def load_config(path: Path | None) -> Config:
    """Read and validate `orgflow.yaml`; a missing file (or None) gives the defaults.

    Raises:
        InputError: unreadable YAML or an invalid value, naming the key and its line.
    """
    if path is None or not path.exists():
        return Config()
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else None
        raise InputError(f"not valid YAML ({getattr(error, 'problem', error)})", file=str(path), record=line) from None
    data = yaml.safe_load(text) if root is not None else None
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping of settings", file=str(path), record="line 1")
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        key = ".".join(str(part) for part in location)
        line = _line_of(root, location)
        raise InputError(
            first["msg"], file=str(path), record=f"line {line}" if line else None, field=key or None
        ) from None


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `location` (or of the deepest parent that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if key.value == str(part)), None)
            if match is None:
                key_node = next((key for key, _ in node.value if key.value == str(part)), None)
                return key_node.start_mark.line + 1 if key_node else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line
