"""The column-wise readers (transitions CSV, Jira JSON Lines) against the row-by-row ones, their definition.

Every input gives the same records, in the same order, or the same error, whichever reader runs: the
column-wise one either vouches for its result or declines and lets the row-by-row one decide. The
row-by-row readers are reached by making the column-wise ones decline every file. Inputs: generated
files (hypothesis, derandomized) around the shapes and edge cases each reader declines on, and slices
of the real data; plus the pieces (timestamps, white space, record tables, the store's write).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sources.importer_samples import _JIRA_ISSUE, replaced, value_paths

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model import TABLES
from orgflow.model.table import RecordTable
from orgflow.model.work import Release, StatusTransition, WorkItem
from orgflow.sources import jira, transitions_columns, transitions_csv
from orgflow.sources.file_text import _gunzip
from orgflow.sources.files import iter_json_records, parse_instant
from orgflow.sources.instants import ShapeRejected, parse_instants
from orgflow.sources.transitions_columns import ODD_SPACES
from orgflow.store import ImportBatch, Store
from orgflow.store.arrow_rows import records_table as store_rows

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
KEP = SHARED / "kep" / "kubernetes-kep-transitions.csv"
JIRA_REAL = SHARED / "jira" / "apache-amq-zookeeper.jsonl.gz"
KEP_OPTIONS: dict[str, Any] = {
    "map": {
        "kep_id": "item_id",
        "timestamp_iso": "timestamp",
        "from_value": "from_status",
        "to_value": "to_status",
        "owning_sig": "team",
    },
    "where": {"field": "status"},
}
DERANDOMIZED = settings(
    max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@contextmanager
def _row_by_row() -> Iterator[None]:
    """The transitions importer with its column-wise reader declining every file."""
    with mock.patch.object(transitions_csv, "load_columns", lambda *args, **kwargs: None):
        yield


def _jira_as_before(paths: list[Path], *, config: Config, options: dict[str, Any]) -> ImportBatch:
    """The Jira importer as it was before it gathered columns: `parse_issue` on every issue, records in
    lists, one release per key (the store then keeps the last of an item listed twice)."""
    jira.load([], config=config, options=options)  # the options' own errors
    batch = ImportBatch(source="jira", kind="jira", origin="")
    for raw in iter_json_records(paths[0], list_keys=("issues",)):
        batch.extend(
            jira.parse_issue(
                raw.data,
                config=config,
                file=raw.file,
                record=raw.position,
                strict_statuses=bool(options.get("strict_statuses")),
                epic_field=options.get("epic_field"),
            )
        )
    releases = {release.source_id: release for release in batch.records.get(Release, ())}  # type: ignore[attr-defined]
    if releases:
        batch.records[Release] = list(releases.values())
    return batch


def _both(load: Any, path: Path, **options: Any) -> tuple[ImportBatch | str, ImportBatch | str]:
    """(column-wise, row-by-row) outcomes of `load` on `path`: a batch, or the error's text."""

    def outcome(call: Any) -> ImportBatch | str:
        try:
            return call([path], config=Config(teams={"PAY": "payments"}), options=dict(options))
        except InputError as error:
            return f"InputError: {error}"

    fast = outcome(load)
    if load is jira.load:
        return fast, outcome(_jira_as_before)
    with _row_by_row():
        return fast, outcome(load)


def _assert_same(fast: ImportBatch | str, slow: ImportBatch | str) -> None:
    """The same error, or the same rows as the store writes them (an item listed twice: its last listing)."""
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    classes = {record_class for record_class, records in slow.records.items() if records}
    assert {record_class for record_class, records in fast.records.items() if records} == classes
    for record_class in classes:
        records = slow.records[record_class]
        written = store_rows(record_class, fast.records[record_class])  # type: ignore[arg-type]
        assert written.equals(store_rows(record_class, records)), record_class.__name__


def _columnwise(batch: ImportBatch | str) -> bool:
    return not isinstance(batch, str) and all(isinstance(records, RecordTable) for records in batch.records.values())


# --- the transitions CSV ---------------------------------------------------------------------------

