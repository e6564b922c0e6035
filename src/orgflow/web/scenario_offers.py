"""Which scenarios the simulation page offers a workspace: only those that apply to it.

A scenario names teams, stages and stations (docs/simulation.md). The project's `examples/` are written
for the demo organization: on any other workspace they name teams it does not have, and choosing one
would only end in an error. So every scenario file found (`available_scenarios`) is read against the
workspace's own baseline, the network calibrated on its last 365 days, exactly as a run reads it
(`orgflow.simulate.scenario.read_scenario`):

- a file that applies is offered;
- an example that does not apply is left out, unnamed (its names are another organization's);
- a file of the workspace's own that does not apply is listed apart with the reason, so its author can
  fix it.

Beside them the page shows a scenario written with the workspace's own names (`example_scenario`): its
team with the most arrivals and that team's stage with the most time per item, twice as fast, checked
the same way. When the workspace cannot be calibrated, nothing applies and the page says why.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orgflow.errors import InputError
from orgflow.query.known_names import UNMAPPED_STAGE
from orgflow.views.hub import MetricsHub

if TYPE_CHECKING:
    from orgflow.simulate.network import Network

EXAMPLES_PREFIX = "examples/"
"""How the files of the project's `examples/` folder are named as `scenario` parameters."""
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./-]*[A-Za-z0-9_.-]|[A-Za-z0-9]")


@dataclass(frozen=True)
class ScenarioOffers:
    """The scenarios a workspace is offered.

    Attributes:
        offered: scenario files that apply to the workspace, as `scenario` parameters.
        not_applying: the workspace's own scenario files that do not apply, with the reason (file, line, field).
        example: a scenario in YAML that names the workspace's own team and stage, or None.
        example_name: the file name suggested for `example`.
        why_none: why no scenario can apply (the workspace cannot be calibrated), or None.
        why_no_example: why no example could be written when the workspace was calibrated, or None.
    """

    offered: list[str]
    not_applying: dict[str, str] = field(default_factory=dict)
    example: str | None = None
    example_name: str | None = None
    why_none: str | None = None
    why_no_example: str | None = None


@dataclass(frozen=True)
class _Baseline:
    """The workspace's calibrated baseline and the example scenario in its names, or why there is none."""

    network: Network | None
    example: tuple[str, str] | None
    error: InputError | None


def _baseline(hub: MetricsHub) -> _Baseline:
    """The workspace's baseline, calibrated as a run without a model file calibrates it (the one the
    leverage panels share, `orgflow.web.simulate_leverage_views`), with its checked example; kept in the
    hub, a failure too (a calibration takes about a second)."""
    from orgflow.web.simulate_views import simulated

    def calibrate(_nothing: None) -> _Baseline:
        try:
            network = simulated(hub, ("simulate-baseline",), lambda simulation: simulation.baseline(None))
        except InputError as error:
            return _Baseline(None, None, error)
        return _Baseline(network, _checked_example(network), None)

    return hub.cached_outside_lock(("simulate-offers-baseline",), lambda _workspace: None, calibrate)


def _applies(path: Path, baseline: Network) -> str | None:
    """None when the scenario at `path` applies to `baseline`, else why not (the run's own error)."""
    from orgflow.simulate.replicate import RunSettings
    from orgflow.simulate.scenario import read_scenario

    try:
        read_scenario(path, baseline, RunSettings())
    except InputError as error:
        return error.message + (f" ({error.hint})" if error.hint else "")
    return None


def _yaml_name(name: str) -> str:
    """A team or stage name as a YAML flow scalar: as it is when YAML reads it back as that string, else
    quoted (JSON is YAML): "web: bugs", "In #Progress", "yes" and "2024" need quotes."""
    import yaml

    if _PLAIN_NAME.fullmatch(name):
        try:
            if yaml.safe_load(f"[{name}]") == [name]:
                return name
        except yaml.YAMLError:
            pass
    return json.dumps(name)


def example_scenario(baseline: Network) -> tuple[str, str] | None:
    """A scenario in the workspace's own names and the file name to save it as: the team with the most
    arrivals per day (then by name), its stage with the most time per item (mean time x visit
    probability, at a station; never ``unmapped``, which no workflow names), twice as fast. None when no
    team has such a stage."""
    teams = sorted(baseline.teams.values(), key=lambda team: (-team.rate(), team.name))
    for team in teams:
        steps = [
            step
            for step in team.route
            if step.station is not None and step.times is not None and step.stage != UNMAPPED_STAGE
        ]
        if not steps:
            continue
        step = max(steps, key=lambda step: step.times.expected() * step.visit if step.times else 0.0)
        text = (
            f"name: {team.name} {step.stage} twice as fast\n"
            "changes:\n"
            f"  - speed: {{teams: [{_yaml_name(team.name)}], stage: {_yaml_name(step.stage)}, factor: 2}}\n"
        )
        slug = re.sub(r"[^a-z0-9]+", "-", f"{team.name} {step.stage} x2".casefold()).strip("-")
        return text, f"scenarios/{slug}.yaml"
    return None


def _checked_example(baseline: Network) -> tuple[str, str] | None:
    """`example_scenario`, kept only when a run would read it without an error."""
    found = example_scenario(baseline)
    if found is None:
        return None
    with tempfile.TemporaryDirectory(prefix="orgflow-example-") as folder:
        path = Path(folder) / "example.yaml"
        path.write_text(found[0], encoding="utf-8")
        return found if _applies(path, baseline) is None else None


def scenario_offers(hub: MetricsHub, found: list[str], resolve: Callable[[str], Path]) -> ScenarioOffers:
    """The offers among the scenario files `found` (as `scenario` parameters; `resolve` gives each one's
    path), each read against the workspace's baseline."""
    baseline = _baseline(hub)
    if baseline.network is None:
        why = baseline.error.message if baseline.error else "the workspace cannot be calibrated"
        own = {name: why for name in found if not name.startswith(EXAMPLES_PREFIX)}
        return ScenarioOffers([], own, why_none=why)
    offered: list[str] = []
    not_applying: dict[str, str] = {}
    for name in found:
        why = _applies(resolve(name), baseline.network)
        if why is None:
            offered.append(name)
        elif not name.startswith(EXAMPLES_PREFIX):
            not_applying[name] = why
    if baseline.example is None:
        teams = ", ".join(sorted(baseline.network.teams))
        why = f"no team of its model ({teams}) has a mapped stage with time of its own that a change could speed up"
        return ScenarioOffers(offered, not_applying, why_no_example=why)
    text, file_name = baseline.example
    return ScenarioOffers(offered, not_applying, text, file_name)
