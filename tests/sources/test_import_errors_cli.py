"""Each class of importer crash found by fuzzing, through the real `orgflow` entry point: exit 1, one line
on stderr naming the file (and record and field where there is one), no traceback, the workspace unchanged."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import orgflow

ISSUE = {
    "key": "PAY-1",
    "fields": {"status": {"name": "Open"}, "issuetype": {"name": "Story"}, "created": "2024-03-01T09:00:00Z"},
}
TRANSITIONS = "item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Open\n"


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("orgflow")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from orgflow.cli import main; main()"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding one import, so an unchanged store is not an empty one."""
    folder = tmp_path_factory.mktemp("cli") / "ws"
    seed = folder.parent / "seed.csv"
    seed.write_text(TRANSITIONS, encoding="utf-8")
    with orgflow.init(folder) as ws:
        ws.import_files("transitions", [seed])
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


def _fails_cleanly(workspace: Path, *args: str, file: Path) -> str:
    """Run `orgflow import ...`; assert a clean failure and return the error line."""
    before = _digest(workspace)
    done = subprocess.run(
        [*_entry_point(), "--workspace", str(workspace), "import", *args, str(file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert str(file) in lines[0], lines[0]
    assert _digest(workspace) == before
    return lines[0]


def test_corrupt_gzip(workspace: Path, tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(TRANSITIONS.encode(), mtime=0))
    packed[10] ^= 0xFF  # the deflate stream itself: zlib.error
    file = tmp_path / "changes.csv.gz"
    file.write_bytes(bytes(packed))
    assert "cannot read the file" in _fails_cleanly(workspace, "transitions", file=file)


def test_huge_csv_cell(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "deploys.csv"
    file.write_text(
        'service,environment,revision,finished_at\ncart,prod,"abc\n' + "x" * 140_000 + "\n", encoding="utf-8"
    )
    line = _fails_cleanly(workspace, "deployments", file=file)
    assert "line " in line and "unreadable CSV" in line and "unclosed quote" in line


def test_timestamp_out_of_range_in_utc(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "issues.json"
    issue = json.loads(json.dumps(ISSUE))
    issue["fields"]["created"] = "9999-12-31T23:00:00-05:00"
    file.write_text(json.dumps([issue]), encoding="utf-8")
    line = _fails_cleanly(workspace, "jira", file=file)
    assert "issue PAY-1: fields.created: timestamp out of range in UTC" in line


def test_yaml_tag_is_refused_and_not_run(workspace: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    file = tmp_path / "org.yaml"
    file.write_text(f"people:\n  - !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    line = _fails_cleanly(workspace, "org", file=file)
    assert "line 2: not valid YAML" in line and "python/object/apply" in line
    assert not marker.exists()


def test_deeply_nested_yaml(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "org.yaml"
    file.write_text("people: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    line = _fails_cleanly(workspace, "org", file=file)
    # libyaml stops at its nesting limit; the pure-Python reader would recurse until Python stops it.
    assert "nesting depth" in line or "nested too deeply" in line


def test_wrong_json_type_names_the_field(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "gitlab.json"
    file.write_text(json.dumps([{"iid": 4, "created_at": "2024-03-01T09:00:00Z", "labels": 5}]), encoding="utf-8")
    line = _fails_cleanly(workspace, "gitlab", "--project", "acme/shop", file=file)
    assert "record 1 (issue #4): labels: not a list (int)" in line


def test_nul_byte_names_the_line(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "changes.csv"
    file.write_text("item_id,timestamp,to_status\nA-1,2024-03-01T09:00:00Z,Do\x00ne\n", encoding="utf-8")
    assert "line 2: a NUL byte" in _fails_cleanly(workspace, "transitions", file=file)


def test_empty_file(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "issues.json"
    file.write_text("\n", encoding="utf-8")
    assert "empty file" in _fails_cleanly(workspace, "github", "--repo", "acme/app", file=file)


def test_file_without_records(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "issues.json"
    file.write_text('{"startAt": 0, "total": 0, "issues": []}', encoding="utf-8")
    assert "no records to import" in _fails_cleanly(workspace, "jira", file=file)
