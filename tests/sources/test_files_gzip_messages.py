"""A file named ``.gz`` that is not gzip, or is cut short, is reported in words with what to do, by every
importer (they all read through `orgflow.sources.file_text.read_bytes`)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources import importers
from orgflow.sources.file_text import read_bytes, read_text

NOT_GZIP = (
    "the file is not gzip-compressed although its name ends in .gz",
    "if it is plain text, drop the .gz from its name; else compress it with gzip",
)
TRUNCATED = ("the file ends before its gzip stream does: it is truncated", "export it again")
CASES = [
    ("github", "issues.json.gz", {}),
    ("incidents", "incidents.jsonl.gz", {}),
    ("transitions", "moves.csv.gz", {}),
    ("codeowners", "CODEOWNERS.gz", {"repo": "acme/app"}),
    ("jira", "issues.json.gz", {}),
]


def _caught(kind: str, path: Path, options: dict[str, Any]) -> tuple[str, str, str | None, str | None, str | None]:
    with pytest.raises(InputError) as caught:
        importers()[kind]([path], config=Config(), options=options)
    error = caught.value
    return error.message, Path(error.file or "").name, error.record, error.field, error.hint


@pytest.mark.parametrize(("kind", "name", "options"), CASES)
def test_plain_text_named_gz(tmp_path: Path, kind: str, name: str, options: dict[str, Any]) -> None:
    path = tmp_path / name
    path.write_bytes(b"no gzip here\n")
    message, hint = NOT_GZIP
    assert _caught(kind, path, options) == (message, name, None, None, hint)


@pytest.mark.parametrize(("kind", "name", "options"), CASES)
def test_truncated_gzip(tmp_path: Path, kind: str, name: str, options: dict[str, Any]) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(b'{"number": 1}\n' * 500, mtime=0)[:40])
    message, hint = TRUNCATED
    assert _caught(kind, path, options) == (message, name, None, None, hint)


def test_the_real_jira_export_cut_short(tmp_path: Path, shared_data: Path) -> None:
    path = tmp_path / "apache-amq-zookeeper.jsonl.gz"
    path.write_bytes((shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz").read_bytes()[:3000])
    with pytest.raises(InputError) as caught:
        read_bytes(path)
    assert (caught.value.message, caught.value.hint) == TRUNCATED
    assert caught.value.file == str(path)


def test_a_real_plain_file_named_gz(tmp_path: Path, shared_data: Path) -> None:
    path = tmp_path / "otel-collector.CODEOWNERS.gz"
    path.write_bytes((shared_data / "git" / "otel-collector.CODEOWNERS").read_bytes())
    with pytest.raises(InputError) as caught:
        read_text(path)
    assert (caught.value.message, caught.value.hint) == NOT_GZIP


def test_whole_gzip_and_empty_gz_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"x,y\n1,2\n", mtime=0))
    assert read_bytes(path) == b"x,y\n1,2\n"
    empty = tmp_path / "empty.csv.gz"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        read_bytes(empty)
    assert caught.value.message == "empty file: no records"
