"""A value an option refuses, and an empty window, are told in orgflow's own words, in process.

`orgflow.cli.main` runs as the console script does (its arguments from `sys.argv`): a refused value is a
usage mistake (exit code 2) naming the option by its long name, the value and what the option takes,
with no wording of the libraries underneath; an empty window names the days as they were typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.in_process import run_main
from tests.cli.three_items import TRANSITIONS

_main = run_main


REFUSED = [
    (
        ["flow", "summary", "--format", "xml"],
        "error: invalid value for '--format': 'xml' is not one of 'table', 'csv', 'json'",
        "see 'orgflow flow summary --help'",
    ),
    (
        ["flow", "summary", "-f", "xml"],
        "error: invalid value for '--format': 'xml' is not one of 'table', 'csv', 'json'",
        "see 'orgflow flow summary --help'",
    ),
    (
        ["serve", "--port", "abc"],
        "error: invalid value for '--port': 'abc' is not a whole number",
        "see 'orgflow serve --help'",
    ),
    (
        ["serve", "--port", "99999"],
        "error: invalid value for '--port': 99999 is not from 1 to 65535",
        "see 'orgflow serve --help'",
    ),
    (
        ["serve", "--port", "0"],
        "error: invalid value for '--port': 0 is not from 1 to 65535",
        "see 'orgflow serve --help'",
    ),
    (
        ["serve", "--lanes", "9"],
        "error: invalid value for '--lanes': 9 is not from 1 to 4",
        "see 'orgflow serve --help'",
    ),
    (
        ["simulate", "run", "--replications", "1"],
        "error: invalid value for '--replications': 1 is less than 2",
        "see 'orgflow simulate run --help'",
    ),
    (
        ["simulate", "run", "--horizon", "soon"],
        "error: invalid value for '--horizon': 'soon' is not a number",
        "see 'orgflow simulate run --help'",
    ),
]


@pytest.mark.parametrize(("args", "first", "second"), REFUSED, ids=[" ".join(case[0]) for case in REFUSED])
def test_a_refused_value_is_orgflows_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], first: str, second: str
) -> None:
    code, out, err = _main(monkeypatch, capsys, *args)
    assert (code, out) == (2, "")
    assert err.splitlines() == [first, second]


def test_a_missing_option_keeps_its_usage_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing value is not a refused one: it keeps the usage line."""
    code, _out, err = _main(monkeypatch, capsys, "forecast", "when")
    assert code == 2
    assert err.splitlines() == [
        "error: missing option '--items' / '-n'",
        "usage: orgflow forecast when [OPTIONS]; see 'orgflow forecast when --help'",
    ]


# -- the empty window -------------------------------------------------------------------------------
# The three items (tests/cli/three_items.py) were created on 2024-03-01 and 03-02; the last event is on
# 2024-03-08 12:00, so without --now the figures are as of 2024-03-09 00:00 and the data's last day is 03-08.
@pytest.fixture(scope="module")
def three_items(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("empty-window")
    (folder / "transitions.csv").write_text(TRANSITIONS, encoding="utf-8")
    return folder


def _workspace(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: Path) -> str:
    workspace = folder / "ws"
    if not workspace.exists():
        assert _main(monkeypatch, capsys, "-w", str(workspace), "init")[0] == 0
        done = _main(
            monkeypatch, capsys, "-w", str(workspace), "import", "transitions", str(folder / "transitions.csv")
        )
        assert done[0] == 0, done
    return str(workspace)


EMPTY = [
    (
        ["flow", "summary", "--until", "2024-02-01"],
        "error: since: the window is empty (2024-03-01 is after 2024-02-01); give --since on or before --until",
    ),
    (
        ["flow", "summary", "--since", "2024-03-05", "--until", "2024-03-04"],
        "error: since: the window is empty (2024-03-05 is after 2024-03-04); give --since on or before --until",
    ),
    (
        ["flow", "summary", "--since", "2031-01-01"],
        "error: since: the window starts after the data ends (2031-01-01 is after 2024-03-08); "
        "give an earlier --since, or --now (or --until) to look at a later date",
    ),
    (
        ["flow", "summary", "--since", "2024-03-09", "--now", "2024-03-09T10:00:00Z"],
        "error: since: the window is empty (2024-03-09 is after 2024-03-08); give an earlier --since, or --until",
    ),
    (
        ["prs", "summary", "--since", "2031-01-01", "--now", "2024-03-10"],
        "error: since: the window is empty (2031-01-01 is after 2024-03-09); give an earlier --since, or --until",
    ),
    (
        ["prs", "summary", "--since", "2024-03-05", "--until", "2024-03-04"],
        "error: since: the window is empty (2024-03-05 is after 2024-03-04); give --since on or before --until",
    ),
]


@pytest.mark.parametrize(("args", "expected"), EMPTY, ids=[" ".join(case[0]) for case in EMPTY])
def test_an_empty_window_names_the_days_typed(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    three_items: Path,
    args: list[str],
    expected: str,
) -> None:
    workspace = _workspace(monkeypatch, capsys, three_items)
    code, out, err = _main(monkeypatch, capsys, "-w", workspace, *args)
    assert (code, out) == (1, "")
    assert err == expected + "\n"
