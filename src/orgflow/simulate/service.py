"""`Workspace.simulate`: calibration, scenarios, leverage and backtests on one workspace's history.

Every method returns a `MetricResult` (a definition, the parameters and an Arrow table), the shape
every surface already renders; the fitted network itself is a plain dataclass (`Network`) that
`model_file` writes as YAML. Long runs report progress through `on_progress(done, total, what)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.errors import InputError
from orgflow.flow.mapped_stages import MAP_HINT, no_done_stage_reason
from orgflow.flow.service import MetricResult
from orgflow.registry import Computes, definitions
from orgflow.simulate.backtest import BACKTEST_COLUMNS, backtest, compare_with_history, warmup_for
from orgflow.simulate.calibrate import calibrate, iso_day
from orgflow.simulate.checks import NetworkProblem
from orgflow.simulate.history import History, day_number, read_history
from orgflow.simulate.leverage import LEVERAGE_COLUMNS, leverage
from orgflow.simulate.model_file import read_network
from orgflow.simulate.network import Network
from orgflow.simulate.replicate import Progress, RunSettings, compare, replicate
from orgflow.simulate.scenario import read_scenario
from orgflow.simulate.unknown_flow import null_unknown_rows
from orgflow.simulate.yaml_source import check_input_file

if TYPE_CHECKING:
    from orgflow.workspace import Workspace

DEFAULT_WINDOW_DAYS = 365
DEFINITIONS = definitions("simulate")
"""Each simulation figure's definition by name (`orgflow.simulate.figures`)."""


@dataclass(frozen=True)
class Calibration:
    """A calibrated network, the window it came from (days since the epoch) and its fit there."""

    network: Network
    since: float
    until: float
    fit: MetricResult | None