_CELLS = {
    "item_id": ["A-1", "A-2", " A-3 ", "B", ""],
    "timestamp": [
        "2024-03-01T09:00:00+00:00",
        "2024-03-01T09:00:00Z",
        "2024-03-02T10:30:00.5+05:30",
        "2024-03-02T10:30:00.123456-08:00",
        "2024-03-01",
        "2024-03-01T09:00:00",
        "2024-02-30T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.999999+00:00",
        " 2024-03-03T09:00:00Z",
        "2024-03-01T09:00:00+0530",
        "yesterday",
    ],
    "status": ["Open", "Doing", "Done", " Done ", "Parked", "In Progress", ""],
    "team": ["", "payments", " cart", "\xa0ops\xa0"],
    "type": ["", "Story", "Bug "],
    "title": ["", "Pay", "a,b", 'say "hi"', "two\nlines", "\u2028x"],
}
_COLUMNS = ("item_id", "timestamp", "from_status", "to_status", "team", "type", "created", "title", "note")


def _cell(draw: st.DrawFn, column: str, *, dirty: bool) -> str:
    """A cell: from the clean values, or in a dirty file now and then from all (odd ones too)."""
    kind = {"from_status": "status", "to_status": "status", "created": "timestamp", "note": "title"}.get(column, column)
    pool = _CELLS[kind] + ([""] if kind == "timestamp" else [])
    clean = {"item_id": 3, "timestamp": 4, "status": 3, "team": 3, "type": 2, "title": 3}[kind]
    odd = dirty and draw(st.integers(0, 5)) == 0
    return draw(st.sampled_from(pool if odd else pool[:clean]))


@st.composite
def _transitions_csv(draw: st.DrawFn) -> tuple[str, bool]:
    """A transitions CSV text (header, rows, odd lines), and whether to write it gzipped. Half the
    files are clean, so that the column-wise reader runs about as often as it declines."""
    dirty = draw(st.booleans())
    optional = [column for column in _COLUMNS[2:] if column != "to_status" and draw(st.booleans())]
    header = ["item_id", "timestamp", "to_status", *optional]
    header = draw(st.permutations(header))
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(1, 12))):
        row = [_cell(draw, column, dirty=dirty) for column in header]
        shape = draw(st.integers(0, 15)) if dirty else 2
        if shape == 0:
            row = row[: draw(st.integers(0, len(row) - 1))]  # short (or blank) row
        elif shape == 1:
            row.append("surplus")
        rows.append(row)
    quoting = draw(st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL, None)))
    if quoting is None:  # plain commas, no quoting at all: Arrow's reader
        text = "\n".join(",".join(row) for row in [header, *rows]) + draw(st.sampled_from(("", "\n", "\n\n")))
    else:
        buffer = io.StringIO()
        csv.writer(buffer, quoting=quoting, lineterminator=draw(st.sampled_from(("\n", "\r\n")))).writerows(
            [header, *rows]
        )
        text = buffer.getvalue()
    return draw(st.sampled_from(("", "\ufeff"))) + text, draw(st.integers(0, 5)) == 0


@DERANDOMIZED
@given(case=_transitions_csv(), strict=st.booleans())
def test_transitions_csv_columnwise_equals_row_by_row(
    tmp_path_factory: pytest.TempPathFactory, case: Any, strict: bool
) -> None:
    text, zipped = case
    folder = tmp_path_factory.mktemp("csv")
    path = folder / ("x.csv.gz" if zipped else "x.csv")
    path.write_bytes(gzip.compress(text.encode()) if zipped else text.encode())
    fast, slow = _both(transitions_csv.load, path, strict_statuses=strict)
    _assert_same(fast, slow)


