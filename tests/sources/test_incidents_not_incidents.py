"""Records with none of an incident's describing fields (another tool's export) are refused, naming the
file and the first record, and nothing is written; the real postmortems still import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import orgflow
from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Incident
from orgflow.sources import incidents

NONE_OF = "not an incident: none of service, started_at, resolved_at, title has a value"


def _error(path: Path, **options: object) -> tuple[str, str, str | None, str | None]:
    with pytest.raises(InputError) as caught:
        incidents.load([path], config=Config(), options=options)
    error = caught.value
    return error.message, Path(error.file or "").name, error.record, error.hint


def test_the_jira_export_is_refused_and_nothing_is_written(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"
    workspace = orgflow.init(tmp_path / "ws")
    with pytest.raises(InputError) as caught:
        workspace.import_files("incidents", [path])
    error = caught.value
    assert (error.message, error.file, error.record, error.hint) == (
        f"{NONE_OF} (its keys: expand, id, self, key, fields); this looks like a Jira export, not incidents",
        str(path),
        "line 1",
        "import it with `orgflow import jira`",
    )
    assert workspace.store.table_counts()["incidents"] == 0


def test_records_with_only_an_id(tmp_path: Path) -> None:
    path = tmp_path / "incidents.jsonl"
    path.write_text(json.dumps({"id": "INC-1", "severity": "SEV1"}) + "\n")
    expected = (
        f"{NONE_OF} (its keys: id, severity)",
        "incidents.jsonl",
        "line 1",
        "rename the file's names to these with --map NAME=FIELD",
    )
    assert _error(path) == expected
    # A default service is no field of the record: the record is refused all the same.
    assert _error(path, service="cart") == expected
    csv_path = tmp_path / "incidents.csv"
    csv_path.write_text("id,service,started_at,title\nINC-1,cart,2024-05-01T09:00:00Z,Down\nINC-2,,,\n")
    assert _error(csv_path) == (
        NONE_OF,
        "incidents.csv",
        "line 3",
        "rename the file's names to these with --map NAME=FIELD",
    )


def test_one_describing_field_is_enough(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps([{"id": 1, "title": "Outage"}, {"id": 2, "resolved_at": "2024-05-03"}]))
    assert [(i.source_id, i.title) for i in incidents.load([path], config=Config(), options={}).records[Incident]] == [  # type: ignore[attr-defined]
        ("1", "Outage"),
        ("2", ""),
    ]


def test_real_postmortems_still_import(shared_data: Path) -> None:
    batch = incidents.load([shared_data / "incidents" / "public-postmortems.csv"], config=Config(), options={})
    assert batch.count(Incident) == 242
