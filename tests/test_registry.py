"""The figure registry: names are unique across domains, a lookup finds each figure in its domain, and
every flow figure with a command has its ``orgflow flow`` command and its ``/api`` route, each with the
figure's own options."""

from __future__ import annotations

import pytest
import typer.main
from fastapi.routing import APIRoute

from orgflow import registry
from orgflow.cli import flow as flow_commands
from orgflow.web.routes import metrics as metric_routes

CUT_AND_OUTPUT = {"team", "group", "item_type", "value_stream", "project", "fmt", "columns", "now"}
"""The options every flow command takes (`orgflow.cli.flow`)."""


def test_every_figure_is_found_by_its_name_in_its_domain() -> None:
    every = registry.figures()
    assert len({figure.name for figure in every}) == len(every) == 51
    for figure in every:
        assert registry.figure(figure.name) is figure
        assert registry.figure(figure.name, figure.domain) is figure
    with pytest.raises(KeyError):
        registry.figure("cycle-time", "delivery")
    assert registry.definitions("forecast")["backtest-when"] == registry.definition("backtest-how-many")


def test_the_figures_a_phase_narrows_are_those_with_rows_by_stage() -> None:
    from orgflow.flow.phases import phased

    assert phased() == ("cfd", "age", "stages", "time-in-stage", "items")


def test_the_options_say_what_a_figure_takes() -> None:
    throughput = registry.figure("throughput")
    assert throughput.takes_by and throughput.window and throughput.method == "throughput"
    assert list(throughput.user_options()) == ["period"]
    age = registry.figure("age")
    assert not age.takes_by and not age.window and age.user_options() == {}
    # Settings are not user options: they come from the config.
    assert {name for name, field in age.option_fields().items() if "setting" in field.metadata} == {
        "sle_percentile",
        "sle_items",
    }


@pytest.mark.parametrize("figure", registry.figures("flow"), ids=lambda figure: figure.name)
def test_a_flow_figure_has_its_command_and_route_with_its_options(figure: registry.Figure) -> None:
    commands = typer.main.get_command(flow_commands.app).commands  # type: ignore[attr-defined]
    routes = {route.path: route for route in metric_routes.router.routes if isinstance(route, APIRoute)}
    if not figure.command:
        assert figure.name not in commands and f"/api/{figure.name}" not in routes
        return
    own = set(figure.user_options())
    window = {"since", "until"} if figure.window else set()
    by = {"by"} if figure.takes_by else set()
    phase = {"phase"} if figure.phased else set()

    command = commands[figure.name]
    assert {param.name for param in command.params} == CUT_AND_OUTPUT | window | by | phase | own
    assert command.help == figure.help

    route = routes[f"/api/{figure.name}"]
    assert {param.name for param in route.dependant.query_params} == by | phase | own
    filters = {param.alias for sub in route.dependant.dependencies for param in sub.query_params}
    assert filters == {"team", "group", "type", "value_stream", "project", "now"} | window | (
        {"window"} if figure.window else set()
    )
