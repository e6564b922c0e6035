"""Option blocks: the options several commands share (output, window, --now...), each declared once.

An `OptionBlock` is a group of options and how a command reads them (``--since`` text to a day, five
cut options to one `Cut`). `with_options` gives a command function the options of its blocks: Typer
sees them in its signature, after the function's context and before its own options, and the
function receives each block's values as the block reads them. So a command declares only its own
options; ``orgflow flow``, ``dora``, ``prs``, ``deps``, ``org``, ``forecast``, ``simulate`` and
``insights`` take their shared ones from here.

Light to import (``orgflow --help`` loads every group): Typer, and nothing the figures need.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from orgflow.cli.options import ColumnsOption, columns_option, day_option, now_option
from orgflow.cli.render import Format
from orgflow.query.window import Cut

R = TypeVar("R")
_KEYWORD = inspect.Parameter.KEYWORD_ONLY

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")]


def _as_given(values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclass(frozen=True)
class OptionBlock:
    """Options several commands share: their parameters (keyword-only, in order) and `read`, which
    turns the values Typer parsed into the arguments `gives` names (default: the parameters as given)."""

    parameters: tuple[inspect.Parameter, ...]
    read: Callable[[dict[str, Any]], dict[str, Any]] = _as_given
    gives: tuple[str, ...] = ()

    @property
    def arguments(self) -> tuple[str, ...]:
        """The names of the arguments the command function receives from this block."""
        return self.gives or tuple(item.name for item in self.parameters)


def parameter(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """A keyword-only command parameter: `annotation` is ``Annotated[type, typer.Option(...)]``."""
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation)


def with_options(
    *blocks: OptionBlock, own: list[inspect.Parameter] | None = None
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a command function the options of `blocks`.

    The command's signature is the function's first parameter (its `typer.Context`), the blocks'
    options in order, then the function's own options (annotations resolved, so a module may postpone
    them), or `own` when given (a command generated from a declaration). The function is called with
    its own options and each block's `read` values: it names those it takes (keyword-only) or takes
    them all as ``**values``.
    """

    def decorate(function: Callable[..., R]) -> Callable[..., R]:
        hints = typing.get_type_hints(function, include_extras=True)
        declared = list(inspect.signature(function).parameters.values())
        taken = {name for block in blocks for name in block.arguments}
        context = declared[0].replace(annotation=hints.get(declared[0].name, declared[0].annotation))
        if own is None:
            options = [
                item.replace(kind=_KEYWORD, annotation=hints.get(item.name, item.annotation))
                for item in declared[1:]
                if item.name not in taken and item.kind is not inspect.Parameter.VAR_KEYWORD
            ]
        else:
            options = own
        shared = [item for block in blocks for item in block.parameters]

        def command(*args: Any, **values: Any) -> R:
            for block in blocks:
                values |= block.read({item.name: values.pop(item.name) for item in block.parameters})
            return function(*args, **values)

        command.__signature__ = inspect.Signature([context, *shared, *options])  # type: ignore[attr-defined]
        command.__annotations__ = {}
        command.__name__, command.__qualname__ = function.__name__, function.__qualname__
        command.__doc__, command.__module__ = function.__doc__, function.__module__
        return command

    return decorate


OUTPUT = OptionBlock(
    (parameter("fmt", FormatOption, Format.table), parameter("columns", ColumnsOption)),
    lambda values: {"fmt": values["fmt"], "columns": columns_option(values["columns"])},
)
"""--format and --columns: `fmt` (a `Format`) and `columns` (names in order, or None)."""
FORMAT = OptionBlock((parameter("fmt", FormatOption, Format.table),))
"""--format alone, as `fmt` (a `Format`): for output whose columns are fixed."""


def _text_option(flag: str, help_text: str, *short: str) -> Any:
    return Annotated[str | None, typer.Option(flag, *short, help=help_text)]


CUT_OPTIONS: dict[str, inspect.Parameter] = {
    "team": parameter("team", _text_option("--team", "Only this team's items.", "-t")),
    "group": parameter("group", _text_option("--group", "Only items of teams in this group (any level).", "-g")),
    "item_type": parameter("item_type", _text_option("--type", "Only this item type or flow type (feature, defect…).")),
    "value_stream": parameter("value_stream", _text_option("--value-stream", "Only teams of this value stream.")),
    "project": parameter("project", _text_option("--project", "Only this project or repository.")),
    "phase": parameter(
        "phase",
        _text_option(
            "--phase",
            "Only the stages of this phase (orgflow.yaml phases): rows by stage or phase, items now in it.",
        ),
    ),
}
"""The options that cut the items a figure covers, by `Cut` field."""


def cut_block(*fields: str) -> OptionBlock:
    """The cut options of `fields` (keys of `CUT_OPTIONS`, in order), read as one `Cut` (`cut`)."""

    return OptionBlock(
        tuple(CUT_OPTIONS[name] for name in fields), lambda values: {"cut": Cut(**values)}, gives=("cut",)
    )


CUT = cut_block("team", "group", "item_type", "value_stream", "project")
"""--team, --group, --type, --value-stream and --project, read as one `Cut`."""
PHASED_CUT = cut_block("team", "group", "item_type", "value_stream", "project", "phase")
"""The `CUT` options and --phase, for the figures a phase narrows (`orgflow.registry.Figure.phased`)."""


def now_block(help_text: str) -> OptionBlock:
    """--now, read as an aware instant (`now`; None: not given) with `help_text` as its help."""
    annotation = Annotated[str | None, typer.Option("--now", help=help_text)]
    return OptionBlock((parameter("now", annotation),), lambda values: {"now": now_option(values["now"])})


def window_block(since_help: str, until_help: str) -> OptionBlock:
    """--since and --until (UTC days, --until inclusive), read as `since` and `until` dates (None: not given)."""
    since = Annotated[str | None, typer.Option("--since", help=since_help)]
    until = Annotated[str | None, typer.Option("--until", help=until_help)]
    return OptionBlock(
        (parameter("since", since), parameter("until", until)),
        lambda values: {
            "since": day_option(values["since"], "since"),
            "until": day_option(values["until"], "until"),
        },
    )