def test_transitions_csv_reads_clean_files_columnwise(tmp_path: Path) -> None:
    # Both ways of splitting cells: Arrow's (no quote in the text) and the csv module's (quotes).
    plain = (
        "item_id,timestamp,from_status,to_status,team,created\n"
        "A-1,2024-03-02T09:00:00+01:00,,Open,cart,2024-03-01T09:00:00Z\n"
        "A-2,2024-03-01T09:00:00Z,Open,Done, ,2024-02-01T00:00:00Z\n"
        "A-1,2024-03-03T09:00:00.25Z,Open,Doing,,2024-02-01\n"
    )
    quoted = plain.replace("cart", '"ca,rt"')
    for name, text in (("plain.csv", plain), ("quoted.csv", quoted)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        fast, slow = _both(transitions_csv.load, tmp_path / name)
        assert _columnwise(fast), name
        _assert_same(fast, slow)
    assert [
        (t.item_id, t.seq, t.changed_at.isoformat(), t.from_status, t.to_status) for t in fast.records[StatusTransition]
    ] == [  # type: ignore[union-attr]
        ("A-1", 0, "2024-03-02T08:00:00+00:00", None, "Open"),  # from "" is no from_status: no seq-0 row
        ("A-1", 1, "2024-03-03T09:00:00.250000+00:00", "Open", "Doing"),
        ("A-2", 0, "2024-02-01T00:00:00+00:00", None, "Open"),  # created before its first change, from Open
        ("A-2", 1, "2024-03-01T09:00:00+00:00", "Open", "Done"),
    ]
    assert [(i.source_id, i.project, i.created_at.isoformat(), i.status) for i in fast.records[WorkItem]] == [  # type: ignore[union-attr]
        ("A-1", "ca,rt", "2024-03-01T09:00:00+00:00", "Doing"),  # the first non-empty created, in time order
        ("A-2", "quoted", "2024-02-01T00:00:00+00:00", "Done"),  # team " " is empty: the file's name
    ]


def test_transitions_csv_declined_inputs_give_the_row_by_row_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\nA-1,2024-02-30T00:00:00Z,Done\n")
    fast, slow = _both(transitions_csv.load, path)
    assert (
        fast
        == slow
        == f"InputError: {path}: line 3: timestamp: not a timestamp ('2024-02-30T00:00:00Z'); "
        + ("use ISO 8601 with an offset, e.g. 2024-01-02T09:00:00+00:00")
    )


@pytest.mark.skipif(not KEP.is_file(), reason="the shared data pack is not beside the project")
def test_real_kep_transitions_columnwise_equal_row_by_row() -> None:
    fast, slow = _both(transitions_csv.load, KEP, **KEP_OPTIONS)
    assert _columnwise(fast)
    _assert_same(fast, slow)
    assert len(fast.records[WorkItem]) == len(slow.records[WorkItem]) > 500  # type: ignore[union-attr]


@contextmanager
def _duckdb_only() -> Iterator[None]:
    """The column-wise transitions reader with the csv module's splitting refused (it declines the
    file): only DuckDB's reader splits."""

    def refused(text: str) -> None:
        raise transitions_columns._Declined

    with mock.patch.object(transitions_columns, "csv_cells", refused):
        yield


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_transitions_csv_plain_files_are_split_by_duckdb(tmp_path: Path, line_end: str) -> None:
    # Space and tab around cells, a short row, a blank line, a byte-order mark, and no final line end.
    rows = [
        "item_id,timestamp,from_status,to_status,team,created,title",
        "A-1,2024-03-02T09:00:00+01:00,,Open, cart ,2024-03-01T09:00:00Z,\tfirst\t",
        "",
        "A-2,2024-03-01T09:00:00.000+0000,Open,Done",
        "A-1,2024-03-03T09:00:00.250Z, Open,Doing,,,",
    ]
    path = tmp_path / "plain.csv"
    path.write_bytes(("\ufeff" + line_end.join(rows)).encode())
    with _duckdb_only():
        fast = transitions_csv.load([path], config=Config(), options={})
    with _row_by_row():
        slow = transitions_csv.load([path], config=Config(), options={})
    assert _columnwise(fast)
    _assert_same(fast, slow)
    assert [(i.source_id, i.project, i.title, i.status) for i in fast.records[WorkItem]] == [  # type: ignore[union-attr]
        ("A-1", "cart", "first", "Doing"),
        ("A-2", "plain", "", "Done"),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\r\nA-1,2024-03-02T09:00:00Z,Done\n", "mixed ends"),
        ("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open,extra\n", "a row longer than the header"),
        ("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\rA-2,2024-03-01T09:00:00Z,Open\n", "a lone CR"),
        ('item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,"Open"\n', "a quote"),
    ],
)
def test_transitions_csv_files_duckdb_does_not_split_as_python_go_to_the_csv_module(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(text.encode())
    with _duckdb_only():
        declined = transitions_columns.load_columns(
            [path],
            layout_of=lambda file, header: transitions_columns.Layout(
                transitions_csv._layout(str(file), header, column_map={}, where={})[0], [], "odd"
            ),
            instant_of=transitions_csv._cell_instant,
            source="csv",
            config=Config(),
            strict=False,
            on_progress=None,
        )
    assert declined is None, why  # DuckDB's reader refused it; the csv module then reads it:
    fast, slow = _both(transitions_csv.load, path)
    assert _columnwise(fast), why
    _assert_same(fast, slow)


_OFFSETS = st.one_of(
    st.just("Z"),
    st.builds(
        lambda sign, hours, minutes, colon: f"{sign}{hours:02d}{colon}{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from(("", ":")),
    ),
)
_COMMON_TEXTS = st.builds(
    lambda year, month, day, hour, minute, second, fraction, offset: (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"
    ),
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.one_of(st.just(""), st.integers(1, 6).flatmap(lambda digits: st.from_regex(rf"\A\.\d{{{digits}}}\Z"))),
    _OFFSETS,
)


@DERANDOMIZED
@given(texts=st.lists(_COMMON_TEXTS, min_size=1, max_size=20))
def test_instants_of_the_common_shape_equal_pythons_or_are_refused(texts: list[str]) -> None:
    """DuckDB's cast of every text of the common shape equals Python's `fromisoformat` in UTC, or the
    text is refused: a day that does not exist (ShapeRejected), or Python's own error."""

    def python(value: str) -> datetime:
        parsed = parse_instant(value, file="f", record="r", field="x")
        assert parsed is not None
        return parsed

    expected: list[datetime] | type[Exception]
    try:
        expected = [python(text).replace(tzinfo=None) for text in texts]
    except InputError:
        expected = InputError
    try:
        parsed: list[datetime] | type[Exception] = parse_instants(pa.array(texts), python).to_pylist()
    except (ShapeRejected, InputError) as error:
        parsed = type(error)
    if parsed is ShapeRejected:
        assert expected is InputError  # only a text Python refuses is refused as a shape
    else:
        assert parsed == expected


def test_transitions_progress_is_reported_once_per_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\n")
    (tmp_path / "b.csv").write_text("item_id,timestamp,to_status\nB-1,2024-03-01T09:00:00,Open\n")  # declined
    calls: list[tuple[Any, ...]] = []
    with pytest.raises(InputError, match=r"b\.csv: line 2: timestamp: timestamp without a UTC offset"):
        transitions_csv.load([tmp_path], config=Config(), options={}, on_progress=lambda *call: calls.append(call))
    assert calls == [(1, 2, "a.csv"), (2, 2, "b.csv")]


# --- Jira JSON Lines -------------------------------------------------------------------------------

_ODD_JIRA_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(("", " ", "Done", "Epic", "2024-03-01", "2024-02-30T00:00:00Z", "1_*:*_2_*:*_3", "x_*:*_1")),
    st.sampled_from(("2024-03-05T09:00:00.000+0000", "Story", "PAY-9", "\x00", [], {}, ["a"], [{"name": "n"}])),
)


