"""Commands generated from the figure registry: one ``orgflow GROUP VERB`` per declared figure.

A figure's declaration (`orgflow.registry.Figure`) says everything its command needs: the shared
option blocks it takes (`Figure.shared`, by name: each group maps a name to its `OptionBlock`, whose
help speaks of the group's own data), its own options (its options dataclass's `option` fields, in
order, with their bounds), its help, the workspace door whose service computes it
(``ws.<door>_at(now).compute(name, ...)``, or ``ws.<door>`` for a door that takes no instant; a figure
with an offline step, a forecast, runs that step once the workspace is closed), whether it draws a
progress bar (`Figure.progress`) and a terminal-only step (`Figure.present`: headline columns, notes
under the table). A group module
calls `register` with its Typer app, its figures and its blocks; nothing else is written per command.

Light to import (``orgflow GROUP --help`` loads it): Typer and Rich, nothing the figures compute with.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow import registry
from orgflow.cli.context import open_from, require_workspace
from orgflow.cli.option_blocks import OptionBlock, parameter, with_options
from orgflow.cli.progress import progress_bar
from orgflow.cli.render import Format, print_notes, render

__all__ = ["own_options", "print_notes", "register", "service_of", "show"]

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult


def own_options(figure: registry.Figure) -> list[inspect.Parameter]:
    """The figure's own options as command parameters: ``--name`` (or the declared flag, with its short
    form) with its help and bounds (``min=``, ``max=``), or a positional argument; required when declared
    without a default."""
    found = []
    for name, (kind, declared) in figure.user_options().items():
        meta = declared.metadata
        if meta.get("argument"):
            info = typer.Argument(help=meta["help"])
        else:
            short = meta.get("short")
            flag = meta["flag"] or (f"--{name.replace('_', '-')}" if short else None)
            names = [item for item in (flag, short) if item]
            info = typer.Option(*names, help=meta["help"], **registry.bounds(declared))
        default = inspect.Parameter.empty if declared.default is dataclasses.MISSING else declared.default
        found.append(parameter(name, Annotated[kind, info], default))
    return found


def show(result: MetricResult, figure: registry.Figure, fmt: Format, columns: list[str] | None, given: Any) -> None:
    """Render `result` of `figure` with its notes in every format (`render`); in a table, what its
    `present` step makes of it, and under it the result's notes with those the step adds."""
    notes: list[str] = list(result.notes)
    if fmt is Format.table and figure.present is not None:
        result, shown = figure.present(result, given, columns)
        notes += [note for note in shown if note not in notes]
    render(result, fmt, columns=columns, notes=notes)


def register(app: typer.Typer, figures: Iterable[registry.Figure], blocks: Mapping[str, OptionBlock]) -> None:
    """Add a command to `app` for each of `figures` that has one, in order (`Figure.command`), taking
    the shared blocks it names from `blocks`."""
    for figure in figures:
        if figure.command:
            _register(app, figure, blocks)


def _register(app: typer.Typer, figure: registry.Figure, blocks: Mapping[str, OptionBlock]) -> None:
    """Add ``orgflow GROUP VERB`` computing `figure` with the options given and rendering its result."""

    @with_options(*(blocks[name] for name in figure.shared), own=own_options(figure))
    def command(ctx: typer.Context, **options: Any) -> None:
        fmt, columns = options.pop("fmt"), options.pop("columns", None)
        now = options.pop("now", None)
        require_workspace(ctx)  # a missing workspace is said before the query machinery loads
        shared: dict[str, Any] = {}
        drawn = progress_bar() if figure.progress else nullcontext()
        # A flow figure is only printed: its kept queries' rows are read without Arrow.
        rows = nullcontext()
        if figure.domain == "flow":
            from orgflow.query.compiled_sql import plain_rows

            rows = plain_rows()
        with rows, open_from(ctx, read_only=True) as workspace, drawn as bar:
            service = service_of(workspace, figure, now)
            if figure.progress:
                shared["on_progress"] = bar
            if figure.offline is None:
                result = service.compute(figure.name, **options, **shared)
            else:
                staged = service.stage(figure.name, **options, **shared)
        if figure.offline is not None:
            result = figure.offline(staged)
        show(result, figure, fmt, columns, options)

    command.__name__ = command.__qualname__ = figure.method
    command.__doc__ = figure.help
    app.command(figure.command_name)(command)


def service_of(workspace: Any, figure: registry.Figure, now: Any) -> Any:
    """The service computing `figure`: ``ws.<door>_at(now)``, or ``ws.<door>`` for a door that takes no
    instant (the simulation, which reads the whole history)."""
    door = getattr(workspace, f"{figure.service_door}_at", None)
    return door(now) if door is not None else getattr(workspace, figure.service_door)
