"""Scenarios: a YAML list of changes to the baseline network (`orgflow simulate run SCENARIO.yaml`).

    name: pilot meets release
    replications: 20            # optional: run settings (horizon_days, warmup_days, seed too)
    changes:
      - speed: {teams: [checkout], stage: In Progress, factor: 2}   # twice as fast: times / 2
      - wip_limit: {team: checkout, limit: 6}                      # or {station: NAME, limit: N}
      - release: {station: payments/Ready for Release, every_days: 7}  # also batch_limit, freezes
      - remove_stage: {teams: [checkout], stage: Awaiting Approval}  # remove a gate
      - capacity: {station: checkout/In Progress, capacity: 5}
      - merge: {teams: [billing, checkout], into: payments-core, overhead: 0.1}
      - move_people: {from: billing, to: checkout, people: 2, stage: In Progress, ramp_up_days: 60,
                      knowledge_loss: 0.1}
      - demand: {teams: [checkout], factor: 1.2}                     # no teams: every team
      - add_dependency: {team: checkout, needs: fraud-detection, after: Review, probability: 0.2}
      - remove_dependency: {team: checkout, needs: fraud-detection}
      - scale_pilot: {pilot: checkout, teams: [billing, merchant-portal]}

Defaults (docs/simulation.md says where they are wrong):
- ``merge``: the teams keep their own items and stage times but share one pool of servers per
  stage they both have (capacities and people added); every time at those stages grows by
  `overhead` (default `MERGE_OVERHEAD`, 10 %: more people to coordinate with).
- ``move_people``: a station's capacity is ⌈slots per person × people⌉ (`calibrate_capacity`):
  slots per person = the station's `per_person` (fitted from history with an org model), else
  capacity ÷ people, else 1 (people unknown: capacity counts as people). The giving team has
  `people` fewer at once; the receiving team gains them at half speed over `ramp_up_days` (default
  `RAMP_UP_DAYS`), averaged over the simulated horizon, at its own slots per person; the giving
  team's times at that stage grow by `knowledge_loss` (default `KNOWLEDGE_LOSS`) over the ramp-up,
  averaged over the horizon (who left knew things).
- ``release``: a new cadence, and optionally a `batch_limit` (items per departure) and `freezes`
  (yearly periods without departures; an empty list lifts the calibrated ones).
- ``scale_pilot``: the teams take the pilot's time distribution at every stage both have.

Every change keeps the random numbers of the items it does not touch (common random numbers).
Errors name the file, the line and the field; a change that saturates a station is refused naming
the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from orgflow.simulate.checks import NetworkProblem, check_network
from orgflow.simulate.model_fields import number
from orgflow.simulate.network import Network
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.scenario_changes import CHANGES, Editor
from orgflow.simulate.yaml_source import YamlSource


@dataclass(frozen=True)
class Scenario:
    """A named scenario: the changed network and the run settings it asks for."""

    name: str
    network: Network
    settings: RunSettings


def read_scenario(path: Path, baseline: Network, settings: RunSettings) -> Scenario:
    """Apply the scenario file at `path` to `baseline`; `settings` are overridden by the file's.

    Raises:
        InputError: a bad field, an unknown team, stage or station, a factor of 0 or a negative one, or a
            change that saturates a station (file, line and field).
    """
    source = YamlSource.read(path)
    data = source.data
    if not isinstance(data, dict):
        raise source.error("expected a mapping with `changes`", ())
    unknown = sorted(set(map(str, data)) - {"name", "changes", "replications", "horizon_days", "warmup_days", "seed"})
    if unknown:
        raise source.error(f"unknown field {unknown[0]!r}", (unknown[0],))
    for key in ("replications", "horizon_days", "warmup_days", "seed"):
        if key in data:
            value = number(source, data[key], (key,), minimum=1 if key in ("replications", "horizon_days") else 0)
            settings = replace(settings, **{key: int(value) if key in ("replications", "seed") else value})
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise source.error("expected a list of changes", ("changes",))
    if not changes:
        raise source.error(f"the list of changes is empty: give at least one ({', '.join(CHANGES)})", ("changes",))
    network = baseline
    touched: dict[str, int] = {}
    for index, change in enumerate(changes):
        where = ("changes", index)
        if not isinstance(change, dict) or len(change) != 1:
            raise source.error(f"a change is one of: {', '.join(CHANGES)}", where)
        ((kind, body),) = change.items()
        if kind not in CHANGES:
            raise source.error(f"unknown change {kind!r} (known: {', '.join(CHANGES)})", (*where, str(kind)))
        if not isinstance(body, dict):
            raise source.error("expected a mapping", (*where, kind))
        extra = sorted(set(map(str, body)) - CHANGES[kind])
        if extra:
            raise source.error(
                f"unknown field {extra[0]!r} (known: {', '.join(sorted(CHANGES[kind]))})", (*where, kind, extra[0])
            )
        editor = Editor(source, (*where, kind), body, network, settings)
        network = getattr(editor, kind)()
        for name in editor.touched:
            touched[name] = index
    try:
        check_network(network)
    except NetworkProblem as problem:
        name = str(problem.path[1]) if len(problem.path) > 1 else ""
        if name in touched:
            raise source.error(problem.message, ("changes", touched[name]), hint=problem.hint) from None
        raise source.error(problem.message, ("changes",), hint=problem.hint) from None
    return Scenario(str(data.get("name") or path.stem), network, settings)