def _inferred_issue(number: int) -> dict[str, Any]:
    """The fuzz seed without its changelog (the shape the column-wise reader reads itself)."""
    issue = json.loads(json.dumps(_JIRA_ISSUE))
    del issue["changelog"]
    issue["key"] = f"PAY-{number}"
    issue["fields"]["customfield_12310222"] = "1_*:*_2_*:*_60000_*|*_3_*:*_1_*:*_5000"
    issue["fields"]["parent"] = {"key": "PAY-100", "fields": {"issuetype": {"name": "Epic"}}}
    if number % 2:
        issue["fields"]["status"] = {"id": "6", "name": "Done"}
        issue["fields"]["resolutiondate"] = "2024-03-09T09:00:00.000+0000"
    return issue


@st.composite
def _jira_lines(draw: st.DrawFn) -> str:
    """JSON Lines of a few issues, one of them changed at one place, and maybe an odd line."""
    issues = [_inferred_issue(number) for number in range(1, draw(st.integers(2, 4)) + 1)]
    if draw(st.integers(0, 4)) == 0:
        issues.append(issues[0])  # an issue listed twice
    if draw(st.integers(0, 5)) == 0:
        issues[0] = json.loads(json.dumps(_JIRA_ISSUE))  # one with a changelog
    target = draw(st.integers(0, len(issues) - 1))
    if draw(st.integers(0, 3)):
        path = draw(st.sampled_from(value_paths(issues[target])))
        delete = draw(st.integers(0, 4)) == 0
        issues[target] = replaced(issues[target], path, None if delete else draw(_ODD_JIRA_VALUES), delete=delete)
    lines = [json.dumps(issue, ensure_ascii=draw(st.booleans())) for issue in issues]
    odd = draw(
        st.sampled_from(
            ("", "null", "NaN", '{"key": "PAY-7", "fields": {}, "x": NaN}', '{"a": 1} {"b": 2}', "[1]", "\ufeff{}")
        )
    )
    if odd and draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), odd)
    if draw(st.integers(0, 6)) == 0:
        lines.insert(1, "")
    return "\n".join(lines) + "\n"


