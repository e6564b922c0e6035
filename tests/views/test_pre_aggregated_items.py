"""Every flow figure read from the service's pre-aggregated items gives the per-request rows, to the byte.

Once a service has answered many figure calls (`orgflow.flow.runner.MANY_CALLS`: a dashboard's), a
figure's query reads the item facts closed at `now` as one table written once per service (the
pre-aggregate ``items``: `PreparedFacts.measured_items`), and the summary reads which workflows reach a
done and an active stage from another (``stages_reached``), instead of joining the flagged time and
closing every item again, or joining every transition to its item, in each query. These tests compare
each figure so read (the services here count as busy from their first call) with its build function
compiled over the facts themselves (no pre-aggregate), on hand-made histories (with hand-worked
figures) and on a small demo, across windows, teams, clusters, the whole organization and a type cut.
A command, asking a few figures, writes nothing and runs the same queries as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from tests.flow.test_flow_exact import at, build, day, days, item
from tests.views.test_pre_aggregates import FLAGS, V1, W1, X1, X1_LINKS, Y1, Z1

import orgflow
from orgflow import registry
from orgflow.demo import DEFAULT_END, build_demo
from orgflow.flow import runner as flow_runner
from orgflow.flow.runner import query_shape
from orgflow.flow.service import FlowService
from orgflow.query.compiled_sql import QueryCache
from orgflow.query.window import Cut

__all__ = ["build"]  # the hand-made workspaces' fixture (three ways of preparing the facts)


@pytest.fixture
def busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every service reads the pre-aggregated items from its first figure call (as a dashboard's does
    from its `MANY_CALLS`th on)."""
    monkeypatch.setattr(flow_runner, "MANY_CALLS", 0)


FIGURES = tuple(figure.name for figure in registry.figures("flow") if figure.build is not None)
"""Every flow figure with a query."""
OPTIONS: dict[str, tuple[dict[str, Any], ...]] = {
    "summary": ({}, {"by": "team"}),
    "throughput": ({"period": "week"}, {"period": "day", "by": "team"}),
    "wip": ({}, {"by": "team"}),
    "efficiency": ({}, {"per_item": True}),
    "stages": ({}, {"level": "phase", "by": "team"}),
}
"""Options each figure is asked with besides its defaults' (one each otherwise)."""
REFERENCES: dict[int, QueryCache] = {}
"""The per-request queries compiled for each service (by its id)."""


def pre_aggregated_and_per_request(
    service: FlowService, name: str, *, cut: Cut | None, since: date, until: date, options: dict[str, Any]
) -> tuple[pa.Table, pa.Table]:
    """The rows of figure `name` on a second call (read from the pre-aggregates: `busy`), and its build
    function's rows over the facts themselves (no pre-aggregate; compiled once per shape and service,
    in a cache of the tests' own, never the figure's kept query)."""
    figure = registry.figure(name, "flow")
    chosen = figure.options_for(service._workspace.config, options)
    window = service.window(since=since, until=until, cut=cut) if figure.window else None
    runner, facts = service._runner, service._facts
    if not runner._asked.get(name):
        runner.figure(figure, chosen, cut=cut, window=window)  # a first call measures its own items
    read = runner.figure(figure, chosen, cut=cut, window=window)
    build = figure.build
    assert build is not None
    shape, bound_values = query_shape(figure, chosen)
    reference = runner.rows(
        f"{name}-per-request",
        lambda terms: build(facts, cut, chosen, terms),
        cut=cut,
        shape=shape,
        window=window,
        bound_values=bound_values,
        queries=REFERENCES.setdefault(id(service), QueryCache()),
    )
    return read, reference


def assert_same(
    service: FlowService,
    *,
    cut: Cut | None,
    since: date,
    until: date,
    figures: tuple[str, ...] = FIGURES,
    asked: dict[str, tuple[dict[str, Any], ...]] = OPTIONS,
) -> int:
    """Each of `figures` with each of its options (`asked`, else its defaults): the pre-aggregated rows
    equal the per-request rows (schema and values); returns how many rows were compared."""
    compared = 0
    for name in figures:
        for options in asked.get(name, ({},)):
            read, reference = pre_aggregated_and_per_request(
                service, name, cut=cut, since=since, until=until, options=options
            )
            assert read.schema == reference.schema, (name, options, cut, since, until)
            assert read.equals(reference), (name, options, cut, since, until)
            compared += read.num_rows
    # The second calls read the pre-aggregates: their tables are named in the kept queries' keys.
    items, reached = service._facts.derived("items"), service._facts.derived("stages_reached")
    keys = [key for key in service._workspace.compiled_queries._queries if isinstance(key[0], tuple)]
    assert any(items in key[1] for key in keys) and any(reached in key[1] for key in keys)
    return compared


