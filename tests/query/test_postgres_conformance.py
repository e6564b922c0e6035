"""The Ibis definitions of the flow figures give the same rows on PostgreSQL as on DuckDB.

docs/decisions/0008-ibis-portability.md: portability is the scale-out path, so every flow figure's
definition (`orgflow.flow.history`, `flow_time`, `flow_load`, `stages`, `summary`, the Ibis parts of
`reported_times`, and the cut of `orgflow.query.cuts`) runs on a second engine here and must equal
the DuckDB result: the same columns and types, the same rows after sorting, instants to the
microsecond, numbers to 1e-9.

Both engines get the same canonical tables (three teams' items, transitions, a flag, a blocking link
and reported times in status) and the same lookups: those DuckDB builds (`orgflow.query.lookups`),
copied. Each then builds the open facts itself, as the flow service does without stored facts
(`FlowService(stored_facts=False)`), closes them at `now` and runs every figure with `now` and the
window as bound values (PostgreSQL gets them as literals: `orgflow.query.compiled.inline_bound`).
The DuckDB rows are also checked against the flow service's own, so the definitions compared here
are the ones the product runs; a few values are worked out by hand, so agreeing on nothing fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest
from tests.query.conformance import (
    BOARD,
    INPUTS,
    NOW,
    NOW_TERM,
    SINCE,
    TERMS,
    UNTIL,
    Engine,
    batch,
    copy_reported,
    prepare,
)

import orgflow
from orgflow.flow import flow_load, flow_time, queries, reported_times, stages, summary
from orgflow.query.compiled import inline_bound
from orgflow.query.cuts import cut_items
from orgflow.query.lookups import build_lookups
from orgflow.query.window import Cut


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[orgflow.Workspace]:
    directory: Path = tmp_path_factory.mktemp("conformance")
    orgflow.init(directory).close()
    (directory / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(directory)
    # Through the store alone: no stored facts, every path below builds its own.
    opened.store.write(batch())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def engines(workspace: orgflow.Workspace, postgres: ibis.BaseBackend) -> dict[str, Engine]:
    connection = workspace.store.connection
    build_lookups(connection, workspace.config)
    for name in INPUTS:
        postgres.create_table(name, connection.execute(f"SELECT * FROM {name}").to_arrow_table(), temp=True)
    # Both get the same calendar: the days of 2024 (the window's lookup holds every day a window may cover).
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE of_calendar_c AS SELECT day FROM of_calendar WHERE year(day) = 2024"
    )
    postgres.create_table(
        "of_calendar_c", connection.execute("SELECT day FROM of_calendar_c").to_arrow_table(), temp=True
    )
    duck = prepare(workspace.ibis)
    duck.backend.create_table("of_items_closed_c", inline_bound(duck.items), temp=True, overwrite=True)
    reported_times.build_reported_tables(connection, "of_items_closed_c", duck.reported_names)
    on_postgres = prepare(postgres)
    copy_reported(duck, on_postgres)
    return {"duckdb": duck, "postgres": on_postgres}


# -- the figures --------------------------------------------------------------------------------------
Figure = Callable[[Engine], ir.Table]


def _with_reported(engine: Engine, items: ir.Table | None = None) -> ir.Table:
    return reported_times.with_reported_times(engine.items if items is None else items, engine.reported)


def _stage_spans(engine: Engine) -> ir.Table:
    return reported_times.with_reported_spans(engine.spans, engine.items, engine.tables, engine.reported_names)


def _calendar(engine: Engine) -> ir.Table:
    return engine.tables.table("of_calendar_c")


def _cut(engine: Engine, cut: Cut) -> ir.Table:
    return cut_items(engine.items, engine.tables, cut)


FIGURES: dict[str, Figure] = {
    "lead time": lambda e: flow_time.lead_time(e.items, window=TERMS),
    "lead time with cancelled": lambda e: flow_time.lead_time(e.items, window=TERMS, include_cancelled=True),
    "cycle time": lambda e: queries.cycle_time_rows(_with_reported(e), TERMS),
    "age": lambda e: flow_time.work_item_age(e.items, now=NOW_TERM),
    "sle": lambda e: flow_time.service_level_expectation(_with_reported(e), until=NOW_TERM, last_items=4),
    "flow efficiency": lambda e: flow_time.flow_efficiency(_with_reported(e), window=TERMS, by=None),
    "flow efficiency by team": lambda e: flow_time.flow_efficiency(_with_reported(e), window=TERMS, by="team_id"),
    "flow efficiency per item": lambda e: queries.efficiency_item_rows(_with_reported(e), TERMS),
    "throughput by day": lambda e: flow_load.throughput(e.items, _calendar(e), window=TERMS, period="day", by=None),
    "throughput by week and team": lambda e: flow_load.throughput(
        e.items, _calendar(e), window=TERMS, period="week", by="team_id"
    ),
    "throughput by month": lambda e: flow_load.throughput(e.items, _calendar(e), window=TERMS, period="month", by=None),
    "wip": lambda e: flow_load.wip(e.items, _calendar(e), window=TERMS, by=None),
    "wip by team": lambda e: flow_load.wip(e.items, _calendar(e), window=TERMS, by="team_id"),
    "cfd": lambda e: flow_load.cfd(e.climbs, e.items, e.tables.table("of_stages"), _calendar(e), window=TERMS),
    "distribution": lambda e: flow_load.flow_distribution(e.items, window=TERMS, now=NOW_TERM),
    "time per stage": lambda e: stages.time_in_stages(
        _stage_spans(e), e.items, e.tables.table("of_stages"), window=TERMS, level="stage"
    ),
    "time per phase by team": lambda e: stages.time_in_stages(
        _stage_spans(e), e.items, e.tables.table("of_stages"), window=TERMS, level="phase", by="team_id"
    ),
    "time in stage per item": lambda e: stages.time_in_stage_items(e.spans, e.items, e.tables.table("of_stages")),
    "blocked time": lambda e: stages.blocked_time(
        e.tables, e.spans, e.items, all_items=e.items, window=TERMS, now=NOW_TERM
    ),
    "littles law": lambda e: stages.littles_law(
        e.items, flow_load.wip(e.items, _calendar(e), window=TERMS, by=None), window=TERMS, finished=_with_reported(e)
    ),
    "summary": lambda e: summary.flow_summary(e.items, window=TERMS, now=NOW_TERM, by=None, reported=e.reported),
    "summary by group": lambda e: summary.flow_summary(
        e.items, window=TERMS, now=NOW_TERM, by="group_id", small_sample=3, reported=e.reported
    ),
    "lead time of a group's teams": lambda e: flow_time.lead_time(_cut(e, Cut(group="platform")), window=TERMS),
    "cycle time of a type": lambda e: flow_time.cycle_time(
        _cut(e, Cut(item_type="bug")), window=TERMS, include_cancelled=True
    ),
}


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sort key for a row: nulls first, floats rounded so that last-digit differences sort alike."""
    return tuple((value is not None, round(value, 6) if isinstance(value, float) else value) for value in row)


