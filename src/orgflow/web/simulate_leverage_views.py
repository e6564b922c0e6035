"""The leverage panel of team and group pages, and backtests, with their JSON twins' data.

Like the scenario pages (`orgflow.web.simulate_views`), every figure comes from `ws.simulate` and is
kept in the hub per parameters; the simulation runs outside the hub's store lock (`simulated`).

A group's leverage (a cluster or any group above teams) runs the baseline calibrated on the whole
organization. When the group is the parent of its calibrated teams (a cluster), the whole network
runs and the group's figures are read (its teams' stage halved; their dependencies on other teams,
and requests from them, as they are). Any other group runs the network reduced to the group's teams:
random numbers are keyed by team, flow type and stage, so each team's items are the same with or
without the others, and the reduced network's figures are those of the group's items (a dependency
step on a team outside the group is left out there: its wait is not in those figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.charts.simulate import leverage_chart
from orgflow.errors import InputError
from orgflow.flow.browse import org_tree
from orgflow.flow.service import MetricResult
from orgflow.views.context import Chart
from orgflow.views.hub import MetricsHub
from orgflow.web.simulate_views import RunQuery, simulated

if TYPE_CHECKING:
    from orgflow.simulate.network import Network


def leverage_result(hub: MetricsHub, *, team: str | None, group: str | None, query: RunQuery) -> MetricResult:
    """The leverage rows of a team (`ws.simulate.leverage(team=...)`) or of a group (its teams of the
    organization's baseline, see the module docstring; the organization's own id for all teams).

    Raises:
        InputError: neither or both of a team and a group, an unknown team or group, or no calibrated team.
    """
    if bool(team) == bool(group):
        raise InputError(
            "give a team or a group" + (", not both" if team else ""),
            field="team" if not team else "group",
            hint="the organization's group id (see /api/groups) gives every team",
        )
    key = ("simulate-leverage", team, group, query)
    if group:
        tree = hub.query("org_tree", org_tree)
        tree.require(group, kind="group")
        wanted = [member.group_id for member in tree.teams_under(group)]
        base = simulated(hub, ("simulate-baseline",), lambda simulation: simulation.baseline(None))
        return simulated(hub, key, lambda _simulation: _group_leverage(base, group, wanted, query))
    return simulated(hub, key, lambda simulation: simulation.leverage(team=team, settings=query.settings()))


def _group_leverage(base: Network, group: str, wanted: list[str], query: RunQuery) -> MetricResult:
    """The leverage rows of `group`'s teams (`wanted`) in the organization's model `base`."""
    from orgflow.simulate.checks import NetworkProblem
    from orgflow.simulate.leverage import leverage

    members = [name for name in base.teams if name in set(wanted)]  # the model's order, as the CLI's
    left_out = dict(base.notes.get("teams_left_out", {}) or {})
    if not members:
        reasons = "; ".join(f"{name}: {left_out[name]}" for name in wanted if name in left_out)
        raise InputError(
            f"no team of {group!r} has enough history to simulate" + (f" ({reasons})" if reasons else ""),
            field="group",
        )
    settings = query.settings()
    parent = all(base.teams[name].group == group for name in members)
    parent &= {name for name, team in base.teams.items() if team.group == group} == set(members)
    if parent and len(members) < len(base.teams):
        try:
            rows = leverage(base, settings, group=group)
        except NetworkProblem as problem:
            raise InputError(problem.message, file="calibrated model", field=".".join(map(str, problem.path))) from None
        return _leverage_result(rows, group, members, wanted, left_out, settings, base)
    used = {step.station for name in members for step in base.teams[name].route if step.station}
    network = replace(
        base,
        teams={
            name: replace(
                base.teams[name],
                route=tuple(s for s in base.teams[name].route if s.depends_on is None or s.depends_on in members),
            )
            for name in members
        },
        stations={name: station for name, station in base.stations.items() if name in used},
    )
    try:
        rows = leverage(network, settings, named=("group", group))
    except NetworkProblem as problem:
        raise InputError(problem.message, file="calibrated model", field=".".join(map(str, problem.path))) from None
    return _leverage_result(rows, group, members, wanted, left_out, settings, base)


def _leverage_result(
    rows: list[dict[str, Any]],
    group: str,
    members: list[str],
    wanted: list[str],
    left_out: dict[str, Any],
    settings: Any,
    base: Network,
) -> MetricResult:
    """The group's rows as a result; its teams without an active stage (`base`'s ``no_active_stage``) are
    named with what of their model is unknown and why, as `ws.simulate.leverage` names them: in the
    params (``no_active_stage``, "name: why; ...") and a note each."""
    from orgflow.simulate.leverage import LEVERAGE_COLUMNS
    from orgflow.simulate.service import DEFINITIONS
    from orgflow.simulate.unknown_flow import no_active_teams

    table = pa.Table.from_pylist([{name: row.get(name) for name in LEVERAGE_COLUMNS} for row in rows])
    params = {
        "group": group,
        "teams": ", ".join(members),
        "teams_left_out": "; ".join(f"{name}: {left_out[name]}" for name in wanted if name in left_out) or None,
        "replications": settings.replications,
        "seed": settings.seed,
        "rows": len(rows),
    }
    noted = dict(base.notes.get("no_active_stage") or {})  # type: ignore[call-overload]
    lacking = {name: str(noted[name]) for name in no_active_teams(base) if name in members}
    if lacking:
        params["no_active_stage"] = "; ".join(f"{name}: {why}" for name, why in lacking.items())
    notes = [f"team {name}: {why}" for name, why in lacking.items()]
    return MetricResult("simulate-leverage", DEFINITIONS["simulate-leverage"], params, table, notes)


@dataclass(frozen=True)
class LeveragePanel:
    """The leverage panel of a team or group page: the ranked chart and rows, or why there are none."""

    team: str | None
    group: str | None
    label: str
    query: RunQuery
    result: MetricResult | None = None
    chart: Chart | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    def api_href(self) -> str:
        from urllib.parse import urlencode

        cut = {"team": self.team} if self.team else {"group": self.group or ""}
        return "/api/simulate/leverage?" + urlencode({**cut, **self.query.params()})


def leverage_panel(hub: MetricsHub, *, team: str | None, group: str | None, query: RunQuery) -> LeveragePanel:
    """The panel: an `InputError` (too little history, unknown team) becomes its reason, not an error page."""
    tree = hub.query("org_tree", org_tree)
    label = tree.name(team or group) or "the organization"
    try:
        result = leverage_result(hub, team=team, group=group, query=query)
    except InputError as error:
        return LeveragePanel(team, group, label, query, reason=error.message)
    rows = result.rows()
    if not any(row.get("flow_time_p85_if_2x") is not None for row in rows):
        # No bar to draw (the flow times are unknown, or no stage has a time of its own): the table says why.
        return LeveragePanel(team, group, label, query, result, None, rows)
    chart = Chart(
        "leverage",
        leverage_chart(result, title=f"Leverage for {label}: flow time p85 if one stage were twice as fast"),
        "Each bar: the change of flow time p85 (days) with that stage twice as fast, all else equal (common "
        "random numbers); the line is its 95 % interval. Stages whose time comes from others (a queue, a wait "
        "for another team) have no bar: see the table.",
        wide=True,
    )
    return LeveragePanel(team, group, label, query, result, chart, rows)


def backtest_result(hub: MetricsHub, *, team: str | None, split: float, query: RunQuery) -> MetricResult:
    """`ws.simulate.backtest`: calibrated on the first `split` of the history, compared with the rest.

    Raises:
        InputError: an unknown team, or too little history.
    """
    key = ("simulate-backtest", team, split, query)
    return simulated(
        hub, key, lambda simulation: simulation.backtest(team=team, split=split, settings=query.settings())
    )
