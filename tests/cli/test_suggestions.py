"""The closest command or option of a usage mistake (`orgflow.cli._closest`): difflib's near names, then
a shared stem ("aging" for "age"), then the one name a prefix begins; nothing when nothing is near, or
when several are equally near (a wrong guess is worse than the list)."""

from __future__ import annotations

import pytest
from tests.cli.entry_point import Run

from orgflow import cli

FLOW = [
    "summary", "lead-time", "cycle-time", "throughput", "wip", "cfd", "age", "efficiency",
    "distribution", "stages", "items", "sle", "blocked", "littles-law",
]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "closest"),
    [
        ("aging", "age"),  # difflib: 0.5; the stems agree ("ag")
        ("blocking", "blocked"),  # stems "block"
        ("summaries", "summary"),  # "-ies" is "-y"
        ("throughputs", "throughput"),
        ("eff", "efficiency"),  # the one name it begins
        ("dist", "distribution"),
        ("little", "littles-law"),
        ("AGING", "age"),  # case left out
    ],
)
def test_near_names_are_suggested(typed: str, closest: str) -> None:
    assert cli._closest(typed, FLOW) == closest


@pytest.mark.parametrize("typed", ["xyz", "a", "e", "c", "li", "thru", "flowing", "s", "st", "--", ""])
def test_nothing_absurd_is_suggested(typed: str) -> None:
    assert cli._closest(typed, FLOW) is None


def test_a_prefix_of_several_names_suggests_none() -> None:
    # "per" begins both, but difflib finds "period" near (2 x 3 / 9 = 0.67; "per-item" 6 / 11 = 0.55).
    assert cli._closest("--per", ["--period", "--per-item"]) == "--period"
    assert cli._closest("--lim", ["--limit-items", "--limit-days"]) is None
    assert cli._closest("--lim", ["--limit-items", "--team"]) == "--limit-items"


def test_options_keep_their_dashes() -> None:
    assert cli._closest("--periods", ["--period", "--by", "-p"]) == "--period"
    assert cli._closest("--stages", ["--stage", "--state"]) == "--stage"


@pytest.mark.parametrize(
    ("args", "first_line", "command"),
    [
        (["flow", "aging"], "error: no such command 'aging' in 'orgflow flow'; did you mean 'age'?", "orgflow flow"),
        (["flow", "eff"], "error: no such command 'eff' in 'orgflow flow'; did you mean 'efficiency'?", "orgflow flow"),
        (
            ["flow", "throughput", "--periods", "week"],
            "error: no such option '--periods' for 'orgflow flow throughput'; did you mean '--period'?",
            "orgflow flow throughput",
        ),
        (
            ["forecast", "simulation"],
            "error: no such command 'simulation' in 'orgflow forecast'; commands: when, how-many, plan, backtest",
            "orgflow forecast",
        ),
    ],
    ids=["aging", "eff", "--periods", "nothing near"],
)
def test_through_the_entry_point(orgflow: Run, args: list[str], first_line: str, command: str) -> None:
    result = orgflow(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [first_line, f"see '{command} --help'"]
