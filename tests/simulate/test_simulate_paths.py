"""File paths the simulation reads and writes: a folder given where a file is meant is a one-line error
naming it, said before any calibration, with nothing written (no model, no temporary file); calibrating a
workspace where no status maps to a done stage names the mapping, not the window."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orgflow
from orgflow.cli import EXIT_CODES
from orgflow.cli import app as cli_app
from orgflow.errors import InputError
from orgflow.simulate.model_file import write_network
from orgflow.simulate.network import Network
from orgflow.simulate.yaml_source import YamlSource


def _listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_folder_is_not_a_yaml_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        YamlSource.read(tmp_path)
    assert caught.value.message == "is a folder, not a file"
    assert caught.value.where() == {"file": str(tmp_path)}


def test_a_model_is_not_written_over_a_folder(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    with pytest.raises(InputError) as caught:
        write_network(Network({}, {}), tmp_path / "models")
    assert caught.value.message == f"{str(tmp_path / 'models')!r} is a folder, not a file"
    assert caught.value.where() == {"field": "out"}
    assert _listing(tmp_path) == ["models"]


def test_run_says_the_folder_before_calibrating(tmp_path: Path) -> None:
    # An empty workspace: calibrating would fail with "no started items"; the paths are checked first.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "x.yaml").write_text("changes: []\n", encoding="utf-8")
    with orgflow.init(tmp_path / "ws") as workspace:
        with pytest.raises(InputError) as scenario:
            workspace.simulate.run(tmp_path / "scenarios")
        with pytest.raises(InputError) as model:
            workspace.simulate.run(tmp_path / "x.yaml", model=tmp_path / "scenarios")
    assert scenario.value.message == model.value.message == "is a folder, not a file"
    assert scenario.value.where() == model.value.where() == {"file": str(tmp_path / "scenarios")}


def test_calibrate_out_a_folder_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    orgflow.init(tmp_path / "ws").close()
    (tmp_path / "out").mkdir()
    before = _listing(tmp_path)
    args = ["-w", str(tmp_path / "ws"), "simulate", "calibrate", "--out", str(tmp_path / "out")]
    done = CliRunner().invoke(cli_app, args)
    # The command raises the error; the entry point (`orgflow.cli.main`) prints it on one line, exit 1.
    assert isinstance(done.exception, InputError) and EXIT_CODES[done.exception.kind] == 1
    out = str(tmp_path / "out")
    assert (
        str(done.exception)
        == f"out: {out!r} is a folder, not a file; name the file to write, such as {out + '/NAME'!r}"
    )
    assert _listing(tmp_path) == before


def test_calibrate_without_a_done_stage_names_the_mapping(tmp_path: Path) -> None:
    # The default workflow maps neither status: 30 items of team t move "proposed" -> "landed"; none can
    # finish, whatever the window.
    rows = [("item_id", "timestamp", "from_status", "to_status", "team")]
    for number in range(30):
        day = f"2024-01-{number % 28 + 1:02d}"
        rows += [
            (f"K-{number}", f"{day}T09:00:00Z", "", "proposed", "t"),
            (f"K-{number}", f"{day}T17:00:00Z", "proposed", "landed", "t"),
        ]
    path = tmp_path / "moves.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    with orgflow.init(tmp_path / "ws") as workspace:
        workspace.import_files("transitions", [path])
        with pytest.raises(InputError) as caught:
            workspace.simulate.calibrate(with_fit=False)
    assert caught.value.message == (
        "no team has enough finished items in the window: no status maps to a done stage: map them in "
        "orgflow.yaml, see `orgflow status`"
    )
