"""Options every command group parses alike: --workspace (before or after any command), --now (an
instant) and --since/--until (UTC days)."""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from orgflow.cli.context import state
from orgflow.metrics.window import parse_day, parse_instant

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ORGFLOW_WORKSPACE",
        help="Workspace folder (holds orgflow.yaml and orgflow.duckdb). Default: current folder.",
    ),
]


class GlobalOptionsGroup(TyperGroup):
    """The root command: its --workspace/-w is also accepted after any group or command below it.

    `orgflow -w ws flow summary` and `orgflow flow summary -w ws` mean the same; given twice, the
    one nearer the end wins. The copies read no environment variable, so $ORGFLOW_WORKSPACE never
    overrides a --workspace written before the command. Every command's usage errors also name it
    (see `_with_context`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workspace = next((param for param in self.params if param.name == "workspace"), None)
        _with_context(self)
        _spread(self, workspace)


def _spread(group: Any, option: Any) -> None:
    """Give every command below `group` a copy of the root's --workspace option (if there is one)."""
    for command in getattr(group, "commands", {}).values():
        if option is not None and not any(param.name == "workspace" for param in command.params):
            copied = copy.copy(option)
            copied.envvar = None
            copied.expose_value = False
            copied.callback = _record_workspace
            command.params.append(copied)
        _with_context(command)
        _spread(command, option)


def _with_context(command: Any) -> None:
    """Attach the command's context to the usage errors its parser raises without one.

    click's option parser raises "option '--by' requires an argument" with no context, so the
    error could not say which command's help to read.
    """
    parse_args = command.parse_args

    def parse_with_context(ctx: typer.Context, args: list[str]) -> Any:
        try:
            return parse_args(ctx, args)
        except Exception as error:
            if hasattr(error, "ctx") and error.ctx is None:
                error.ctx = ctx
            raise

    command.parse_args = parse_with_context


def _record_workspace(ctx: typer.Context, _param: Any, value: Path | None) -> Path | None:
    if value is not None:
        state(ctx).workspace = value
    return value


def now_option(text: str | None) -> datetime | None:
    """A --now value: an ISO 8601 date or instant, UTC when it has no offset (None: the current time).

    Raises:
        InputError: not a date or an instant, or outside the calendar the metrics cover.
    """
    return parse_instant(text, field="--now")


def day_option(text: str | None, field: str) -> date | None:
    """A --since/--until value (YYYY-MM-DD), or None when not given.

    Raises:
        InputError: not a date.
    """
    return parse_day(text, field=field) if text else None


ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Columns to show, in order, comma-separated (table and csv; json keeps all). Default: all "
        "that fit the terminal.",
    ),
]


def columns_option(text: str | None) -> list[str] | None:
    """A --columns value as column names in order (None: not given, every column)."""
    if not text:
        return None
    names = [name.strip() for name in text.split(",")]
    return [name for name in names if name] or None
