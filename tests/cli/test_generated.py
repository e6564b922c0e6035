"""Commands and routes generated from the registry: every figure with a command, in every domain, has
its command (its group's shared blocks, then exactly its own options) and its route (the same options
as query parameters); a service's `compute` passes the options and the shared values to the figure's
method, and a figure with an offline step reads the store in `stage` and samples only after it. A
declared bound is the command's ``min=``, the route's ``ge=`` and the options' own check; a figure with
`progress` computes under a progress bar."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
import typer.main
from fastapi import APIRouter
from fastapi.routing import APIRoute

from orgflow import registry
from orgflow.cli import deps, dora, forecast, org, simulate
from orgflow.cli.generated import own_options
from orgflow.errors import InputError
from orgflow.registry import Computes
from orgflow.web import dependencies
from orgflow.web.routes import delivery, forecasts, organization_design
from orgflow.web.routes import simulate as simulate_routes

APPS = {
    "dora": dora.app,
    "prs": dora.prs_app,
    "org": org.app,
    "deps": deps.app,
    "forecast": forecast.app,
    "simulate": simulate.app,
}
BLOCKS = {
    "dora": dora.BLOCKS,
    "prs": dora.BLOCKS,
    "org": org.BLOCKS,
    "deps": deps.BLOCKS,
    "forecast": forecast.BLOCKS,
    "simulate": simulate.BLOCKS,
}
ROUTERS = (delivery.router, organization_design.router, forecasts.router)
QUERY = {
    "window": {"since", "until"},
    "scope": {"service", "team", "group"},
    "service": {"service"},
    "pulls": {"repo", "team"},
    "now": {"now"},
    "as_of": {"now"},
    "date": {"date"},
    "cut": {"team", "group", "type"},
    "output": set(),
}
"""What each shared block is as query parameters (by the names a request sends)."""

GENERATED = [figure for figure in registry.figures() if figure.domain != "flow" and figure.command]


def test_the_generated_commands_are_the_ones_each_group_lists() -> None:
    names = {
        group: list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
        for group, app in APPS.items()
    }
    assert names == {
        "dora": ["summary", "deployments", "lead-time", "incidents", "before-first"],
        "prs": ["summary", "list"],
        "org": ["summary", "members", "checks", "history", "team"],
        "deps": ["graph", "coupling", "ownership", "truck-factor", "congruence", "drift"],
        "forecast": ["when", "how-many", "plan", "backtest"],
        "simulate": ["calibrate", "run", "leverage", "backtest"],
    }
    generated = {(figure.command_group, figure.command_name) for figure in GENERATED}
    written_out = {(group, name) for group, listed in names.items() for name in listed} - generated
    assert written_out == {("org", "team"), ("forecast", "plan"), ("simulate", "calibrate"), ("simulate", "run")}


@pytest.mark.parametrize("figure", GENERATED, ids=lambda figure: figure.name)
def test_a_generated_command_takes_its_blocks_then_its_own_options(figure: registry.Figure) -> None:
    command = typer.main.get_command(APPS[figure.command_group]).commands[figure.command_name]  # type: ignore[attr-defined]
    shared = [item.name for name in figure.shared for item in BLOCKS[figure.command_group][name].parameters]
    assert [param.name for param in command.params] == shared + list(figure.user_options())
    assert command.help == figure.help


@pytest.mark.parametrize("figure", [item for item in GENERATED if item.generated_route], ids=lambda item: item.name)
def test_a_generated_route_takes_the_command_options(figure: registry.Figure) -> None:
    routes = {route.path: route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)}
    route = routes[figure.route]
    assert figure.route == f"/api/{figure.command_group}/{figure.command_name}"
    expected = set().union(*(QUERY[name] for name in figure.shared)) | set(figure.user_options())
    assert {param.alias for param in route.dependant.query_params} == expected


def test_own_options_keep_their_flags_defaults_and_arguments() -> None:
    def declared(group: str, name: str) -> dict[str, tuple[Any, ...]]:
        command = typer.main.get_command(APPS[group]).commands[name]  # type: ignore[attr-defined]
        return {param.name: (tuple(param.opts), param.default, param.required) for param in command.params}

    coupling = declared("deps", "coupling")
    assert [coupling[name] for name in ("repo", "level", "min_revs", "min_shared", "min_degree", "max_changeset")] == [
        (("--repo", "-r"), None, False),
        (("--level", "-l"), "file", False),
        (("--min-revs",), 5, False),
        (("--min-shared",), 5, False),
        (("--min-degree",), 30, False),
        (("--max-changeset",), 30, False),
    ]
    # A group argument and the forecast's --items have no default: both are required.
    members = declared("org", "members")
    assert members["group"] == (("group",), None, True)
    assert members["descendants"] == (("--all",), False, False)
    assert declared("forecast", "when")["items"] == (("--items", "-n"), None, True)
    assert [param.name for param in own_options(registry.figure("org-members"))] == ["group", "descendants"]


class _Org(Computes):
    """A stand-in org service: its methods say what they were called with."""

    domain = "org"

    def checks(self, *, day: Any = None, group: str | None = None, failed_only: bool = False) -> tuple[str, Any]:
        return "checks", {"group": group, "failed_only": failed_only, "day": day}


def test_compute_passes_the_options_and_the_shared_values_to_the_method() -> None:
    assert _Org().compute("org-checks", day="2025-01-15", group="shipping") == (
        "checks",
        {"group": "shipping", "failed_only": False, "day": "2025-01-15"},
    )
    with pytest.raises(TypeError):
        _Org().compute("org-checks", failed=True)  # the command's flag, not the option's name: not the method's
    with pytest.raises(KeyError):
        _Org().compute("cycle-time")


class _Forecasts(Computes):
    """A stand-in forecast service recording what it is asked, in order."""

    domain = "forecast"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def series(self, cut: str, *, window_days: int | None) -> str:
        self.calls.append(f"series {cut} {window_days}")
        return "history"

    def when(self, series: str, items: int, *, by: Any, sampling: Any, exact: bool) -> Any:
        self.calls.append(f"when {series} {items} {by} {sampling.trials} {sampling.seed} {exact}")
        return SimpleNamespace(metric_result=lambda: "forecast")


def test_a_forecast_reads_its_history_in_stage_and_samples_offline() -> None:
    service = _Forecasts()
    staged = service.stage("forecast-when", items=30, window=60, seed=1, cut="checkout")
    assert service.calls == ["series checkout 60"]
    figure = registry.figure("forecast-when")
    assert figure.offline is not None and figure.offline(staged) == "forecast"
    assert service.calls == ["series checkout 60", "when history 30 None 10000 1 False"]
    assert _Forecasts().compute("forecast-when", items=5, by="2025-03-31", cut="all") == "forecast"


def test_the_simulation_routes_are_written_out_at_the_figures_routes() -> None:
    written = {route.path for route in simulate_routes.router.routes if isinstance(route, APIRoute)}
    declared = [figure for figure in GENERATED if not figure.generated_route]
    assert [figure.route for figure in declared] == ["/api/simulate/backtest", "/api/simulate/leverage"]
    assert {figure.route for figure in declared} <= written


# -- bounds and progress ------------------------------------------------------------------------------


def _bounds(param: object) -> tuple[object, object]:
    """The (min, max) an option's click type checks (an IntRange or FloatRange); (None, None) for others."""
    kind = getattr(param, "type", None)
    return getattr(kind, "min", None), getattr(kind, "max", None)


