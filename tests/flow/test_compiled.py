"""Compiled queries: bound values fill their slots exactly, a kept query serves other values, and a
`FlowService` running a kept query gives the figures it would have built.

Expected values are worked out by hand in the comments; where a figure is compared rather than
computed by hand, the other side is a workspace opened afresh, whose queries are all built and
compiled for the call.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pytest
from boards import SMALL_BOARD
from ibis import _
from tests.flow.histories import at, history_batch

import orgflow
from orgflow.errors import InputError
from orgflow.model import StatusTransition, WorkItem
from orgflow.query.compiled import (
    TIMESTAMP,
    CompiledQuery,
    QueryCache,
    bound,
    compile_query,
    inline_bound,
    run_query,
    values_of,
)
from orgflow.query.lookups import sql_literal
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace


@pytest.fixture
def backend() -> ibis.BaseBackend:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE items (team VARCHAR, started TIMESTAMP, days DOUBLE);"
        "INSERT INTO items VALUES ('a', '2024-03-01 00:00:00', 1.5), ('$now', '2024-03-02 12:00:00.000001', 2.0),"
        " ('o''b', '2024-03-03 00:00:00', 4.0)"
    )
    return ibis.duckdb.from_connection(connection)


# -- filling slots -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        (0.1 + 0.2, dt.float64, 0.30000000000000004),
        (1e-300, dt.float64, 1e-300),
        (np.float64(1.5), dt.float64, 1.5),
        (float("-inf"), dt.float64, float("-inf")),
        (2**53 + 1, dt.int64, 9007199254740993),
        (datetime(2024, 3, 2, 12, 0, 0, 1), TIMESTAMP, datetime(2024, 3, 2, 12, 0, 0, 1)),
        (date(1900, 1, 1), dt.date, date(1900, 1, 1)),
        ("it's", dt.string, "it's"),
        ("o'b\x00\\ ✓ $now", dt.string, "o'b\x00\\ ✓ $now"),
        ("\x00", dt.string, "\x00"),
        (True, dt.boolean, True),
        (None, dt.float64, None),
    ],
)
def test_a_value_comes_back_from_duckdb_exactly_as_given(
    backend: ibis.BaseBackend, value: object, dtype: dt.DataType, expected: object
) -> None:
    query = compile_query(backend.table("items").limit(1).select(v=bound("v", value, dtype)))

    assert query.labels == ("v",)
    sql = query.sql_with({"v": value})
    assert sql.count(sql_literal(value)) == 1
    assert backend.con.execute(sql).fetchone()[0] == expected


def test_values_that_would_change_meaning_are_refused() -> None:
    with pytest.raises(TypeError, match="naive UTC"):
        sql_literal(datetime(2024, 3, 1, tzinfo=UTC))
    with pytest.raises(TypeError, match="no SQL literal for a list"):
        sql_literal([1])
    with pytest.raises(ValueError, match="identifier"):
        bound("not a label", 1, dt.int64)


def test_one_compiled_query_serves_other_values(backend: ibis.BaseBackend) -> None:
    items = backend.table("items")
    since = bound("since", datetime(2024, 3, 2), TIMESTAMP)
    expression = (
        items.filter(_.started >= since, _.team != "$now")
        .select("team", scaled=_.days / bound("unit", 2.0, dt.float64))
        .order_by("team")
    )
    query = compile_query(expression)

    # The string '$now' in the data and in the query is text, not a slot: only the two bound values are.
    assert sorted(query.labels) == ["since", "unit"]
    assert values_of(expression) == {"since": datetime(2024, 3, 2), "unit": 2.0}
    # Since 03-02: only o'b (the '$now' row is filtered out); 4.0 / 2.0 = 2.0.
    assert run_query(backend.con, query, values_of(expression)).to_pylist() == [{"team": "o'b", "scaled": 2.0}]
    # Since 03-01 and a unit of 0.5: a (1.5 / 0.5 = 3.0) and o'b (4.0 / 0.5 = 8.0).
    again = run_query(backend.con, query, {"since": datetime(2024, 3, 1), "unit": 0.5, "unused": 1})
    assert again.to_pylist() == [{"team": "a", "scaled": 3.0}, {"team": "o'b", "scaled": 8.0}]
    with pytest.raises(KeyError, match="unit"):
        run_query(backend.con, query, {"since": datetime(2024, 3, 1)})


def test_a_bound_value_inlined_gives_the_rows_ibis_itself_returns(backend: ibis.BaseBackend) -> None:
    items = backend.table("items")
    expression = items.filter(_.started < bound("now", datetime(2024, 3, 2, 12, 0, 0, 1), TIMESTAMP))
    # Strictly before 03-02 12:00:00.000001: a only; the '$now' row starts at that very instant.
    inlined = inline_bound(expression).order_by("team").to_pyarrow()
    assert inlined.column("team").to_pylist() == ["a"]
    assert inlined.equals(run_query(backend.con, compile_query(expression.order_by("team")), values_of(expression)))


def test_one_label_with_two_values_is_refused(backend: ibis.BaseBackend) -> None:
    items = backend.table("items")
    expression = items.filter(
        _.started >= bound("now", datetime(2024, 3, 1), TIMESTAMP),
        _.started < bound("now", datetime(2024, 3, 2), TIMESTAMP),
    )
    with pytest.raises(ValueError, match="holds both"):
        values_of(expression)


def test_the_cache_drops_the_least_recently_used() -> None:
    cache = QueryCache(capacity=2)
    query = CompiledQuery(("SELECT 1",), (), compile_query(ibis.memtable({"x": [1]})).schema)
    cache.put("a", query)
    cache.put("b", query)
    assert cache.get("a") is query  # a is now the most recent
    cache.put("c", query)  # so b goes
    assert cache.get("b") is None
    assert cache.get("a") is query and cache.get("c") is query
    assert (len(cache), cache.hits, cache.misses) == (2, 3, 1)


# -- a FlowService running kept queries ----------------------------------------------------------------
@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """alpha's A-1: created 03-01, started 03-02, done 03-05. alpha's A-2: created 03-01, started
    03-03, open. beta's B-1: created 03-01, started 03-04 12:00, open."""
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(SMALL_BOARD, encoding="utf-8")
    opened = orgflow.open(tmp_path)
    histories = {
        ("A-1", "alpha", "Story"): [
            ("03-01 00:00", "Backlog"),
            ("03-02 00:00", "In Progress"),
            ("03-05 00:00", "Done"),
        ],
        ("A-2", "alpha", "Story"): [("03-01 00:00", "Backlog"), ("03-03 00:00", "In Progress")],
        ("B-1", "beta", "Story"): [("03-01 00:00", "Backlog"), ("03-04 12:00", "In Progress")],
    }
    opened.write(history_batch(histories))
    yield opened
    opened.close()