@pytest.mark.usefixtures("busy")
@pytest.mark.parametrize("build", ["stored facts"], indirect=True)
def test_every_figure_read_from_pre_aggregated_items_equals_the_per_request_rows(build) -> None:
    service = build([X1, Y1, Z1, W1, V1], flags=FLAGS, links=X1_LINKS).flow_at(at("03-12 08:00"))

    for since, until in [("03-04", "03-11"), ("03-01", "03-06")]:
        for cut in (None, Cut(team="beta")):
            assert_same(service, cut=cut, since=day(since), until=day(until))

    # Hand-worked, over 03-04 to 03-11 (8 days): beta finished W-1 (created 03-04 00:00, started 03-05
    # 00:00, done 03-08 00:00: lead 4.0, cycle 3.0) and Y-1 (03-04 00:00, 03-05 00:00, done 03-09 12:00:
    # lead 5.5, cycle 4.5): medians 4.75 and 3.75; the data's last event is on 03-10, so the rate is over
    # the 7 days 03-04 to 03-10 it covers: 2 / (7 / 7) = 2.0 a week; alpha finished nothing and ends the
    # window with X-1, Z-1 and V-1 in progress.
    rows = service.summary(by="team", since=day("03-04"), until=day("03-11")).table.to_pylist()
    by_team = {row["team"]: row for row in rows}
    beta, alpha = by_team["beta"], by_team["alpha"]
    assert (beta["finished"], beta["lead_time_p50"], beta["cycle_time_p50"]) == (2, days(4.75), days(3.75))
    assert beta["throughput_per_week"] == days(2.0)
    assert (alpha["finished"], alpha["wip"], alpha["lead_time_p50"]) == (0, 3, None)
    # The one workflow of the board reaches both a done and an active stage.
    reached = service._facts.pre_aggregate("stages_reached")
    assert [
        {k: v for k, v in row.items() if k != "reaches_cancelled"} for row in service.fetch(reached).to_pylist()
    ] == [
        {"workflow": row["workflow"], "reaches_done": True, "reaches_active": True}
        for row in service.fetch(service._facts.measured_items.select("workflow").distinct()).to_pylist()
    ]


def test_a_command_writes_no_pre_aggregate_and_a_dashboard_from_its_many_calls_on(build) -> None:
    workspace = build([X1, Y1, Z1, W1, V1], flags=FLAGS, links=X1_LINKS)
    service = workspace.flow_at(at("03-12 08:00"))
    before = set(workspace.compiled_queries._queries)
    window = service.window(since=day("03-04"), until=day("03-11"))
    for name in FIGURES:
        figure = registry.figure(name, "flow")
        service._runner.figure(figure, figure.options_for(workspace.config, {}), cut=None, window=window)
    service._runner.reported_count(Cut(team="beta"), window)

    # A command asks each figure once: no pre-aggregate is written, no kept query names one.
    facts = service._facts
    assert not any(facts.has_derived(part) for part in ("items", "stages_reached", "blocked_items"))
    assert all(not isinstance(key[0], tuple) for key in set(workspace.compiled_queries._queries) - before)

    # The summary asked until the runner's calls reach MANY_CALLS still measures the facts; the next
    # call reads the pre-aggregated items and workflows, with the same rows.
    first = service.summary(by="team", since=day("03-04"), until=day("03-11")).table
    while service._runner._calls < flow_runner.MANY_CALLS:
        assert service.summary(by="team", since=day("03-04"), until=day("03-11")).table.equals(first)
    assert not facts.has_derived("items") and not facts.has_derived("stages_reached")
    assert service.summary(by="team", since=day("03-04"), until=day("03-11")).table.equals(first)
    assert facts.has_derived("items") and facts.has_derived("stages_reached")


@pytest.fixture(scope="module")
def demo_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowService]:
    """A small demo (2,000 items: flags, blocked stages and cross-team links) as of its end."""
    directory: Path = tmp_path_factory.mktemp("pre-aggregated-items-demo")
    build_demo(directory, seed=7, items=2_000)
    workspace = orgflow.open(directory, read_only=True)
    yield workspace.flow_at(DEFAULT_END)
    workspace.close()


@pytest.mark.usefixtures("busy")
def test_every_figure_on_the_demo_equals_the_per_request_rows(demo_service: FlowService) -> None:
    connection = demo_service._workspace.store.connection
    teams = [row[0] for row in connection.execute("SELECT DISTINCT team_id FROM work_items ORDER BY 1").fetchall()]
    clusters = [row[0] for row in connection.execute("SELECT source_id FROM groups WHERE kind = 'cluster'").fetchall()]
    cuts = [None, Cut(team=[team for team in teams if team][-1]), Cut(group=clusters[0]), Cut(item_type="Bug")]
    end = DEFAULT_END.date()
    windows = [(end - timedelta(days=27), end), (end - timedelta(days=289), end - timedelta(days=200))]
    by_team = {"summary": ({"by": "team"},)}
    compared = 0
    for cut in cuts:
        for since, until in windows:
            compared += assert_same(demo_service, cut=cut, since=since, until=until, asked=by_team)
    assert compared > 10_000  # the comparisons are over the demo's items, not empty tables


