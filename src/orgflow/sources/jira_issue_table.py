"""The staged Jira issues as one DuckDB table, and the check that the staged reading can vouch for them.

`read_issues` reads the compact issues (`orgflow.sources.jira_compact`) into a temporary table of one row
per issue, its values flattened and its timestamps of the common shape parsed; `check_issues` declines
(`Declined`) any issue the row-by-row reader would reject and says what the issues hold (`Shape`), as far
as the SQL of their records (`orgflow.sources.jira_staged`) depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orgflow.model.record import Record
from orgflow.model.work import ItemLink, Release, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.query.lookups import sql_literal
from orgflow.sources.instants import instant_sql
from orgflow.sources.jira_compact import PLACE
from orgflow.store.engine import duckdb

_PREFIX = "_jira_"
TEMPORARY = tuple(
    _PREFIX + name
    for name in (
        "issues",
        "versions",
        WorkItem.spec.table,
        StatusTransition.spec.table,
        ItemLink.spec.table,
        ReportedStatusTime.spec.table,
        Release.spec.table,
    )
)
"""The temporary tables and views `orgflow.sources.jira_staged.stage_issues` creates (their names hide no
table of the store's)."""
ISSUES, VERSIONS, WORK_ITEMS, TRANSITIONS, ITEM_LINKS, REPORTED, RELEASES = TEMPORARY

_TIME_IN_STATUS = r"[0-9]{1,13}_\*:\*_[0-9]{1,13}_\*:\*_[0-9]{1,13}"
_TIME_IN_STATUS_TEXT = f"^{_TIME_IN_STATUS}(_\\*\\|\\*_{_TIME_IN_STATUS})*$"
"""Entries ``statusId_*:*_timesEntered_*:*_millis`` joined by ``_*|*_``, of ASCII digits (Python's
``isdigit`` takes other digits too, and ``strip`` other spaces: those issues are declined) and at most
13 digits each, at most `_MOST_ENTRIES` of them (so that every sum is below 2**53, exact as a double, as
Python's integer division is)."""
_MOST_ENTRIES = 900
INSTANTS = (("created", "created_at"), ("resolved", "resolved_at"), ("updated", "updated_at"))


class Declined(Exception):
    """An export the staged reading does not vouch for."""


def read_issues(
    connection: duckdb.DuckDBPyConnection, path: Path, time_in_status_field: str, epic_field: str | None
) -> int:
    """The table of issues from the compact issues at `path`: one row per issue (``ord``: its place in the
    files), its values flattened, timestamps of the common shape parsed (`instant_sql`); returns the
    number of issues."""
    epic = f'f."{epic_field}"' if epic_field is not None else "CAST(NULL AS VARCHAR)"
    instants = ", ".join(f"{instant_sql(text)} AS {target}" for text, target in INSTANTS)
    (count,) = connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {ISSUES} AS SELECT *, {instants} FROM (SELECT {PLACE} AS ord, key, "
        "self AS url, f IS NULL AS no_fields, coalesce(f.project.key, split_part(key, '-', 1)) AS project, "
        "f.status.name AS status, f.status.id ->> '$' AS status_id, nullif(f.created, '') AS created, "
        "nullif(f.resolutiondate, '') AS resolved, nullif(f.updated, '') AS updated, "
        "coalesce(f.summary, '') AS title, f.issuetype.name AS item_type, f.resolution.name AS resolution, "
        "f.priority.name AS priority, f.parent.key AS parent_id, f.parent.fields.issuetype.name AS parent_type, "
        f"{epic} AS epic_text, {_user('f.assignee')} AS assignee, {_user('f.reporter')} AS reporter, "
        "f.components, coalesce(f.labels, []) AS labels, f.fixVersions AS versions, f.issuelinks AS links, "
        f'f."{time_in_status_field}" AS time_in_status FROM (SELECT {PLACE}, key, self, fields AS f '
        f"FROM read_json({sql_literal(str(path))}, format = 'newline_delimited', "
        f"columns = {_columns(time_in_status_field, epic_field)})))"
    ).fetchone()  # type: ignore[misc]
    return int(count)


def _columns(time_in_status_field: str, epic_field: str | None) -> str:
    """The columns of the compact issues (`jira_compact`), in DuckDB's types, as read_json takes them."""
    named = "STRUCT(name VARCHAR)"
    user = "STRUCT(displayName VARCHAR, name VARCHAR)"
    fields = {
        "project": "STRUCT(key VARCHAR)",
        "status": "STRUCT(name VARCHAR, id JSON)",
        "created": "VARCHAR",
        "resolutiondate": "VARCHAR",
        "parent": f"STRUCT(key VARCHAR, fields STRUCT(issuetype {named}))",
        "summary": "VARCHAR",
        "issuetype": named,
        "resolution": named,
        "priority": named,
        "assignee": user,
        "reporter": user,
        "components": f"{named}[]",
        "labels": "VARCHAR[]",
        "fixVersions": "STRUCT(name VARCHAR, releaseDate VARCHAR, released BOOLEAN)[]",
        "updated": "VARCHAR",
        "issuelinks": "STRUCT(type STRUCT(name VARCHAR, inward VARCHAR, outward VARCHAR), "
        "outwardIssue STRUCT(key VARCHAR), inwardIssue STRUCT(key VARCHAR))[]",
        time_in_status_field: "VARCHAR",
    }
    if epic_field is not None:
        fields[epic_field] = "VARCHAR"
    struct = ", ".join(f'"{name}" {kind}' for name, kind in fields.items())
    return "{" + f"{PLACE}: 'BIGINT', key: 'VARCHAR', self: 'VARCHAR', fields: 'STRUCT({struct})'" + "}"


def _user(column: str) -> str:
    """A user's ``displayName``, else (null or empty) its ``name``, as `Where.user` reads it."""
    return f"CASE WHEN coalesce({column}.displayName, '') <> '' THEN {column}.displayName ELSE {column}.name END"


@dataclass(frozen=True)
class Shape:
    """What the issues hold, as far as the SQL of their records depends on it."""

    filled: set[type[Record]]
    """The record classes the issues have rows of."""
    unique_keys: bool
    """No issue listed twice: each class's rows are one per key as made, in issue order."""
    unique_targets: bool
    """No issue links the same issue twice (so no link key is listed twice)."""
    unique_status_ids: bool
    """No Time in Status lists a status twice (so no entries add up)."""


def check_issues(connection: duckdb.DuckDBPyConnection) -> Shape:
    """The shape of the issues.

    Raises:
        Declined: no issue, or an issue the row-by-row reader rejects (see `orgflow.sources.jira_staged`'s docstring).
    """
    link_bad = (
        "l.type IS NULL OR CASE WHEN l.outwardIssue IS NOT NULL THEN l.outwardIssue.key IS NULL "
        "ELSE l.inwardIssue IS NULL OR l.inwardIssue.key IS NULL END"
    )
    targets = "[coalesce(l.outwardIssue.key, l.inwardIssue.key) FOR l IN links]"
    status_ids = "[string_split(e, '_*:*_')[1] FOR e IN string_split(time_in_status, '_*|*_')]"
    (count, bad, keys, links, repeated_targets, times, repeated_ids, versions) = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE key IS NULL OR NOT regexp_matches(key, '[!-~]') OR no_fields "
        "OR status IS NULL OR created IS NULL OR item_type IS NULL "
        "OR len([c FOR c IN coalesce(components, []) IF c.name IS NULL]) > 0 "
        "OR len([v FOR v IN coalesce(versions, []) IF v.name IS NULL]) > 0 "
        f"OR len([l FOR l IN coalesce(links, []) IF {link_bad}]) > 0 "
        f"OR (time_in_status <> '' AND NOT regexp_matches(time_in_status, '{_TIME_IN_STATUS_TEXT}')) "
        f"OR len(string_split(time_in_status, '_*|*_')) > {_MOST_ENTRIES}), count(DISTINCT key), "
        f"count(*) FILTER (WHERE len(links) > 0), "
        f"count(*) FILTER (WHERE len(links) > 1 AND len(list_distinct({targets})) < len(links)), "
        "count(*) FILTER (WHERE time_in_status <> ''), "
        f"count(*) FILTER (WHERE time_in_status <> '' AND len(list_distinct({status_ids})) < len({status_ids})), "
        "count(*) FILTER (WHERE len([v FOR v IN coalesce(versions, []) IF nullif(v.releaseDate, '') IS NOT NULL]) > 0) "
        f"FROM {ISSUES}"
    ).fetchone()  # type: ignore[misc]
    if count == 0 or bad:
        raise Declined
    present = {WorkItem: True, StatusTransition: True, ItemLink: links, ReportedStatusTime: times, Release: versions}
    return Shape(
        filled={record_class for record_class, rows in present.items() if rows},
        unique_keys=keys == count,
        unique_targets=repeated_targets == 0,
        unique_status_ids=repeated_ids == 0,
    )
