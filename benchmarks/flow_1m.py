"""1,000,000 items and about 5,100,000 status transitions: the complete flow set on a fresh workspace.

The data is generated with numpy (seeded) straight into Arrow tables and inserted with one
``INSERT ... SELECT`` per table, in a child process: the parent then opens the workspace fresh, so its
peak RSS is that of the flow set, not of the generator. Statuses are those of the default workflow:
To Do -> Selected -> In Progress -> Code Review -> Done, with rework loops (In Progress -> Selected,
Code Review -> In Progress) and about 20 % of items unfinished.

Baseline (same process, same connection, after the flow set): one hand-written DuckDB query doing the
core of the preparation (status mapping, start, finish, current category, active time per item). It is
a lower bound for the preparation, not an equivalent of it; the ratio says what the rest costs.

    python -m benchmarks.flow_1m [--items 1000000] [--seed 7] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

import orgflow
from benchmarks.figures import Figures, peak_rss_mb, timed
from benchmarks.flow_set import FlowSetTimings, run_flow_set
from orgflow.config import DEFAULT_WORKFLOW, status_key
from orgflow.flow.service import FlowService

NAME = "flow_1m"
TARGET_SECONDS = 5.0
SOURCE = "bench"
STATUSES = ("To Do", "Selected", "In Progress", "Code Review", "Done")
ITEM_TYPES = ("Story", "Bug", "Task", "Spike")
ITEM_TYPE_SHARES = (0.55, 0.25, 0.15, 0.05)
TEAMS = 40
FINISHED_SHARE = 0.8
REWORK_PROGRESS_SHARE = 0.10
REWORK_REVIEW_SHARE = 0.25
HISTORY_START = datetime(2023, 1, 2)
HISTORY_DAYS = 730

# The longest path, as slots over STATUSES: an item keeps the slots its progress and rework allow.
#   0 To Do, 1 Selected, 2 In Progress, [3 Selected, 4 In Progress], 5 Code Review,
#   [6 In Progress, 7 Code Review], 8 Done
_SLOT_STATUS = np.array([0, 1, 2, 1, 2, 3, 2, 3, 4], dtype=np.int8)
# Mean days spent before entering each slot (exponential), e.g. 6 days in To Do before Selected.
_SLOT_MEAN_DAYS = np.array([0.0, 6.0, 2.0, 2.0, 1.0, 3.0, 1.0, 1.5, 1.0])

# The store schema this generator fills, as `DESCRIBE` shows it; checked before inserting.
WORK_ITEM_COLUMNS = {
    "source": "VARCHAR",
    "source_id": "VARCHAR",
    "project": "VARCHAR",
    "team_id": "VARCHAR",
    "title": "VARCHAR",
    "item_type": "VARCHAR",
    "created_at": "TIMESTAMP",
    "status": "VARCHAR",
    "resolved_at": "TIMESTAMP",
    "resolution": "VARCHAR",
    "priority": "VARCHAR",
    "parent_id": "VARCHAR",
    "epic_id": "VARCHAR",
    "assignee": "VARCHAR",
    "reporter": "VARCHAR",
    "components": "VARCHAR[]",
    "labels": "VARCHAR[]",
    "fix_versions": "VARCHAR[]",
    "updated_at": "TIMESTAMP",
    "url": "VARCHAR",
    "history": "VARCHAR",
}
TRANSITION_COLUMNS = {
    "source": "VARCHAR",
    "item_id": "VARCHAR",
    "seq": "BIGINT",
    "changed_at": "TIMESTAMP",
    "from_status": "VARCHAR",
    "to_status": "VARCHAR",
    "author": "VARCHAR",
}


def generate(items: int, *, seed: int) -> tuple[pa.Table, pa.Table]:
    """Items and their transitions as Arrow tables of numbers (codes into STATUSES, TEAMS, ITEM_TYPES).

    Returns:
        (items: item_number, team, type_code, created_at, status_code, resolved_at, updated_at;
         transitions: item_number, seq, changed_at, from_code (null for seq 0), to_code)
    """
    rng = np.random.default_rng(seed)
    # Progress: 4 forward steps (Done) for finished items, else 0-3 (To Do .. Code Review).
    finished = rng.random(items) < FINISHED_SHARE
    progress = np.where(finished, 4, rng.integers(0, 4, items))
    rework_progress = (rng.random(items) < REWORK_PROGRESS_SHARE) & (progress >= 2)
    rework_review = (rng.random(items) < REWORK_REVIEW_SHARE) & (progress >= 3)
    kept = np.empty((items, len(_SLOT_STATUS)), dtype=bool)
    kept[:, 0] = True
    kept[:, 1] = progress >= 1
    kept[:, 2] = progress >= 2
    kept[:, 3] = kept[:, 4] = rework_progress
    kept[:, 5] = progress >= 3
    kept[:, 6] = kept[:, 7] = rework_review
    kept[:, 8] = progress == 4

    span_us = HISTORY_DAYS * 86_400 * 1_000_000
    start_us = int(HISTORY_START.replace(tzinfo=UTC).timestamp() * 1_000_000)
    created_us = start_us + rng.integers(0, span_us // 60_000_000, items) * 60_000_000
    waits_us = (rng.exponential(1.0, kept.shape) * _SLOT_MEAN_DAYS * 86_400e6).astype(np.int64)
    waits_us[~kept] = 0
    offsets_us = np.cumsum(waits_us, axis=1)
    del waits_us

    rows, slots = np.nonzero(kept)
    seq = (np.cumsum(kept, axis=1) - 1)[kept]
    to_code = _SLOT_STATUS[slots]
    from_code = np.empty_like(to_code)
    from_code[1:] = to_code[:-1]
    first = seq == 0
    changed_us = created_us[rows] + offsets_us[kept]
    last_slot = kept.shape[1] - 1 - np.argmax(kept[:, ::-1], axis=1)
    updated_us = created_us + offsets_us[np.arange(items), last_slot]
    del offsets_us, kept

    timestamp = pa.timestamp("us")
    item_table = pa.table(
        {
            "item_number": pa.array(np.arange(1, items + 1, dtype=np.int64)),
            "team": pa.array(rng.integers(0, TEAMS, items, dtype=np.int16)),
            "type_code": pa.array(rng.choice(len(ITEM_TYPES), items, p=ITEM_TYPE_SHARES).astype(np.int8)),
            "created_at": pa.array(created_us, type=timestamp),
            "status_code": pa.array(_SLOT_STATUS[last_slot]),
            "resolved_at": pa.array(updated_us, type=timestamp, mask=~finished),
            "updated_at": pa.array(updated_us, type=timestamp),
        }
    )
    transition_table = pa.table(
        {
            "item_number": pa.array(rows.astype(np.int64) + 1),
            "seq": pa.array(seq.astype(np.int64)),
            "changed_at": pa.array(changed_us, type=timestamp),
            "from_code": pa.array(from_code, mask=first),
            "to_code": pa.array(to_code),
        }
    )
    return item_table, transition_table


def _check_statuses() -> None:
    """The generated statuses must stay those of the default workflow (it is what the metrics map)."""
    known = {status_key(status) for stage in DEFAULT_WORKFLOW.stages for status in stage.statuses}
    missing = [status for status in STATUSES if status_key(status) not in known]
    if missing:
        raise RuntimeError(f"statuses {missing} are no longer in DEFAULT_WORKFLOW; update benchmarks/flow_1m.py")


def _check_schema(connection: Any, table: str, expected: dict[str, str]) -> None:
    """Fail clearly when the store schema no longer matches what this generator inserts."""
    actual = {row[0]: row[1] for row in connection.execute(f"DESCRIBE {table}").fetchall()}
    if actual != expected:
        raise RuntimeError(
            f"the store's {table} columns changed; update benchmarks/flow_1m.py (expected {expected}, found {actual})"
        )


def _sql_list(values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"[{quoted}]"


_STATUS_LIST = _sql_list(STATUSES)
_TYPE_LIST = _sql_list(ITEM_TYPES)
_TEAM = "'team-' || lpad(CAST(team AS VARCHAR), 2, '0')"

INSERT_ITEMS = f"""
INSERT INTO work_items ({", ".join(WORK_ITEM_COLUMNS)})
SELECT '{SOURCE}', 'FLOW-' || item_number, {_TEAM}, {_TEAM}, 'Item ' || item_number,
       {_TYPE_LIST}[type_code + 1], created_at, {_STATUS_LIST}[status_code + 1], resolved_at,
       CASE WHEN resolved_at IS NOT NULL THEN 'Done' END, NULL, NULL, NULL, NULL, NULL,
       CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[]), updated_at, NULL, 'changelog'
