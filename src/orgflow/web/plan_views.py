"""What the plan page shows: the plans on offer and, for the chosen one, its forecast, board and chart.

The forecast comes from the workspace's forecast door (`ws.forecasts_at(now)`, on the hub's prepared
flow service, under its lock, cached per plan file version and parameters), as `orgflow forecast
plan` computes it.

Plans are read only from the workspace folder or the project's `examples/` folder: the `plan`
parameter is a relative path (no `..`), resolved against the workspace folder first, then the project
folder where it must lie under `examples/`; only `.yaml`, `.yml` and `.csv` files are read, never the
workspace's own `orgflow.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgflow.charts.plan_board import plan_board_chart
from orgflow.errors import InputError
from orgflow.flow.browse import org_tree
from orgflow.flow.service import FlowService
from orgflow.forecast.plan import PlanResult
from orgflow.forecast.plan_file import Plan, parse_plan_csv, parse_plan_yaml
from orgflow.views.context import Chart
from orgflow.views.hub import MetricsHub
from orgflow.web.forecast_query import PlanQuery
from orgflow.web.workspace_files import offered_files, resolve_file

MAX_PLAN_BYTES = 1_000_000
PLAN_SUFFIXES = (".yaml", ".yml", ".csv")


def resolve_plan(workspace_dir: Path, text: str) -> tuple[Path, str]:
    """The plan file a `plan` URL parameter names, and the name to show for it.

    Raises:
        InputError: an absolute path, a `..`, a suffix other than .yaml/.yml/.csv, the workspace's
            config, or no such file in the workspace folder or the project's `examples/`.
    """
    return resolve_file(workspace_dir, text, kind="plan", suffixes=PLAN_SUFFIXES)


def available_plans(workspace_dir: Path) -> list[str]:
    """Plan files the page offers: files named *plan* in the workspace folder, any file in its
    `plans/` folder, and files named *plan* in the project's `examples/`; as `plan` parameters."""
    return offered_files(
        workspace_dir, folder="plans", suffixes=PLAN_SUFFIXES, wanted=lambda path, top: not top or "plan" in path.name
    )


def read_plan(path: Path, shown: str) -> Plan:
    """The plan in `path`, errors naming it as `shown`.

    Raises:
        InputError: too large, unreadable or invalid (file, line and field named).
    """
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise InputError(f"the plan is larger than {MAX_PLAN_BYTES:,} bytes", file=shown, field="plan")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the plan ({error})", file=shown, field="plan") from None
    if path.suffix.lower() == ".csv":
        return parse_plan_csv(text, file=shown)
    return parse_plan_yaml(text, file=shown)


@dataclass(frozen=True)
class PlanView:
    """A plan page: the plans on offer and, when one is chosen, its forecast, board and chart."""

    query: PlanQuery
    available: list[str]
    shown: str | None = None
    result: PlanResult | None = None
    board: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: Chart | None = None
    null_reasons: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Per initiative, why each null cell of its row is null (`plan_null_reasons`)."""


def plan_view(hub: MetricsHub, query: PlanQuery) -> PlanView:
    """The forecast of the chosen plan as of `now` (cached per plan file version and parameters).

    Raises:
        InputError: a path that is not allowed or not found, an invalid plan, an unknown team, a
            dependency cycle, or a team with too little history.
    """
    directory = Path(hub.workspace.directory)
    available = available_plans(directory)
    if query.plan is None:
        return PlanView(query, available)
    path, shown = resolve_plan(directory, query.plan)
    stat = path.stat()
    now = query.now
    key = ("plan-view", hub.service_key(now), query, str(path), stat.st_mtime_ns, stat.st_size)

    def build(service: FlowService) -> PlanView:
        plan = read_plan(path, shown)
        forecasts = hub.workspace.forecasts_at(now, flow=service)
        series = forecasts.plan_series(plan, window_days=query.sampling.window_days)
        result = forecasts.plan(plan, series, sampling=query.sampling)  # calibrated, as the CLI's plan forecast
        board = result.board()
        tree = hub.query("org_tree", org_tree)
        chart = Chart(
            "plan-board",
            plan_board_chart(board, team_names={team: tree.name(team) for team in board["teams"]}),
            "Solid: first item to the median finish; light: on to the 85 % finish; arrows: dependencies; "
            "diamonds: targets (hover for the chance of meeting them).",
            wide=True,
        )
        return PlanView(query, available, shown, result, board, result.rows(), chart, plan_null_reasons(result))

    return hub.cached(key, build, now=now)


def plan_null_reasons(result: PlanResult) -> dict[str, dict[str, str | None]]:
    """Per initiative, by row key ("p50", ..., "probability"), why that cell is null when a team's
    calibration cannot hold (`PlanResult.null_reason`, `PlanResult.probability_reason`); None where the
    cell has a value or its null has another cause: a date beyond the horizon, a chance with no target."""
    reasons: dict[str, dict[str, str | None]] = {}
    for item in result.order:
        teams = list(item.items_by_team)
        cells = {f"p{round(level * 100):g}": result.null_reason(teams, level) for level in result.confidences}
        cells["probability"] = None if item.target is None else result.probability_reason(item.name)
        reasons[item.name] = cells
    return reasons
