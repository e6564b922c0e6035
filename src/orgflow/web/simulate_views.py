"""What the simulation pages and their JSON twins show: scenarios against the baseline, the leverage
of each stage per team or group, and backtests (`Workspace.simulate`, docs/simulation.md).

Every figure comes from `ws.simulate` (the same calls as `orgflow simulate run|leverage|backtest`)
on the hub's workspace, kept in the hub per parameters (a scenario file also per its modification
time and size): a simulation takes seconds, a page built from kept results takes milliseconds. Only
reading the workspace's flow history holds the hub's store lock; the simulation itself runs outside
it (`simulated`), so a long run does not hold up the other pages. The simulation reads the whole
history as of the end of its data (as the CLI does), so the pages ignore the filter bar's window
and `now`. The leverage panel and the backtest are in `orgflow.web.simulate_leverage_views`.

Scenario files are read only from the workspace folder (a YAML file with a top-level `changes`, or
any YAML file in its `scenarios/` folder) and the project's `examples/`; the `scenario` parameter is
a relative path without `..`. The page offers only those that apply to the workspace
(`orgflow.web.scenario_offers`). The API also takes a scenario posted as YAML.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from orgflow.charts.simulate import flow_time_fan_chart, stage_time_chart, station_chart
from orgflow.errors import InputError
from orgflow.flow.browse import org_tree
from orgflow.flow.service import MetricResult
from orgflow.views.context import Chart
from orgflow.views.hub import MetricsHub
from orgflow.web.scenario_offers import ScenarioOffers, scenario_offers
from orgflow.web.workspace_files import offered_files, resolve_file

if TYPE_CHECKING:
    from orgflow.simulate.replicate import RunSettings
    from orgflow.simulate.service import Simulation
    from orgflow.workspace import Workspace

T = TypeVar("T")

DEFAULT_REPLICATIONS = 20
"""As `orgflow simulate run|leverage`: the page, the API and the CLI agree with their defaults."""
DEFAULT_BACKTEST_REPLICATIONS = 10
"""As `orgflow simulate backtest`."""
DEFAULT_SEED = 1
DEFAULT_HORIZON_DAYS = 365.0
DEFAULT_WARMUP_DAYS = 90.0
MAX_REPLICATIONS = 200
MAX_HORIZON_DAYS = 3_650.0
MAX_WARMUP_DAYS = 1_100.0
MAX_SCENARIO_BYTES = 100_000
SCENARIO_SUFFIXES = (".yaml", ".yml")
POSTED_FILE = "request body"
"""How errors name a scenario posted to the API."""
_SCENARIO_MARK = re.compile(r"^changes\s*:", re.MULTILINE)


@dataclass(frozen=True)
class RunQuery:
    """How the simulation runs: replications, seed, simulated days measured and warm-up days.

    A scenario file's own `replications`, `seed`, `horizon_days` and `warmup_days` win over these
    (as with the CLI).
    """

    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED
    horizon_days: float = DEFAULT_HORIZON_DAYS
    warmup_days: float = DEFAULT_WARMUP_DAYS

    def settings(self) -> RunSettings:
        """The engine's run settings (one process: the server shares its cores)."""
        from orgflow.simulate.replicate import RunSettings

        return RunSettings(
            replications=self.replications,
            horizon_days=float(self.horizon_days),
            warmup_days=float(self.warmup_days),
            seed=self.seed,
            processes=1,
        )

    def params(self) -> dict[str, str]:
        """URL parameters (defaults left out)."""
        values = {
            "replications": (self.replications, DEFAULT_REPLICATIONS),
            "seed": (self.seed, DEFAULT_SEED),
            "horizon": (self.horizon_days, DEFAULT_HORIZON_DAYS),
            "warmup": (self.warmup_days, DEFAULT_WARMUP_DAYS),
        }
        return {name: f"{value:g}" for name, (value, default) in values.items() if value != default}


def simulated(hub: MetricsHub, key: Hashable, run: Callable[[Simulation], T]) -> T:
    """`run(ws.simulate)`, kept in the hub under `key`: the flow history is read under the hub's
    lock, `run` works outside it on what was read."""

    def read(workspace: Workspace) -> Simulation:
        simulation = workspace.simulate
        simulation.history()
        return simulation

    return hub.cached_outside_lock(key, read, run)


