"""`orgflow deps ...`: socio-technical figures from git and the cross-team dependency graph.

The commands are generated from the figures' declarations (`orgflow.sociotech.figures`,
`orgflow.cli.generated`); this module declares the shared options they take, with help about commits.
"""

from __future__ import annotations

import typer

from orgflow import registry
from orgflow.cli.generated import register
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, now_block, window_block

app = typer.Typer(
    help="Ownership, coupling, truck factor, congruence and the cross-team dependency graph.", no_args_is_help=True
)

BLOCKS: dict[str, OptionBlock] = {
    "window": window_block("Commits from this day, YYYY-MM-DD.", "Commits up to this day, inclusive, YYYY-MM-DD."),
    "now": now_block("The analysis date: files as they exist then (ISO 8601; default: now, i.e. HEAD)."),
    "as_of": now_block(
        "The graph as of this date or instant: the org then, open blocked items losing time up to it "
        "(ISO 8601, UTC if no offset; default: now)."
    ),
    "output": OUTPUT,
}
"""The shared options of the deps commands (`orgflow.sociotech.figures` names them): the commits' window,
--now (of the files, or of the graph: `as_of`) and the output."""

register(app, (figure for figure in registry.figures("sociotech") if figure.command), BLOCKS)