FROM _bench_items
"""

INSERT_TRANSITIONS = f"""
INSERT INTO status_transitions ({", ".join(TRANSITION_COLUMNS)})
SELECT '{SOURCE}', 'FLOW-' || item_number, seq, changed_at,
       {_STATUS_LIST}[from_code + 1], {_STATUS_LIST}[to_code + 1], NULL
FROM _bench_transitions
"""


def build_workspace(directory: str, items: int, seed: int) -> dict[str, Any]:
    """Create a workspace in `directory` and fill it with generated data (run in a child process).

    Returns:
        seconds of each step, row counts, the instant to use as `now` and this process's peak RSS.
    """
    _check_statuses()
    (item_table, transition_table), generate_seconds = timed(lambda: generate(items, seed=seed))
    workspace = orgflow.init(directory)
    connection = workspace.store.connection
    # DuckDB draws a progress bar on stderr for long statements; the figures say the same more briefly.
    connection.execute("SET enable_progress_bar = false")
    _check_schema(connection, "work_items", WORK_ITEM_COLUMNS)
    _check_schema(connection, "status_transitions", TRANSITION_COLUMNS)
    connection.register("_bench_items", item_table)
    connection.register("_bench_transitions", transition_table)
    _, items_seconds = timed(lambda: connection.execute(INSERT_ITEMS))
    _, transitions_seconds = timed(lambda: connection.execute(INSERT_TRANSITIONS))
    connection.unregister("_bench_items")
    connection.unregister("_bench_transitions")
    # What an import does after writing, in its transaction: build the stored flow facts.
    _, facts_seconds = timed(workspace.refresh_facts)
    last_change = connection.execute("SELECT max(changed_at) FROM status_transitions").fetchone()[0]
    _, close_seconds = timed(workspace.close)
    now = datetime.combine(last_change.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return {
        "generate_seconds": generate_seconds,
        "insert_items_seconds": items_seconds,
        "insert_transitions_seconds": transitions_seconds,
        "store_facts_seconds": facts_seconds,
        "checkpoint_close_seconds": close_seconds,
        "items": item_table.num_rows,
        "transitions": transition_table.num_rows,
        "unfinished": int(item_table.column("resolved_at").null_count),
        "now": now.isoformat(),
        "peak_rss_mb": peak_rss_mb(),
    }


_BASELINE_SQL = """
CREATE OR REPLACE TEMP TABLE bench_baseline AS
WITH mapped AS (
    SELECT t.source, t.item_id, t.changed_at, coalesce(m.category, 'unmapped') AS category,
           lead(t.changed_at) OVER (PARTITION BY t.source, t.item_id ORDER BY t.changed_at, t.seq) AS next_at
    FROM status_transitions t
    JOIN work_items w ON w.source = t.source AND w.source_id = t.item_id
    JOIN of_project_workflow p ON p.source = w.source AND p.project = w.project
    LEFT JOIN of_status_map m
        ON m.workflow = p.workflow AND m.status_key = lower(trim(regexp_replace(t.to_status, '\\s+', ' ', 'g')))
    WHERE t.changed_at <= $now
), marked AS (
    SELECT *, max(CASE WHEN category NOT IN ('done', 'cancelled') THEN changed_at END)
                  OVER (PARTITION BY source, item_id) AS last_open_at
    FROM mapped
)
SELECT source, item_id,
       min(changed_at) FILTER (WHERE category <> 'backlog') AS started_at,
       min(changed_at) FILTER (WHERE category IN ('done', 'cancelled')
                               AND (last_open_at IS NULL OR changed_at > last_open_at)) AS finished_at,
       arg_max(category, changed_at) AS current_category,
       sum(date_diff('microsecond', changed_at, coalesce(next_at, $now))) FILTER (WHERE category = 'active')
           AS active_us
