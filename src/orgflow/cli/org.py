"""`orgflow org ...`: the organization as of a date, its design checks, a group's history and a Team API.

The figures' commands (summary, members, checks, history) are generated from their declarations
(`orgflow.org.figures`, `orgflow.cli.generated`); `team` is written out here, since a Team API is
several results in one answer (its JSON one object, its table a heading and four tables). --date is
declared once here, --format and --columns in `orgflow.cli.option_blocks`.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.markup import escape

from orgflow import registry
from orgflow.cli.context import open_from
from orgflow.cli.generated import register
from orgflow.cli.option_blocks import FORMAT, OUTPUT, OptionBlock, parameter, with_options
from orgflow.cli.render import Format, console, render
from orgflow.errors import InputError

app = typer.Typer(
    help="The organization on any date: groups, members, design checks, history, Team APIs.", no_args_is_help=True
)

DateOption = Annotated[
    str | None, typer.Option("--date", "-d", help="The day to look at, YYYY-MM-DD (default: today, UTC).")
]
GroupArgument = Annotated[str, typer.Argument(help="Group id (team, cluster, area or org).")]


def _day(text: str | None) -> date:
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date ({text!r})", field="--date", hint="write YYYY-MM-DD") from None


DATE = OptionBlock((parameter("day", DateOption),), lambda values: {"day": _day(values["day"])})
"""--date, read as `day` (default: today, UTC)."""


BLOCKS: dict[str, OptionBlock] = {"date": DATE, "output": OUTPUT}
"""The shared options of the org commands (`orgflow.org.figures` names them)."""

register(app, (figure for figure in registry.figures("org") if figure.command), BLOCKS)


@app.command()
@with_options(DATE, FORMAT)
def team(ctx: typer.Context, group: GroupArgument, *, day: date, fmt: Format) -> None:
    """A team's Team API: members, owned components, dependencies, checks. Example: orgflow org team checkout"""
    with open_from(ctx, read_only=True) as workspace:
        api = workspace.org.team_api(group, day)
    parts = {"members": api.members, "components": api.components, "dependencies": api.dependencies}
    parts["checks"] = api.checks
    if fmt is Format.json:
        payload: dict[str, object] = {"team": api.info}
        for name, result in parts.items():
            payload[name] = result.json_rows()
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
        return
    if fmt is Format.table:
        info = api.info
        console.print(
            f"[bold]{escape(str(info['name']))}[/bold] "
            + escape(
                f"({info['team']}): {info['kind']}"
                f"{', ' + info['type'] if info['type'] else ''}, in {info['parent'] or '-'}, on {info['date']}"
            )
        )
    for result in parts.values():
        render(result, fmt)
