"""Unknown is not zero in a calibration: a team whose statuses map to a done stage but none to an active
one (`orgflow.flow.mapped_stages`) gets a model whose active stages' service times and capacities, and
whose cycle times, are unknown. The model's notes say so (``no_active_stage``), the fit gives its
cycle times as null with the reason, and the fit's notes and params carry it: in the Python API, in
the CLI's JSON and in the model file it writes.

The hand-made workspace of `tests.simulate.no_active_workspace`, team ``nact`` alone: 30 items, each
created on 2024-01-01 + i at 09:00 (i = 0..29), moved a day later to ``Doing`` (a status no stage names)
and to ``Done`` (i mod 4) + 1 days after that. The workflow maps ``To Do`` to a backlog stage and ``Done``
to a done stage, nothing to an active one: the items start at ``Doing`` (their first unmapped status),
and the route is the ``unmapped`` stage alone, a delay.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from tests.simulate import no_active_workspace

import orgflow
from orgflow.flow.mapped_stages import no_active_stage_reason
from orgflow.simulate.calibrate import NO_ACTIVE_FIGURES
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.service import Calibration
from orgflow.workspace import Workspace

MODEL_REASON = (
    "service times and capacities of active stages (the route has none: its stages run as delays, without "
    "queueing), cycle_time_p50, cycle_time_p85: no status maps to an active stage (the start is the first "
    "unmapped status, so cycle time would be lead time): map them in orgflow.yaml, see `orgflow status`"
)
FIT_REASON = (
    "cycle_time_p50, cycle_time_p85 predicted and actual: no status maps to an active stage (the start is the "
    "first unmapped status, so cycle time would be lead time): map them in orgflow.yaml, see `orgflow status`"
)
SINCE, UNTIL = date(2024, 1, 1), date(2024, 2, 5)
"""35 days: every item finishes inside (the last, i = 29, on 2024-01-31 + 2 days = 02-02)."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return no_active_workspace.build(tmp_path_factory.mktemp("no-active"), with_alpha=False)


@pytest.fixture(scope="module")
def workspace(folder: Path) -> Iterator[Workspace]:
    with orgflow.open(folder, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def calibration(workspace: Workspace) -> Calibration:
    return workspace.simulate.calibrate(since=SINCE, until=UNTIL, settings=RunSettings(replications=2, seed=3))


def test_the_rule_is_the_flow_figures_rule(workspace: Workspace) -> None:
    assert workspace.flow.stage_reach(by="team").no_active == ("nact",)
    assert workspace.simulate.history().no_active == frozenset({"nact"})
    # The model's reason is the flow figures' own (`orgflow.flow.mapped_stages`), naming what the model lacks.
    assert no_active_stage_reason(NO_ACTIVE_FIGURES) == MODEL_REASON


def test_the_model_says_what_it_cannot_know(calibration: Calibration) -> None:
    network = calibration.network
    assert network.notes["no_active_stage"] == {"nact": MODEL_REASON}
    # No active stage: no station with servers (so no service time or capacity anywhere), one delay.
    assert {name: station.kind for name, station in network.stations.items()} == {"nact/unmapped": "delay"}
    assert [step.stage for step in network.teams["nact"].route] == ["unmapped"]
    # The delay's times are the days in Doing: (i mod 4) + 1 for i = 0..29, eight each of 1 and 2 (i mod 4 = 0
    # or 1 up to 29), seven each of 3 and 4; their mean is (8 + 16 + 21 + 28) / 30 = 73 / 30.
    assert network.teams["nact"].route[0].times.expected() == pytest.approx(73 / 30)


def test_the_fit_gives_cycle_times_as_null_with_the_reason(calibration: Calibration) -> None:
    fit = calibration.fit
    assert fit is not None
    rows = {row["figure"]: row for row in fit.table.to_pylist()}
    for figure in ("cycle_time_p50", "cycle_time_p85"):
        assert (rows[figure]["predicted"], rows[figure]["actual"], rows[figure]["relative_error"]) == (None, None, None)
        assert rows[figure]["unknown_reasons"] == FIT_REASON
    # Throughput needs a done stage only: 30 items finished in 35 days = 5 weeks.
    assert rows["throughput_per_week"]["actual"] == 6.0
    assert rows["throughput_per_week"]["unknown_reasons"] is None
    assert isinstance(rows["throughput_per_week"]["predicted"], float)
    assert fit.notes == [f"team nact: {MODEL_REASON}"]
    assert fit.params["no_active_stage"] == f"nact: {MODEL_REASON}"


def test_a_backtest_says_so_too(workspace: Workspace) -> None:
    # Calibrated on the first 80 % of the history (2024-01-02 09:00, the first start, to 2024-01-27), compared
    # on the rest: the team is calibrated, its cycle times unknown on both sides.
    result = workspace.simulate.backtest(split=0.8, settings=RunSettings(replications=2, seed=3))
    rows = {row["figure"]: row for row in result.table.to_pylist()}
    assert [(rows[name]["predicted"], rows[name]["actual"]) for name in ("cycle_time_p50", "cycle_time_p85")] == [
        (None, None)
    ] * 2
    assert rows["cycle_time_p50"]["unknown_reasons"] == FIT_REASON
    assert result.notes == [f"team nact: {MODEL_REASON}"]


def _main(*args: str) -> tuple[int, str, str]:
    """`orgflow ARGS` through the console entry point in this process: (exit code, stdout, stderr)."""
    from orgflow.cli import main

    saved, sys.argv = sys.argv, ["orgflow", *args]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as done:
                code = int(done.code or 0)
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def test_the_cli_json_and_the_model_file_carry_the_note(folder: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    code, out, err = _main(
        "-w", str(folder), "simulate", "calibrate", "--since", "2024-01-01", "--until", "2024-02-05",
        "-r", "2", "--out", str(model), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    assert shown["notes"] == [f"team nact: {MODEL_REASON}"]
    assert shown["params"]["no_active_stage"] == f"nact: {MODEL_REASON}"
    cycle = [(row["predicted"], row["actual"], row["unknown_reasons"]) for row in shown["rows"][:2]]
    assert [row["figure"] for row in shown["rows"][:2]] == ["cycle_time_p50", "cycle_time_p85"]
    assert cycle == [(None, None, FIT_REASON)] * 2
    assert yaml.safe_load(model.read_text(encoding="utf-8"))["notes"]["no_active_stage"] == {"nact": MODEL_REASON}


def test_the_cli_table_prints_the_note(folder: Path) -> None:
    code, out, err = _main(
        "-w", str(folder), "simulate", "calibrate", "--since", "2024-01-01", "--until", "2024-02-05", "-r", "2"
    )
    assert code == 0, err
    text = " ".join(out.split())  # the terminal wraps long lines
    # The model's notes (YAML), the reason under the fit's table, and the fit's note.
    assert "no_active_stage: nact: 'service times and capacities of active stages" in text
    assert f"– nact: {FIT_REASON}" in text  # the team named once, not once a row
    assert f"note: team nact: {MODEL_REASON}" in text
