"""The importer crashes found by fuzzing, one test each: the exact file, record and field the InputError
names. (`test_import_errors_cli.py` runs the classes through the real command.)"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources import importers
from orgflow.sources.files import parse_instant

ISSUE = {"number": 7, "title": "Crash", "created_at": "2024-03-01T09:00:00Z", "events": []}


def _error(kind: str, path: Path, **options: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        importers()[kind]([path], config=Config(), options=options)
    return caught.value


def _where(error: InputError) -> tuple[str | None, str | None, str | None]:
    return (Path(error.file).name if error.file else None, error.record, error.field)


@pytest.mark.parametrize(
    ("kind", "name", "options"),
    [
        ("transitions", "changes.csv.gz", {}),
        ("backstage", "catalog.yaml.gz", {}),
        ("codeowners", "CODEOWNERS.gz", {"repo": "acme/app"}),
        ("jira", "issues.json.gz", {}),
    ],
)
def test_corrupt_gzip(tmp_path: Path, kind: str, name: str, options: dict[str, str]) -> None:
    packed = bytearray(gzip.compress(b"item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\n", mtime=0))
    packed[10] ^= 0xFF  # the first byte of the deflate stream: zlib.error, not a CRC mismatch
    path = tmp_path / name
    path.write_bytes(bytes(packed))
    error = _error(kind, path, **options)
    assert _where(error) == (name, None, None)
    assert error.message == "cannot read the file (Error -3 while decompressing data: invalid code lengths set)"


def test_csv_cell_over_the_limit_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "deploys.csv"
    path.write_text(f"service,environment,revision,finished_at\ncart,prod,{'x' * 140_000},2024-03-01\n")
    error = _error("deployments", path)
    assert _where(error) == ("deploys.csv", "line 2", None)
    assert error.message == "unreadable CSV (field larger than field limit (131072))"


@pytest.mark.parametrize("text", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00"])
def test_instant_out_of_range_in_utc(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_instant(text, file="f.json", record="issue A-1", field="created")
    assert str(caught.value) == (
        f"f.json: issue A-1: created: timestamp out of range in UTC ({text!r}); "
        "UTC instants run from 0001-01-01 to 9999-12-31"
    )


def test_odd_offsets_within_range_convert_exactly() -> None:
    instant = parse_instant("0001-01-01T23:59:00+23:59", file="f", record="r", field="x")
    assert instant is not None and instant.isoformat() == "0001-01-01T00:00:00+00:00"


@pytest.mark.parametrize("kind", ["backstage", "org"])
def test_yaml_tags_are_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "file.yaml"
    marker = tmp_path / "ran"
    path.write_text(f"people:\n  - !!python/object/apply:os.system ['touch {marker}']\n")
    error = _error(kind, path)
    assert _where(error) == ("file.yaml", "line 2", None)
    assert "python/object/apply:os.system" in error.message and error.hint is not None
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["backstage", "org"])
def test_deep_yaml_nesting(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("people: " + "[" * 100_000 + "]" * 100_000 + "\n")
    error = _error(kind, path)
    assert error.file == str(path) and "nest" in error.message


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"events": [{"event": ["closed"], "created_at": "2024-03-02T09:00:00Z"}]}, "events[0].event", "(list "),
        ({"title": ["Crash"]}, "title", "not a string (list ['Crash'])"),
    ],
)
def test_github_wrong_types_name_the_field(tmp_path: Path, change: dict[str, Any], field: str, message: str) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps([{**ISSUE, **change}]))
    error = _error("github", path, repo="acme/app")
    assert _where(error) == ("issues.json", "record 1 (issue #7)", field)
    assert message in error.message


def test_gitlab_labels_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "gitlab.json"
    path.write_text(json.dumps([{"iid": 4, "created_at": "2024-03-01T09:00:00Z", "labels": 5}]))
    error = _error("gitlab", path, project="acme/shop")
    assert _where(error) == ("gitlab.json", "record 1 (issue #4)", "labels")


def test_backstage_email_must_be_text(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("kind: User\nmetadata: {name: ann}\nspec: {profile: {email: 12345}}\n")
    error = _error("backstage", path)
    assert _where(error) == ("catalog.yaml", "document 1 (line 1), User 'ann'", "spec.profile.email")
    assert error.message == "not a string (int 12345)"


def test_nul_in_a_csv_status_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "changes.csv"
    path.write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\nA-1,2024-03-02T09:00:00Z,Do\x00ne\n")
    assert _where(_error("transitions", path)) == ("changes.csv", "line 3", None)


def test_nul_in_json_names_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    issue = {"key": "A-1", "fields": {"status": {"name": "Do\x00ne"}, "created": "2024-03-01T09:00:00Z"}}
    path.write_text(json.dumps([issue]))
    assert _where(_error("jira", path)) == ("issues.json", "record 1", "fields.status.name")


@pytest.mark.parametrize("kind", sorted(set(importers()) - {"git"}))
def test_an_empty_file_is_reported(tmp_path: Path, kind: str) -> None:
    name = {"codeowners": "CODEOWNERS", "backstage": "x.yaml", "org": "people.csv", "transitions": "x.csv"}
    path = tmp_path / name.get(kind, "x.csv" if kind == "deployments" else "x.json")
    path.write_text(" \n")
    error = _error(kind, path, **({"repo": "acme/app"} if kind in ("codeowners", "github") else {}))
    assert (error.file, error.message) == (str(path), "empty file: no records")


def test_an_export_without_records_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text('{"issues": []}')
    error = _error("jira", path)
    assert (error.file, error.message) == (str(path), "no records to import")
