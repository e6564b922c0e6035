"""Options every command group parses alike: --workspace (before or after any command), --now (an
instant) and --since/--until (UTC days)."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer
from typer.core import TyperGroup

from orgflow.cli.context import state
from orgflow.query.window import parse_day, parse_instant

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ORGFLOW_WORKSPACE",
        help="Workspace folder (holds orgflow.yaml and orgflow.duckdb). Default: current folder.",
    ),
]


@dataclass(frozen=True)
class CommandGroup:
    """A command group of the root, loaded when it is first used: `orgflow NAME ...` is the Typer app
    `ATTRIBUTE` of `MODULE`. The module must be light to import (heavy libraries load inside the
    commands), because `orgflow --help` loads every group to list it."""

    name: str
    module: str
    attribute: str = "app"

    def load(self) -> TyperGroup:
        """The group as a click command, built from its Typer app the way `Typer.add_typer` does."""
        sub_app = getattr(importlib.import_module(self.module), self.attribute)
        group = typer.main.get_group(sub_app)
        group.name = self.name
        return group


class GlobalOptionsGroup(TyperGroup):
    """The root command: its --workspace/-w is also accepted after any group or command below it.

    `orgflow -w ws flow summary` and `orgflow flow summary -w ws` mean the same; given twice, the
    one nearer the end wins. The copies read no environment variable, so $ORGFLOW_WORKSPACE never
    overrides a --workspace written before the command. Every command's usage errors also name it
    (see `_with_context`).

    The groups in `lazy_groups` (set by a subclass) follow the root's own commands in `commands`;
    each is imported and built when it is first looked up there (a command line names it, or a listing
    such as `orgflow --help` asks for it), so `orgflow flow summary` loads none of the other groups.
    """

    lazy_groups: ClassVar[tuple[CommandGroup, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workspace = next((param for param in self.params if param.name == "workspace"), None)
        _with_context(self)
        _spread(self, workspace)
        self.commands = _LazyCommands(dict(self.commands), self.lazy_groups, lambda group: _adopt(group, workspace))

    def list_commands(self, ctx: typer.Context) -> list[str]:
        """The names of the root's commands and groups, in order, without loading a group."""
        return list(self.commands)


class _LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name: its own, then `lazy` groups, each loaded (and passed to `adopt`) when
    first looked up. Iterating over the names loads nothing; over the values, everything."""

    def __init__(self, own: dict[str, Any], lazy: tuple[CommandGroup, ...], adopt: Callable[[Any], None]) -> None:
        self._own = own
        self._lazy = {group.name: group for group in lazy if group.name not in own}
        self._loaded: dict[str, Any] = {}
        self._adopt = adopt

    def __getitem__(self, name: str) -> Any:
        if name in self._own:
            return self._own[name]
        if name not in self._loaded:
            group = self._lazy[name].load()  # KeyError: no such command
            self._adopt(group)
            self._loaded[name] = group
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)
        self._own[name] = command

    def __delitem__(self, name: str) -> None:
        if name in self._own:
            del self._own[name]
        else:
            del self._lazy[name]
            self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._own
        yield from self._lazy

    def __len__(self) -> int:
        return len(self._own) + len(self._lazy)


def _spread(group: Any, option: Any) -> None:
    """Give every command below `group` a copy of the root's --workspace option (if there is one)."""
    for command in getattr(group, "commands", {}).values():
        _adopt(command, option)


def _adopt(command: Any, option: Any) -> None:
    """Give `command` and every command below it a copy of the root's --workspace option (if there is
    one), and usage errors that name their command."""
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
