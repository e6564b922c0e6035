"""Forecasts on a history that stopped: the real Apache Jira export (AMQ and ZOOKEEPER), which ends on
2019-01-11 (AMQ's last resolution, 11:44 UTC), is forecast as of that day's end, and says so; ZOOKEEPER,
whose own data ends on 2019-01-08 (16:23 UTC), from the end of its own last day."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orgflow
from orgflow.cli import app
from orgflow.errors import InputError


@pytest.fixture(scope="module")
def apache(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("apache")
    orgflow.init(directory).close()
    with orgflow.open(directory) as workspace:
        workspace.import_files("jira", [shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"])
    return directory


def _forecast(directory: Path, *args: str) -> tuple[int, str]:
    """Exit code and output, or the text of the user error it raised (the entry wrapper prints it)."""
    result = CliRunner().invoke(app, ["-w", str(directory), "forecast", *args])
    if isinstance(result.exception, InputError):
        return 1, str(result.exception)
    return result.exit_code, result.output


def test_when_answers_as_of_the_data_end_with_a_note(apache: Path) -> None:
    code, output = _forecast(apache, "when", "--team", "ZOOKEEPER", "--items", "10", "--seed", "1", "-f", "json")
    assert code == 0, output
    params = json.loads(output)["params"]
    assert params["data_as_of"] == "2019-01-11T11:44:09.099000+00:00"
    assert (params["now"], params["now_basis"]) == ("2019-01-12T00:00:00+00:00", "data as of")
    assert params["cut_data_as_of"] == "2019-01-08T16:23:19.059000+00:00"
    assert params["start"] == "2019-01-09"
    assert params["until"] == "2019-01-08"
    assert params["as_of_note"].startswith("the data ends on 2019-01-08, ")
    assert "pass --now" in params["as_of_note"]
    # ZOOKEEPER finished 8 items in the last 90 days (too few), so the default window widens to 180.
    assert params["window_days"] == 180
    assert params["since"] == "2018-07-13"
    assert params["window_note"].startswith("the last 90 days hold too little history (8 finished items")

    code, output = _forecast(apache, "when", "--team", "ZOOKEEPER", "--items", "10", "--seed", "1")
    assert code == 0, output
    assert "as of 2019-01-11 (the latest event in the data; --now to choose)" in output
    assert "the data of this cut ends on 2019-01-08: the default window ends with it" in output
    assert "note: the data ends on 2019-01-08" in output


def test_an_explicit_window_or_now_is_kept(apache: Path) -> None:
    code, output = _forecast(apache, "when", "--team", "ZOOKEEPER", "--items", "10", "--window", "90")
    assert code != 0
    assert "8 finished items" in output
    assert "the data is as of 2019-01-08: --now chooses the date to forecast from" in output

    code, output = _forecast(
        apache, "how-many", "--team", "AMQ", "--days", "30", "--now", "2018-12-01", "--seed", "1", "-f", "json"
    )
    assert code == 0, output
    params = json.loads(output)["params"]
    assert (params["now_basis"], params["start"], "as_of_note" in params) == ("given", "2018-12-01", False)
