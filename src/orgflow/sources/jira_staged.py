"""Jira JSON Lines exports built as records in the store's own DuckDB connection (`StagedRecords`), with no
Python object per record: the issues' read values as compact JSON Lines (`orgflow.sources.jira_compact`),
read by DuckDB into a table of issues (`orgflow.sources.jira_issue_table`, which also checks them), and
every record class's rows a view of it in SQL.

It reads issues whose history is inferred (no changelog histories: the shape of a plain search export)
and gives the rows, in the order, that `orgflow.sources.jira.load` (its definition) gives them:

- an issue listed twice keeps its last listing, per record key (`orgflow.store.staging.latest_rows`);
  a release (listed by every issue of its version) keeps its first place and its last value;
- the work item as `orgflow.sources.jira.parse_issue` reads it, its status history inferred
  (`orgflow.sources.jira_history`), its links, Time in Status entries and released fix versions.

The few values read with Python's text rules (a project's team and workflow, a status's category, an
epic's issue type, a link's kind) are worked out in Python once per distinct value. Timestamps are
parsed by `orgflow.sources.instants` (the row-by-row parser for any text of another shape).

It declines (`StagingDeclined`; the store then runs the row-by-row reader, which imports the export or
raises its error naming file, record and field) any export it cannot vouch for: one `jira_compact`
declines, and any issue the row-by-row reader would reject: a missing or blank key, missing fields,
status, created or issue type, a nameless component or fix version, a link without a type or target, a
Time in Status entry out of shape, a bad timestamp, an unknown status under strict_statuses.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from orgflow.config import Config, Workflow, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.work import ItemLink, Release, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.query.lookups import sql_literal
from orgflow.sources import ProgressCallback
from orgflow.sources.files import parse_instant
from orgflow.sources.instants import ShapeRejected, fill_instants, instant_sql
from orgflow.sources.jira_compact import compact_issues
from orgflow.sources.jira_fields import link_kind
from orgflow.sources.jira_issue_table import (
    INSTANTS,
    ISSUES,
    ITEM_LINKS,
    RELEASES,
    REPORTED,
    TEMPORARY,
    TRANSITIONS,
    VERSIONS,
    WORK_ITEMS,
    Declined,
    Shape,
    check_issues,
    read_issues,
)
from orgflow.sources.record_columns import record_columns_sql
from orgflow.store.batch import ImportBatch, StagedRecords, StagingDeclined
from orgflow.store.engine import duckdb
from orgflow.store.schema import column_types


def staged_records(
    files: list[Path],
    *,
    config: Config,
    source: str,
    strict: bool,
    epic_field: str | None,
    time_in_status_field: str,
    known_status_ids: dict[str, str],
    inferred_initial_status: str,
    categories_of: Callable[[Workflow], dict[str, str]],
    on_progress: ProgressCallback | None,
    fallback: Callable[[], ImportBatch],
) -> StagedRecords:
    """The records of the Jira exports `files` declared for the store to build in its own connection
    (`stage_issues`, one thread while it runs); where that declines, `fallback` (the row-by-row reader)
    imports them or raises the error."""

    def build(connection: duckdb.DuckDBPyConnection) -> dict[type[Record], str]:
        (threads,) = connection.execute("SELECT current_setting('threads')").fetchone()  # type: ignore[misc]
        connection.execute("SET threads = 1")  # a few passes over small tables
        try:
            issues = compact_issues(
                files, time_in_status_field=time_in_status_field, epic_field=epic_field, on_progress=on_progress
            )
            if issues is None:
                raise Declined
            with tempfile.TemporaryDirectory(prefix="orgflow-jira-") as folder:
                path = Path(folder) / "issues.jsonl"
                path.write_bytes(issues)
                done = read_issues(connection, path, time_in_status_field, epic_field)
            tables = stage_issues(
                connection,
                config=config,
                source=source,
                strict=strict,
                known_status_ids=known_status_ids,
                inferred_initial_status=inferred_initial_status,
                categories_of=categories_of,
            )
            if on_progress is not None:
                on_progress(done, done, "issues")
            return tables
        except (Declined, ShapeRejected, InputError, duckdb.Error):
            raise StagingDeclined from None
        finally:
            connection.execute(f"SET threads = {int(threads)}")

    return StagedRecords(build=build, fallback=fallback, temporary=TEMPORARY)


def stage_issues(
    connection: duckdb.DuckDBPyConnection,
    *,
    config: Config,
    source: str,
    strict: bool,
    known_status_ids: dict[str, str],
    inferred_initial_status: str,
    categories_of: Callable[[Workflow], dict[str, str]],
) -> dict[type[Record], str]:
    """Every record class's rows from the table of issues (`read_issues`), as temporary views of `connection`;
    returns the view of each class that has rows (in the row-by-row reader's order, each evaluated by
    whoever reads it).

    Raises:
        Declined, ShapeRejected, InputError, duckdb.Error: declined (the row-by-row reader decides).
    """
    shape = check_issues(connection)
    for text, target in INSTANTS:
        fill_instants(connection, ISSUES, text, target, _parse_instant)
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {VERSIONS} AS SELECT *, {instant_sql('release_text')} AS release_date "
        "FROM (SELECT ord, project, pos, v.name AS name, coalesce(v.released, false) AS released, "
        "nullif(v.releaseDate, '') AS release_text FROM (SELECT ord, project, unnest(versions) AS v, "
        f"generate_subscripts(versions, 1) AS pos FROM {ISSUES} WHERE len(versions) > 0))"
    )
    fill_instants(connection, VERSIONS, "release_text", "release_date", _parse_instant)
    lookups = _Lookups(connection, config, source, strict, categories_of)
    views = {
        WorkItem: (WORK_ITEMS, _work_items(source, lookups, shape)),
        StatusTransition: (TRANSITIONS, _transitions(source, lookups, inferred_initial_status, shape)),
        ItemLink: (ITEM_LINKS, _links(source, lookups, shape)),
        ReportedStatusTime: (REPORTED, _reported(source, known_status_ids, shape)),
        Release: (RELEASES, _releases(source)),
    }
    for view, select in views.values():
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {select}")
    return {record_class: view for record_class, (view, _) in views.items() if record_class in shape.filled}


def _parse_instant(text: str) -> datetime:
    """A timestamp as the row-by-row reader parses it; its InputError declines."""
    return parse_instant(text, file="-", record="-", field="-")  # type: ignore[return-value]


class _Lookups:
    """What Python's rules say of each distinct value, as SQL expressions over the table of issues (a
    ``CASE`` of the few distinct values, which keeps the rows in their order where a join would not): a
    project's team, whether a status of a project's workflow is finished (done or cancelled), which parent
    issue types are epics, and a link's kind (`link_kind`).

    Raises:
        Declined: strict_statuses and a status no stage of its item's workflow lists.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        config: Config,
        source: str,
        strict: bool,
        categories_of: Callable[[Workflow], dict[str, str]],
    ) -> None:
        projects: dict[str, dict[str, str]] = {}
        finished: dict[str, list[str]] = {}
        pairs = connection.execute(f"SELECT DISTINCT project, status FROM {ISSUES}").fetchall()
        for project, status in pairs:
            if project not in projects:
                projects[project] = categories_of(config.workflow_for(source, project))
                finished[project] = []
            category = projects[project].get(status_key(status))
            if strict and category is None:
                raise Declined
            if category in ("done", "cancelled"):
                finished[project].append(status)
        self.team = _case("project", {project: config.team_of_project(project) for project in projects})
        self.finished = (
            "CASE project "
            + "".join(
                f"WHEN {sql_literal(project)} THEN status IN ({', '.join(map(sql_literal, statuses)) or 'NULL'}) "
                for project, statuses in finished.items()
            )
            + "END"
        )
        types = connection.execute(f"SELECT DISTINCT parent_type FROM {ISSUES} WHERE parent_type IS NOT NULL")
        self.epic_types = [name for (name,) in types.fetchall() if status_key(name) == "epic"]
        kinds = connection.execute(
            "SELECT DISTINCT l.type.name, l.type.inward, l.type.outward, l.outwardIssue IS NOT NULL "
            f"FROM (SELECT unnest(links) AS l FROM {ISSUES} WHERE len(links) > 0)"
        ).fetchall()
        self.link_kind = (
            "CAST(NULL AS VARCHAR)"
            if not kinds
            else "CASE "
            + "".join(
                "WHEN "
                + " AND ".join(
                    f"{column} IS NOT DISTINCT FROM {sql_literal(value)}"
                    for column, value in zip(("name", "inward", "outward", "outward_side"), kind, strict=True)
                )
                + f" THEN {sql_literal(link_kind(*kind))} "
                for kind in kinds
            )
            + "END"
        )