def test_a_later_service_runs_the_kept_query_with_its_own_now(workspace: Workspace) -> None:
    cache = workspace.compiled_queries
    first = workspace.flow_at(at("03-10 00:00")).age()
    assert (cache.hits, cache.misses) == (0, 1)
    # 03-10: A-2 is 7 days old (from 03-03), B-1 5.5 days (from 03-04 12:00).
    assert {row["item_id"]: row["age_days"] for row in first.rows()} == {"A-2": 7.0, "B-1": 5.5}

    later = workspace.flow_at(at("03-20 06:00")).age()

    assert (cache.hits, cache.misses) == (1, 1)
    # 03-20 06:00: A-2 17.25 days, B-1 15.75 days.
    assert {row["item_id"]: row["age_days"] for row in later.rows()} == {"A-2": 17.25, "B-1": 15.75}
    assert later.params["now"] == "2024-03-20T06:00:00+00:00"


def test_another_team_and_window_run_the_kept_query_with_their_values(workspace: Workspace) -> None:
    service = workspace.flow_at(at("03-10 00:00"))
    alpha = service.summary(cut=Cut(team="alpha"), since=date(2024, 3, 1), until=date(2024, 3, 6))
    beta = service.summary(cut=Cut(team="beta"), since=date(2024, 3, 1), until=date(2024, 3, 3))

    assert (workspace.compiled_queries.hits, workspace.compiled_queries.misses) == (1, 1)
    # alpha over 03-01..03-06 (6 days): A-1 done (lead 4 days, cycle 3), A-2 in progress at the end. The
    # data ends on 03-05 (A-1's finish), so the rate is over the 5 days 03-01..03-05 it covers: 7 / 5.
    row = alpha.rows()[0]
    assert (row["finished"], row["lead_time_p50"], row["cycle_time_p50"], row["wip"]) == (1, 4.0, 3.0, 1)
    assert row["throughput_per_week"] == pytest.approx(7 / 5, abs=0)
    # beta over 03-01..03-03 (3 days): nothing finished, B-1 not yet started at the end (03-04 00:00).
    row = beta.rows()[0]
    assert (row["finished"], row["wip"], row["throughput_per_week"]) == (0, 0, 0.0)
    assert beta.params["team"] == "beta" and beta.params["until"] == "2024-03-04T00:00:00Z"


