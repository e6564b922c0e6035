"""The deployments CSV: exact records, ids, options, errors and an unchanged store on bad input."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Deployment
from orgflow.sources import deployments
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace

GOOD = (
    "service,environment,revision,started_at,finished_at,status,kind\n"
    "payments,production,a1b2c3,2024-03-01T09:50:00Z,2024-03-01T10:00:00Z,,\n"
    "payments,production,d4e5f6,,2024-03-02T12:30:00+02:00,failure,\n"
    "payments,production,a1b2c3,,2024-03-02T11:00:00Z,Success,rollback\n"
    "\n"
    "search,staging,9f9f9f,2024-03-03T08:00:00-05:00,2024-03-03T08:15:00-05:00,success,hotfix\n"
)


def _load(path: Path, text: str, **options: Any) -> ImportBatch:
    path.write_text(text, encoding="utf-8")
    return deployments.load([path], config=Config(), options=options)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _sha1_20(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]


def test_rows_become_exact_deployments(tmp_path: Path) -> None:
    batch = _load(tmp_path / "deploys.csv", GOOD)
    records = batch.records[Deployment]
    assert [(r.service, r.environment, r.revision, r.started_at, r.finished_at, r.status, r.kind) for r in records] == [
        ("payments", "production", "a1b2c3", _utc(2024, 3, 1, 9, 50), _utc(2024, 3, 1, 10), "success", "normal"),
        ("payments", "production", "d4e5f6", None, _utc(2024, 3, 2, 10, 30), "failure", "normal"),
        ("payments", "production", "a1b2c3", None, _utc(2024, 3, 2, 11), "success", "rollback"),
        ("search", "staging", "9f9f9f", _utc(2024, 3, 3, 13), _utc(2024, 3, 3, 13, 15), "success", "hotfix"),
    ]
    assert {record.source for record in records} == {"deployments"}
    assert {record.time_basis for record in records} == {"reported"}
    # Without an id column, the id hashes the identifying fields with the finish as a UTC instant.
    assert records[1].source_id == _sha1_20("payments", "production", "d4e5f6", "2024-03-02T10:30:00+00:00")
    assert len({record.source_id for record in records}) == 4


def test_id_column_map_and_source_options(tmp_path: Path) -> None:
    text = (
        "deploy_id,app,env,sha,deployed_at\n"
        "D-1,payments,prod,abc,2024-03-01T10:00:00Z\n"
        ",payments,prod,def,2024-03-01T11:00:00Z\n"
    )
    batch = _load(
        tmp_path / "d.csv",
        text,
        map=["deploy_id=id", "app=service", "env=environment", "sha=revision", "deployed_at=finished_at"],
        source="argo",
    )
    records = batch.records[Deployment]
    assert [(r.source, r.source_id, r.revision) for r in records] == [
        ("argo", "D-1", "abc"),
        ("argo", _sha1_20("payments", "prod", "def", "2024-03-01T11:00:00+00:00"), "def"),
    ]


def test_same_deployment_with_another_offset_keeps_its_id(tmp_path: Path) -> None:
    first = _load(tmp_path / "a.csv", "service,environment,revision,finished_at\ns,p,r,2024-03-01T10:00:00Z\n")
    second = _load(tmp_path / "b.csv", "service,environment,revision,finished_at\ns,p,r,2024-03-01T12:00:00+02:00\n")
    assert first.records[Deployment][0].source_id == second.records[Deployment][0].source_id


def test_gzip_and_folders(tmp_path: Path) -> None:
    (tmp_path / "one.csv.gz").write_bytes(
        gzip.compress(b"service,environment,revision,finished_at\ns,p,r1,2024-03-01T10:00:00Z\n")
    )
    (tmp_path / "two.csv").write_text("service,environment,revision,finished_at\ns,p,r2,2024-03-02T10:00:00Z\n")
    calls: list[tuple[int, int | None, str]] = []
    batch = deployments.load([tmp_path], config=Config(), options={}, on_progress=lambda *call: calls.append(call))
    assert [record.revision for record in batch.records[Deployment]] == ["r1", "r2"]
    assert calls == [(1, 2, "one.csv.gz"), (2, 2, "two.csv")]


@pytest.mark.parametrize(
    ("text", "record", "field", "fragment"),
    [
        ("service,environment,finished_at\ns,p,2024-03-01T10:00:00Z\n", "header", "revision", "missing column"),
        (
            "service,environment,revision,finished_at\ns,p,r,2024-03-01T10:00:00Z\ns,p,r,03/01/2024 10:00\n",
            "line 3",
            "finished_at",
            "not a timestamp",
        ),
        ("service,environment,revision,finished_at\ns,p,r,2024-03-01T10:00:00\n", "line 2", "finished_at", "offset"),
        ("service,environment,revision,finished_at\ns,p,r,\n", "line 2", "finished_at", "missing timestamp"),
        ("service,environment,revision,finished_at\n,p,r,2024-03-01T10:00:00Z\n", "line 2", "service", "empty"),
        (
            "service,environment,revision,finished_at,status\ns,p,r,2024-03-01T10:00:00Z,ok\n",
            "line 2",
            "status",
            "unknown status 'ok'",
        ),
        (
            "service,environment,revision,finished_at,kind\ns,p,r,2024-03-01T10:00:00Z,revert\n",
            "line 2",
            "kind",
            "unknown kind 'revert'",
        ),
        (
            "service,environment,revision,started_at,finished_at\ns,p,r,2024-03-01T11:00:00Z,2024-03-01T10:00:00Z\n",
            "line 2",
            "started_at",
            "after finished_at",
        ),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path: Path, text: str, record: str, field: str, fragment: str) -> None:
    path = tmp_path / "bad.csv"
    with pytest.raises(InputError) as raised:
        _load(path, text)
    error = raised.value
    assert (error.file, error.record, error.field) == (str(path), record, field)
    assert fragment in error.message


def test_bad_timestamp_leaves_the_store_unchanged(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    ws.store.write(deployments.load([good], config=ws.config, options={}))
    before = ws.store.connection.execute("SELECT * FROM deployments ORDER BY source_id").fetchall()
    assert len(before) == 4

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "service,environment,revision,finished_at\n"
        "payments,production,new1,2024-04-01T10:00:00Z\n"
        "payments,production,new2,yesterday\n"
    )
    with pytest.raises(InputError) as raised:
        ws.store.write(deployments.load([bad], config=ws.config, options={}))
    assert str(raised.value).startswith(f"{bad}: line 3: finished_at: not a timestamp ('yesterday')")
    assert ws.store.connection.execute("SELECT * FROM deployments ORDER BY source_id").fetchall() == before

    # Importing the good file again changes nothing.
    again = ws.store.write(deployments.load([good], config=ws.config, options={}))
    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    ws.close()
