"""A printed flow figure read from DuckDB's Python values (`orgflow.query.plain_table`) is the figure read
as Arrow: the same bytes in a table, CSV and JSON, and the same Arrow table when one is asked for.

Each figure is computed twice in one workspace: first outside `plain_rows` (compiled, read as Arrow,
kept), then inside it (the kept query run, its rows read as plain values where its columns allow).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from tests.cli.three_items import TRANSITIONS

import orgflow
from orgflow.cli.render import Format, render
from orgflow.flow.result import MetricResult
from orgflow.query.compiled_sql import CompiledQuery, plain_rows, plain_rows_wanted, run_fitted, run_kept
from orgflow.query.plain_table import PlainTable, arrow_table
from orgflow.store.query_file import _decoded, _encoded

NOW = datetime(2024, 3, 10, tzinfo=UTC)

FIGURES: list[tuple[str, dict[str, Any]]] = [
    ("summary", {}),
    ("summary", {"by": "team"}),
    ("lead-time", {}),
    ("cycle-time", {}),
    ("throughput", {}),
    ("wip", {"by": "team"}),
    ("cfd", {}),
    ("age", {}),
    ("efficiency", {"by": "team"}),
    ("distribution", {}),
    ("stages", {}),
    ("time-in-stage", {}),
    ("items", {}),
    ("sle", {}),
    ("blocked", {}),
    ("littles-law", {}),
]
"""Every flow figure, grouped where grouping adds a column."""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[orgflow.Workspace]:
    """The three-item workspace (alpha: A-1 done, A-2 in progress; beta: B-1 done), open read-only."""
    folder = tmp_path_factory.mktemp("plain")
    csv = folder / "changes.csv"
    csv.write_text(TRANSITIONS, encoding="utf-8")
    with orgflow.init(folder / "ws") as created:
        created.import_files("transitions", [csv])
    with orgflow.open(folder / "ws", read_only=True) as opened:
        yield opened


def _both(workspace: orgflow.Workspace, name: str, options: dict[str, Any]) -> tuple[MetricResult, MetricResult]:
    """(`name` read as Arrow, `name` read again inside `plain_rows`)."""
    arrow = workspace.flow_at(NOW).compute(name, **options)
    with plain_rows():
        plain = workspace.flow_at(NOW).compute(name, **options)
    return arrow, plain


def _printed(capsys: pytest.CaptureFixture[str], result: MetricResult, fmt: Format, **options: Any) -> str:
    capsys.readouterr()
    render(result, fmt, **options)
    return capsys.readouterr().out


@pytest.mark.parametrize(("name", "options"), FIGURES, ids=[f"{n}{'-by' if o else ''}" for n, o in FIGURES])
def test_a_figure_printed_from_plain_rows_is_the_bytes_arrow_prints(
    workspace: orgflow.Workspace, capsys: pytest.CaptureFixture[str], name: str, options: dict[str, Any]
) -> None:
    arrow, plain = _both(workspace, name, options)
    assert isinstance(arrow.table, pa.Table)
    assert isinstance(plain.table, PlainTable)
    for fmt in Format:
        assert _printed(capsys, plain, fmt) == _printed(capsys, arrow, fmt), fmt
    assert plain.rows() == arrow.rows()
    assert plain.params == arrow.params and plain.notes == arrow.notes
    # Converted back, the plain rows are the Arrow table (schema and values; NaN compared as NaN).
    assert arrow_table(plain.table).to_pylist() == arrow.table.to_pylist()
    assert arrow_table(plain.table).schema.equals(arrow.table.schema)


def test_the_headline_figures_are_read_without_arrow(
    workspace: orgflow.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    arrow, plain = _both(workspace, "summary", {"by": "team"})
    assert isinstance(plain.table, PlainTable)
    assert plain.table.types[:3] == ("VARCHAR", "BIGINT", "BIGINT")
    # alpha: A-1 finished 03-05, lead time 4 days (from 03-01 09:00), A-2 in progress; beta: B-1, 7 days.
    rows = [(row["team"], row["finished"], row["lead_time_p50"], row["wip"]) for row in plain.rows()]
    assert rows == [("alpha", 1, 4.0, 1), ("beta", 1, 7.0, 0)]
    # --columns chooses and orders columns of the plain rows as of Arrow's.
    chosen = ["wip", "team", "finished"]
    assert _printed(capsys, plain, Format.csv, columns=chosen) == "wip,team,finished\r\n1,alpha,1\r\n0,beta,1\r\n"
    assert _printed(capsys, plain, Format.table, columns=chosen) == _printed(
        capsys, arrow, Format.table, columns=chosen
    )


def test_instants_of_plain_rows_are_aware_for_python_callers(workspace: orgflow.Workspace) -> None:
    arrow, plain = _both(workspace, "cycle-time", {})
    assert isinstance(plain.table, PlainTable) and plain.table.instant_columns()
    finished = {row["item_id"]: row["finished_at"] for row in plain.rows()}
    assert finished == {"A-1": datetime(2024, 3, 5, 9, tzinfo=UTC), "B-1": datetime(2024, 3, 8, 12, tzinfo=UTC)}
    assert plain.rows() == arrow.rows()


def test_plain_rows_hold_only_inside_the_block(workspace: orgflow.Workspace) -> None:
    assert not plain_rows_wanted()
    with plain_rows():
        assert plain_rows_wanted()
    assert not plain_rows_wanted()
    # Outside it every kept query reads as Arrow, as the Python API and the dashboard always do.
    workspace.flow_at(NOW).summary()
    assert isinstance(workspace.flow_at(NOW).summary().table, pa.Table)


def test_a_plain_table_chooses_drops_and_renames_as_arrow_does() -> None:
    schema = pa.schema([("team", pa.string()), ("n", pa.int64()), ("days", pa.float64())])
    arrow = pa.table({"team": ["a", None], "n": [1, 2], "days": [0.5, float("inf")]}, schema=schema)
    plain = PlainTable(
        ["team", "n", "days"], ["VARCHAR", "BIGINT", "DOUBLE"], [("a", 1, 0.5), (None, 2, float("inf"))], lambda: schema
    )
    assert (plain.num_rows, plain.num_columns, plain.column_names) == (2, 3, ["team", "n", "days"])
    assert plain.to_pylist() == arrow.to_pylist()
    assert plain.column("n").to_pylist() == [1, 2] and plain.column(0).to_pylist() == ["a", None]
    chosen = plain.select(["days", "team"])
    assert chosen.to_pylist() == arrow.select(["days", "team"]).to_pylist()
    assert chosen.schema.equals(arrow.select(["days", "team"]).schema)
    dropped = plain.drop_columns(["n"])
    assert (
        dropped.schema.equals(arrow.drop_columns(["n"]).schema)
        and dropped.to_pylist() == arrow.drop_columns(["n"]).to_pylist()
    )
    renamed = plain.rename_columns(["group", "n", "days"])
    assert renamed.to_arrow().equals(arrow.rename_columns(["group", "n", "days"]))
    assert [plain.is_numeric(name) for name in plain.column_names] == [False, True, True]
    with pytest.raises(KeyError):
        plain.column("nope")
    # New rows of the same columns: aware instants kept naive in UTC, as Arrow keeps them.
    instants = PlainTable(["at"], ["TIMESTAMP"], [], lambda: pa.schema([("at", pa.timestamp("us"))]))
    later = datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    assert instants.with_rows([{"at": later}, {}]).to_pylist() == [{"at": datetime(2024, 3, 1, 9)}, {"at": None}]
    with pytest.raises(ValueError, match="2 names for 3 columns"):
        plain.rename_columns(["a", "b"])


def test_the_kept_query_file_keeps_the_plain_signature() -> None:
    schema = pa.schema([("team", pa.string()), ("n", pa.int64())])
    query = CompiledQuery(("SELECT 'a' AS team, 1 AS n",), (), schema, (("team", "VARCHAR"), ("n", "BIGINT")))
    assert _decoded(_encoded(query)).plain == (("team", "VARCHAR"), ("n", "BIGINT"))
    # An entry of another shape has no signature: its rows are read as Arrow.
    for junk in ("VARCHAR", [["team"]], [["team", 1]], {"team": "VARCHAR"}):
        assert _decoded({**_encoded(query), "plain": junk}).plain is None
    assert _decoded({key: value for key, value in _encoded(query).items() if key != "plain"}).plain is None


def test_a_query_gets_a_signature_only_when_duckdb_returns_the_schemas_types() -> None:
    connection = duckdb.connect()
    integer = pa.schema([("n", pa.int64())])
    # A sum of integers is a HUGEINT (an Arrow decimal): the kept SQL casts it, so its rows read plain.
    _, kept = run_fitted(connection, CompiledQuery(("SELECT sum(1) AS n",), (), integer), {})
    assert kept.plain == (("n", "BIGINT"),)
    # A decimal the schema calls a float is cast by Arrow: read as Arrow (Python would get a Decimal).
    floats = pa.schema([("x", pa.float64())])
    table, kept = run_fitted(connection, CompiledQuery(("SELECT 1.5 AS x",), (), floats), {})
    assert kept.plain is None and table.to_pylist() == [{"x": 1.5}]
    # A list column has no plain values.
    lists = pa.schema([("l", pa.list_(pa.int32()))])
    assert run_fitted(connection, CompiledQuery(("SELECT [1] AS l",), (), lists), {})[1].plain is None


def test_a_result_duckdb_describes_otherwise_is_read_as_arrow() -> None:
    connection = duckdb.connect()
    schema = pa.schema([("n", pa.int64())])
    stale = CompiledQuery(("SELECT 1::INTEGER AS n",), (), schema, (("n", "BIGINT"),))
    with plain_rows():
        table = run_kept(connection, stale, {})
        plain = run_kept(connection, CompiledQuery(("SELECT 1::BIGINT AS n",), (), schema, (("n", "BIGINT"),)), {})
    assert isinstance(table, pa.Table) and table.schema.equals(schema) and table.to_pylist() == [{"n": 1}]
    assert isinstance(plain, PlainTable) and plain.to_pylist() == [{"n": 1}]


def test_instants_the_schema_calls_dates_read_as_their_dates_when_all_are_midnights() -> None:
    connection = duckdb.connect()
    days = pa.schema([("day", pa.date32())])
    sql = "SELECT * FROM (VALUES (TIMESTAMP '2024-03-04 00:00:00'), (NULL)) AS t(day)"
    table, kept = run_fitted(connection, CompiledQuery((sql,), (), days), {})
    assert kept.plain == (("day", "TIMESTAMP AS DATE"),)
    with plain_rows():
        plain = run_kept(connection, kept, {})
        # One instant past midnight: Arrow's cast decides its day, as it always did.
        late = CompiledQuery((sql.replace("00:00:00", "00:00:01"),), (), days, kept.plain)
        assert isinstance(run_kept(connection, late, {}), pa.Table)
    assert isinstance(plain, PlainTable) and plain.types == ("DATE",)
    assert plain.to_pylist() == table.to_pylist() == [{"day": date(2024, 3, 4)}, {"day": None}]
    assert plain.to_arrow().equals(table)


def test_rows_over_their_own_windows_stay_plain_and_print_as_arrow_does(
    workspace: orgflow.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of the data (no now given): alpha's data ends 03-05, before the workspace's (03-08), so its row
    # is read over its own 90 days to 03-05.
    arrow = workspace.flow.summary(by="team")
    with plain_rows():
        plain = workspace.flow.summary(by="team")
    assert set(plain.params["row_windows"]) == {"alpha"} and plain.params == arrow.params
    assert isinstance(plain.table, PlainTable)
    for fmt in Format:
        assert _printed(capsys, plain, fmt) == _printed(capsys, arrow, fmt), fmt
    assert plain.table.to_arrow().equals(arrow.table)


def test_a_phase_narrows_the_rows_as_arrow_does(
    workspace: orgflow.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    # The phase filters rows with Arrow's compute functions: plain rows become Arrow first.
    arrow, plain = _both(workspace, "age", {"cut": orgflow.Cut(phase="Create")})
    assert [row["item_id"] for row in plain.rows()] == ["A-2"]  # in progress since 03-04
    for fmt in Format:
        assert _printed(capsys, plain, fmt) == _printed(capsys, arrow, fmt), fmt