METRIC_CALLS = [
    ("summary", {"by": "team"}),
    ("cycle_time", {}),
    ("lead_time", {}),
    ("throughput", {"period": "day"}),
    ("wip", {"by": "team"}),
    ("cfd", {}),
    ("age", {}),
    ("efficiency", {}),
    ("distribution", {}),
    ("stages", {"level": "phase"}),
    ("time_in_stage", {}),
    ("blocked", {}),
    ("sle", {}),
    ("littles_law", {}),
    ("items", {"state": "open"}),
]


@pytest.mark.parametrize(("name", "options"), METRIC_CALLS, ids=[name for name, _ in METRIC_CALLS])
def test_every_kept_query_gives_the_tables_a_fresh_build_gives(
    workspace: Workspace, name: str, options: dict[str, object]
) -> None:
    # Compiled as of 03-06 over the default window, then run as of 03-12 over 03-02..03-08 for beta.
    getattr(workspace.flow_at(at("03-06 00:00")), name)(**options)
    window = {} if name in ("age", "time_in_stage", "sle") else {"since": date(2024, 3, 2), "until": date(2024, 3, 8)}
    hits = workspace.compiled_queries.hits
    kept = getattr(workspace.flow_at(at("03-12 00:00")), name)(**options, **window)
    assert workspace.compiled_queries.hits == hits + 1
    beta_kept = getattr(workspace.flow_at(at("03-12 00:00")), name)(cut=Cut(team="beta"), **options, **window)

    with orgflow.open(workspace.directory) as fresh:
        built = getattr(fresh.flow_at(at("03-12 00:00")), name)(**options, **window)
        beta_built = getattr(fresh.flow_at(at("03-12 00:00")), name)(cut=Cut(team="beta"), **options, **window)
        assert fresh.compiled_queries.hits == 0

    assert kept.table.equals(built.table)
    assert beta_kept.table.equals(beta_built.table)
    assert kept.params == built.params


def test_a_bound_value_a_query_builder_took_from_elsewhere_is_caught(workspace: Workspace) -> None:
    service = workspace.flow_at(at("03-10 00:00"))
    stale_now = bound("now", datetime(2024, 3, 1), TIMESTAMP)

    def build(_terms: object) -> ibis.Table:
        return service.items_table().filter(_.created_at < stale_now)

    with pytest.raises(AssertionError, match="bound values not from this call"):
        service._runner.rows("items", build, cut=None, shape=("stale",), window=None)