def _sorted_rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted((tuple(row.values()) for row in table.to_pylist()), key=_key)


def assert_same_rows(name: str, expected: pa.Table, actual: pa.Table) -> None:
    """Equal schemas (names and types) and equal rows after sorting; floats within 1e-9."""
    assert actual.schema.names == expected.schema.names, name
    assert actual.schema.types == expected.schema.types, name
    wanted, got = _sorted_rows(expected), _sorted_rows(actual)
    assert len(got) == len(wanted), name
    for left, right in zip(wanted, got, strict=True):
        assert right == tuple(pytest.approx(v, abs=1e-9) if isinstance(v, float) else v for v in left), name


@pytest.mark.parametrize("figure", FIGURES)
def test_postgres_gives_the_duckdb_rows(engines: dict[str, Engine], figure: str) -> None:
    build = FIGURES[figure]
    on_duckdb = engines["duckdb"].rows(build(engines["duckdb"]))

    on_postgres = engines["postgres"].rows(build(engines["postgres"]))

    assert on_duckdb.num_rows > 0, figure
    assert_same_rows(figure, on_duckdb, on_postgres)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_both_engines_give_the_hand_worked_values(engines: dict[str, Engine], engine: str) -> None:
    on = engines[engine]

    def by_item(figure: str, column: str) -> dict[str, Any]:
        return {row["item_id"]: row[column] for row in on.rows(FIGURES[figure](on)).to_pylist()}

    # Finished 03-01..03-08, done only: created → finish, and start → finish (G-1's from its reported 3.5 days).
    assert by_item("lead time", "lead_time_days") == {"A-1": 4.0, "A-3": 2.0, "B-1": 5.0, "G-1": 6.0, "G-2": 11.0}
    # A-3 went from backlog straight to done: its cycle time is not measured (null, not 0).
    assert by_item("cycle time", "cycle_time_days") == {"A-1": 3.0, "A-3": None, "B-1": 1.5, "G-1": 3.5, "G-2": 6.0}
    # Started and open at 03-10 00:00: A-2 and B-2 since 03-03, G-3 since 03-07.
    assert by_item("age", "age_days") == {"A-2": 7.0, "B-2": 7.0, "G-3": 3.0}
    # 3 days active less 6 h flagged, over a 3-day cycle; B-1: 1 day active of 1.5 (half a day blocked).
    efficiency = by_item("flow efficiency per item", "flow_efficiency")
    assert efficiency["A-1"] == pytest.approx(2.75 / 3, abs=1e-12)
    assert efficiency["B-1"] == pytest.approx(1.0 / 1.5, abs=1e-12)
    # A-2 blocked by beta's open B-2 from its start to `now`; A-1 flagged 6 h; B-1 half a day in Blocked.
    assert by_item("blocked time", "blocked_days") == {"A-2": 7.0, "A-1": 0.25, "B-1": 0.5}


