"""Pre-aggregates cut to a window give the rows the per-request computation gives, to the byte.

Blocked time (`orgflow.flow.stages.blocked_time`) measures each item over its whole start-to-end span;
the window only chooses the items. From its second call on a service, the flow figure cuts the
service's measure of every started item (`stages.blocked_items`, written once per service:
`PreparedFacts.derived`) to each window and cut (`stages.blocked_in_window`). The CFD of a cut of whole
teams then adds up its teams' daily entries (`flow_load.cfd_team_entries`, `cfd_of_teams`) instead of
counting its items' climbs. These tests compare both with the per-request functions themselves, built
and compiled afresh for each window and cut, on hand-made histories (with hand-worked figures) and on
the demo.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pytest
from tests.flow.test_flow_exact import X1, X1_FLAGS, X1_LINKS, Y1, Z1, at, build, day, days, item

import orgflow
from orgflow.demo import DEFAULT_END, build_demo
from orgflow.flow import flow_load, stages
from orgflow.flow.after_data import said_days_before_data
from orgflow.flow.result import MetricResult
from orgflow.flow.service import FlowService
from orgflow.query.compiled_sql import QueryCache
from orgflow.query.window import Cut, WindowTerms

__all__ = ["build"]  # the hand-made workspaces' fixture (three ways of preparing the facts)


def per_request(service: FlowService, *, cut: Cut | None, since: date, until: date) -> pa.Table:
    """`stages.blocked_time` of `cut` over the window, compiled afresh (never the figure's kept query)."""
    facts = service._facts
    window = service.window(since=since, until=until, cut=cut)
    return service._runner.rows(
        "blocked-per-request",
        lambda terms: stages.blocked_time(
            facts.tables, facts.spans(), facts.cut_items(cut), all_items=facts.items, window=terms, now=facts.now
        ),
        cut=cut,
        shape=(),
        window=window,
        queries=QueryCache(),
    )


def cfd_per_request(service: FlowService, *, cut: Cut | None, since: date, until: date) -> pa.Table:
    """`flow_load.cfd` of `cut` over the window (from its items' climbs), compiled afresh."""
    facts = service._facts
    window = service.window(since=since, until=until, cut=cut)

    def build(terms: WindowTerms | None) -> ir.Table:
        return flow_load.cfd(facts.climbs, facts.cut_items(cut), facts.stage_table(), facts.calendar(), window=terms)

    return service._runner.rows("cfd-per-request", build, cut=cut, shape=(), window=window, queries=QueryCache())


def assert_same(service: FlowService, *, cut: Cut | None, since: date, until: date) -> pa.Table:
    """Blocked time and the CFD of `cut` over the window, read from the service's pre-aggregates: the
    figures equal the per-request rows; returns the blocked rows."""
    # A figure reads its pre-aggregates from its second call on a service (a first call measures its own items).
    service.blocked(cut=cut, since=since, until=until)
    service.cfd(cut=cut, since=since, until=until)
    figure = service.cfd(cut=cut, since=since, until=until).table
    # The days before the data's first event are unknown (null) in both (`said_days_before_data`).
    reference = said_days_before_data(
        MetricResult("cfd", "", {}, cfd_per_request(service, cut=cut, since=since, until=until)),
        service.window(since=since, until=until, cut=cut),
        service.data_from(),
    ).table
    assert figure.schema == reference.schema
    assert figure.equals(reference), (cut, since, until, "cfd")
    figure = service.blocked(cut=cut, since=since, until=until).table
    reference = per_request(service, cut=cut, since=since, until=until)
    assert figure.schema == reference.schema
    assert figure.equals(reference), (cut, since, until)
    assert service._facts.has_derived("blocked_items") and service._facts.has_derived("cfd_team_entries")
    return figure


# Beside X-1 (blocked by flag, stage and a cross-team link; worked out in test_flow_exact):
# W-1 (beta) started 03-05 00:00, in the blocked stage 03-06 00:00 → 03-07 00:00 (1.0), done 03-08 00:00;
# V-1 started 03-07 00:00, open, flagged from 03-08 00:00 with no end (open: to `now`, 03-12 08:00: 4 d 8 h).
W1 = item(
    "W-1",
    ("03-04 00:00", "Backlog"),
    ("03-05 00:00", "In Progress"),
    ("03-06 00:00", "Blocked"),
    ("03-07 00:00", "In Progress"),
    ("03-08 00:00", "Done"),
    team="beta",
)
V1 = item("V-1", ("03-06 00:00", "Backlog"), ("03-07 00:00", "In Progress"))
FLAGS = (*X1_FLAGS, ("V-1", "03-08 00:00", None))


def test_figures_cut_from_measures_of_every_item_equal_the_per_request_rows(build) -> None:
    service = build([X1, Y1, Z1, W1, V1], flags=FLAGS, links=X1_LINKS).flow_at(at("03-12 08:00"))

    rows = assert_same(service, cut=None, since=day("03-04"), until=day("03-11")).to_pylist()

    # V-1 4 d 8 h flagged; X-1 4 d 16 h (test_flow_exact); W-1 1.0 in the blocked stage.
    assert [(row["item_id"], row["flagged_days"], row["status_days"], row["blocked_days"]) for row in rows] == [
        ("X-1", days(2.0), days(2.5), days(4 + 16 / 24)),
        ("V-1", days(4 + 8 / 24), 0.0, days(4 + 8 / 24)),
        ("W-1", 0.0, days(1.0), days(1.0)),
    ]
    # W-1 finished 03-08 00:00: a window from 03-08 still holds it, one from 03-09 no longer does; one
    # ending 03-06 (until 03-07 00:00) holds W-1 and X-1 (started 03-06 08:00) but not V-1 (03-07 00:00).
    for since, until, expected in [
        ("03-08", "03-11", {"X-1", "V-1", "W-1"}),
        ("03-09", "03-11", {"X-1", "V-1"}),
        ("03-01", "03-06", {"X-1", "W-1"}),
        ("03-01", "03-04", set()),
    ]:
        for cut in (None, Cut(team="alpha"), Cut(team="beta")):
            table = assert_same(service, cut=cut, since=day(since), until=day(until))
            teams = {"alpha": {"X-1", "V-1"}, "beta": {"W-1"}}
            wanted = expected if cut is None else expected & teams[cut.team or ""]
            assert set(table.column("item_id").to_pylist()) == wanted, (cut, since, until)


# V-2 started 03-07 00:00, open, in the blocked stage since 03-09 00:00 (to `now`). No flags, so the
# services of both `now`s (after the last change, 03-10 20:00) can share one table of stored facts.
V2 = item("V-2", ("03-06 00:00", "Backlog"), ("03-07 00:00", "In Progress"), ("03-09 00:00", "Blocked"))


def test_each_now_reads_its_own_measure(build) -> None:
    workspace = build([X1, Y1, Z1, V2], links=X1_LINKS)
    later = workspace.flow_at(at("03-12 08:00"))
    earlier = workspace.flow_at(at("03-11 08:00"))

    # Each service reads the measure as of its own `now`: V-2's blocked spell runs to it.
    status = {}
    for name, service in (("later", later), ("earlier", earlier), ("later again", later)):
        table = assert_same(service, cut=None, since=day("03-08"), until=day("03-09"))
        status[name] = dict(zip(table["item_id"].to_pylist(), table["status_days"].to_pylist(), strict=True))["V-2"]
    assert status == {"later": days(3 + 8 / 24), "earlier": days(2 + 8 / 24), "later again": days(3 + 8 / 24)}


@pytest.fixture(scope="module")
def demo_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowService]:
    """A small demo (2,000 items: flags, blocked stages and cross-team links) as of its end."""
    directory: Path = tmp_path_factory.mktemp("pre-aggregates-demo")
    build_demo(directory, seed=7, items=2_000)
    workspace = orgflow.open(directory, read_only=True)
    yield workspace.flow_at(DEFAULT_END)
    workspace.close()


