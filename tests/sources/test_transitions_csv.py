"""The generic transitions CSV: grouping and order, created rows, options, errors, KEP and jam files."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.work import StatusTransition, WorkItem
from orgflow.sources import transitions_csv
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace

KEP = Path(__file__).resolve().parents[3] / "shared" / "data" / "kep" / "kubernetes-kep-transitions.csv"
KEP_OPTIONS: dict[str, Any] = {
    "map": {
        "kep_id": "item_id",
        "timestamp_iso": "timestamp",
        "from_value": "from_status",
        "to_value": "to_status",
        "owning_sig": "team",
        "title": "title",
    },
    "where": {"field": "status"},
}


def _load(path: Path, text: str, config: Config | None = None, **options: Any) -> ImportBatch:
    path.write_text(text, encoding="utf-8")
    return transitions_csv.load([path], config=config or Config(), options=options)


def _steps(batch: ImportBatch, item_id: str | None = None) -> list[tuple[str, int, str, str | None, str]]:
    return [
        (record.item_id, record.seq, record.changed_at.isoformat(), record.from_status, record.to_status)
        for record in batch.records[StatusTransition]
        if item_id is None or record.item_id == item_id
    ]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_jam_harness_csv_loads_exactly(tmp_path: Path) -> None:
    # The shape /work/shared/peers/jam/to_transitions_csv.py writes: a first row from '' at creation,
    # then every status change; team, type, created and title repeated on every row.
    text = (
        "item_id,timestamp,from_status,to_status,team,type,created,title\r\n"
        "EX-3,2024-01-02T09:00:00+00:00,,Backlog,SYN,Story,2024-01-02T09:00:00+00:00,moves backwards\r\n"
        "EX-3,2024-01-02T10:00:00+00:00,Backlog,Selected,SYN,Story,2024-01-02T09:00:00+00:00,moves backwards\r\n"
        "EX-3,2024-01-04T10:00:00+00:00,Selected,QA,SYN,Story,2024-01-02T09:00:00+00:00,moves backwards\r\n"
        "EX-3,2024-01-05T10:00:00+00:00,QA,Selected,SYN,Story,2024-01-02T09:00:00+00:00,moves backwards\r\n"
        "EX-7,2024-01-05T23:30:00-05:00,,Backlog,SYN,Story,2024-01-05T23:30:00-05:00,"
        '"untouched, created late"\r\n'
        "EX-8,2024-01-02T09:00:00+00:00,,Backlog,SYN,Bug,2024-01-02T09:00:00+00:00,tz offsets\r\n"
        "EX-8,2024-01-09T01:00:00+09:00,Backlog,Selected,SYN,Bug,2024-01-02T09:00:00+00:00,tz offsets\r\n"
        "EX-8,2024-01-09T08:00:00+00:00,Selected,Done,SYN,Bug,2024-01-02T09:00:00+00:00,tz offsets\r\n"
    )
    batch = _load(tmp_path / "synthetic.transitions.csv", text)

    assert _steps(batch) == [
        ("EX-3", 0, "2024-01-02T09:00:00+00:00", None, "Backlog"),
        ("EX-3", 1, "2024-01-02T10:00:00+00:00", "Backlog", "Selected"),
        ("EX-3", 2, "2024-01-04T10:00:00+00:00", "Selected", "QA"),
        ("EX-3", 3, "2024-01-05T10:00:00+00:00", "QA", "Selected"),
        ("EX-7", 0, "2024-01-06T04:30:00+00:00", None, "Backlog"),
        ("EX-8", 0, "2024-01-02T09:00:00+00:00", None, "Backlog"),
        ("EX-8", 1, "2024-01-08T16:00:00+00:00", "Backlog", "Selected"),
        ("EX-8", 2, "2024-01-09T08:00:00+00:00", "Selected", "Done"),
    ]
    assert batch.records[WorkItem] == [
        WorkItem(
            "csv",
            "EX-3",
            "SYN",
            "SYN",
            "moves backwards",
            "Story",
            _utc("2024-01-02T09:00:00Z"),
            "Selected",
            history="csv",
        ),
        WorkItem(
            "csv",
            "EX-7",
            "SYN",
            "SYN",
            "untouched, created late",
            "Story",
            _utc("2024-01-06T04:30:00Z"),
            "Backlog",
            history="csv",
        ),
        WorkItem("csv", "EX-8", "SYN", "SYN", "tz offsets", "Bug", _utc("2024-01-02T09:00:00Z"), "Done", history="csv"),
    ]
    assert (batch.source, batch.kind) == ("csv", "transitions")


def test_rows_are_grouped_and_sorted_stably(tmp_path: Path) -> None:
    text = (
        "item_id,timestamp,from_status,to_status\n"
        "B-1,2024-03-02T10:00:00Z,Doing,Done\n"
        "A-1,2024-03-01T10:00:00Z,,To Do\n"
        "B-1,2024-03-01T10:00:00Z,,To Do\n"
        "A-1,2024-03-01T12:00:00+02:00,To Do,Doing\n"
        "A-1,2024-03-01T10:00:00Z,To Do,Ready\n"
        "B-1,2024-03-01T12:00:00Z,To Do,Doing\n"
    )
    batch = _load(tmp_path / "board.csv", text)
    # Equal instants (A-1: 10:00Z three times, one written as 12:00+02:00) keep their file order.
    assert _steps(batch) == [
        ("B-1", 0, "2024-03-01T10:00:00+00:00", None, "To Do"),
        ("B-1", 1, "2024-03-01T12:00:00+00:00", "To Do", "Doing"),
        ("B-1", 2, "2024-03-02T10:00:00+00:00", "Doing", "Done"),
        ("A-1", 0, "2024-03-01T10:00:00+00:00", None, "To Do"),
        ("A-1", 1, "2024-03-01T10:00:00+00:00", "To Do", "Doing"),
        ("A-1", 2, "2024-03-01T10:00:00+00:00", "To Do", "Ready"),
    ]
    items = {item.source_id: item for item in batch.records[WorkItem]}
    assert (items["A-1"].status, items["B-1"].status) == ("Ready", "Done")
    assert items["B-1"] == WorkItem(
        "csv", "B-1", "board", "board", "", "Item", _utc("2024-03-01T10:00:00Z"), "Done", history="csv"
    )


def test_created_before_the_first_change_adds_a_seq_0_transition(tmp_path: Path) -> None:
    text = (
        "item_id,timestamp,from_status,to_status,created,team\n"
        "K-1,2024-02-05T09:00:00Z,Backlog,In Progress,2024-02-01T09:00:00Z,Payments\n"
        "K-1,2024-02-07T09:00:00Z,In Progress,Done,,Payments\n"
        # The first change from '' needs no seq-0 row; created comes from a later row if needed.
        "K-2,2024-02-05T09:00:00Z,,Backlog,,Checkout\n"
        "K-2,2024-02-06T09:00:00Z,Backlog,Done,2024-02-04T09:00:00Z,Checkout\n"
        # created equal to the first change: nothing to attribute before it.
        "K-3,2024-02-05T09:00:00Z,Backlog,Done,2024-02-05T09:00:00Z,Payments\n"
    )
    config = Config(teams={"Payments": "team-pay"})
    batch = _load(tmp_path / "ignored-name.csv", text, config=config, source="kanban", project="unused")
    assert _steps(batch) == [
        ("K-1", 0, "2024-02-01T09:00:00+00:00", None, "Backlog"),
        ("K-1", 1, "2024-02-05T09:00:00+00:00", "Backlog", "In Progress"),
        ("K-1", 2, "2024-02-07T09:00:00+00:00", "In Progress", "Done"),
        ("K-2", 0, "2024-02-05T09:00:00+00:00", None, "Backlog"),
        ("K-2", 1, "2024-02-06T09:00:00+00:00", "Backlog", "Done"),
        ("K-3", 0, "2024-02-05T09:00:00+00:00", "Backlog", "Done"),
    ]
    items = {item.source_id: item for item in batch.records[WorkItem]}
    assert [(i.source, i.project, i.team_id, i.created_at) for i in items.values()] == [
        ("kanban", "Payments", "team-pay", _utc("2024-02-01T09:00:00Z")),
        ("kanban", "Checkout", "Checkout", _utc("2024-02-04T09:00:00Z")),
        ("kanban", "Payments", "team-pay", _utc("2024-02-05T09:00:00Z")),
    ]
    assert {t.source for t in batch.records[StatusTransition]} == {"kanban"}


def test_without_from_status_a_change_starts_from_the_previous_status(tmp_path: Path) -> None:
    text = "status,when,key\nDone,2024-01-03,X-1\nNew,2024-01-01,X-1\nActive,2024-01-02,X-1\n"
    batch = _load(tmp_path / "x.csv", text, map=["status=to_status", "when=timestamp", "key=item_id"])
    assert _steps(batch) == [
        ("X-1", 0, "2024-01-01T00:00:00+00:00", None, "New"),
        ("X-1", 1, "2024-01-02T00:00:00+00:00", "New", "Active"),
        ("X-1", 2, "2024-01-03T00:00:00+00:00", "Active", "Done"),
    ]


def test_map_wins_over_a_column_already_named_like_the_field(tmp_path: Path) -> None:
    text = "item_id,key,timestamp,to_status\nwrong,K-9,2024-01-01T00:00:00Z,Open\n"
    batch = _load(tmp_path / "x.csv", text, map={"key": "item_id"})
    assert [item.source_id for item in batch.records[WorkItem]] == ["K-9"]


def test_missing_column_names_it_and_lists_the_found_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", "key,timestamp,to_status\nA,2024-01-01T00:00:00Z,Open\n")
    error = caught.value
    assert error.where() == {"file": str(tmp_path / "x.csv"), "record": "header", "field": "item_id"}
    assert error.hint == "columns found: key, timestamp, to_status; rename one with --map COLUMN=item_id"
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", "item_id,timestamp,to_status\nA,2024-01-01T00:00:00Z,Open\n", where={"kind": "x"})
    assert (caught.value.record, caught.value.field) == ("header", "kind")


@pytest.mark.parametrize(
    ("timestamp", "message"),
    [("yesterday", "not a timestamp"), ("2024-01-02T09:00:00", "without a UTC offset")],
)
def test_bad_timestamp_names_the_line(tmp_path: Path, timestamp: str, message: str) -> None:
    text = f"item_id,timestamp,from_status,to_status\nA,2024-01-01T00:00:00Z,,Open\nA,{timestamp},Open,Done\n"
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", text)
    assert caught.value.where() == {"file": str(tmp_path / "x.csv"), "record": "line 3", "field": "timestamp"}
    assert message in caught.value.message


def test_empty_to_status_and_bad_created_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", "item_id,timestamp,to_status\nA,2024-01-01T00:00:00Z,\n")
    assert (caught.value.record, caught.value.field) == ("line 2", "to_status")
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", "item_id,timestamp,to_status,created\nA,2024-01-01T00:00:00Z,Open,soon\n")
    assert (caught.value.record, caught.value.field) == ("line 2", "created")


def test_strict_statuses(tmp_path: Path) -> None:
    text = "item_id,timestamp,from_status,to_status\nA,2024-01-01T00:00:00Z,,Open\nA,2024-01-02T00:00:00Z,Open,Parked\n"
    assert len(_load(tmp_path / "x.csv", text).records[WorkItem]) == 1
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", text, strict_statuses=True)
    assert caught.value.where() == {"file": str(tmp_path / "x.csv"), "record": "line 3", "field": "to_status"}
    assert "'Parked'" in caught.value.message


def test_items_span_files_and_progress_is_reported(tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("item_id,timestamp,to_status\nA,2024-01-02T00:00:00Z,Done\n", encoding="utf-8")
    second = tmp_path / "b.csv.gz"
    second.write_bytes(gzip.compress(b"item_id,timestamp,to_status\nA,2024-01-01T00:00:00Z,Open\n"))
    calls: list[tuple[int, int | None, str]] = []
    batch = transitions_csv.load([tmp_path], config=Config(), options={}, on_progress=lambda *call: calls.append(call))
    assert calls == [(1, 2, "a.csv"), (2, 2, "b.csv.gz")]
    assert _steps(batch) == [
        ("A", 0, "2024-01-01T00:00:00+00:00", None, "Open"),
        ("A", 1, "2024-01-02T00:00:00+00:00", "Open", "Done"),
    ]
    assert batch.records[WorkItem][0].project == "a"


@pytest.mark.skipif(not KEP.exists(), reason="shared data pack not present")
def test_kep_transitions_load_with_map_and_where(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    counts = ws.import_files("transitions", [KEP], options=KEP_OPTIONS)
    sql = ws.store.connection.execute

    # Independent count with the csv module.
    with KEP.open(newline="", encoding="utf-8") as handle:
        status_rows = [row for row in csv.DictReader(handle) if row["field"] == "status"]
    keps_by_sig: dict[str, set[str]] = defaultdict(set)
    for row in status_rows:
        keps_by_sig[row["owning_sig"]].add(row["kep_id"])
    kep_ids = {row["kep_id"] for row in status_rows}
    assert (len(kep_ids), len(status_rows)) == (673, 1168)
    assert sql("SELECT count(*) FROM work_items").fetchone() == (len(kep_ids),)
    assert sql("SELECT count(*) FROM status_transitions").fetchone() == (len(status_rows),)
    assert counts.new == len(kep_ids) + len(status_rows)
    per_sig = dict(sql("SELECT team_id, count(*) FROM work_items GROUP BY team_id").fetchall())
    assert (per_sig["sig-node"], per_sig["sig-storage"]) == (128, 66)
    assert (len(keps_by_sig["sig-node"]), len(keps_by_sig["sig-storage"])) == (128, 66)
    last_status = {row["kep_id"]: row["to_value"] for row in status_rows}  # the file is in landing order
    assert dict(sql("SELECT source_id, status FROM work_items").fetchall()) == last_status

    steps = sql(
        "SELECT seq, changed_at, from_status, to_status FROM status_transitions WHERE item_id = ? ORDER BY seq",
        ["sig-architecture/0000-kep-process"],
    ).fetchall()
    assert steps[:2] == [
        (0, datetime(2018, 1, 18, 16, 45, 35), None, "accepted"),
        (1, datetime(2018, 1, 18, 16, 49, 1), "accepted", "implementable"),
    ]
    item = sql(
        "SELECT source, project, title, item_type, created_at, resolved_at, history FROM work_items "
        "WHERE source_id = ?",
        ["sig-architecture/0000-kep-process"],
    ).fetchone()
    assert item == (
        "csv",
        "sig-architecture",
        "Kubernetes Enhancement Proposal Process",
        "Item",
        datetime(2018, 1, 18, 16, 45, 35),
        None,
        "csv",
    )

    again = ws.import_files("transitions", [KEP], options=KEP_OPTIONS)
    assert (again.new, again.changed) == (0, 0)
    ws.close()
