"""Determinism, common random numbers, scenario changes and their errors, the CLI's fixed JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import tandem
from typer.testing import CliRunner

from orgflow.cli import app
from orgflow.errors import InputError
from orgflow.simulate.distributions import exponential
from orgflow.simulate.engine import RunRecord, run_replication
from orgflow.simulate.model_file import dump_network, read_network
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings, compare, replicate
from orgflow.simulate.scenario import read_scenario

SHORT = RunSettings(replications=4, horizon_days=200, warmup_days=20, seed=3)


def two_teams() -> Network:
    """Teams a and b, each with its own build station, sharing one release train."""
    stations = {
        "a/build": Station("a/build", "servers", capacity=2),
        "b/build": Station("b/build", "servers", capacity=2),
        "release": Station("release", "train", every_days=7),
    }
    teams = {
        name: Team(
            name,
            {"feature": Arrivals(per_day=1.0)},
            (
                Step("Build", f"{name}/build", exponential(1.0), queue_stage="Ready"),
                Step("Ready for Release", "release"),
            ),
            group="g",
        )
        for name in ("a", "b")
    }
    return Network(stations, teams)


def test_one_seed_gives_identical_results_and_replications_differ() -> None:
    first, again = replicate(tandem(0.8, [1]), SHORT), replicate(tandem(0.8, [1]), SHORT)
    assert first.figures == again.figures
    means = first.values(("team", "a", "", "flow_time_mean"))
    assert len(set(means.tolist())) == SHORT.replications
    other = replicate(tandem(0.8, [1]), RunSettings(replications=4, horizon_days=200, warmup_days=20, seed=4))
    assert other.figures != first.figures


def test_processes_do_not_change_the_figures() -> None:
    single = replicate(tandem(0.8, [1]), SHORT)
    double = replicate(
        tandem(0.8, [1]), RunSettings(replications=4, horizon_days=200, warmup_days=20, seed=3, processes=2)
    )
    assert single.figures == double.figures


def test_scenario_and_baseline_share_random_numbers(tmp_path: Path) -> None:
    baseline = two_teams()
    path = tmp_path / "faster.yaml"
    path.write_text("changes:\n  - speed: {teams: [a], stage: Build, factor: 2}\n", encoding="utf-8")
    scenario = read_scenario(path, baseline, SHORT)
    before = run_replication(baseline, seed=3, replication=0, horizon=100)
    after = run_replication(scenario.network, seed=3, replication=0, horizon=100)
    # The same items arrive at the same instants, and team a's build times are exactly halved.
    assert np.array_equal(before.item_start, after.item_start)

    def build_a(record: RunRecord) -> np.ndarray:
        """Team a's build times, sorted."""
        rows = (record.item_team[record.visit_item] == 0) & (record.visit_step == 0)
        return np.sort((record.visit_leave - record.visit_start)[rows])

    assert np.allclose(build_a(after), build_a(before) / 2)
    # An unchanged scenario differs by exactly nothing, with a zero-width interval.
    same = tmp_path / "same.yaml"
    same.write_text("changes:\n  - speed: {teams: [a], stage: Build, factor: 1}\n", encoding="utf-8")
    rows = compare(replicate(baseline, SHORT), replicate(read_scenario(same, baseline, SHORT).network, SHORT))
    assert all(row.difference == 0 and row.low == row.high == 0 for row in rows if not np.isnan(row.difference))