FROM marked
GROUP BY source, item_id
"""


def run(*, items: int, seed: int, workspace: Path | None) -> Figures:
    """Build the workspace (child process), then time the flow set on it, freshly opened."""
    figures = Figures(NAME, f"flow set on {items:,} generated items (fresh workspace)")
    directory = workspace or Path(tempfile.mkdtemp(prefix="orgflow-flow-1m-"))
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            built = pool.submit(build_workspace, str(directory), items, seed).result()
        figures.add("items", built["items"], "rows", f"{built['unfinished']:,} unfinished", headline=True)
        figures.add("transitions", built["transitions"], "rows", headline=True)
        figures.seconds("setup: generate (numpy -> Arrow)", built["generate_seconds"])
        figures.seconds("setup: insert work_items", built["insert_items_seconds"])
        figures.seconds("setup: insert status_transitions", built["insert_transitions_seconds"])
        figures.seconds(
            "setup: store the flow facts",
            built["store_facts_seconds"],
            "import-time cost (refresh_facts)",
            headline=True,
        )
        figures.seconds("setup: checkpoint and close", built["checkpoint_close_seconds"])
        figures.add("setup: peak RSS (child)", built["peak_rss_mb"], "MB")

        now = datetime.fromisoformat(built["now"])
        opened, open_seconds = timed(lambda: orgflow.open(directory))
        with opened as ws:
            service = ws.flow_at(now)
            _, connect_seconds = timed(lambda: ws.ibis)
            figures.seconds("open workspace", open_seconds)
            figures.seconds("connect Ibis backend", connect_seconds)
            flow = run_flow_set(service)
            flow.add_to(figures, target_seconds=TARGET_SECONDS if items >= 1_000_000 else None)
            figures.add("uses the stored facts", int(service.uses_stored_facts), "yes=1")
            figures.add("peak RSS (open + flow set)", peak_rss_mb(), "MB", headline=True)

            # The same set with facts built for `now` by the queries themselves (the path of a query
            # as of an earlier instant, or after an unrefreshed mapping change).
            rebuilt = run_flow_set(FlowService(ws, now=now, stored_facts=False))
            figures.seconds(
                "flow set, facts built for now (stored_facts=False)",
                rebuilt.total_seconds,
                f"prepare {rebuilt.preparation_seconds:.2f} s",
            )
            figures.ratio(
                "speed-up: built facts / stored facts", rebuilt.total_seconds, flow.total_seconds, "same process"
            )

            connection = ws.store.connection
            _, baseline_seconds = timed(lambda: connection.execute(_BASELINE_SQL, {"now": now.replace(tzinfo=None)}))
            figures.seconds("baseline: hand-written SQL, preparation core", baseline_seconds)
            figures.ratio(
                "prepare (built facts) / baseline",
                rebuilt.preparation_seconds,
                baseline_seconds,
                "same process, after the sets",
                headline=True,
            )
            figures.details["cross_check"] = _cross_check(connection, service)
            differing = _differing_results(flow, rebuilt)
            figures.add("results differing, stored vs built facts", len(differing), "metrics", ", ".join(differing))
            figures.details["cross_check"]["stored_vs_built_differing"] = differing
        figures.details["now"] = built["now"]
        figures.details["seed"] = seed
        figures.details["flow_set"] = flow.as_details()
        figures.details["cross_check"]["database_mb"] = round(
            (directory / "orgflow.duckdb").stat().st_size / 1024 / 1024, 1
        )
    finally:
        if workspace is None:
            shutil.rmtree(directory, ignore_errors=True)
    return figures


def _differing_results(stored: FlowSetTimings, built: FlowSetTimings) -> list[str]:
    """The metrics whose result tables differ between the two runs (rows compared in sorted order)."""

    def ordered(table: pa.Table) -> pa.Table:
        return table.sort_by([(name, "ascending") for name in table.column_names])

    return [
        label
        for label, result in stored.results.items()
        if not ordered(result.table).equals(ordered(built.results[label].table))
    ]


def _cross_check(connection: Any, service: Any) -> dict[str, Any]:
    """Started and finished item counts of orgflow's item facts against the baseline's (they should agree)."""
    facts = service.items_table()
    counts = facts.aggregate(started=facts.started_at.count(), finished=facts.finished_at.count())
    orgflow_counts = tuple(counts.to_pyarrow().to_pylist()[0].values())
    baseline_counts = connection.execute("SELECT count(started_at), count(finished_at) FROM bench_baseline").fetchone()
    return {
        "orgflow_started_finished": list(orgflow_counts),
        "baseline_started_finished": list(baseline_counts),
        "agree": tuple(orgflow_counts) == tuple(baseline_counts),
    }


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/flow_1m.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flow_1m", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="items to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--workspace", type=Path, help="build the workspace here and keep it (default: a temp dir)")
    arguments = parser.parse_args(argv)
    figures = run(items=arguments.items, seed=arguments.seed, workspace=arguments.workspace)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
