"""`orgflow ARGS...` run in the test's own process, as the console script runs it (`orgflow.cli.main`)."""

from __future__ import annotations

import sys

import pytest

from orgflow import cli


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `orgflow ARGS...`, run in this process."""
    monkeypatch.setattr(sys, "argv", ["orgflow", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
