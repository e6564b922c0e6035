"""What is loaded and how trustworthy it is: counts, date ranges, unmapped statuses, warnings.

`orgflow status` shows these; each returns a table, like every metric.
"""

from __future__ import annotations

import pyarrow as pa

from orgflow.config import Config
from orgflow.model import TABLES
from orgflow.query.lookups import Lookups, build_lookups, sql_literal
from orgflow.store.engine import duckdb


def loaded_sources(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Work items per source and project: items, finished-by-source, transitions, first and last event.

    Columns: source, project, items, resolved, transitions, first_created, last_change, history.
    """
    return connection.execute(
        """
        SELECT w.source, w.project, count(*) AS items, count(w.resolved_at) AS resolved,
               sum(coalesce(t.n, 0))::BIGINT AS transitions, min(w.created_at) AS first_created,
               max(t.last_change) AS last_change, string_agg(DISTINCT w.history, ',') AS history
        FROM work_items w
        LEFT JOIN (SELECT source, item_id, count(*) AS n, max(changed_at) AS last_change
                   FROM status_transitions GROUP BY ALL) t
          ON t.source = w.source AND t.item_id = w.source_id
        GROUP BY ALL ORDER BY w.source, w.project
        """
    ).to_arrow_table()


def table_rows(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Rows per canonical table, in the order of `TABLES`. Columns: table, rows.

    One query: an Arrow table built from Python values would make pyarrow load pandas (about 0.3 s).
    """
    counts = " UNION ALL ".join(
        f'SELECT {position} AS position, \'{record.spec.table}\' AS "table", count(*) AS "rows" '
        f"FROM {record.spec.table}"
        for position, record in enumerate(TABLES)
    )
    return connection.execute(f'SELECT "table", "rows" FROM ({counts}) ORDER BY position').to_arrow_table()


def unmapped_statuses(
    connection: duckdb.DuckDBPyConnection, config: Config, lookups: Lookups | None = None
) -> pa.Table:
    """Raw statuses no stage of their item's workflow lists, with how many items and transitions use
    them. Their time is counted in the stage ``unmapped``. The lookups are built first (through `lookups`,
    the workspace's, when given: nothing is built where the lookups kept in the store serve).

    Columns: source, project, workflow, status, items, transitions.
    """
    if lookups is None:
        build_lookups(connection, config)
    else:
        lookups.build(config)
    return connection.execute(
        """
        SELECT t.source, w.project, pw.workflow, t.to_status AS status,
               count(DISTINCT t.item_id) AS items, count(*) AS transitions
        FROM status_transitions t
        JOIN work_items w ON w.source = t.source AND w.source_id = t.item_id
        JOIN of_project_workflow pw ON pw.source = w.source AND pw.project = w.project
        JOIN of_keys k ON k.raw = t.to_status
        LEFT JOIN of_status_map m ON m.workflow = pw.workflow AND m.status_key = k.key
        WHERE m.stage IS NULL
        GROUP BY ALL ORDER BY transitions DESC, status
        """
    ).to_arrow_table()


def data_warnings(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """Data-quality warnings, one row per kind with the count of records affected and an example.

    Columns: warning, count, example.
    """
    checks = {
        "items without any status transition": """
            SELECT w.source_id FROM work_items w WHERE NOT EXISTS (
              SELECT 1 FROM status_transitions t WHERE t.source = w.source AND t.item_id = w.source_id)""",
        "status history inferred from created/resolved only (no changelog)": """
            SELECT source_id FROM work_items WHERE history = 'inferred'""",
        "transitions before the item was created": """
            SELECT t.item_id FROM status_transitions t JOIN work_items w
              ON w.source = t.source AND w.source_id = t.item_id
            WHERE t.changed_at < w.created_at - INTERVAL 1 MINUTE""",
        "timestamps in the future": """
            SELECT item_id FROM status_transitions WHERE changed_at > now()::TIMESTAMP + INTERVAL 1 DAY""",
        "blocked intervals that end before they start": """
            SELECT item_id FROM blocked_intervals WHERE ended_at < started_at""",
        "links to items that are not loaded": """
            SELECT l.item_id || ' -> ' || l.target_id FROM item_links l WHERE NOT EXISTS (
              SELECT 1 FROM work_items w WHERE w.source = l.source AND w.source_id = l.target_id)""",
    }
    # One query, the kinds with records in the order above: an Arrow table built from Python values would
    # make pyarrow load pandas (about 0.3 s).
    counted = " UNION ALL ".join(
        f"SELECT {position} AS position, {sql_literal(name)} AS warning, count(*) AS count, "
        f"CAST(min(x) AS VARCHAR) AS example FROM ({query}) AS q(x)"
        for position, (name, query) in enumerate(checks.items())
    )
    return connection.execute(
        f"SELECT warning, count, example FROM ({counted}) WHERE count > 0 ORDER BY position"
    ).to_arrow_table()