@pytest.mark.usefixtures("busy")
def test_the_pre_aggregated_rows_lie_team_by_team(demo_service: FlowService) -> None:
    # Written in team order, so a figure of one team scans the vectors holding that team's rows.
    demo_service.summary(by="team")
    connection = demo_service._workspace.store.connection
    facts = demo_service._facts
    for part in ("items", "stages_reached", "cfd_team_entries", "cfd_team_stages"):
        name = facts.derived(part)
        columns = [row[0] for row in connection.execute(f"DESCRIBE {name}").fetchall()]
        if "team_id" not in columns:
            continue
        laid = [row[0] for row in connection.execute(f"SELECT team_id FROM {name} ORDER BY rowid").fetchall()]
        assert len(laid) > 0 and len(set(laid)) > 1, part
        assert laid == sorted(laid, key=lambda team: (team is None, team)), part


# No flags: the services of two `now`s after the last change share one table of stored facts, so they
# write their pre-aggregated items into one table too, each its own rows (`PreparedFacts.derived`).
V2 = item("V-2", ("03-06 00:00", "Backlog"), ("03-07 00:00", "In Progress"), ("03-09 00:00", "Blocked"))


@pytest.mark.usefixtures("busy")
@pytest.mark.parametrize("build", ["stored facts"], indirect=True)
def test_services_of_two_nows_read_their_own_pre_aggregated_items(build) -> None:
    workspace = build([X1, Y1, Z1, W1, V2], links=X1_LINKS)
    later, earlier = workspace.flow_at(at("03-12 08:00")), workspace.flow_at(at("03-11 08:00"))
    figures = ("summary", "age", "stages", "items")
    for service in (later, earlier, later):
        assert_same(service, cut=None, since=day("03-04"), until=day("03-10"), figures=figures)
    assert later._facts.derived("items") == earlier._facts.derived("items")  # one shared table
    # V-2, in progress since 03-07 00:00, is 5 d 8 h old at the later `now` and 4 d 8 h at the earlier.
    ages = [
        {row["item_id"]: row["age_days"] for row in service.age().table.to_pylist()}["V-2"]
        for service in (later, earlier)
    ]
    assert ages == [days(5 + 8 / 24), days(4 + 8 / 24)]

    # The rows of a service no longer referenced go when another service writes its own.
    table = later._facts.derived("items")
    del earlier, service
    gc.collect()
    workspace.flow_at(at("03-13 08:00")).summary(since=day("03-04"), until=day("03-10"))
    counts = workspace.store.connection.execute(f"SELECT as_of, count(*) FROM {table} GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [(at("03-12 08:00").replace(tzinfo=None), 5), (at("03-13 08:00").replace(tzinfo=None), 5)]


def test_a_notes_count_read_from_pre_aggregated_items_equals_a_commands(
    demo_service: FlowService, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = FlowService(demo_service._workspace, now=DEFAULT_END)
    monkeypatch.setattr(demo_service._runner, "_calls", flow_runner.MANY_CALLS + 1)  # a dashboard's
    end = DEFAULT_END.date()
    for cut in (None, Cut(item_type="Bug")):
        for since in (end - timedelta(days=27), end - timedelta(days=400)):
            window = fresh.window(since=since, until=end, cut=cut)
            assert demo_service._facts.has_derived("items")
            read = demo_service._runner.reported_count(cut, window)
            assert not fresh._facts.has_derived("items")
            assert read == fresh._runner.reported_count(cut, window), (cut, since)


@pytest.mark.parametrize("build", ["stored facts"], indirect=True)
def test_a_query_without_a_window_runs_once_per_cut_on_a_service(build) -> None:
    workspace = build([X1, Y1, Z1, W1, V1], flags=FLAGS, links=X1_LINKS)
    service = workspace.flow_at(at("03-12 08:00"))
    queries = workspace.compiled_queries

    # Where beta's data ends (W-1 done 03-08 00:00, Y-1 03-09 12:00): asked again, answered from the
    # rows kept (no query runs); alpha's runs the kept query with its own team.
    beta = service.data_ends(Cut(team="beta"))
    asked = (queries.hits, queries.misses)
    assert service.data_ends(Cut(team="beta")) == beta == {None: at("03-09 12:00")}
    assert (queries.hits, queries.misses) == asked
    alpha = service.data_ends(Cut(team="alpha"))
    assert (queries.hits, queries.misses) == (asked[0] + 1, asked[1])
    assert alpha == {None: at("03-10 20:00")}  # X-1 back in progress
