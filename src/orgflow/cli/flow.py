"""`orgflow flow ...`: one command per registered flow figure, cut by team, group, type, value stream and window.

The commands are generated from the figures' declarations (`orgflow.flow.figures`) by
`orgflow.cli.generated`, as every domain's are: each takes the cut options (with --phase if a phase
narrows the figure), the window options (if the figure has a window), --by (if it groups), --format,
--columns and --now, declared once in `orgflow.cli.option_blocks` and here, then the figure's own
options (its options dataclass's `option` fields); its help is the figure's. The flow service loads
when a command runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orgflow import registry
from orgflow.cli.generated import register
from orgflow.cli.option_blocks import CUT, OUTPUT, PHASED_CUT, OptionBlock, now_block, parameter, window_block

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


BLOCKS: dict[str, OptionBlock] = {
    "cut": CUT,
    "phased_cut": PHASED_CUT,
    "window": WINDOW,
    "by": BY,
    "output": OUTPUT,
    "now": NOW,
}
"""The shared options of the flow commands, by the names `orgflow.registry.Figure.shared` gives."""

register(app, registry.figures("flow"), BLOCKS)