def test_blocked_and_cfd_on_the_demo_equal_the_per_request_rows(demo_service: FlowService) -> None:
    connection = demo_service._workspace.store.connection
    teams = [row[0] for row in connection.execute("SELECT DISTINCT team_id FROM work_items ORDER BY 1").fetchall()]
    clusters = [row[0] for row in connection.execute("SELECT source_id FROM groups WHERE kind = 'cluster'").fetchall()]
    cuts = [None, *(Cut(team=team) for team in teams[:5] if team), *(Cut(group=group) for group in clusters[:2])]
    cuts.append(Cut(item_type="Bug"))
    end = DEFAULT_END.date()
    windows = [
        (end - timedelta(days=length + shift), end - timedelta(days=shift))
        for length, shift in [(27, 0), (89, 0), (6, 40), (27, 200), (400, 30)]
    ]
    rows = 0
    for cut in cuts:
        for since, until in windows:
            rows += assert_same(demo_service, cut=cut, since=since, until=until).num_rows
    assert rows > 100  # the comparisons are over blocked items, not empty tables


def test_a_first_call_measures_its_own_items_and_a_second_the_pre_aggregate(build) -> None:
    service = build([X1, Y1, Z1, W1, V1], flags=FLAGS, links=X1_LINKS).flow_at(at("03-12 08:00"))

    first = service.blocked(since=day("03-04"), until=day("03-11")).table
    first_cfd = service.cfd(cut=Cut(team="alpha"), since=day("03-04"), until=day("03-11")).table
    # A command asks once: nothing is measured beyond its own items.
    assert not service._facts.has_derived("blocked_items") and not service._facts.has_derived("cfd_team_entries")

    again = service.blocked(since=day("03-04"), until=day("03-11")).table
    again_cfd = service.cfd(cut=Cut(team="alpha"), since=day("03-04"), until=day("03-11")).table
    assert service._facts.has_derived("blocked_items") and service._facts.has_derived("cfd_team_entries")
    assert again.equals(first) and again_cfd.equals(first_cfd)
    # X-1, V-1 and W-1 blocked; alpha's CFD: 8 days (03-04 to 03-11) of the 6 stages but Cancelled.
    assert again.column("item_id").to_pylist() == ["X-1", "V-1", "W-1"]
    assert again_cfd.num_rows == 8 * 6