# -- scenario files --------------------------------------------------------------------------------
def resolve_scenario(workspace_dir: Path, text: str) -> tuple[Path, str]:
    """The scenario file a `scenario` parameter names, and the name to show for it.

    Raises:
        InputError: an absolute path, a `..`, a suffix other than .yaml/.yml, the workspace's
            config, no such file in the workspace folder or the project's `examples/`, or too large.
    """
    path, shown = resolve_file(workspace_dir, text, kind="scenario", suffixes=SCENARIO_SUFFIXES)
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise InputError(f"the scenario is larger than {MAX_SCENARIO_BYTES:,} bytes", file=text)
    return path, shown


def _offered_scenario(path: Path, top: bool) -> bool:
    """Not too large, and (in the workspace folder or `examples/`) with a top-level `changes`."""
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        return False
    return not top or _SCENARIO_MARK.search(path.read_text(encoding="utf-8", errors="replace")) is not None


def available_scenarios(workspace_dir: Path) -> list[str]:
    """Scenario files found, as `scenario` parameters: YAML files with a top-level `changes` in the
    workspace folder and the project's `examples/`, and every YAML file in the workspace's `scenarios/`
    folder. The page offers those of them that apply to the workspace (`offers`)."""
    return offered_files(workspace_dir, folder="scenarios", suffixes=SCENARIO_SUFFIXES, wanted=_offered_scenario)


def offers(hub: MetricsHub) -> ScenarioOffers:
    """The scenarios the page offers the hub's workspace: the files found that apply to it, its own files
    that do not (with why), and a scenario in its own names (`orgflow.web.scenario_offers`)."""
    directory = Path(hub.workspace.directory)
    return scenario_offers(hub, available_scenarios(directory), lambda name: resolve_scenario(directory, name)[0])


# -- scenarios -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioView:
    """A scenario page: the scenarios on offer and, when one is chosen, its comparison with the
    baseline (`ws.simulate.run`), its charts and the differences that are not zero."""

    query: RunQuery
    available: list[str]
    shown: str | None = None
    result: MetricResult | None = None
    charts: list[Chart] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    offers: ScenarioOffers | None = None
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """The result's notes (the teams calibration left out, or found without an active stage, and why)."""
        return list(self.result.notes) if self.result is not None else []

    def api_href(self) -> str:
        from urllib.parse import urlencode

        return "/api/simulate/run?" + urlencode({"scenario": self.shown or "", **self.query.params()})


def _scenario_file(hub: MetricsHub, scenario: str, query: RunQuery) -> tuple[Path, str, tuple[Any, ...]]:
    """The file, its shown name and the key of its results (the file's version and the query)."""
    path, shown = resolve_scenario(Path(hub.workspace.directory), scenario)
    stat = path.stat()
    return path, shown, (str(path), stat.st_mtime_ns, stat.st_size, query)


def scenario_result(hub: MetricsHub, scenario: str, query: RunQuery) -> tuple[MetricResult, str]:
    """`ws.simulate.run` of the scenario file `scenario` (and its shown name), kept per file version.

    Raises:
        InputError: a path that is not allowed or not found, or an invalid scenario (file, line, field).
    """
    path, shown, key = _scenario_file(hub, scenario, query)

    def build(simulation: Simulation) -> MetricResult:
        try:
            return simulation.run(path, settings=query.settings())
        except InputError as error:
            raise _renamed(error, str(path), shown) from None

    return simulated(hub, ("simulate-run", *key), build), shown


def posted_result(hub: MetricsHub, text: str, query: RunQuery) -> MetricResult:
    """`ws.simulate.run` of a scenario posted as YAML text; errors name it `POSTED_FILE`.

    Raises:
        InputError: too large or invalid (line and field named).
    """
    if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise InputError(f"the scenario is larger than {MAX_SCENARIO_BYTES:,} bytes", file=POSTED_FILE)
    if not text.strip():
        raise InputError("the request body is empty: post a scenario as YAML", file=POSTED_FILE)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def build(simulation: Simulation) -> MetricResult:
        with tempfile.TemporaryDirectory(prefix="orgflow-scenario-") as folder:
            path = Path(folder) / "posted-scenario.yaml"  # a scenario without `name` is named after it
            path.write_text(text, encoding="utf-8")
            try:
                return simulation.run(path, settings=query.settings())
            except InputError as error:
                raise _renamed(error, str(path), POSTED_FILE) from None

    return simulated(hub, ("simulate-posted", digest, query), build)


def _renamed(error: InputError, path: str, shown: str) -> InputError:
    """The error with the file's real path replaced by the name the user gave."""
    if error.file != path:
        return error
    return InputError(error.message, file=shown, record=error.record, field=error.field, hint=error.hint)


