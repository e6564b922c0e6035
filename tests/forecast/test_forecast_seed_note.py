"""`orgflow forecast when|how-many` without --seed draw a seed in the range --seed takes and print it under
the table, so the same forecast can be run again; with --seed nothing is drawn or printed. The table's
caption is a short definition in whole sentences. On the real Apache Jira export (AMQ), with the draw
fixed by the test."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orgflow
from orgflow import registry
from orgflow.cli import app
from orgflow.forecast.defaults import MAX_SEED

DRAWN = 6_681_241_548_442_273_038


@pytest.fixture(scope="module")
def apache(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("apache-seed")
    orgflow.init(directory).close()
    with orgflow.open(directory) as workspace:
        workspace.import_files("jira", [shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"])
    return directory


def _forecast(directory: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["-w", str(directory), "forecast", *args, "--trials", "500"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("question", [("when", "--items", "10"), ("how-many", "--days", "30")])
def test_the_drawn_seed_is_printed_and_repeats_the_forecast(
    apache: Path, monkeypatch: pytest.MonkeyPatch, question: tuple[str, ...]
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(secrets, "randbelow", lambda bound: asked.append(bound) or DRAWN)
    table = _forecast(apache, *question, "--team", "AMQ")
    assert asked == [MAX_SEED + 1]  # a seed from 0 to MAX_SEED: one --seed accepts
    assert f"note: seed {DRAWN} (drawn for this run: --seed {DRAWN} repeats it)" in table.splitlines()
    drawn = json.loads(_forecast(apache, *question, "--team", "AMQ", "-f", "json"))
    assert drawn["params"]["seed"] == DRAWN

    monkeypatch.setattr(secrets, "randbelow", lambda _bound: pytest.fail("a given seed draws nothing"))
    given = json.loads(_forecast(apache, *question, "--team", "AMQ", "--seed", str(DRAWN), "-f", "json"))
    assert given == drawn
    assert "drawn for this run" not in _forecast(apache, *question, "--team", "AMQ", "--seed", str(DRAWN))


def test_the_table_caption_is_whole_sentences_and_json_keeps_the_definition(apache: Path) -> None:
    # Rich wraps the caption to the table's width: joined again, it is the short caption, whole.
    table = _forecast(apache, "when", "--items", "10", "--team", "AMQ", "--seed", "1")
    lines = table.splitlines()
    end = next(index for index, line in enumerate(lines) if line.startswith("└"))
    caption = " ".join(line.strip() for line in lines[end + 1 :] if not line.startswith(("as of", "note:")))
    assert caption.startswith(
        "Days until the items are done: a row is the first day by which that share of outcomes is done "
        "(read upward). · "
    ), caption
    payload = json.loads(_forecast(apache, "when", "--items", "10", "--team", "AMQ", "--seed", "1", "-f", "json"))
    assert payload["definition"] == registry.figure("forecast-when", "forecast").definition
    assert payload["definition"].endswith("day 1 is the first forecast day, date = start + days - 1.")
