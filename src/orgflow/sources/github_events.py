"""The status of a GitHub issue over time, replayed from its state-changing events.

A GitHub issue has no status field: the status at every moment is derived from what the events set so
far (`derive_status`): closed wins ("Closed", or "Closed (not planned)"); else the first of the
configured ``status_from`` that has a value (project column, milestone title, first status label);
else "Open". A ``blocked`` label gives blocked intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from orgflow.config import GithubMapping, status_key
from orgflow.errors import InputError
from orgflow.model.work import BlockedInterval, StatusTransition
from orgflow.sources.files import parse_instant, text_value

OPEN = "Open"
CLOSED = "Closed"
CLOSED_NOT_PLANNED = "Closed (not planned)"
BLOCKED_LABEL = "blocked"

# Only these events move the derived status or the blocked flag. Every other event (renamed,
# mentioned, commented, committed, ...) is skipped before it is read, since some timeline entries
# (commits) carry no created_at at all.
_STATE_EVENTS = frozenset(
    {
        "closed",
        "reopened",
        "labeled",
        "unlabeled",
        "milestoned",
        "demilestoned",
        "added_to_project",
        "moved_columns_in_project",
        "removed_from_project",
    }
)


def replay(
    events: list[Event],
    *,
    mapping: GithubMapping,
    source: str,
    item_id: str,
    created_at: datetime,
    creator: str | None,
    final_close: Event | None,
    final_reason: str | None,
) -> tuple[list[StatusTransition], list[BlockedInterval]]:
    """Apply `events` (sorted) instant by instant; a transition per status change, blocked intervals."""
    status_labels = labels_to_status(mapping)
    state = IssueState()
    groups = [(instant, list(group)) for instant, group in groupby(events, key=lambda event: event.at)]
    position = 0
    while position < len(groups) and groups[position][0] <= created_at:
        for event in groups[position][1]:
            state.apply(event, final_reason=final_reason if event is final_close else None)
        position += 1
    status = derive_status(state, mapping, status_labels)
    transitions = [StatusTransition(source, item_id, 0, created_at, None, status, creator)]
    intervals: list[BlockedInterval] = []
    blocked_since = created_at if state.blocked else None
    for instant, group in groups[position:]:
        for event in group:
            state.apply(event, final_reason=final_reason if event is final_close else None)
        new_status = derive_status(state, mapping, status_labels)
        if new_status != status:
            author = group[-1].actor
            transitions.append(StatusTransition(source, item_id, len(transitions), instant, status, new_status, author))
            status = new_status
        if state.blocked and blocked_since is None:
            blocked_since = instant
        elif not state.blocked and blocked_since is not None:
            intervals.append(BlockedInterval(source, item_id, len(intervals), blocked_since, instant, "label"))
            blocked_since = None
    if blocked_since is not None:
        intervals.append(BlockedInterval(source, item_id, len(intervals), blocked_since, None, "label"))
    return transitions, intervals


@dataclass(frozen=True, slots=True)
class Event:
    """One state-changing event, reduced to what the replay needs."""

    at: datetime
    kind: str
    actor: str | None = None
    label: str | None = None
    milestone: str | None = None
    project: str | None = None
    column: str | None = None
    state_reason: str | None = None


@dataclass(slots=True)
class IssueState:
    """What the events have set so far. Labels and columns keep the order they were set in."""

    closed: bool = False
    close_reason: str | None = None
    milestone: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return BLOCKED_LABEL in self.labels

    def apply(self, event: Event, *, final_reason: str | None) -> None:
        kind = event.kind
        if kind == "closed":
            self.closed = True
            self.close_reason = event.state_reason or final_reason
        elif kind == "reopened":
            self.closed = False
            self.close_reason = None
        elif kind == "labeled" and event.label is not None:
            self.labels.setdefault(status_key(event.label), event.label)
        elif kind == "unlabeled" and event.label is not None:
            self.labels.pop(status_key(event.label), None)
        elif kind == "milestoned":
            self.milestone = event.milestone
        elif kind == "demilestoned":
            # Same-second events may come swapped (B milestoned before A demilestoned): only clear
            # the milestone the event names.
            if event.milestone is None or event.milestone == self.milestone:
                self.milestone = None
        elif kind in ("added_to_project", "moved_columns_in_project") and event.project is not None:
            self.columns.pop(event.project, None)
            if event.column:
                self.columns[event.project] = event.column
        elif kind == "removed_from_project" and event.project is not None:
            self.columns.pop(event.project, None)


def derive_status(state: IssueState, mapping: GithubMapping, status_labels: dict[str, str | None]) -> str:
    """The status `state` stands for (see the module's docstring)."""
    if state.closed:
        return CLOSED_NOT_PLANNED if state.close_reason == "not_planned" else CLOSED
    for origin in mapping.status_from:
        if origin == "project_column" and state.columns:
            # With cards on several projects, the column set last is the current one.
            return next(reversed(state.columns.values()))
        if origin == "milestone" and state.milestone:
            return state.milestone
        if origin == "label":
            for key, name in state.labels.items():
                if key in status_labels:
                    return status_labels[key] or name
    return OPEN


def labels_to_status(mapping: GithubMapping) -> dict[str, str | None]:
    """Status label key -> the status it stands for (None: the label's own name)."""
    labels: Any = mapping.status_labels
    if isinstance(labels, Mapping):
        return {status_key(str(label)): str(status) for label, status in labels.items()}
    return {status_key(str(label)): None for label in labels}


def state_events(raw: Mapping[str, Any], *, file: str, record: str) -> list[Event]:
    """The state-changing events of `raw`, sorted by time (stable: same-instant events keep their order)."""
    key = "events" if raw.get("events") is not None else "timeline"
    raw_events = raw.get(key)
    if raw_events is None:
        return []
    if not isinstance(raw_events, list):
        raise InputError("expected a list of events", file=file, record=record, field=key)
    events: list[Event] = []
    for index, raw_event in enumerate(raw_events):
        where = f"{key}[{index}]"
        if not isinstance(raw_event, Mapping):
            raise InputError("expected an event object", file=file, record=record, field=where)
        kind = text_value(raw_event.get("event"), file=file, record=record, field=f"{where}.event")
        if kind not in _STATE_EVENTS:
            continue
        at = required_instant(raw_event.get("created_at"), file=file, record=record, field=f"{where}.created_at")
        actor = login(raw_event.get("actor"))
        if kind in ("labeled", "unlabeled"):
            label = attribute(raw_event.get("label"), "name")
            if label is None:
                raise InputError(f"{kind} event without a label name", file=file, record=record, field=f"{where}.label")
            events.append(Event(at=at, kind=kind, actor=actor, label=label))
        elif kind in ("milestoned", "demilestoned"):
            milestone = attribute(raw_event.get("milestone"), "title")
            if milestone is None and kind == "milestoned":
                raise InputError(
                    "milestoned event without a milestone title",
                    file=file,
                    record=record,
                    field=f"{where}.milestone",
                )
            events.append(Event(at=at, kind=kind, actor=actor, milestone=milestone))
        elif kind in ("closed", "reopened"):
            reason = text_of(raw_event.get("state_reason")) if kind == "closed" else None
            events.append(Event(at=at, kind=kind, actor=actor, state_reason=reason))
        else:
            card = raw_event.get("project_card")
            # Without the project-card preview the API omits the card: the column is unknown then.
            if not isinstance(card, Mapping):
                continue
            project = card.get("project_id") or card.get("project_url") or "-"
            column = text_of(card.get("column_name"))
            events.append(Event(at=at, kind=kind, actor=actor, project=str(project), column=column))
    events.sort(key=lambda event: event.at)
    return events


def ends_closed(events: list[Event]) -> bool:
    """Whether the last close or reopen of `events` is a close."""
    for event in reversed(events):
        if event.kind in ("closed", "reopened"):
            return event.kind == "closed"
    return False


def closing_event(events: list[Event]) -> Event | None:
    """The close the issue's own state_reason describes: the last close, if no reopen follows it."""
    for event in reversed(events):
        if event.kind in ("closed", "reopened"):
            return event if event.kind == "closed" else None
    return None


def required_instant(value: object, *, file: str, record: str, field: str) -> datetime:
    """A timestamp that must be there (else an `InputError` naming the field)."""
    instant = parse_instant(value, file=file, record=record, field=field)
    assert instant is not None  # required=True raises instead of returning None
    return instant


def text_of(value: object) -> str | None:
    """`value` when it is a non-empty text, else None."""
    return value if isinstance(value, str) and value else None


def attribute(value: object, name: str) -> str | None:
    """The text `name` of a mapping, else None."""
    return text_of(value.get(name)) if isinstance(value, Mapping) else None


def login(user: object) -> str | None:
    """The login of a user object, else None."""
    return attribute(user, "login")
