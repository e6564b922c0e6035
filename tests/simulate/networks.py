"""Small networks with known answers, for the simulation tests."""

from __future__ import annotations

import numpy as np

from orgflow.simulate.distributions import Distribution, deterministic, exponential
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team


def tandem(rate: float, servers: list[int], *, times: list[Distribution] | None = None, team: str = "a") -> Network:
    """Poisson arrivals at `rate` through stations s0, s1, ... with `servers[i]` servers each
    (exponential times of mean 1 unless `times`); station i's queue is the stage ``q<i>``."""
    stations = {f"s{i}": Station(f"s{i}", "servers", capacity=c) for i, c in enumerate(servers)}
    steps = tuple(
        Step(f"w{i}", f"s{i}", (times or [exponential(1.0)] * len(servers))[i], phase="Create", queue_stage=f"q{i}")
        for i in range(len(servers))
    )
    return Network(stations, {team: Team(team, {"feature": Arrivals(per_day=rate)}, steps)})


def delays(rate: float, means: dict[str, float], *, kind: str = "exponential") -> Network:
    """Poisson arrivals through delay stages (no queueing) with the given mean days."""
    make = exponential if kind == "exponential" else deterministic
    stations = {stage: Station(stage, "delay") for stage in means}
    steps = tuple(Step(stage, stage, make(mean), phase=stage) for stage, mean in means.items())
    return Network(stations, {"a": Team("a", {"feature": Arrivals(per_day=rate)}, steps)})


def train(rate: float, every_days: float) -> Network:
    """Poisson arrivals waiting for a release train leaving every `every_days` days."""
    stations = {"release": Station("release", "train", every_days=every_days, offset_days=0.25)}
    steps = (Step("Ready for Release", "release", None, phase="Release"),)
    return Network(stations, {"a": Team("a", {"feature": Arrivals(per_day=rate)}, steps)})


WORKFLOW_YAML = """\
workflows:
  - name: known
    applies_to: {source: sim}
    stages:
      - {name: To Do, phase: Ideate, category: backlog, statuses: [To Do]}
      - {name: Ready, phase: Create, category: wait, statuses: [Ready]}
      - {name: Build, phase: Create, category: active, statuses: [Build]}
      - {name: Review Queue, phase: Create, category: wait, statuses: [Review Queue]}
      - {name: Review, phase: Release, category: active, statuses: [Review]}
      - {name: Done, phase: Release, category: done, statuses: [Done]}
"""


def known_system(rate: float = 1.2) -> Network:
    """Poisson arrivals; Build: 2 people, exponential mean 1 day; Review: 1 person, mean 0.5 day;
    each with its wait stage as its queue (the network the recovery test writes a history of)."""
    stations = {"Build": Station("Build", "servers", capacity=2), "Review": Station("Review", "servers", capacity=1)}
    steps = (
        Step("Build", "Build", exponential(1.0), phase="Create", queue_stage="Ready"),
        Step("Review", "Review", exponential(0.5), phase="Release", queue_stage="Review Queue"),
    )
    return Network(stations, {"team-a": Team("team-a", {"feature": Arrivals(per_day=rate)}, steps)})


def transitions_csv(network: Network, *, days: float, seed: int, origin_day: float) -> str:
    """A transitions CSV (item_id, timestamp, to_status, team, created, type Story) of one replication of
    `network` over `days`, each queue stage entered on arrival at its station."""
    from datetime import UTC, datetime

    from orgflow.simulate.engine import run_replication

    record = run_replication(network, seed=seed, replication=0, horizon=days)

    def stamp(day: float) -> str:
        return datetime.fromtimestamp((origin_day + day) * 86_400, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    team = network.teams[record.teams[0]]
    lines = ["item_id,timestamp,to_status,team,created,type"]
    order = np.lexsort((record.visit_enter, record.visit_item))
    by_item: dict[int, list[int]] = {}
    for row in order.tolist():
        by_item.setdefault(int(record.visit_item[row]), []).append(row)
    for item, rows in sorted(by_item.items()):
        key, created = f"K-{item + 1}", stamp(record.item_start[item] - 0.01)
        lines.append(f"{key},{created},To Do,{team.name},{created},Story")
        for row in rows:
            step = team.route[record.visit_step[row]]
            if step.queue_stage and record.visit_enter[row] <= days:
                lines.append(f"{key},{stamp(record.visit_enter[row])},{step.queue_stage},{team.name},{created},Story")
            if record.visit_start[row] <= days:
                lines.append(f"{key},{stamp(record.visit_start[row])},{step.stage},{team.name},{created},Story")
        if np.isfinite(record.item_finish[item]) and record.item_finish[item] <= days:
            lines.append(f"{key},{stamp(record.item_finish[item])},Done,{team.name},{created},Story")
    return "\n".join(lines) + "\n"
