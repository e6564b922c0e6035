"""Workflows of `orgflow.yaml`: raw status -> stage -> phase and category, for the items a workflow applies
to, and the built-in defaults that fit common Jira and GitHub setups (`DEFAULT_WORKFLOW`,
`DEFAULT_FLOW_TYPES`)."""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from orgflow.config.validation import Section

CATEGORIES = ("backlog", "active", "wait", "done", "cancelled")

Category = Literal["backlog", "active", "wait", "done", "cancelled"]


@dataclass(frozen=True, kw_only=True)
class Stage(Section):
    """An ordered stage of a workflow: its phase, category and the raw statuses that map to it.

    `blocked` marks a stage whose time counts as blocked time (a "Blocked" or "On Hold" column).
    """

    name: str
    phase: str
    category: Category
    statuses: tuple[str, ...] = ()
    blocked: bool = False


@dataclass(frozen=True, kw_only=True)
class AppliesTo(Section):
    """Which items a workflow maps: a source name and project keys (shell-style globs)."""

    source: str = "*"
    projects: tuple[str, ...] = ("*",)

    def matches(self, source: str, project: str) -> bool:
        return fnmatchcase(source, self.source) and any(fnmatchcase(project, p) for p in self.projects)


@dataclass(frozen=True, kw_only=True)
class Workflow(Section):
    """Raw status -> stage -> phase and category, for the items it `applies_to`."""

    name: str
    applies_to: AppliesTo = AppliesTo()
    stages: tuple[Stage, ...]
    cancelled_resolutions: tuple[str, ...] = ()

    def _check(self) -> None:
        """A status maps to one stage; stage names are unique."""
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