@DERANDOMIZED
@given(text=_jira_lines(), epic=st.booleans(), strict=st.booleans())
def test_jira_lines_columnwise_equal_row_by_row(
    tmp_path_factory: pytest.TempPathFactory, text: str, epic: bool, strict: bool
) -> None:
    path = tmp_path_factory.mktemp("jira") / "issues.jsonl"
    path.write_text(text, encoding="utf-8")
    options: dict[str, Any] = {"strict_statuses": strict}
    if epic:
        options["epic_field"] = "customfield_1"
    fast, slow = _both(jira.load, path, **options)
    _assert_same(fast, slow)


def test_jira_clean_lines_are_read_columnwise(tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text("\n".join(json.dumps(_inferred_issue(number)) for number in (1, 2, 1)) + "\n")
    fast, slow = _both(jira.load, path)
    assert _columnwise(fast)
    _assert_same(fast, slow)
    items = fast.records[WorkItem]  # type: ignore[union-attr]
    assert [item.source_id for item in items] == ["PAY-2", "PAY-1"]  # PAY-1 listed twice: its last listing
    assert items[1].epic_id == "PAY-100" and items[1].resolved_at == datetime(2024, 3, 9, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('{"key": "PAY-1", "fields": {}, "odd": NaN}', "NaN is not JSON"),
        ('{"key": "PAY-1", "fields": {}, "deep": ' + "[" * 1100 + "]" * 1100 + "}", "deeper than orjson reads"),
        ("null", "a null line"),
        ('{"key": "PAY-1"} {"key": "PAY-2"}', "two objects on a line"),
    ],
)
def test_jira_odd_lines_get_the_row_by_row_error(tmp_path: Path, line: str, what: str) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text(json.dumps(_inferred_issue(1)) + "\n" + line + "\n", encoding="utf-8")
    fast, slow = _both(jira.load, path)
    assert isinstance(slow, str) and slow.startswith(f"InputError: {path}: line 2"), what
    assert fast == slow, what


@pytest.mark.skipif(not JIRA_REAL.is_file(), reason="the shared data pack is not beside the project")
def test_real_jira_slice_columnwise_equals_row_by_row(tmp_path: Path) -> None:
    with gzip.open(JIRA_REAL, "rb") as source:
        lines = [source.readline() for _ in range(400)]
    path = tmp_path / "slice.jsonl"
    path.write_bytes(b"".join(lines))
    fast, slow = _both(jira.load, path)
    assert _columnwise(fast)
    _assert_same(fast, slow)
    assert len(fast.records[WorkItem]) == 400  # type: ignore[union-attr]


# --- the pieces ------------------------------------------------------------------------------------


def test_odd_spaces_are_every_python_space_but_space_tab_newline() -> None:
    spaces = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert set(ODD_SPACES) == spaces - {" ", "\t", "\n"}


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01T09:00:00Z",
        "2024-03-01T09:00:00.5+05:30",
        "2024-03-01T09:00:00.123456-08:00",
        "2024-03-01T09:00:00.000+0000",
        "2024-02-29T23:59:59+23:59",
        "2024-03-01T00:00:00-23:59",
        "9999-12-31T23:59:59.999999+00:00",
        "0001-01-01T00:00:00Z",
        "2024-03-01",
        " 2024-03-01T09:00:00Z",
    ],
)
def test_instants_equal_pythons(text: str) -> None:
    def python(value: str) -> datetime:
        parsed = parse_instant(value, file="f", record="r", field="x")
        assert parsed is not None
        return parsed

    parsed = parse_instants(pa.array([text, text]), python).to_pylist()
    assert parsed == [python(text).replace(tzinfo=None)] * 2


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("2024-02-30T00:00:00Z", ShapeRejected),  # Arrow refuses a day that does not exist
        ("0001-01-01T00:00:00+14:00", InputError),  # before year 1 in UTC: Python's words
        ("9999-12-31T23:00:00-05:00", InputError),
        ("0000-01-01T00:00:00Z", InputError),
        ("2024-03-01T09:00:00", InputError),
    ],
)
def test_instants_python_rejects_are_rejected(text: str, outcome: type[Exception]) -> None:
    with pytest.raises(outcome):
        parse_instants(
            pa.array(["2024-03-01T09:00:00Z", text]),
            lambda value: parse_instant(value, file="f", record="r", field="x"),
        )  # type: ignore[arg-type,return-value]


