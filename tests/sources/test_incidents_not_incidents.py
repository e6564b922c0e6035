"""Records with none of an incident's describing fields (another tool's export) are refused, naming the
file and the first record, and nothing is written; so are records of another tool's export with a title
but neither a service nor a start (GitHub and GitLab issues), naming the importer that reads them. The
real postmortems still import."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Incident
from orgflow.sources import incidents

NONE_OF = "not an incident: none of service, started_at, resolved_at, title has a value"
NEITHER = "not an incident: neither service nor started_at has a value"


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


def _main(*args: str) -> tuple[int, str]:
    """`orgflow ARGS` through the console entry point (`orgflow.cli.main`) in this process: (exit code, stderr)."""
    from orgflow.cli import main

    saved, sys.argv = sys.argv, ["orgflow", *args]
    err = io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as done:
                code = int(done.code or 0)
    finally:
        sys.argv = saved
    return code, err.getvalue()


def _digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


def test_the_github_issues_export_is_refused_through_the_cli(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "github" / "webcompat-issues-with-events.json"
    folder = tmp_path / "ws"
    orgflow.init(folder).close()
    before = _digest(folder)
    code, err = _main("--workspace", str(folder), "import", "incidents", str(path))
    # The first record of the export: a title, but neither a service nor a start; its keys begin with url.
    assert (code, err) == (
        1,
        f"error: {path}: line 1: {NEITHER} (its keys: url, repository_url, labels_url, comments_url, events_url, "
        "html_url, id, node...); this looks like GitHub issues, not incidents; import them with "
        "`orgflow import github`\n",
    )
    assert _digest(folder) == before
    with orgflow.open(folder) as workspace:
        assert workspace.store.table_counts()["incidents"] == 0


GITHUB_ISSUE = {
    "url": "https://api.github.com/repos/acme/shop/issues/7",
    "html_url": "https://github.com/acme/shop/issues/7",
    "id": 1007,
    "number": 7,
    "title": "Checkout down",
    "created_at": "2024-05-01T09:00:00Z",
    "closed_at": "2024-05-01T11:30:00Z",
}
GITLAB_ISSUE = {
    "id": 204,
    "iid": 4,
    "title": "Payments slow",
    "created_at": "2024-05-02T08:00:00Z",
    "web_url": "https://gitlab.example/acme/shop/-/issues/4",
}


def test_other_exports_with_a_title_are_refused_naming_their_importer(tmp_path: Path) -> None:
    github = tmp_path / "issues.json"
    github.write_text(json.dumps([GITHUB_ISSUE]))
    assert _error(github) == (
        f"{NEITHER} (its keys: url, html_url, id, number, title, created_at, closed_at); "
        "this looks like GitHub issues, not incidents",
        "issues.json",
        "record 1 (incident 1007)",
        "import them with `orgflow import github`",
    )
    gitlab = tmp_path / "gitlab.jsonl"
    gitlab.write_text(json.dumps(GITLAB_ISSUE) + "\n")
    assert _error(gitlab) == (
        f"{NEITHER} (its keys: id, iid, title, created_at, web_url); this looks like a GitLab export, not incidents",
        "gitlab.jsonl",
        "line 1",
        "import it with `orgflow import gitlab`",
    )
    # A default service is no field of the record: refused all the same.
    assert _error(gitlab, service="payments")[3] == "import it with `orgflow import gitlab`"


def test_such_records_mapped_to_a_start_or_with_a_service_are_incidents(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    own = {**GITHUB_ISSUE, "id": 1008, "service": "shop", "started_at": "2024-05-03T10:00:00Z"}
    path.write_text(json.dumps([GITHUB_ISSUE, own]))
    batch = incidents.load([path], config=Config(), options={"map": ["created_at=started_at", "closed_at=resolved_at"]})
    opened, closed = datetime(2024, 5, 1, 9, tzinfo=UTC), datetime(2024, 5, 1, 11, 30, tzinfo=UTC)
    assert [
        (i.source_id, i.service, i.title, i.started_at, i.resolved_at)
        for i in batch.records[Incident]  # type: ignore[attr-defined]
    ] == [("1007", None, "Checkout down", opened, closed), ("1008", "shop", "Checkout down", opened, closed)]
    # Without a map, the record that names its service and start is read as is (the issue beside it is not).
    path.write_text(json.dumps([own]))
    (record,) = incidents.load([path], config=Config(), options={}).records[Incident]  # type: ignore[attr-defined]
    assert (record.service, record.started_at) == ("shop", datetime(2024, 5, 3, 10, tzinfo=UTC))