def test_declared_bounds_become_the_commands_min() -> None:
    command = typer.main.get_command(simulate.app).commands["leverage"]  # type: ignore[attr-defined]
    found = {param.name: (tuple(param.opts), param.default, _bounds(param)[0]) for param in command.params}
    assert found["replications"] == (("--replications", "-r"), 20, 2)
    assert found["horizon"] == (("--horizon",), 365, 1)
    assert found["warmup"] == (("--warmup",), 90, 0)
    assert found["processes"] == (("--processes", "-p"), 1, 1)
    assert found["seed"] == (("--seed",), 1, None)
    assert found["team"] == (("--team", "-t"), None, None)


def test_bounded_options_check_themselves_naming_the_field() -> None:
    from orgflow.simulate.figures import BacktestOptions, LeverageOptions

    with pytest.raises(InputError) as low:
        LeverageOptions(replications=1)
    assert (low.value.field, low.value.message) == ("replications", "replications must be at least 2 (got 1)")
    with pytest.raises(InputError) as warmup:
        LeverageOptions(warmup=-0.5)
    assert (warmup.value.field, warmup.value.message) == ("warmup", "warmup must be at least 0 (got -0.5)")
    with pytest.raises(InputError) as processes:
        BacktestOptions(processes=0)
    assert processes.value.field == "processes"
    # The bounds are inclusive; an option without bounds (seed) takes any value.
    assert LeverageOptions(replications=2, horizon=1, warmup=0, seed=-5).replications == 2


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Capped(registry.Bounded):
    size: int = registry.option("How many.", default=5, min=1, max=10)


def test_declared_bounds_become_the_routes_ge_and_le() -> None:
    from fastapi import FastAPI, Response
    from fastapi.testclient import TestClient

    from orgflow.web.routes import generated

    figure = registry.Figure("capped", "org", "A test figure.", options=_Capped, blocks=())
    router = APIRouter()

    def answer(_figure: registry.Figure, _hub: Any, values: dict[str, Any]) -> Response:
        return Response(str(_Capped(**values).size))

    generated.register(router, [figure], lambda _figure: [], answer)
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[dependencies.get_hub] = lambda: None
    client = TestClient(app)
    assert [client.get("/api/org/capped", params={"size": size}).status_code for size in (0, 1, 10, 11)] == [
        422,
        200,
        200,
        422,
    ]
    assert client.get("/api/org/capped").text == "5"
    with pytest.raises(InputError) as above:
        _Capped(size=11)
    assert above.value.message == "size must be at most 10 (got 11)"


