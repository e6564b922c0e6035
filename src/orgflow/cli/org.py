"""`orgflow org ...`: the organization as of a date, its design checks, a group's history and a Team API.

--date is declared once here, --format and --columns in `orgflow.cli.option_blocks`.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import FORMAT, OUTPUT, OptionBlock, parameter, with_options
from orgflow.cli.render import Format, console, render
from orgflow.errors import InputError
from orgflow.values import json_value

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


@app.command()
@with_options(DATE, OUTPUT)
def summary(ctx: typer.Context, *, day: date, fmt: Format, columns: list[str] | None) -> None:
    """One row per group on the date: kind, type, parent, members, checks failed. Example: orgflow org summary"""
    with open_from(ctx, read_only=True) as workspace:
        render(workspace.org.summary(day), fmt, columns=columns)


@app.command()
@with_options(DATE, OUTPUT)
def members(
    ctx: typer.Context,
    group: GroupArgument,
    all_levels: Annotated[bool, typer.Option("--all", help="Include the groups below it.")] = False,
    **shared: Any,
) -> None:
    """People in a group on the date, with role and allocation. Example: orgflow org members checkout -d 2025-01-01"""
    with open_from(ctx, read_only=True) as workspace:
        render(
            workspace.org.members(group, shared["day"], descendants=all_levels),
            shared["fmt"],
            columns=shared["columns"],
        )


@app.command()
@with_options(DATE, OUTPUT)
def checks(
    ctx: typer.Context,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only this group and the groups below it.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed checks.")] = False,
    **shared: Any,
) -> None:
    """Team design checks: size, span, Dunbar, roles, stability, churn. Example: orgflow org checks --failed"""
    with open_from(ctx, read_only=True) as workspace:
        render(workspace.org.checks(shared["day"], group, failed_only=failed), shared["fmt"], columns=shared["columns"])


@app.command()
@with_options(OUTPUT)
def history(ctx: typer.Context, group: GroupArgument, *, fmt: Format, columns: list[str] | None) -> None:
    """A group's size on every day its membership changed. Example: orgflow org history shipping"""
    with open_from(ctx, read_only=True) as workspace:
        render(workspace.org.history(group), fmt, columns=columns)


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
            payload[name] = [{key: json_value(value) for key, value in row.items()} for row in result.rows()]
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