def test_record_table_reads_as_records() -> None:
    table = pa.table(
        {
            "source": ["csv"],
            "item_id": ["A-1"],
            "seq": pa.array([0], pa.int64()),
            "changed_at": pa.array([datetime(2024, 3, 1, 9)], pa.timestamp("us")),
            "from_status": pa.array([None], pa.string()),
            "to_status": ["Open"],
            "author": pa.array([None], pa.string()),
        }
    )
    records = RecordTable(StatusTransition, table)
    expected = StatusTransition("csv", "A-1", 0, datetime(2024, 3, 1, 9, tzinfo=UTC), None, "Open")
    assert len(records) == 1 and records[0] == expected and records == [expected] and list(records) == [expected]
    with pytest.raises(ValueError, match="are not its fields"):
        RecordTable(WorkItem, table)


def test_store_writes_a_columnwise_import_as_the_row_by_row_one(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "item_id,timestamp,to_status,team\nA-1,2024-03-01T09:00:00Z,Open,cart\nA-1,2024-03-02T09:00:00Z,Done,\n"
    )
    stored = []
    for context in (_unchanged(), _row_by_row()):
        with context:
            batch = transitions_csv.load([path], config=Config(), options={})
        store = Store.open(None)
        counts, again = store.write(batch), store.write(batch)
        tables = {
            cls.spec.table: store.connection.execute(f"SELECT * FROM {cls.spec.table} ORDER BY ALL").fetchall()
            for cls in TABLES
        }
        store.close()
        stored.append((counts.by_table, again.by_table, tables))
    assert isinstance(batch.records[WorkItem], list)  # the last one was read row by row
    assert stored[0] == stored[1]
    assert stored[0][0] == {"work_items": (1, 0, 0), "status_transitions": (2, 0, 0)}
    assert stored[0][1] == {"work_items": (0, 0, 1), "status_transitions": (0, 0, 2)}
    assert stored[0][2]["status_transitions"] == [
        ("csv", "A-1", 0, datetime(2024, 3, 1, 9), None, "Open", None),
        ("csv", "A-1", 1, datetime(2024, 3, 2, 9), "Open", "Done", None),
    ]


@contextmanager
def _unchanged() -> Iterator[None]:
    yield


def test_json_lines_are_walked_for_nul_only_where_the_escape_is(tmp_path: Path) -> None:
    clean = json.dumps(_inferred_issue(1))
    escaped_backslash = json.dumps({**_inferred_issue(2), "self": "C:\\u0000"})  # a backslash, then "u0000"
    nul = json.dumps({**_inferred_issue(3), "self": "a\u0000b"})
    path = tmp_path / "issues.jsonl"
    path.write_text(f"{clean}\n{escaped_backslash}\n", encoding="utf-8")
    assert [item.url for item in jira.load([path], config=Config(), options={}).records[WorkItem]] == [
        "https://jira.example/rest/api/2/issue/1",
        "C:\\u0000",
    ]
    path.write_text(f"{clean}\n{escaped_backslash}\n{nul}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        jira.load([path], config=Config(), options={})
    assert str(caught.value) == f"{path}: line 3: self: a NUL character (\\u0000) in the text"


@pytest.mark.parametrize(
    "packed",
    [
        gzip.compress(b"ab", mtime=0) + gzip.compress(b"cd", mtime=0),  # two members
        gzip.compress(b"ab", mtime=0) + b"\x00\x00\x00",  # zero padding after the member
        gzip.compress(b"ab", mtime=0)[:-8] + b"\x00\x00\x00\x00" + gzip.compress(b"ab", mtime=0)[-4:],  # bad CRC
        gzip.compress(b"ab", mtime=0)[:12],  # cut short
        gzip.compress(b"ab", mtime=0) + b"junk",
    ],
)
def test_one_pass_gunzip_is_gzip_decompress(packed: bytes) -> None:
    def outcome(call: Any) -> object:
        try:
            return call(packed)
        except (OSError, EOFError) as error:
            return f"{type(error).__name__}: {error}"

    assert outcome(_gunzip) == outcome(gzip.decompress)
