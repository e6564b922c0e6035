"""`orgflow flow ...`: one command per registered flow figure, cut by team, group, type, value stream and window.

The commands are generated from the figures' declarations (`orgflow.flow.figures`): each takes the
cut options (with --phase if a phase narrows the figure), the window options (if the figure has a
window), --by (if it groups), --format, --columns and --now, declared once in
`orgflow.cli.option_blocks` and here, then the figure's own options (its options dataclass's `option`
fields); its help is the figure's. The flow service loads when a command runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orgflow import registry
from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import (
    CUT,
    OUTPUT,
    PHASED_CUT,
    OptionBlock,
    now_block,
    parameter,
    window_block,
    with_options,
)
from orgflow.cli.render import render

app = typer.Typer(
    help="Flow metrics: lead and cycle time, throughput, WIP, CFD, age, efficiency, stages.", no_args_is_help=True
)


def _option(flag: str, help_text: str, *short: str) -> Any:
    return Annotated[str | None, typer.Option(flag, *short, help=help_text)]


WINDOW = window_block(
    "Window start, YYYY-MM-DD (default: first item).",
    "Window end, inclusive, YYYY-MM-DD (default: the day before --now, UTC).",
)
BY = OptionBlock(
    (parameter("by", _option("--by", "Group rows by team, group, type, flow_type, project, value_stream.")),)
)
NOW = now_block(
    "See the flow as of this date or instant (ISO 8601, UTC if no offset; default: now, "
    "or the end of the data's last day when the data stops earlier)."
)


def _own_options(figure: registry.Figure) -> list[Any]:
    """The figure's own options as command parameters: ``--name`` (or the declared flag) with its help."""
    found = []
    for name, (kind, declared) in figure.user_options().items():
        flag, help_text = declared.metadata["flag"], declared.metadata["help"]
        option = typer.Option(flag, help=help_text) if flag else typer.Option(help=help_text)
        found.append(parameter(name, Annotated[kind, option], declared.default))
    return found


def _register(figure: registry.Figure) -> None:
    """Add ``orgflow flow NAME`` computing `figure` with the options given and rendering its result."""
    blocks = [
        PHASED_CUT if figure.phased else CUT,
        *([WINDOW] if figure.window else []),
        *([BY] if figure.takes_by else []),
        OUTPUT,
        NOW,
    ]

    @with_options(*blocks, own=_own_options(figure))
    def command(ctx: typer.Context, **options: Any) -> None:
        fmt, columns, now = options.pop("fmt"), options.pop("columns"), options.pop("now")
        with open_from(ctx, read_only=True) as workspace:
            render(workspace.flow_at(now).compute(figure.name, **options), fmt, columns=columns)

    command.__name__ = command.__qualname__ = figure.method
    command.__doc__ = figure.help
    app.command(figure.name)(command)


for _figure in registry.figures("flow"):
    if _figure.command:
        _register(_figure)