SERVICE_CALLS: dict[str, tuple[Callable[[Any], Any], dict[str, str]]] = {
    "lead time with cancelled": (lambda s: s.lead_time(since=SINCE, until=UNTIL, include_cancelled=True), {}),
    "cycle time": (lambda s: s.cycle_time(since=SINCE, until=UNTIL), {}),
    "flow efficiency by team": (lambda s: s.efficiency(since=SINCE, until=UNTIL, by="team"), {"team_id": "team"}),
    "flow efficiency per item": (lambda s: s.efficiency(since=SINCE, until=UNTIL, per_item=True), {}),
    "throughput by week and team": (
        lambda s: s.throughput(since=SINCE, until=UNTIL, period="week", by="team"),
        {"team_id": "team"},
    ),
    "wip by team": (lambda s: s.wip(since=SINCE, until=UNTIL, by="team"), {"team_id": "team"}),
    "cfd": (lambda s: s.cfd(since=SINCE, until=UNTIL), {}),
    "distribution": (lambda s: s.distribution(since=SINCE, until=UNTIL), {}),
    "time per phase by team": (
        lambda s: s.stages(since=SINCE, until=UNTIL, level="phase", by="team"),
        {"team_id": "team"},
    ),
    "time in stage per item": (lambda s: s.time_in_stage(), {}),
    "blocked time": (lambda s: s.blocked(since=SINCE, until=UNTIL), {}),
    "littles law": (lambda s: s.littles_law(since=SINCE, until=UNTIL), {}),
    "summary": (lambda s: s.summary(since=SINCE, until=UNTIL), {}),
}
"""Figures as the flow service gives them (its `by` names the column it groups by)."""


@pytest.mark.parametrize("figure", SERVICE_CALLS)
def test_the_definitions_compared_are_the_flow_services(
    workspace: orgflow.Workspace, engines: dict[str, Engine], figure: str
) -> None:
    from orgflow.flow.service import FlowService

    call, renamed = SERVICE_CALLS[figure]
    service = FlowService(workspace, now=NOW.replace(tzinfo=UTC), stored_facts=False)
    direct = engines["duckdb"].rows(FIGURES[figure](engines["duckdb"]))

    result = call(service)
    table = result.table
    data_window = result.params.get("data_window")
    if data_window is not None:
        # The window runs past the data's last day: the service gives the summary's rate per week of the
        # days the data covers in it (`orgflow.flow.after_data`), the definition per week of the window.
        direct = _rate_over(direct, data_window["days"])

    assert_same_rows(figure, direct.rename_columns([renamed.get(name, name) for name in direct.column_names]), table)


def _rate_over(table: pa.Table, days: int) -> pa.Table:
    """`table` (summary rows) with `throughput_per_week` = finished per week of `days`, where it is known."""
    rates = [
        None if rate is None else finished / (days / 7)
        for rate, finished in zip(
            table.column("throughput_per_week").to_pylist(), table.column("finished").to_pylist(), strict=True
        )
    ]
    index = table.column_names.index("throughput_per_week")
    return table.set_column(index, "throughput_per_week", pa.array(rates, pa.float64()))
