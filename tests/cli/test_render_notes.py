"""What every output of a figure carries, on one real Jira issue without changelog (AMQ-280 of
../shared/data/jira/apache-amq-zookeeper.jsonl.gz): its notes in every format and the API, its window
as inclusive days, the options that changed it in its params, instants in UTC to the second, and
unknown names refused with the name meant.

AMQ-280: created 2005-06-29 14:04:20, resolved 15:44:16 (UTC), no changelog; its Time in Status field
``3_*:*_1_*:*_5988000_*|*_1_*:*_1_*:*_8000_*|*_5_*:*_1_*:*_0`` reports 5,988,000 ms In Progress. Its
cycle time is therefore 5,988 s, and its implied start is 15:44:16 - 1:39:48 = 14:04:28
(docs/metrics.md, "Reported time in status").
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import orgflow
from orgflow import cli, registry
from orgflow.web.app import create_app

NOW = ["--now", "2020-01-01"]
JUNE = ["--since", "2005-06-01", "--until", "2005-06-30"]
CYCLE_NOTE = (
    "cycle time (started_at = finished_at - reported cycle time): from the source's reported time in status "
    "for 1 of 1 finished items (they have no status history; docs/metrics.md, 'Reported time in status')"
)
SUMMARY_NOTE = (
    "cycle time and flow efficiency: from the source's reported time in status for 1 of 1 finished items "
    "(they have no status history; docs/metrics.md, 'Reported time in status')"
)
STAGES = (
    "Backlog, Analysis, Ready, In Progress, Blocked, Awaiting Review, Review, Ready for Release, Releasing, "
    "Done, Cancelled, unmapped"
)


@pytest.fixture(scope="module")
def amq(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A workspace holding AMQ-280 alone (team AMQ, from its project)."""
    folder = tmp_path_factory.mktemp("amq-280")
    chosen = folder / "chosen.jsonl"
    with gzip.open(shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz", "rt", encoding="utf-8") as lines:
        chosen.write_text("".join(line for line in lines if json.loads(line)["key"] == "AMQ-280"), encoding="utf-8")
    workspace = orgflow.init(folder / "ws")
    workspace.import_files("jira", [chosen])
    workspace.close()
    return folder / "ws"


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path, *args: str
) -> tuple[int, str, str]:
    """`orgflow -w WORKSPACE ARGS...` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["orgflow", "-w", str(workspace), *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _plain(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_the_table_shows_the_note_utc_seconds_and_the_inclusive_window(
    amq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(monkeypatch, capsys, amq, "flow", "cycle-time", *JUNE, *NOW)
    lines = _plain(out)
    assert code == 0
    # The header says UTC; the implied start is 14:04:28, the finish 15:44:16 (seconds kept).
    assert any("Started at (UTC)" in line and "Finished at (UTC)" in line for line in lines)
    assert any("AMQ-280" in line and "│ 2005-06-29 14:04:28 │ 2005-06-29 15:44:16 │ no │ done │ 0.07 │" in line
               for line in lines)  # fmt: skip
    # The window 2005-06-01..2005-06-30 (until exclusive: 2005-07-01T00:00Z) is labelled by its last day.
    flat = " ".join(out.split())  # the caption and the note may wrap
    assert "2005-06-01 to 2005-06-30 · 1 row" in flat
    assert flat.endswith(f"note: {CYCLE_NOTE}")


def test_json_and_the_api_carry_the_notes_beside_the_fixed_keys(
    amq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(monkeypatch, capsys, amq, "flow", "summary", *JUNE, *NOW, "-f", "json")
    body = json.loads(out)
    assert code == 0
    assert list(body) == ["metric", "definition", "params", "rows", "notes"]
    # The data is one day (2005-06-29) and --now 2020: the rate is over that day, WIP the data's last state.
    assert body["notes"] == [
        "wip is the state at the end of the data's last day (2005-06-29), carried forward: nothing was recorded "
        "after it, so the items open then are still open as far as the data knows",
        "the days to 2005-06-28 lie before the data's first event (data from 2005-06-29), and the days from "
        "2005-06-30 lie after the data's last event (data as of 2005-06-29): nothing there was recorded, so "
        "throughput_per_week is per week of the 1 day the data covers in the window (2005-06-29 to 2005-06-29)",
        SUMMARY_NOTE,
    ]
    # The params keep their shape: until stays the exclusive instant.
    assert (body["params"]["since"], body["params"]["until"]) == ("2005-06-01T00:00:00Z", "2005-07-01T00:00:00Z")

    code, out, _ = _run(monkeypatch, capsys, amq, "flow", "cycle-time", *JUNE, *NOW, "-f", "json")
    printed = json.loads(out)
    assert printed["notes"] == [CYCLE_NOTE]
    assert printed["rows"][0]["started_at"] == "2005-06-29T14:04:28Z"
    with TestClient(create_app(amq)) as client:
        answer = client.get(
            "/api/cycle-time", params={"since": "2005-06-01", "until": "2005-06-30", "now": "2020-01-01"}
        )
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, **printed}


def test_csv_keeps_its_rows_and_says_the_notes_on_stderr(
    amq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = "item_id,started_at,finished_at,cycle_time_days"
    code, out, err = _run(
        monkeypatch, capsys, amq, "flow", "cycle-time", *JUNE, *NOW, "-f", "csv", "--columns", columns
    )
    assert code == 0
    assert out.splitlines() == [columns, f"AMQ-280,2005-06-29T14:04:28Z,2005-06-29T15:44:16Z,{5988 / 86400!r}"]
    assert err.splitlines() == [f"note: {CYCLE_NOTE}"]


@pytest.mark.parametrize(("flag", "included"), [((), False), (("--include-cancelled",), True)])
def test_an_option_that_changes_the_rows_is_in_the_params(
    amq: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: tuple[str, ...],
    included: bool,
) -> None:
    for command in ("lead-time", "cycle-time"):
        code, out, _ = _run(monkeypatch, capsys, amq, "flow", command, *JUNE, *NOW, *flag, "-f", "json")
        assert code == 0 and json.loads(out)["params"]["include_cancelled"] is included
    code, out, _ = _run(monkeypatch, capsys, amq, "flow", "efficiency", "--per-item", *JUNE, *NOW, "-f", "json")
    assert json.loads(out)["params"]["per_item"] is True


def test_every_option_of_a_flow_figure_is_in_its_params() -> None:
    """A result's params name every option that changed it (`Figure.params`, `figure_result`)."""
    missing = {
        figure.name: sorted(set(figure.user_options()) - set(figure.params)) for figure in registry.figures("flow")
    }
    assert {name: left for name, left in missing.items() if left} == {}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--stage", "In Progres"),
            f"error: stage: unknown stage 'In Progres'; did you mean 'In Progress'? (known stages: {STAGES})",
        ),
        (("--stage", "Nonsense"), f"error: stage: unknown stage 'Nonsense'; known stages: {STAGES}"),
        (("--team", "amq"), "error: team: unknown team 'amq'; did you mean 'AMQ'? (see `orgflow status` for the "
         "teams)"),
        (("--phase", "create"), "error: phase: unknown phase 'create'; did you mean 'Create'? (use Ideate, Create, "
         "Release, Operate)"),
    ],
)  # fmt: skip
def test_an_unknown_name_is_refused_with_the_one_meant(
    amq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], error: str
) -> None:
    code, out, err = _run(monkeypatch, capsys, amq, "flow", "items", *args, *NOW)
    assert (code, out) == (1, "")
    assert " ".join(err.split()) == error


def test_a_known_stage_still_lists_its_items(
    amq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(monkeypatch, capsys, amq, "flow", "items", "--stage", "Done", *NOW, "--since", "2005-06-01",
                        "-f", "json")  # fmt: skip
    assert code == 0 and [row["item_id"] for row in json.loads(out)["rows"]] == ["AMQ-280"]


def test_the_api_refuses_an_unknown_stage_with_its_error_shape(amq: Path) -> None:
    with TestClient(create_app(amq)) as client:
        answer = client.get("/api/items", params={"stage": "Nonsense", "now": "2020-01-01"})
        close = client.get("/api/items", params={"stage": "done", "now": "2020-01-01"})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error": "unknown stage 'Nonsense'",
        "where": {"field": "stage"},
        "hint": f"known stages: {STAGES}",
    }
    assert close.status_code == 400 and close.json()["hint"] == f"did you mean 'Done'? (known stages: {STAGES})"