class Simulation(Computes):
    """Simulation of one workspace's delivery system (`ws.simulate`); ``compute("simulate-leverage",
    team=..., replications=..., on_progress=...)`` computes a declared figure (`orgflow.simulate.figures`)."""

    domain = "simulate"

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._history: History | None = None

    def history(self) -> History:
        """The flow history (read once)."""
        if self._history is None:
            service = self._workspace.flow
            self._history = read_history(self._workspace, service)
            if self._history.start.size == 0:
                raise InputError("the workspace has no started items to calibrate on", hint="import work items first")
        return self._history

    def _window(self, since: date | None, until: date | None) -> tuple[float, float]:
        history = self.history()
        end = day_number(until) if until else history.end
        first = float(history.start.min())
        start = day_number(since) if since else max(first, end - DEFAULT_WINDOW_DAYS)
        if start >= end:
            raise InputError(f"the window is empty ({since} to {until})", field="since")
        return start, end

    def _check_team(self, team: str | None) -> None:
        if team is not None and team not in set(self.history().teams.tolist()):
            raise InputError(f"unknown team {team!r}", field="--team")

    def calibrate(
        self,
        *,
        team: str | None = None,
        since: date | None = None,
        until: date | None = None,
        settings: RunSettings | None = None,
        with_fit: bool = True,
        on_progress: Progress | None = None,
    ) -> Calibration:
        """Fit a network to [since, until) (default: the last `DEFAULT_WINDOW_DAYS` days of data) and,
        with `with_fit`, run it over that window beside what happened."""
        self._check_team(team)
        start, end = self._window(since, until)
        network = self._mapping_said(calibrate(self.history(), since=start, until=end, team=team))
        if not network.teams:
            left_out = dict(network.notes.get("teams_left_out", {}))
            if left_out and all(why.endswith(MAP_HINT) for why in left_out.values()):
                # Nothing can finish anywhere: the mapping, not the window, is what to change.
                raise InputError(no_done_stage_reason("no team has enough finished items in the window"))
            reasons = "; ".join(f"{name}: {why}" for name, why in left_out.items())
            raise InputError(f"no team has enough finished items in the window ({reasons})", field="--since")
        fit = None
        if with_fit:
            run = settings or RunSettings()
            warmup = warmup_for(self.history(), network, start, end)
            try:
                rows = compare_with_history(
                    self.history(),
                    network,
                    since=start,
                    until=end,
                    settings=run,
                    warmup=warmup,
                    on_progress=on_progress,
                )
            except NetworkProblem as problem:
                raise _input_error(problem, None) from None
            params = {"replications": run.replications, "seed": run.seed}
            fit = _result("simulate-fit", rows, BACKTEST_COLUMNS, params, network=network)
        return Calibration(network, start, end, fit)

    def _mapping_said(self, network: Network) -> Network:
        """`network` with the teams it left out whose statuses in use map to no done stage (they can finish
        nothing, whatever the window: `orgflow.flow.mapped_stages`) saying so."""
        left_out = dict(network.notes.get("teams_left_out", {}) or {})
        if not left_out:
            return network
        no_done = set(self._workspace.flow.stage_reach(by="team").no_done)
        said = {name: no_done_stage_reason(why) if name in no_done else why for name, why in left_out.items()}
        return replace(network, notes={**network.notes, "teams_left_out": said})

    def baseline(self, model: Path | None, *, team: str | None = None) -> Network:
        """The network of `model` (a model file), else one calibrated on the default window."""
        if model is not None:
            return read_network(model)
        return self.calibrate(team=team, with_fit=False).network

    def run(
        self,
        scenario: Path,
        *,
        model: Path | None = None,
        settings: RunSettings | None = None,
        on_progress: Progress | None = None,
    ) -> MetricResult:
        """The scenario in `scenario` against its baseline, figure by figure (`compare`); the flow times of
        a team without an active stage, of its group and of the organization are null, with the reason in
        ``unknown_reasons`` (`orgflow.simulate.unknown_flow`).

        Raises:
            InputError: `scenario` or `model` is missing or a folder (said before any calibration), or bad.
        """
        for path in (scenario, model):
            if path is not None:
                check_input_file(path)
        base = self.baseline(model)
        chosen = read_scenario(scenario, base, settings or RunSettings())
        steps = chosen.settings.replications * 2

        def half(offset: int) -> Progress:
            return lambda done, total, what: on_progress and on_progress(offset + done, steps, what)

        try:
            before = replicate(base, chosen.settings, on_progress=half(0))
        except NetworkProblem as problem:
            raise _input_error(problem, model) from None
        after = replicate(chosen.network, chosen.settings, on_progress=half(chosen.settings.replications))
        rows = [difference.as_row() for difference in compare(before, after)]
        for row in rows:
            row["difference_low"], row["difference_high"] = row.pop("low"), row.pop("high")
        rows = null_unknown_rows(rows, base, chosen.network)  # flow times of a team without an active stage
        columns = (
            "scope",
            "subject",
            "stage",
            "figure",
            "baseline",
            "scenario",
            "difference",
            "difference_low",
            "difference_high",
            "unknown_reasons",
        )
        params = {
            "scenario": chosen.name,
            "replications": chosen.settings.replications,
            "seed": chosen.settings.seed,
            "horizon_days": chosen.settings.horizon_days,
            "warmup_days": chosen.settings.warmup_days,
        }
        return _result("simulate-run", rows, columns, params, network=base)

    def leverage(
        self,
        *,
        team: str | None = None,
        model: Path | None = None,
        settings: RunSettings | None = None,
        on_progress: Progress | None = None,
    ) -> MetricResult:
        """The leverage rows (`orgflow.simulate.leverage`) of a team, or of the organization."""
        base = self.baseline(model, team=team)
        if team is not None and team not in base.teams:
            raise InputError(f"unknown team {team!r} (the model has {', '.join(sorted(base.teams))})", field="--team")
        run = settings or RunSettings()
        params: dict[str, Any] = {"team": team, "replications": run.replications, "seed": run.seed}
        teams = [base.teams[team]] if team is not None else list(base.teams.values())
        if not any(step for member in teams for step in member.route):
            # Nothing to make faster: no replication is run.
            reason = _no_stages_reason(base, team)
            return _result("simulate-leverage", [], LEVERAGE_COLUMNS, {**params, "empty_reason": reason}, network=base)
        try:
            rows = leverage(base, run, team=team, on_progress=on_progress)
        except NetworkProblem as problem:
            raise _input_error(problem, model) from None
        return _result("simulate-leverage", rows, LEVERAGE_COLUMNS, params, network=base)

    def backtest(
        self,
        *,
        team: str | None = None,
        split: float = 0.7,
        settings: RunSettings | None = None,
        on_progress: Progress | None = None,
    ) -> MetricResult:
        """Calibrate on the first `split` of the history and compare with the rest."""
        if not 0 < split < 1:
            raise InputError(f"split must be between 0 and 1 (got {split})", field="--split")
        self._check_team(team)
        run = settings or RunSettings()
        network, rows, (first, cut, end) = backtest(
            self.history(), split=split, settings=run, team=team, on_progress=on_progress
        )
        params = {
            "team": team,
            "split": split,
            "calibrated_on": f"{iso_day(first)} to {iso_day(cut)}",
            "compared_on": f"{iso_day(cut)} to {iso_day(end)}",
            "replications": run.replications,
            "seed": run.seed,
        }
        return _result("simulate-backtest", rows, BACKTEST_COLUMNS, params, network=self._mapping_said(network))