def scenario_view(hub: MetricsHub, scenario: str | None, query: RunQuery) -> ScenarioView:
    """The scenario page: the list of scenarios, and the comparison of the chosen one.

    Raises:
        InputError: as `scenario_result`.
    """
    offered = offers(hub)
    if not scenario:
        return ScenarioView(query, offered.offered, offers=offered)
    result, shown = scenario_result(hub, scenario, query)
    key = ("simulate-run-view", *_scenario_file(hub, scenario, query)[2])

    def build(_service: Any) -> ScenarioView:
        names = {team.group_id: team.name for team in hub.query("org_tree", org_tree).groups.values()}
        differences, unchanged = difference_rows(result)
        charts = [
            Chart(
                "flow-time",
                flow_time_fan_chart(result, names=names),
                "Flow time of the items started in the measured days: the dark band runs from p50 to p85, the "
                "light one on to p95; grey is the baseline, blue the scenario (means over replications). Only "
                "what the scenario changes is shown, the whole organization first.",
                wide=True,
            ),
            Chart(
                "stage-time",
                stage_time_chart(result, stage_order=_stage_order(hub), names=names),
                "Mean days per item in each stage (a stage an item skips counts 0, so a bar is the mean flow "
                "time): where the scenario moves time, and where it does not.",
                wide=True,
            ),
            Chart(
                "utilization",
                station_chart(result, "utilization"),
                "Busy servers over capacity of each station with servers whose load the scenario changes; "
                "at 100 % the queue would grow without bound.",
            ),
            Chart(
                "queue-length",
                station_chart(result, "queue_length"),
                "Mean items waiting in the station's queue (time-average over the measured days).",
            ),
        ]
        return ScenarioView(query, [], shown, result, charts, differences, unchanged, reasons=unknown_reasons(result))

    # Files may come and go: listed afresh.
    return replace(hub.cached(key, build), available=offered.offered, offers=offered)


FLOW_FIGURES = ("flow_time_p50", "flow_time_p85", "flow_time_p95", "flow_time_mean", "throughput_per_week", "wip")
STATION_FIGURES = ("utilization", "queue_length", "queue_days")
_SCOPE_ORDER = {"org": 0, "group": 1, "team": 2, "station": 3}


def difference_rows(result: MetricResult) -> tuple[list[dict[str, Any]], int]:
    """The comparison's flow rows (org, groups, teams) and station rows whose difference is not zero,
    organization first, then groups, teams and stations, and how many such rows did not change
    (under common random numbers what a scenario does not touch has a difference of exactly 0).
    Stage rows are left to the stage chart; a difference that is unknown (null) is kept."""
    kept: list[dict[str, Any]] = []
    unchanged = 0
    for row in result.rows():
        wanted = FLOW_FIGURES if row["scope"] in ("org", "group", "team") else STATION_FIGURES
        if row["scope"] == "stage" or row["figure"] not in wanted:
            continue
        if row["difference"] == 0:
            unchanged += 1
            continue
        kept.append(row)
    kept.sort(key=lambda row: (_SCOPE_ORDER.get(row["scope"], 9), row["subject"], _figure_index(row)))
    return kept, unchanged


def unknown_reasons(result: MetricResult) -> dict[str, list[str]]:
    """Each distinct reason a run's figures are null (`unknown_reasons`: the flow times of a team without an
    active stage, its group's and the organization's), with the subjects it holds for ("team nact",
    "org"), in the rows' order: said once under the table, as the CLI says it under its own."""
    reasons: dict[str, list[str]] = {}
    for row in result.rows():
        why = row.get("unknown_reasons")
        if why:
            who = "org" if row["scope"] == "org" else f"{row['scope']} {row['subject']}"
            named = reasons.setdefault(why, [])
            if who not in named:
                named.append(who)
    return reasons


def _figure_index(row: dict[str, Any]) -> int:
    """A figure's place in the table (flow figures, then station figures)."""
    figures = FLOW_FIGURES + STATION_FIGURES
    return figures.index(row["figure"]) if row["figure"] in figures else len(figures)


def _stage_order(hub: MetricsHub) -> list[str]:
    """Stage names in workflow order (the first workflow that names a stage places it)."""
    order: list[str] = []
    for workflow in hub.workspace.config.all_workflows():
        for stage in workflow.stages:
            if stage.name not in order:
                order.append(stage.name)
    return order