def _case(column: str, values: dict[str, str]) -> str:
    """SQL: `column`'s value mapped by `values` (each key to its value)."""
    whens = "".join(f"WHEN {sql_literal(key)} THEN {sql_literal(value)} " for key, value in values.items())
    return f"CASE {column} {whens}END"


def _latest(rows: str, key: str, unique: bool) -> str:
    """SQL: the `rows` (a class's columns, then ``ord`` and ``pos``: the place of each row, in that order
    unless `unique`) with one row per `key`, its last, in the order of the rows kept; rows `unique` by
    key and made in order are taken as they are."""
    if unique:
        return f"SELECT * EXCLUDE (ord, pos) FROM ({rows})"
    return (
        f"SELECT * EXCLUDE (ord, pos) FROM ({rows}) "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY ord DESC, pos DESC) = 1 ORDER BY ord, pos"
    )


def _work_items(source: str, lookups: _Lookups, shape: Shape) -> str:
    epic_types = ", ".join(sql_literal(name) for name in lookups.epic_types) or "NULL"
    items = record_columns_sql(
        WorkItem,
        {
            "source_id": "key",
            "project": "project",
            "team_id": lookups.team,
            "title": "title",
            "item_type": "item_type",
            "created_at": "created_at",
            "status": "status",
            "resolved_at": "resolved_at",
            "resolution": "resolution",
            "priority": "priority",
            "parent_id": "parent_id",
            "epic_id": "CASE WHEN coalesce(epic_text, '') <> '' THEN epic_text "
            f"WHEN parent_type IN ({epic_types}) THEN parent_id END",
            "assignee": "assignee",
            "reporter": "reporter",
            "components": "[c.name FOR c IN coalesce(components, [])]",
            "labels": "labels",
            "fix_versions": "[v.name FOR v IN coalesce(versions, [])]",
            "updated_at": "updated_at",
            "url": "url",
        },
        source=source,
        history="inferred",
    )
    return _latest(f"SELECT {items}, ord, 0 AS pos FROM {ISSUES}", "source_id", shape.unique_keys)