def _input_error(problem: NetworkProblem, model: Path | None) -> InputError:
    """A network problem of the baseline as an input error (the model file, or the calibration)."""
    where = str(model) if model is not None else "calibrated model"
    return InputError(problem.message, file=where, field=".".join(map(str, problem.path)), hint=problem.hint)


def _no_stages_reason(network: Network, team: str | None) -> str:
    """Why leverage has no row: the model's routes (of `team`, or of every team) hold no stage, with the
    calibration's own reason when it gave one (items that went from backlog straight to done)."""
    if team is None:
        head = "the model has no stations: no team's route has a stage, so there is no stage to make twice as fast"
    else:
        head = f"team {team}'s route has no stage, so there is no stage to make twice as fast"
    unknown = dict(network.notes.get("cycle_time_unknown") or {})  # type: ignore[call-overload]
    reasons = sorted({str(why).split(": ", 1)[-1] for name, why in unknown.items() if team in (None, name)})
    return f"{head}; the calibration found {'; '.join(reasons)}" if reasons else head


def _result(
    metric: str,
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    params: dict[str, Any],
    *,
    network: Network | None = None,
) -> MetricResult:
    """The rows as a result; with the `network` they ran on, the teams its calibration left out and why:
    `teams_left_out` in the params ("name: why; ...", as the group leverage gives it) and a note each;
    and the teams without an active stage, what of their model is unknown and why: `no_active_stage` in
    the params (the same form) and a note each."""
    left_out = dict(network.notes.get("teams_left_out", {}) or {}) if network is not None else {}
    if left_out:
        params = {**params, "teams_left_out": "; ".join(f"{name}: {why}" for name, why in left_out.items())}
    notes = [f"team {name} is left out of the calibration: {why}" for name, why in left_out.items()]
    no_active = dict(network.notes.get("no_active_stage", {}) or {}) if network is not None else {}
    if no_active:
        params = {**params, "no_active_stage": "; ".join(f"{name}: {why}" for name, why in no_active.items())}
    notes += [f"team {name}: {why}" for name, why in no_active.items()]
    if not rows and params.get("empty_reason"):
        notes.append(params["empty_reason"])
    table = (
        pa.Table.from_pylist([{name: row.get(name) for name in columns} for row in rows])
        if rows
        else pa.table({name: pa.array([], pa.string()) for name in columns})
    )
    return MetricResult(metric, DEFINITIONS[metric], {**params, "rows": len(rows)}, table, notes)


def settings_with(settings: RunSettings, **changes: Any) -> RunSettings:
    """`settings` with the given fields changed (None values ignored)."""
    return replace(settings, **{key: value for key, value in changes.items() if value is not None})