def test_a_flow_query_imports_no_pandas(workspace: Workspace) -> None:
    """Binding DuckDB parameters imports pandas (about 0.4 s per process); the flow set must not."""
    script = (
        "import sys; from datetime import datetime, UTC; import orgflow\n"
        f"ws = orgflow.open({str(workspace.directory)!r}, read_only=True)\n"
        "service = ws.flow_at(datetime(2024, 3, 12, tzinfo=UTC))\n"
        "from orgflow.query.window import Cut\n"
        "service.summary(by='team'); service.cfd(); service.age(); service.summary(cut=Cut(team='beta'))\n"
        "print('pandas' in sys.modules)\n"
    )
    workspace.close()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_binding_a_duckdb_parameter_still_imports_pandas() -> None:
    """Why cut values are written as literals, not bound (docs/decisions/0005): when this fails, DuckDB
    binds a text without pandas and the cut values should become DuckDB parameters."""
    script = (
        "import sys, duckdb\n"
        "duckdb.connect().execute('SELECT ?::VARCHAR', ['payments']).fetchall()\n"
        "print('pandas' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


def test_a_cut_value_with_quotes_and_a_nul_byte_selects_exactly_its_team(workspace: Workspace) -> None:
    # C-1 of the team o'b<NUL>\ ✓, created 03-01 and started 03-06: in progress on 03-10. Its team id
    # reaches SQL through the cut's slots, the team check and the team lookups: written exactly, it
    # selects C-1 alone, and its prefix before the NUL byte is no team.
    odd = "o'b\x00\\ ✓"
    batch = ImportBatch("csv", "test", "hand-built")
    batch.add(
        WorkItem(
            source="csv",
            source_id="C-1",
            project="P",
            team_id=odd,
            title="C-1",
            item_type="Story",
            created_at=at("03-01 00:00"),
            status="In Progress",
        )
    )
    batch.add(StatusTransition("csv", "C-1", 0, at("03-01 00:00"), None, "Backlog"))
    batch.add(StatusTransition("csv", "C-1", 1, at("03-06 00:00"), "Backlog", "In Progress"))
    workspace.write(batch)
    service = workspace.flow_at(at("03-10 00:00"))
    service.summary(cut=Cut(team="beta"))  # compiles the team shape; the odd team runs the kept query

    summary = service.summary(cut=Cut(team=odd))

    assert workspace.compiled_queries.hits == 1
    assert (summary.rows()[0]["finished"], summary.rows()[0]["wip"]) == (0, 1)
    assert service.items(cut=Cut(team=odd)).table.column("item_id").to_pylist() == ["C-1"]
    assert [row["team"] for row in service.summary(by="team").rows()] == ["alpha", "beta", odd]
    with pytest.raises(InputError, match="unknown team"):
        service.summary(cut=Cut(team="o'b"))


def test_one_kept_items_query_serves_every_stage(workspace: Workspace) -> None:
    service = workspace.flow_at(at("03-10 00:00"))

    def ids(stage: str) -> list[str]:
        return service.items(stage=stage).table.column("item_id").to_pylist()

    # On 03-10 A-1 is done; A-2 and B-1 are in Doing (status In Progress); no item is in Review. A stage
    # no workflow has (text with a quote and a NUL byte) is refused before any query runs.
    assert ids("Doing") == ["A-2", "B-1"]
    assert ids("Done") == ["A-1"]
    assert ids("Review") == []
    with pytest.raises(InputError, match="unknown stage"):
        ids("Doing'\x00")
    assert (workspace.compiled_queries.hits, workspace.compiled_queries.misses) == (2, 1)


def test_an_empty_cut_value_is_no_cut_on_every_path(workspace: Workspace) -> None:
    """An empty team (a CLI `--team ""`) counts as no team: it must neither run the team's query
    shape nor lend its own (unfiltered) shape to a real team later."""
    service = workspace.flow_at(at("03-10 00:00"))
    whole = service.summary(cut=Cut(team=""))
    alpha = service.summary(cut=Cut(team="alpha"))
    # The whole organisation finished A-1 by 03-10 and has A-2 and B-1 in progress; alpha only A-2.
    assert (whole.rows()[0]["finished"], whole.rows()[0]["wip"]) == (1, 2)
    assert (alpha.rows()[0]["finished"], alpha.rows()[0]["wip"]) == (1, 1)


def test_a_window_cannot_leave_the_calendar_but_an_early_item_does_not_stretch_the_default() -> None:
    from orgflow.errors import InputError
    from orgflow.query.window import make_window

    now = datetime(2024, 3, 10, tzinfo=UTC)
    window = make_window(since=None, until=None, now=now, earliest=datetime(1890, 5, 1, tzinfo=UTC))
    assert (window.since, window.until) == (datetime(1900, 1, 1), datetime(2024, 3, 10))
    with pytest.raises(InputError, match="leaves the calendar"):
        make_window(since=date(1899, 12, 31), until=None, now=now, earliest=None)
    # An `until` past the calendar's last day is refused before the window is built (it could overflow).
    with pytest.raises(InputError, match=r"until: '2200-01-01' is outside the calendar \(1900-01-01 to 2199-12-31\)"):
        make_window(since=None, until=date(2200, 1, 1), now=now, earliest=None)