def _transitions(source: str, lookups: _Lookups, initial: str, shape: Shape) -> str:
    """Inferred histories: a finished (done or cancelled) resolved issue was `initial` from created and
    entered its status when resolved; any other has been in its status since created."""
    transition = record_columns_sql(
        StatusTransition,
        {name: f"t.{name}" for name in ("item_id", "seq", "changed_at", "from_status", "to_status")},
        source=source,
    )
    start = sql_literal(initial)
    return _latest(
        f"SELECT {transition}, ord, t.seq AS pos FROM (SELECT ord, unnest(CASE WHEN resolved_at IS NOT NULL AND "
        f"{lookups.finished} THEN [{{'item_id': key, 'seq': 0, 'changed_at': created_at, 'from_status': NULL, "
        f"'to_status': {start}}}, {{'item_id': key, 'seq': 1, 'changed_at': resolved_at, 'from_status': {start}, "
        "'to_status': status}] ELSE [{'item_id': key, 'seq': 0, 'changed_at': created_at, 'from_status': NULL, "
        f"'to_status': status}}] END) AS t FROM {ISSUES})",
        "item_id, seq",
        shape.unique_keys,
    )


def _links(source: str, lookups: _Lookups, shape: Shape) -> str:
    link = record_columns_sql(
        ItemLink,
        {"item_id": "key", "kind": lookups.link_kind, "target_id": "target", "name": "nullif(name, '')"},
        source=source,
    )
    return _latest(
        f"SELECT {link}, ord, pos FROM (SELECT ord, key, pos, link.type.name AS name, link.type.inward AS inward, "
        "link.type.outward AS outward, link.outwardIssue IS NOT NULL AS outward_side, "
        "coalesce(link.outwardIssue.key, link.inwardIssue.key) AS target FROM (SELECT ord, key, "
        f"unnest(links) AS link, generate_subscripts(links, 1) AS pos FROM {ISSUES} WHERE len(links) > 0))",
        "item_id, kind, target_id",
        shape.unique_keys and shape.unique_targets,
    )


def _reported(source: str, known_status_ids: dict[str, str], shape: Shape) -> str:
    """Time in Status entries: a status listed twice adds up, placed where first listed; its name is the
    issue's status when it is the issue's status id, else a known one's."""
    known = " ".join(f"WHEN {sql_literal(key)} THEN {sql_literal(name)}" for key, name in known_status_ids.items())
    reported = record_columns_sql(
        ReportedStatusTime,
        {
            "item_id": "key",
            "status_id": "status_id",
            "status": f"CASE WHEN status_id = issue_status_id THEN status ELSE CASE status_id {known} END END",
            "times_entered": "times",
            "duration_seconds": "CAST(millis AS DOUBLE) / 1000",
        },
        source=source,
    )
    entries = (
        "SELECT ord, key, status, status_id AS issue_status_id, pos, parts[1] AS status_id, "
        "CAST(parts[2] AS BIGINT) AS times, CAST(parts[3] AS BIGINT) AS millis FROM ("
        "SELECT ord, key, status, status_id, string_split(unnest(entries), '_*:*_') AS parts, "
        "generate_subscripts(entries, 1) AS pos FROM (SELECT ord, key, status, status_id, "
        f"string_split(time_in_status, '_*|*_') AS entries FROM {ISSUES} WHERE time_in_status <> ''))"
    )
    if not shape.unique_status_ids:
        entries = (
            "SELECT ord, key, status, issue_status_id, min(pos) AS pos, status_id, sum(times) AS times, "
            f"sum(millis) AS millis FROM ({entries}) GROUP BY ALL"
        )
    unique = shape.unique_keys and shape.unique_status_ids  # else grouped: sorted again
    return _latest(f"SELECT {reported}, ord, pos FROM ({entries})", "item_id, status_id", unique)


def _releases(source: str) -> str:
    """Fix versions with a release date: each release's last listing, placed where it was first listed."""
    release = record_columns_sql(
        Release,
        {
            "source_id": "project || ':' || name",
            "project": "project",
            "name": "name",
            "released": "released",
            "release_date": "release_date",
        },
        source=source,
    )
    columns = ", ".join(column_types(Release))
    return (
        f"SELECT {columns} FROM (SELECT *, min(ord * 4294967296 + pos) OVER (PARTITION BY source_id) AS first_place "
        f"FROM (SELECT {release}, ord, pos FROM {VERSIONS} WHERE release_date IS NOT NULL) "
        "QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY ord DESC, pos DESC) = 1) ORDER BY first_place"
    )