def test_merge_pools_capacity_and_release_cadence(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "changes:\n  - merge: {teams: [a, b], into: ab}\n  - release: {station: release, every_days: 3.5}\n",
        encoding="utf-8",
    )
    network = read_scenario(path, two_teams(), SHORT).network
    assert network.stations["ab/Build"].capacity == 4
    assert "a/build" not in network.stations
    assert network.stations["release"].every_days == 3.5
    assert network.teams["a"].route[0].times.expected() == pytest.approx(1.1)  # the 10 % overhead


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "changes:\n  - speed: {teams: [zz], stage: Build, factor: 2}\n",
            "line 2: changes.0.speed.teams",
            "unknown team 'zz'",
        ),
        (
            "changes:\n  - speed: {teams: [a], stage: Deploy, factor: 2}\n",
            "line 2: changes.0.speed.stage",
            "no stage 'Deploy'",
        ),
        ("changes:\n  - speed: {teams: [a], stage: Build, factor: 0}\n", "line 2: changes.0.speed.factor", "above 0"),
        ("changes:\n  - demand: {factor: -1}\n", "line 2: changes.0.demand.factor", "above 0"),
        (
            "changes:\n  - capacity: {station: nowhere, capacity: 2}\n",
            "line 2: changes.0.capacity.station",
            "unknown station",
        ),
        ("changes:\n  - speedup: {}\n", "line 2: changes.0.speedup", "unknown change"),
        (
            "changes:\n  - add_dependency: {team: a, needs: b, after: Build, probability: 0.5}\n"
            "  - add_dependency: {team: b, needs: a, after: Build, probability: 0.5}\n",
            "line 3: changes.1",
            "cycle: a -> b -> a",
        ),
        ("name: x\nchanges:\n  - speed: {teams: [a], stage: Build, factor: 0.5}\n", "line 3: changes.0", "saturated"),
    ],
)
def test_bad_scenarios_name_file_line_and_field(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_scenario(path, two_teams(), SHORT)
    assert str(raised.value).startswith(f"{path}: {where}"), str(raised.value)
    assert message in str(raised.value)


def test_a_negative_rate_in_a_model_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(dump_network(two_teams()).replace("feature: 1.0", "feature: -2.0"), encoding="utf-8")
    with pytest.raises(InputError, match=r"model.yaml: line \d+: teams.a.arrivals.feature: must be at least 0"):
        read_network(path)


def test_cli_leverage_and_backtest_json_shapes(tmp_path: Path) -> None:
    from datetime import date, timedelta

    from tests.simulate.networks import WORKFLOW_YAML, known_system, transitions_csv

    from orgflow.simulate.history import day_number
    from orgflow.workspace import init_workspace

    directory = tmp_path / "ws"
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(WORKFLOW_YAML, encoding="utf-8")
    history = directory / "history.csv"
    origin = date(2021, 1, 1)
    history.write_text(transitions_csv(known_system(1.0), days=300, seed=2, origin_day=day_number(origin)))
    runner = CliRunner()
    imported = runner.invoke(app, ["-w", str(directory), "import", "transitions", str(history), "--source", "sim"])
    assert imported.exit_code == 0, imported.output
    common = ["--replications", "3", "--format", "json"]
    leverage = runner.invoke(
        app, ["-w", str(directory), "simulate", "leverage", "--team", "team-a", *common, "--horizon", "100"]
    )
    assert leverage.exit_code == 0, leverage.output
    rows = json.loads(leverage.stdout)["rows"]
    fixed = {
        "stage",
        "phase",
        "share",
        "flow_time_mean",
        "flow_time_mean_if_2x",
        "flow_time_p85",
        "flow_time_p85_if_2x",
    }
    assert {row["stage"] for row in rows} == {"Ready", "Build", "Review Queue", "Review"}
    assert all(fixed <= set(row) for row in rows)
    backtest = runner.invoke(app, ["-w", str(directory), "simulate", "backtest", "--split", "0.7", *common])
    assert backtest.exit_code == 0, backtest.output
    rows = json.loads(backtest.stdout)["rows"]
    assert [(row["team"], row["figure"]) for row in rows] == [
        ("team-a", "cycle_time_p50"),
        ("team-a", "cycle_time_p85"),
        ("team-a", "throughput_per_week"),
    ]
    assert all(
        set(row) == {"team", "figure", "predicted", "actual", "relative_error", "unknown_reasons"} for row in rows
    )
    assert [row["unknown_reasons"] for row in rows] == [None, None, None]
    throughput = rows[2]
    assert throughput["relative_error"] == pytest.approx(
        (throughput["predicted"] - throughput["actual"]) / throughput["actual"]
    )
    assert origin + timedelta(days=300) > date(2021, 10, 1)
