"""`orgflow dora ...` and `orgflow prs ...`: delivery figures per service, owner team and group.

Same conventions as `orgflow flow`: a window (--since/--until, UTC days, --until inclusive), cuts
(--service, --team, --group), --format table|csv|json and --now to see the figures as of an instant.
The commands are generated from the delivery figures' declarations (`orgflow.delivery.figures`,
`orgflow.cli.generated`); this module declares the shared options they take, with help about
deployments and pull requests.
"""

from __future__ import annotations

from typing import Annotated

import typer

from orgflow import registry
from orgflow.cli.generated import register
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, now_block, parameter, window_block

app = typer.Typer(help="DORA's five metrics: deployments, change lead time, fail rate, recovery, rework.")
prs_app = typer.Typer(help="Pull-request flow: coding, pickup, review and deploy time.", no_args_is_help=True)
app.info.no_args_is_help = True

Team = Annotated[str | None, typer.Option("--team", "-t", help="Only services this team owns.")]
Service = Annotated[str | None, typer.Option("--service", "-s", help="Only this service.")]
Repo = Annotated[str | None, typer.Option("--repo", help="Only this repository.")]
Group = Annotated[str | None, typer.Option("--group", "-g", help="Only services of teams in this group (any level).")]

BLOCKS: dict[str, OptionBlock] = {
    "window": window_block(
        "Window start, YYYY-MM-DD (default: first deployment).",
        "Window end, inclusive, YYYY-MM-DD (default: the data's last day; with --now, the day before --now).",
    ),
    "scope": OptionBlock((parameter("service", Service), parameter("team", Team), parameter("group", Group))),
    "service": OptionBlock((parameter("service", Service),)),
    "pulls": OptionBlock((parameter("repo", Repo), parameter("team", Team))),
    "output": OUTPUT,
    "now": now_block("Figures as of this date or instant (ISO 8601, UTC)."),
}
"""The shared options of the delivery commands (`orgflow.delivery.figures` names them): the window;
--service, --team and --group (the services a figure covers); --service alone; --repo and --team (the
pull requests a figure covers); output; --now."""

_FIGURES = registry.figures("delivery")
register(app, (figure for figure in _FIGURES if figure.command_group == "dora"), BLOCKS)
register(prs_app, (figure for figure in _FIGURES if figure.command_group == "prs"), BLOCKS)
