"""Where the report is written: a folder, or a folder that does not exist, is a clear error before any
work, and nothing is written (`orgflow.output_file`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import orgflow
from orgflow import cli
from orgflow.errors import InputError
from orgflow.output_file import check_output_file, write_output_text
from orgflow.report import build_report


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        check_output_file(tmp_path, field="--output")
    assert str(raised.value) == (
        f"--output: {str(tmp_path)!r} is a folder, not a file; name the file to write, such as "
        f"{str(tmp_path / 'NAME')!r}"
    )


def test_a_missing_folder_is_named_and_not_made(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.html"
    with pytest.raises(InputError) as raised:
        write_output_text(target, "<html>", field="--output")
    assert str(raised.value) == (
        f"--output: the folder {str(target.parent)!r} does not exist; create it first, or choose another path"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_is_written_whole_with_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "x.html"
    target.write_text("old", encoding="utf-8")
    assert write_output_text(target, "new ✓", field="--output") == target
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [path.name for path in tmp_path.iterdir()] == ["x.html"]  # no temporary file left
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_build_report_refuses_the_path_before_opening_the_workspace(tmp_path: Path) -> None:
    # No workspace at `tmp_path / "none"`: the path's error comes first, so nothing else was tried.
    with pytest.raises(InputError, match="is a folder, not a file"):
        build_report(tmp_path / "none", tmp_path)


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_the_command_says_it_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    workspace = tmp_path / "ws"
    orgflow.init(workspace).close()
    target = tmp_path / "out" if where == "folder" else tmp_path / "nonexistent" / "x.html"
    if where == "folder":
        target.mkdir()
    monkeypatch.setattr(sys, "argv", ["orgflow", "-w", str(workspace), "report", "-o", str(target)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        cli.main()
    err = " ".join(capsys.readouterr().err.split())
    assert done.value.code == 1
    if where == "folder":
        assert err == f"error: --output: {str(target)!r} is a folder, not a file; name the file to write, such as " \
            f"{str(target / 'NAME')!r}"  # fmt: skip
        assert list(target.iterdir()) == []
    else:
        assert err == f"error: --output: the folder {str(target.parent)!r} does not exist; create it first, or " \
            "choose another path"  # fmt: skip
        assert not target.parent.exists()
