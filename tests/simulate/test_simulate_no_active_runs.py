"""Unknown is not zero in scenario runs and leverage: a team whose workflow has a done stage but no active
one (`orgflow.flow.mapped_stages`) has no flow time the simulation can give (its start is its first
unmapped status), nor has any group or organization that pools its items. `orgflow simulate run`,
`orgflow simulate leverage`, their JSON and CSV, the API and the pages give those figures as null with
the reason (`orgflow.simulate.unknown_flow`); throughput, WIP, items, stage days and station figures stay,
and so do every figure of the other team, exactly.

The workspace is `no_active_workspace.build`: team ``nact`` without an active stage, team ``alpha`` with
one. The scenario halves every team's demand, 2 replications of 60 days after 30 of warm-up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.simulate.no_active_workspace import build

import orgflow
from orgflow.simulate.distributions import deterministic
from orgflow.simulate.leverage import leverage
from orgflow.simulate.model_file import write_network
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.unknown_flow import null_unknown_rows, unknown_flow_times
from orgflow.web.app import create_app
from orgflow.workspace import Workspace

SCENARIO = (
    "name: half the demand\nreplications: 2\nhorizon_days: 60\nwarmup_days: 30\nchanges:\n  - demand: {factor: 0.5}\n"
)
WHY = (
    "no status maps to an active stage (the start is the first unmapped status, so cycle time would be lead "
    "time): map them in orgflow.yaml, see `orgflow status`"
)
"""The flow figures' reason (`orgflow.flow.mapped_stages.no_active_stage_reason`), as calibration gives it."""
TEAM_REASON = f"flow_time_mean, flow_time_p50, flow_time_p85, flow_time_p95 of team nact: {WHY}"
ORG_REASON = (
    "flow_time_mean, flow_time_p50, flow_time_p85, flow_time_p95 of the organization (the items of team nact "
    f"among them): {WHY}"
)
MODEL_NOTE = (
    "team nact: service times and capacities of active stages (the route has none: its stages run as delays, "
    f"without queueing), cycle_time_p50, cycle_time_p85: {WHY}"
)
LEVERAGE_TEAM = f"share, flow_time_mean, flow_time_p85 (now and with a stage twice as fast) of team nact: {WHY}"
LEVERAGE_ORG = (
    "share, flow_time_mean, flow_time_p85 (now and with a stage twice as fast) of the organization (the items "
    f"of team nact among them): {WHY}"
)
FLOW_TIMES = ("flow_time_mean", "flow_time_p50", "flow_time_p85", "flow_time_p95")
NULLED = {(scope, subject, figure) for scope, subject in (("org", "org"), ("team", "nact")) for figure in FLOW_TIMES}
RUN_FIGURES = ("baseline", "scenario", "difference", "difference_low", "difference_high")
SETTINGS = RunSettings(replications=2, horizon_days=60, warmup_days=30)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("no-active-runs"))
    (root / "scenarios").mkdir()
    (root / "scenarios" / "half.yaml").write_text(SCENARIO, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def workspace(folder: Path) -> Iterator[Workspace]:
    with orgflow.open(folder, read_only=True) as opened:
        yield opened


def _rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {(row["scope"], row["subject"], row["stage"], row["figure"]): row for row in rows}


@pytest.fixture(scope="module")
def run(workspace: Workspace, folder: Path) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """The scenario against the baseline calibrated on the default window, as `orgflow simulate run` runs it."""
    return _rows(workspace.simulate.run(folder / "scenarios" / "half.yaml").rows())


def test_the_team_and_the_organization_have_no_flow_time(run: dict[tuple[str, str, str, str], dict[str, Any]]) -> None:
    for figure in FLOW_TIMES:
        for scope, subject, reason in (("team", "nact", TEAM_REASON), ("org", "org", ORG_REASON)):
            row = run[(scope, subject, "", figure)]
            assert [row[name] for name in RUN_FIGURES] == [None] * 5
            assert row["unknown_reasons"] == reason
    # What needs no active stage stays: the team's throughput, WIP and items, the days in its one stage.
    for figure in ("throughput_per_week", "wip", "items"):
        for subject in ("nact", "org"):
            row = run[("team" if subject == "nact" else "org", subject, "", figure)]
            assert isinstance(row["baseline"], float) and isinstance(row["scenario"], float)
            assert row["unknown_reasons"] is None
    assert isinstance(run[("stage", "nact", "unmapped", "days")]["baseline"], float)
    # The other team's flow times are there, without a reason.
    assert all(isinstance(run[("team", "alpha", "", figure)]["baseline"], float) for figure in FLOW_TIMES)
    assert {row["unknown_reasons"] for key, row in run.items() if (key[0], key[1], key[3]) not in NULLED} == {None}


def _model_run(workspace: Workspace, folder: Path, network: Network, name: str) -> dict:
    path = folder / f"{name}.yaml"
    write_network(network, path)
    return _rows(workspace.simulate.run(folder / "scenarios" / "half.yaml", model=path).rows())


def test_only_those_figures_change(workspace: Workspace, folder: Path) -> None:
    """The same model without its ``no_active_stage`` note runs the same replications: every figure is the
    same, but for the eight nulled, which it gives (so they were computed, and are withheld)."""
    network = workspace.simulate.calibrate(with_fit=False).network
    noted = _model_run(workspace, folder, network, "noted")
    notes = {key: value for key, value in network.notes.items() if key != "no_active_stage"}
    unnoted = _model_run(workspace, folder, replace(network, notes=notes), "unnoted")
    assert noted.keys() == unnoted.keys()
    changed = {(key[0], key[1], key[3]) for key in noted if noted[key] != unnoted[key]}
    assert changed == NULLED
    assert all(
        isinstance(unnoted[(scope, subject, "", figure)]["baseline"], float) for scope, subject, figure in NULLED
    )
    assert {row["unknown_reasons"] for row in unnoted.values()} == {None}


def test_the_other_team_is_as_if_alone(
    workspace: Workspace, folder: Path, run: dict[tuple[str, str, str, str], dict[str, Any]]
) -> None:
    """Random numbers are drawn per team, flow type and stage: alpha calibrated and run alone gives each of
    its figures exactly as the run of both teams does."""
    alone = _model_run(workspace, folder, workspace.simulate.calibrate(team="alpha", with_fit=False).network, "alpha")
    mine = {key: row for key, row in run.items() if "alpha" in key[1]}
    assert len(mine) == 12  # 7 team figures, 2 stage rows (In Progress and its queue), 3 of its station
    assert mine == {key: row for key, row in alone.items() if "alpha" in key[1]}


def test_the_cli_json_table_and_csv(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = str(folder / "scenarios" / "half.yaml")
    code, out, err = run_main(monkeypatch, capsys, "-w", str(folder), "simulate", "run", scenario, "--format", "json")
    assert code == 0, err
    shown = json.loads(out)
    rows = _rows(shown["rows"])
    assert [rows[("team", "nact", "", "flow_time_p85")][name] for name in (*RUN_FIGURES, "unknown_reasons")] == [
        *[None] * 5,
        TEAM_REASON,
    ]
    assert rows[("org", "org", "", "flow_time_p50")]["unknown_reasons"] == ORG_REASON
    assert shown["notes"] == [MODEL_NOTE]
    assert shown["params"]["no_active_stage"] == MODEL_NOTE.replace("team nact: ", "nact: ", 1)

    code, out, err = run_main(monkeypatch, capsys, "-w", str(folder), "simulate", "run", scenario, "--format", "csv")
    assert code == 0, err
    table = {(r["scope"], r["subject"], r["figure"]): r for r in csv.DictReader(io.StringIO(out))}
    assert [table[("team", "nact", "flow_time_mean")][name] for name in RUN_FIGURES] == [""] * 5
    assert table[("team", "nact", "flow_time_mean")]["unknown_reasons"] == TEAM_REASON
    assert err == f"note: {MODEL_NOTE}\n"

    code, out, err = run_main(monkeypatch, capsys, "-w", str(folder), "simulate", "run", scenario)
    assert code == 0, err
    lines = [line.split("│") for line in out.splitlines() if line.startswith("│ team") and " nact " in line]
    dashes = [[cell.strip() for cell in line[5:10]] for line in lines if line[4].strip() in FLOW_TIMES]
    assert dashes == [["–"] * 5] * 4
    text = " ".join(out.split())  # the terminal wraps long lines
    assert f"– org: {ORG_REASON}" in text
    assert f"– team: {TEAM_REASON}" in text
    assert f"note: {MODEL_NOTE}" in text


def test_leverage_of_the_team_and_of_the_organization(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("-w", str(folder), "simulate", "leverage", "-r", "2", "--horizon", "60", "--warmup", "30")
    nulls = dict.fromkeys(
        ("share", "flow_time_mean", "flow_time_mean_if_2x", "flow_time_p85", "flow_time_p85_if_2x"), None
    )
    nulls |= {"p85_change_low": None, "p85_change_high": None}
    code, out, err = run_main(monkeypatch, capsys, *base, "--team", "nact", "--format", "json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["rows"] == [{"stage": "unmapped", "phase": "", **nulls, "unknown_reasons": LEVERAGE_TEAM}]
    assert shown["notes"] == [MODEL_NOTE]
    code, out, err = run_main(monkeypatch, capsys, *base, "--format", "json")
    assert code == 0, err
    shown = json.loads(out)
    # Both teams' stages, in route order (alpha's first: the model's teams are in name order).
    assert shown["rows"] == [
        {"stage": stage, "phase": phase, **nulls, "unknown_reasons": LEVERAGE_ORG}
        for stage, phase in (("In Progress", "Create"), ("unmapped", ""))
    ]
    code, out, err = run_main(monkeypatch, capsys, *base, "--team", "nact")
    assert code == 0, err
    text = " ".join(out.split())
    assert f"– {LEVERAGE_TEAM}" in text  # one row: the reason alone
    assert f"note: {MODEL_NOTE}" in text
    code, out, err = run_main(monkeypatch, capsys, *base, "--team", "alpha", "--format", "json")
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    assert row["unknown_reasons"] is None
    assert all(isinstance(row[name], float) for name in nulls)


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    application = create_app(folder, live=False)
    yield TestClient(application)
    application.state.hub.close()


def test_the_api_and_the_pages(client: TestClient) -> None:
    small = {"replications": 2, "horizon": 60, "warmup": 30}
    answer = client.get("/api/simulate/run", params={"scenario": "scenarios/half.yaml"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = _rows(body["rows"])
    assert [rows[("org", "org", "", "flow_time_p95")][name] for name in (*RUN_FIGURES, "unknown_reasons")] == [
        *[None] * 5,
        ORG_REASON,
    ]
    assert rows[("team", "nact", "", "flow_time_mean")]["unknown_reasons"] == TEAM_REASON
    assert body["notes"] == [MODEL_NOTE]

    answer = client.get("/api/simulate/leverage", params={"team": "nact", **small})
    assert answer.status_code == 200, answer.text
    assert [(row["flow_time_p85"], row["unknown_reasons"]) for row in answer.json()["rows"]] == [(None, LEVERAGE_TEAM)]

    page = client.get("/simulate", params={"scenario": "scenarios/half.yaml"}).text
    assert f'<li data-unknown-for="org">– org: {ORG_REASON}</li>' in page
    assert f'<li data-unknown-for="team nact">– team nact: {TEAM_REASON}</li>' in page
    assert f'<p class="hint" data-note>note: {MODEL_NOTE}</p>' in page
    panel = client.get("/simulate/leverage/panel", params={"team": "nact", **small}).text
    assert 'id="leverage"' not in panel  # no bar to draw: no chart (alpha's panel has one)
    assert 'id="leverage"' in client.get("/simulate/leverage/panel", params={"team": "alpha", **small}).text
    assert f"<td>{LEVERAGE_TEAM}</td>" in panel
    assert "data-no-active-stage>Without an active stage: nact: service times" in panel


# -- groups, on a hand-made network ---------------------------------------------------------------
def _network(**groups: str) -> Network:
    """Teams a, b, c (one delay stage of 1 day each) in `groups`; a without an active stage."""
    stations = {f"{name}/s": Station(f"{name}/s", "delay") for name in "abc"}
    teams = {
        name: Team(name, {"feature": Arrivals(per_day=0.5)}, (Step("s", f"{name}/s", deterministic(1.0)),), group=group)
        for name, group in groups.items()
    }
    return Network(stations, teams, {"no_active_stage": {"a": "…"}})


def test_a_group_is_unknown_when_it_holds_the_team() -> None:
    network = _network(a="g1", b="g1", c="g2")
    figures = "flow_time_mean, flow_time_p50, flow_time_p85, flow_time_p95"
    assert unknown_flow_times(network) == {
        ("team", "a"): f"{figures} of team a: {WHY}",
        ("group", "g1"): f"{figures} of group g1 (the items of team a among them): {WHY}",
        ("org", "org"): f"{figures} of the organization (the items of team a among them): {WHY}",
    }
    # A scenario that moves a into g2 (as `merge` does) makes g2's scenario figures unknown, not its baseline's.
    moved = replace(network, teams={**network.teams, "a": replace(network.teams["a"], group="g2")})
    rows = [
        {"scope": "group", "subject": "g2", "stage": "", "figure": "flow_time_p85", "baseline": 1.0, "scenario": 2.0}
        | {"difference": 1.0, "difference_low": 0.5, "difference_high": 1.5},
        {"scope": "group", "subject": "g2", "stage": "", "figure": "wip", "baseline": 1.0, "scenario": 2.0}
        | {"difference": 1.0, "difference_low": 0.5, "difference_high": 1.5},
    ]
    assert [
        [row[name] for name in (*RUN_FIGURES, "unknown_reasons")] for row in null_unknown_rows(rows, network, moved)
    ] == [
        [1.0, None, None, None, None, f"{figures} of group g2 (the items of team a among them): {WHY}"],
        [1.0, 2.0, 1.0, 0.5, 1.5, None],
    ]


def test_group_leverage_says_whose_items() -> None:
    network = _network(a="g1", b="g1", c="g2")
    settings = RunSettings(replications=2, horizon_days=20, warmup_days=5)
    (row,) = leverage(network, settings, group="g1")
    assert row["unknown_reasons"] == (
        f"share, flow_time_mean, flow_time_p85 (now and with a stage twice as fast) of group g1 (the items of team "
        f"a among them): {WHY}"
    )
    assert row["flow_time_p85"] is None
    # The network reduced to a group's teams runs as the organization; `named` names the group instead.
    (row,) = leverage(network, settings, named=("group", "gx"))
    assert "of group gx (the items of team a among them)" in str(row["unknown_reasons"])
    # A group without the team has its figures.
    (row,) = leverage(network, settings, group="g2")
    assert row["unknown_reasons"] is None and isinstance(row["flow_time_p85"], float)
