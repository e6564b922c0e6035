"""The status history of a raw Jira issue: its changelog, transitions, blocked intervals and Time in Status.

- With a changelog every status change is a transition; transition 0 is the ``fromString`` of the
  first change (else the current status) at ``created``. Changes are ordered by history ``created``,
  then ``id``.
- Without one the history is inferred: a resolved issue whose status is done or cancelled was
  `INFERRED_INITIAL_STATUS` from ``created`` and entered its status at ``resolutiondate``; any other
  issue has been in its current status since ``created``.
- Flagged ("Impediment") changes become blocked intervals (an open one while still flagged).
- Apache's "Time in Status" (``statusId_*:*_timesEntered_*:*_millis`` entries joined by ``_*|*_``)
  becomes `ReportedStatusTime` rows, as reported (a status listed twice adds up).
"""

from __future__ import annotations

from datetime import datetime

from orgflow.config import status_key
from orgflow.model.work import BlockedInterval, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.sources.files import quote
from orgflow.sources.jira_fields import Where

INFERRED_INITIAL_STATUS = "Open"
_ENTRY_SEPARATOR = "_*|*_"
_PART_SEPARATOR = "_*:*_"
_TIME_IN_STATUS_HINT = "entries look like statusId_*:*_timesEntered_*:*_millis, joined by _*|*_"


class StatusChange:
    """One status change of the changelog; `field` and `from_field` are its paths, for messages."""

    __slots__ = ("author", "changed_at", "field", "from_field", "from_status", "to_status")

    def __init__(
        self, changed_at: datetime, from_status: str | None, to_status: str, author: str | None, field: str
    ) -> None:
        self.changed_at = changed_at
        self.from_status = from_status
        self.to_status = to_status
        self.author = author
        self.field = field
        self.from_field = field.removesuffix("toString") + "fromString"


def read_changelog(
    changelog: object, where: Where, status_names: dict[str, str]
) -> tuple[list[StatusChange], list[tuple[datetime, bool]]]:
    """Status changes and Flagged changes (instant, flagged after it) in time order.

    Learns status id -> name pairs from status items into `status_names`.
    """
    found = where.mapping(changelog, "changelog")
    if found is None:
        return [], []
    histories = []
    for index, history in enumerate(where.array(found.get("histories"), "changelog.histories")):
        field = f"changelog.histories[{index}]"
        history = where.mapping(history, field, required=True)
        created = where.instant(history.get("created"), f"{field}.created", required=True)
        history_id = history.get("id")
        id_order = (0, int(history_id), "") if str(history_id).isdigit() else (1, 0, str(history_id))
        histories.append((created, id_order, index, history))
    histories.sort(key=lambda entry: entry[:3])
    changes: list[StatusChange] = []
    flags: list[tuple[datetime, bool]] = []
    for created, _, index, history in histories:
        author = where.user(history.get("author"), f"changelog.histories[{index}].author")
        items = where.array(history.get("items"), f"changelog.histories[{index}].items")
        for position, item in enumerate(items):
            field = f"changelog.histories[{index}].items[{position}]"
            item = where.mapping(item, field, required=True)
            name = item.get("field")
            if name == "status":
                to_status = where.text(item.get("toString"), f"{field}.toString", required=True)
                from_status = where.text(item.get("fromString"), f"{field}.fromString")
                for id_key, status in (("from", from_status), ("to", to_status)):
                    if status is not None and isinstance(item.get(id_key), str | int):
                        status_names.setdefault(str(item[id_key]), status)
                changes.append(StatusChange(created, from_status, to_status, author, f"{field}.toString"))
            elif name == "Flagged":
                flagged = where.text(item.get("toString"), f"{field}.toString")
                flags.append((created, bool(flagged and flagged.strip())))
    return changes, flags


def transitions(item: WorkItem, changes: list[StatusChange], categories: dict[str, str]) -> list[StatusTransition]:
    """The item's status transitions: from the changelog, else inferred (see the module's docstring)."""
    source, key = item.source, item.source_id
    if changes:
        initial = changes[0].from_status or item.status
        rows = [StatusTransition(source, key, 0, item.created_at, None, initial)]
        rows.extend(
            StatusTransition(source, key, seq, change.changed_at, change.from_status, change.to_status, change.author)
            for seq, change in enumerate(changes, start=1)
        )
        return rows
    finished = categories.get(status_key(item.status)) in ("done", "cancelled")
    if item.resolved_at is not None and finished:
        return [
            StatusTransition(source, key, 0, item.created_at, None, INFERRED_INITIAL_STATUS),
            StatusTransition(source, key, 1, item.resolved_at, INFERRED_INITIAL_STATUS, item.status),
        ]
    return [StatusTransition(source, key, 0, item.created_at, None, item.status)]


def blocked_intervals(source: str, key: str, flags: list[tuple[datetime, bool]]) -> list[BlockedInterval]:
    """Flagged spans from the (instant, flagged) changes in time order; the last is open while flagged."""
    intervals: list[BlockedInterval] = []
    started_at: datetime | None = None
    for changed_at, flagged in flags:
        if flagged and started_at is None:
            started_at = changed_at
        elif not flagged and started_at is not None:
            intervals.append(BlockedInterval(source, key, len(intervals), started_at, changed_at))
            started_at = None
    if started_at is not None:
        intervals.append(BlockedInterval(source, key, len(intervals), started_at, None))
    return intervals


def reported_times(
    source: str,
    key: str,
    value: object,
    field_id: str,
    status_names: dict[str, str],
    where: Where,
) -> list[ReportedStatusTime]:
    """The Time in Status field's entries as `ReportedStatusTime` rows (times entered, seconds)."""
    field = f"fields.{field_id}"
    text = where.text(value, field)
    if not text:
        return []
    totals: dict[str, list[int]] = {}
    for entry in text.split(_ENTRY_SEPARATOR):
        parts = entry.split(_PART_SEPARATOR)
        if len(parts) != 3 or not parts[0].strip() or not parts[1].isdigit() or not parts[2].isdigit():
            where.fail(f"not a Time in Status entry ({quote(entry)})", field, hint=_TIME_IN_STATUS_HINT)
        # A status listed twice (never seen in Apache's data) adds up, like re-entries do.
        total = totals.setdefault(parts[0].strip(), [0, 0])
        total[0] += int(parts[1])
        total[1] += int(parts[2])
    return [
        ReportedStatusTime(source, key, status_id, status_names.get(status_id), times, millis / 1000)
        for status_id, (times, millis) in totals.items()
    ]
