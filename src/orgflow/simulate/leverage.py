"""The leverage view: for each stage, the flow time now and with that stage twice as fast.

Kersten's argument (ideate 48 %, create 8 %, release 44 % of flow time) made concrete: halving a
stage that holds 8 % of the flow time can shorten the mean by at most 4 %. Each row is a paired
comparison under common random numbers (`orgflow.simulate.replicate.compare`):

- a stage with its own times (a ``servers`` or ``delay`` station): every time there is halved;
- a release train: it leaves twice as often (every R/2 days; shared trains change for every team);
- the queue of a ``servers`` station, and the wait for another team, have no time of their own: the
  row has no "if 2x" figures (null, with the reason), speed up the station they wait for instead.

Figures are of the team's items (`team`), of a parent group's items (`group`: the stage halved for
the teams of that group only, the rest of the network, dependencies included, run as it is), or of the
whole organization (every team's stage of that name halved) when neither is given. ``share`` = mean
days in the stage ÷ mean flow time.

Unknown is not zero: when those items include a team's without an active stage, their flow times are
unknown (`orgflow.simulate.unknown_flow`), so every row's share and flow times, now and if 2x, are null
with the reason (the stages are listed, no replication runs).
"""

from __future__ import annotations

import math
from dataclasses import replace

from orgflow.simulate.network import Network, Team
from orgflow.simulate.replicate import Progress, Replications, RunSettings, mean_interval, replicate
from orgflow.simulate.summary import Key
from orgflow.simulate.unknown_flow import no_active_teams, scope_reason

LEVERAGE_COLUMNS = (
    "stage",
    "phase",
    "share",
    "flow_time_mean",
    "flow_time_mean_if_2x",
    "flow_time_p85",
    "flow_time_p85_if_2x",
    "p85_change_low",
    "p85_change_high",
    "unknown_reasons",
)
LEVERAGE_FIGURES = "share, flow_time_mean, flow_time_p85 (now and with a stage twice as fast)"
"""How a leverage row's reason names the figures it cannot give."""


def _halved(network: Network, teams: list[Team], stage: str) -> tuple[Network | None, str | None]:
    """The network with `stage` twice as fast for `teams`, or (None, why it cannot be)."""
    updated = dict(network.teams)
    stations = dict(network.stations)
    found = False
    for team in teams:
        route = []
        for step in team.route:
            if step.stage == stage and step.times is not None:
                station = network.stations.get(step.station or "")
                if station is not None and station.kind != "train":
                    step = replace(step, times=step.times.scaled(0.5))
                    found = True
            if step.stage == stage and step.station in stations and stations[step.station].kind == "train":
                train = network.stations[step.station]
                stations[train.name] = replace(train, every_days=train.every_days / 2)
                found = True
            route.append(step)
        updated[team.name] = replace(team, route=tuple(route))
    if found:
        return replace(network, teams=updated, stations=stations), None
    for team in teams:
        for step in team.route:
            if step.queue_stage == stage:
                return None, f"the queue of {step.stage!r}: its time comes from that stage's load; speed that up"
            if step.stage == stage and step.depends_on:
                return None, f"waiting for {step.depends_on!r}: speed up that team's stages"
    return None, "no time of its own to halve"


def _stages(teams: list[Team]) -> list[tuple[str, str]]:
    """(stage, phase) of the teams' routes, queue stages before their station's stage, in route order."""
    seen: dict[str, str] = {}
    for team in teams:
        for step in team.route:
            if step.queue_stage and step.queue_stage not in seen:
                seen[step.queue_stage] = step.phase
            if step.stage not in seen:
                seen[step.stage] = step.phase
    return list(seen.items())


def leverage(
    network: Network,
    settings: RunSettings,
    *,
    team: str | None = None,
    group: str | None = None,
    named: tuple[str, str] | None = None,
    on_progress: Progress | None = None,
) -> list[dict[str, object]]:
    """One row per stage (`LEVERAGE_COLUMNS`), ranked by how much halving it shortens flow time p85
    (of `team`, of the teams whose parent is `group`, or of the organization).

    When the items measured include those of a team without an active stage, their flow times are
    unknown (`orgflow.simulate.unknown_flow`): every row's figures are null with the reason, and no
    replication runs. `named` is the (scope, subject) the reason names instead of the run's own (a
    group whose teams alone make up `network`)."""
    scope: tuple[str, str] = ("org", "org")
    teams = list(network.teams.values())
    if team is not None:
        teams, scope = [network.teams[team]], ("team", team)
    elif group is not None:
        teams, scope = [t for t in teams if t.group == group], ("group", group)
    stages = _stages(teams)
    progress = on_progress or (lambda done, total, what: None)
    total = len(stages) + 1
    lacking = [name for name in no_active_teams(network) if name in {t.name for t in teams}]
    unknown = scope_reason(LEVERAGE_FIGURES, *(named or scope), lacking)
    if unknown is not None:
        progress(total, total, "done")
        return [_row(stage, phase, unknown_reasons=unknown) for stage, phase in stages]
    progress(0, total, "baseline")
    baseline = replicate(network, settings)
    rows = []
    mean_key: Key = (*scope, "", "flow_time_mean")
    p85_key: Key = (*scope, "", "flow_time_p85")
    flow_mean = baseline.estimate(mean_key)[0]
    for number, (stage, phase) in enumerate(stages, start=1):
        progress(number, total, stage)
        days = _stage_days(baseline, teams, stage)
        row = _row(
            stage,
            phase,
            share=days / flow_mean if flow_mean > 0 else None,
            flow_time_mean=flow_mean,
            flow_time_p85=baseline.estimate(p85_key)[0],
        )
        variant, reason = _halved(network, teams, stage)
        if variant is None:
            row["unknown_reasons"] = reason
        else:
            faster = replicate(variant, settings)
            row["flow_time_mean_if_2x"] = faster.estimate(mean_key)[0]
            row["flow_time_p85_if_2x"] = faster.estimate(p85_key)[0]
            change, half = _paired(baseline, faster, p85_key)
            row["p85_change_low"], row["p85_change_high"] = change - half, change + half
        rows.append(row)
    progress(total, total, "done")
    return sorted(rows, key=_gain)


def _row(stage: str, phase: str, **figures: object) -> dict[str, object]:
    """A row of `LEVERAGE_COLUMNS`: the stage, its phase and `figures`, the rest null."""
    return {"stage": stage, "phase": phase, **dict.fromkeys(LEVERAGE_COLUMNS[2:]), **figures}


def _gain(row: dict[str, object]) -> float:
    """Sort key: the largest cut of p85 first, stages that cannot be halved last."""
    after = row["flow_time_p85_if_2x"]
    if after is None:
        return math.inf
    return float(after) - float(row["flow_time_p85"])  # type: ignore[arg-type]


def _stage_days(baseline: Replications, teams: list[Team], stage: str) -> float:
    """Mean days per item in `stage`, over the teams' items (weighted by their item counts)."""
    total = weight = 0.0
    for team in teams:
        days = baseline.estimate(("stage", team.name, stage, "days"))[0]
        items = baseline.estimate(("team", team.name, "", "items"))[0]
        if not math.isnan(days) and not math.isnan(items):
            total += days * items
            weight += items
    return total / weight if weight else math.nan


def _paired(baseline: Replications, variant: Replications, key: Key) -> tuple[float, float]:
    return mean_interval(variant.values(key) - baseline.values(key))
