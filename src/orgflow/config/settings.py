"""The sections of `orgflow.yaml` besides the workflows (item types, teams, value streams, GitHub mapping,
thresholds, the organization, live sources) and the whole file as `Config`."""

from dataclasses import dataclass, field
from typing import Any, Literal

from orgflow.config.validation import Section, read_section, setting, to_json
from orgflow.config.workflows import DEFAULT_FLOW_TYPES, DEFAULT_WORKFLOW, Workflow, status_key
from orgflow.sources.connectors.settings import SourceSettings

DEFAULT_PHASES = ("Ideate", "Create", "Release", "Operate")
FLOW_TYPES = ("feature", "defect", "risk", "debt", "other")


@dataclass(frozen=True, kw_only=True)
class GithubMapping(Section):
    """How a GitHub issue's status is read: the first source in `status_from` that has a value wins."""

    status_from: tuple[Literal["project_column", "milestone", "label"], ...] = (
        "project_column",
        "milestone",
        "label",
    )
    status_labels: tuple[str, ...] = ("in progress", "in review", "blocked")


@dataclass(frozen=True, kw_only=True)
class Thresholds(Section):
    """Defaults of figures (SLE percentile and sample, small-sample warning) and the thresholds of the
    insight rules, the cards' flags included (`orgflow.insights.InsightSettings`, docs/insights.md)."""

    sle_percentile: float = setting(85, gt=0, lt=100)
    sle_items: int = setting(50, ge=1)
    small_sample: int = setting(20, ge=1)
    # Early-warning insights (docs/insights.md).
    sle_high_percentile: float = setting(95, gt=0, lt=100)
    sle_min_sample: int = setting(5, ge=1)
    insight_weeks: int = setting(8, ge=2)
    growth_share: float = setting(0.2, gt=0)
    significance: float = setting(0.01, gt=0, lt=1)
    throughput_recent_weeks: int = setting(4, ge=1)
    throughput_baseline_weeks: int = setting(12, ge=1)
    throughput_drop: float = setting(0.3, gt=0, lt=1)
    plan_probability: float = setting(0.7, gt=0, lt=1)
    min_baseline_items: float = setting(1.0, ge=0)
    min_sle_days: float = setting(0.01, ge=0)
    # The window rules: a page's window against the previous one, the cards' flags (docs/insights.md).
    wip_growth: float = setting(0.5, gt=0)
    wip_growth_items: int = setting(5, ge=0)
    flow_time_growth: float = setting(0.25, gt=0)
    velocity_drop: float = setting(0.25, gt=0, le=1)
    efficiency_floor: float = setting(0.15, ge=0, le=1)


@dataclass(frozen=True, kw_only=True)
class DesignSettings(Section):
    """Limits of the team design checks (docs/org.md)."""

    team_size_min: int = setting(3, ge=1)
    team_size_max: int = setting(9, ge=1)
    span_of_control_max: int = setting(8, ge=1)
    cluster_teams_min: int = setting(3, ge=1)
    cluster_teams_max: int = setting(5, ge=1)
    dunbar_cluster: int = setting(50, ge=1)
    dunbar_area: int = setting(150, ge=1)
    stability_min: float = setting(0.75, ge=0, le=1)
    churn_share_max: float = setting(0.5, ge=0)
    window_days: int = setting(90, ge=1)
    allocation_max: float = setting(1.0, gt=0)
    teams_per_person_max: int = setting(2, ge=1)


def _attribution_rules(value: tuple[str, ...]) -> tuple[str, ...]:
    """At least one attribution rule, none twice."""
    if not value:
        raise ValueError("name at least one rule (component, project, person)")
    repeated = sorted({rule for rule in value if value.count(rule) > 1})
    if repeated:
        raise ValueError(f"rule {repeated[0]!r} is listed twice")
    return value


@dataclass(frozen=True, kw_only=True)
class OrgSettings(Section):
    """The organization section: design-check limits and how work items are attributed to teams."""

    design: DesignSettings = DesignSettings()
    attribution: tuple[Literal["component", "project", "person"], ...] = setting(("project",), check=_attribution_rules)
    """The rules tried in order for each work item; the first that gives a team wins, none leaves it
    unattributed (team null). `component`: the owner of the item's first component (in its `components`) that
    names a known component by id or name, from the ownership valid on the item's created day, else the
    component's `owner_id`. `project`: the team stored at import (the project/board mapping of `teams`, else
    the project key). `person`: the team of the item's assignee on its created day (person aliases, then the
    person's team memberships: largest allocation, ties to the latest start). See docs/org.md."""


@dataclass(frozen=True, kw_only=True)
class ValueStream(Section):
    """A value stream: the groups (teams, clusters) whose items flow through it."""

    groups: tuple[str, ...]


def _unique_source_names(value: tuple[SourceSettings, ...]) -> tuple[SourceSettings, ...]:
    """No two sources of one name."""
    names = [source.name for source in value]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"two sources are named {duplicates[0]!r}")
    return value


def _utc_only(value: str) -> str:
    """UTC, however it is written: daily series are bucketed by UTC day; other report time zones are not
    supported yet."""
    if value.upper() not in ("UTC", "Z", "ETC/UTC"):
        raise ValueError(f"time zone {value!r} is not supported yet: daily series use UTC days")
    return "UTC"


def _known_flow_types(value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Flow types of `FLOW_TYPES` only."""
    for name in value:
        if name not in FLOW_TYPES:
            raise ValueError(f"unknown flow type {name!r} (use {', '.join(FLOW_TYPES)})")
    return value


@dataclass(frozen=True, kw_only=True)
class Config(Section):
    """The whole `orgflow.yaml`."""

    timezone: str = setting("UTC", check=_utc_only)
    phases: tuple[str, ...] = DEFAULT_PHASES
    workflows: tuple[Workflow, ...] = ()
    flow_types: dict[str, tuple[str, ...]] = setting(factory=dict, check=_known_flow_types)  # noqa: RUF009 (a field)
    teams: dict[str, str] = field(default_factory=dict)
    value_streams: dict[str, ValueStream] = field(default_factory=dict)
    github: GithubMapping = GithubMapping()
    thresholds: Thresholds = Thresholds()
    org: OrgSettings = OrgSettings()
    sources: tuple[SourceSettings, ...] = setting((), check=_unique_source_names)
    """Live sources `orgflow sync` pulls from (docs/sources.md)."""

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


def validate_config(data: Any) -> Config:
    """The `Config` a mapping of `orgflow.yaml`'s keys gives (a `Config` as it is).

    Raises:
        orgflow.config.validation.Invalid: the first mistake, located from `data`.
    """
    return read_section(Config, data)


def config_json(config: Config) -> str:
    """The whole config as compact JSON, its keys in order: the same config always gives the same text."""
    return to_json(config)
