"""Queueing oracles: the engine against closed-form answers (mean ± 3 standard errors over replications)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import delays, tandem, train

from orgflow.simulate.distributions import deterministic, exponential
from orgflow.simulate.engine import run_replication
from orgflow.simulate.leverage import leverage
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings, replicate
from orgflow.simulate.scenario import read_scenario
from orgflow.simulate.summary import summarize

LONG = RunSettings(replications=10, horizon_days=15_000, warmup_days=300, seed=11)


def assert_within_3se(values: np.ndarray, expected: float) -> None:
    """`expected` lies inside mean ± 3 standard errors of `values` (one value per replication)."""
    assert values.size >= 10
    mean = values.mean()
    standard_error = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(mean - expected) <= 3 * standard_error, (mean, standard_error, expected)


def erlang_c(rate: float, servers: int, mean: float = 1.0) -> tuple[float, float]:
    """(P(wait), Wq) of an M/M/c queue, by the Erlang C formula."""
    load = rate * mean
    rho = load / servers
    terms = sum(load**k / np.prod(range(1, k + 1)) for k in range(servers))
    last = load**servers / np.prod(range(1, servers + 1)) / (1 - rho)
    waiting = last / (terms + last)
    return waiting, waiting * mean / (servers - load)


def test_erlang_c_reference_values() -> None:
    # The values the issue quotes, from the formula the oracles use.
    assert erlang_c(1.6, 2) == pytest.approx((0.711111, 1.777778), abs=1e-6)
    assert erlang_c(0.8, 1) == pytest.approx((0.8, 4.0))


def test_mm1_at_rho_08_waits_4_and_stays_5() -> None:
    runs = replicate(tandem(0.8, [1]), LONG)
    assert_within_3se(runs.values(("stage", "a", "q0", "days")), 4.0)
    assert_within_3se(runs.values(("team", "a", "", "flow_time_mean")), 5.0)
    assert_within_3se(runs.values(("station", "s0", "", "utilization")), 0.8)


def test_mm2_probability_of_waiting_and_wait() -> None:
    network = tandem(1.6, [2])
    waited, waits = [], []
    for replication in range(10):
        record = run_replication(network, seed=5, replication=replication, horizon=15_300)
        kept = record.visit_enter >= 300
        queue = (record.visit_start - record.visit_enter)[kept]
        waited.append(float((queue > 0).mean()))
        waits.append(float(queue.mean()))
    assert_within_3se(np.array(waited), 0.7111)
    assert_within_3se(np.array(waits), 1.7778)


def test_three_mm2_in_tandem_stay_8_33() -> None:
    runs = replicate(tandem(1.6, [2, 2, 2]), RunSettings(replications=10, horizon_days=6_000, warmup_days=300, seed=3))
    assert_within_3se(runs.values(("team", "a", "", "flow_time_mean")), 3 * (1.7778 + 1.0))


def test_md1_at_rho_08_waits_2() -> None:
    runs = replicate(tandem(0.8, [1], times=[deterministic(1.0)]), LONG)
    assert_within_3se(runs.values(("stage", "a", "q0", "days")), 2.0)


def test_pooling_two_mm1_into_one_mm2(tmp_path: Path) -> None:
    stations = {"a/work": Station("a/work", "servers", capacity=1), "b/work": Station("b/work", "servers", capacity=1)}
    teams = {
        name: Team(name, {"feature": Arrivals(per_day=0.8)}, (Step("work", f"{name}/work", exponential(1.0)),))
        for name in ("a", "b")
    }
    separate = Network(stations, teams)
    scenario_file = tmp_path / "pool.yaml"
    scenario_file.write_text("changes:\n  - merge: {teams: [a, b], into: ab, overhead: 0}\n", encoding="utf-8")
    settings = RunSettings(replications=10, horizon_days=8_000, warmup_days=300, seed=2)
    pooled = read_scenario(scenario_file, separate, settings)
    assert pooled.network.stations["ab/work"].capacity == 2
    before, after = replicate(separate, settings), replicate(pooled.network, settings)
    assert_within_3se(before.values(("team", "a", "", "flow_time_mean")), 5.0)
    assert_within_3se(after.values(("group", "ab", "", "flow_time_mean")), 1 + 1.7778)


def test_littles_law_holds_within_half_a_percent() -> None:
    network = tandem(1.6, [2, 2])
    record = run_replication(network, seed=9, replication=0, horizon=20_300)
    since, until = 300.0, 20_300.0
    start, finish = record.item_start, record.item_finish
    # L from the step function of items in the system, integrated event by event.
    times = np.concatenate([start, finish])
    steps = np.concatenate([np.ones_like(start), -np.ones_like(finish)])
    order = np.argsort(times, kind="stable")
    times, in_system = times[order], np.cumsum(steps[order])
    clipped = np.clip(times, since, until)
    integral = float((in_system[:-1] * np.diff(clipped)).sum())
    mean_in_system = integral / (until - since)
    cohort = (start >= since) & (start < until)
    rate = cohort.sum() / (until - since)
    mean_time = (finish - start)[cohort].mean()
    assert abs(mean_in_system - rate * mean_time) / mean_in_system < 0.005
    figures = summarize(record, network, warmup=since)
    assert figures[("team", "a", "", "wip")] == pytest.approx(mean_in_system, rel=1e-9)


def test_release_train_adds_half_its_period() -> None:
    runs = replicate(train(2.0, 7.0), RunSettings(replications=10, horizon_days=700, warmup_days=14, seed=4))
    assert_within_3se(runs.values(("stage", "a", "Ready for Release", "days")), 3.5)


def test_halving_an_8_percent_stage_shortens_the_mean_by_4_percent() -> None:
    network = delays(3.0, {"ideate": 4.8, "create": 0.8, "release": 4.4})
    settings = RunSettings(replications=10, horizon_days=400, warmup_days=20, seed=6)
    rows = {row["stage"]: row for row in leverage(network, settings, team="a")}
    create = rows["create"]
    assert create["share"] == pytest.approx(0.08, abs=0.005)
    assert create["flow_time_mean_if_2x"] / create["flow_time_mean"] == pytest.approx(0.96, abs=0.003)
    runs = replicate(network, settings)
    assert_within_3se(runs.values(("team", "a", "", "flow_time_mean")), 10.0)
    # Halving the 48 % stage cuts the mean by about 24 %; it ranks first.
    assert next(iter(rows)) == "ideate"
    assert rows["ideate"]["flow_time_mean_if_2x"] / rows["ideate"]["flow_time_mean"] == pytest.approx(0.76, abs=0.01)