def test_forecast_and_coupling_options_declare_their_limits_once() -> None:
    """The forecast's and change coupling's limits are declared bounds: the command shows and checks
    them, and the options refuse a value past one (each value of a repeated option) naming the field."""
    from orgflow.cli import deps, forecast
    from orgflow.forecast.figures import BacktestOptions, WhenOptions
    from orgflow.sociotech.figures import CouplingOptions

    when = typer.main.get_command(forecast.app).commands["when"]  # type: ignore[attr-defined]
    limits = {param.name: _bounds(param) for param in when.params if _bounds(param) != (None, None)}
    assert limits == {"items": (1, 100_000), "window": (1, 3_650), "trials": (1, 100_000), "seed": (0, 2**63 - 1)}
    coupling = typer.main.get_command(deps.app).commands["coupling"]  # type: ignore[attr-defined]
    ranges = {param.name: _bounds(param) for param in coupling.params if _bounds(param) != (None, None)}
    assert ranges == {
        "min_revs": (0, None),
        "min_shared": (0, None),
        "min_degree": (0, 100),
        "max_changeset": (1, None),
    }
    refused = []
    for make in (
        lambda: WhenOptions(items=0),
        lambda: WhenOptions(items=5, seed=-1),
        lambda: BacktestOptions(window=[30, 0]),
        lambda: BacktestOptions(window=[30, 3_651]),
        lambda: CouplingOptions(min_degree=101),
    ):
        with pytest.raises(InputError) as error:
            make()
        refused.append((error.value.field, error.value.message))
    assert refused == [
        ("items", "items must be at least 1 (got 0)"),
        ("seed", "seed must be at least 0 (got -1)"),
        ("window", "window must be at least 1 (got 0)"),
        ("window", "window must be at most 3650 (got 3651)"),
        ("min_degree", "min_degree must be at most 100 (got 101)"),
    ]
    assert BacktestOptions(window=[1, 3_650]).window == [1, 3_650]


class _Simulation(Computes):
    """A stand-in simulation: its methods say what they were called with."""

    domain = "simulate"

    def leverage(self, **given: Any) -> dict[str, Any]:
        return given

    def backtest(self, **given: Any) -> dict[str, Any]:
        return given


def test_compute_passes_the_run_settings_and_the_progress_to_the_simulation() -> None:
    from orgflow.simulate.replicate import RunSettings

    def progress(done: int, total: int, what: str) -> None:
        return None

    assert _Simulation().compute("simulate-leverage", team="checkout", replications=3, on_progress=progress) == {
        "team": "checkout",
        "model": None,
        "settings": RunSettings(replications=3, horizon_days=365, warmup_days=90, seed=1, processes=1),
        "on_progress": progress,
    }
    assert _Simulation().compute("simulate-backtest", split=0.5, seed=4, processes=2) == {
        "team": None,
        "split": 0.5,
        "settings": RunSettings(replications=10, horizon_days=365, warmup_days=90, seed=4, processes=2),
    }


def test_a_progress_command_runs_under_the_bar_on_the_door_without_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """``simulate leverage`` takes ``ws.simulate`` (no ``simulate_at``), passes the bar's callback and
    prints the result's notes under a table."""
    import contextlib

    import pyarrow as pa
    from typer.testing import CliRunner

    from orgflow.cli import app, generated
    from orgflow.flow.result import MetricResult

    asked: list[dict[str, Any]] = []

    class _Leverage(_Simulation):
        def leverage(self, **given: Any) -> MetricResult:
            asked.append(given)
            given["on_progress"](1, 2, "baseline")
            table = pa.table({"stage": ["review"], "share": [0.25]})
            return MetricResult("simulate-leverage", "d", {"rows": 1}, table, ["team x is left out: too few items"])

    drawn: list[tuple[int, int, str]] = []

    @contextlib.contextmanager
    def bar() -> Any:
        yield lambda done, total, what: drawn.append((done, total, what))

    @contextlib.contextmanager
    def opened(_ctx: Any, read_only: bool) -> Any:
        yield SimpleNamespace(simulate=_Leverage())

    monkeypatch.setattr(generated, "open_from", opened)
    monkeypatch.setattr(generated, "require_workspace", lambda _ctx: None)  # the door above stands in for it
    monkeypatch.setattr(generated, "progress_bar", bar)
    result = CliRunner().invoke(app, ["simulate", "leverage", "-r", "4", "--team", "checkout"])
    assert result.exit_code == 0, result.output
    assert asked[0]["settings"].replications == 4 and asked[0]["team"] == "checkout"
    assert drawn == [(1, 2, "baseline")]
    assert "note: team x is left out: too few items" in result.output


def test_the_progress_bar_draws_on_a_terminal_only() -> None:
    import io

    from rich.console import Console

    from orgflow.cli.progress import progress_bar

    with progress_bar(Console(file=io.StringIO())) as silent:
        assert silent is None
    shown = io.StringIO()
    with progress_bar(Console(file=shown, force_terminal=True, width=80)) as update:
        assert update is not None
        update(1, 4, "replication 1")
    assert "simulating: replication 1" in shown.getvalue()
