"""The sections of `orgflow.yaml` besides the workflows (item types, teams, value streams, GitHub mapping,
thresholds, the organization, live sources) and the whole file as `Config`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from orgflow.config.workflows import DEFAULT_FLOW_TYPES, DEFAULT_WORKFLOW, Strict, Workflow, status_key
from orgflow.sources.connectors.settings import SourceSettings

DEFAULT_PHASES = ("Ideate", "Create", "Release", "Operate")
FLOW_TYPES = ("feature", "defect", "risk", "debt", "other")


class GithubMapping(Strict):
    """How a GitHub issue's status is read: the first source in `status_from` that has a value wins."""

    status_from: tuple[Literal["project_column", "milestone", "label"], ...] = (
        "project_column",
        "milestone",
        "label",
    )
    status_labels: tuple[str, ...] = ("in progress", "in review", "blocked")


class Thresholds(Strict):
    """Defaults of figures (SLE percentile and sample, small-sample warning) and the thresholds of the
    insight rules, the cards' flags included (`orgflow.insights.InsightSettings`, docs/insights.md)."""

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
    # The window rules: a page's window against the previous one, the cards' flags (docs/insights.md).
    wip_growth: float = Field(0.5, gt=0)
    wip_growth_items: int = Field(5, ge=0)
    flow_time_growth: float = Field(0.25, gt=0)
    velocity_drop: float = Field(0.25, gt=0, le=1)
    efficiency_floor: float = Field(0.15, ge=0, le=1)


class DesignSettings(Strict):
    """Limits of the team design checks (docs/org.md)."""

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


class OrgSettings(Strict):
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


class ValueStream(Strict):
    """A value stream: the groups (teams, clusters) whose items flow through it."""

    groups: tuple[str, ...]


class Config(Strict):
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

    def phase_stages(self, phase: str) -> frozenset[str]:
        """The names of the stages in `phase`; a stage named by several workflows is in the phase the
        first of them (in matching order) gives it."""
        phases: dict[str, str] = {}
        for workflow in self.all_workflows():
            for stage in workflow.stages:
                phases.setdefault(stage.name, stage.phase)
        return frozenset(name for name, of in phases.items() if of == phase)

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
