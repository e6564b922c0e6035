"""The `orgflow` command: parse arguments, call the workspace, print with Rich.

Errors are translated once, in `main`, and printed without a traceback: errors the user can fix in
the data or the options (`InputError`, of any kind) on one line, with the exit code `EXIT_CODES` gives
its kind; usage mistakes (an unknown command or option, a missing argument) on one or two lines with
the closest command or option, exit code 2. `EXIT_HELP` tells the codes in `orgflow --help`.
"""

# ruff: noqa: E402 (the collector's thresholds are set before the libraries load)
from __future__ import annotations

import difflib
import gc
import re
import sys
from typing import Any

# A command is a short process that allocates some hundreds of thousands of objects while it loads its
# libraries, nearly all of them kept to the end: with the default thresholds the cyclic garbage
# collector runs over a hundred times meanwhile, a sixth of a query command's time, and frees almost
# nothing. A young generation of 100,000 objects leaves such a command without a collection; a long
# one (a server, an import) still collects, less often.
gc.set_threshold(100_000, 50, 100)

import typer
from rich.markup import escape

from orgflow.cli import insights, sync, web_commands, workspace_commands
from orgflow.cli.options import CommandGroup, GlobalOptionsGroup
from orgflow.cli.render import error_console
from orgflow.cli.usage_values import refused_value
from orgflow.errors import ErrorKind, InputError

EXIT_CODES: dict[ErrorKind, int] = {ErrorKind.BAD_INPUT: 1, ErrorKind.NOT_FOUND: 1, ErrorKind.CONFLICT: 1}
"""The exit code of each kind of `InputError` (the one place the command line maps kinds). Every kind
exits 1, as every fixable error always has: scripts test for it. A usage mistake exits 2 (click's
code), success 0."""

EXIT_HELP = (
    "Exit codes: 0 done; 1 an error you can fix, named on one line (bad input such as a malformed file or "
    "date, a name that names nothing such as an unknown team, or a conflict such as a workspace another "
    "orgflow process is writing); 2 a usage mistake (an unknown command or option, a missing argument)."
)

GROUPS = (
    CommandGroup("import", "orgflow.cli.importing"),
    CommandGroup("flow", "orgflow.cli.flow"),
    CommandGroup("dora", "orgflow.cli.dora"),
    CommandGroup("prs", "orgflow.cli.dora", "prs_app"),
    CommandGroup("org", "orgflow.cli.org"),
    CommandGroup("deps", "orgflow.cli.deps"),
    CommandGroup("forecast", "orgflow.cli.forecast"),
    CommandGroup("simulate", "orgflow.cli.simulate"),
)
"""The command groups, in the order `orgflow --help` lists them: each loads only when used. A new group is
one line here and a module whose Typer app imports no heavy library at module level (tests/cli/test_lazy_cli.py
checks that every group's --help stays light)."""


class _Root(GlobalOptionsGroup):
    lazy_groups = GROUPS


app = typer.Typer(
    name="orgflow",
    help="See how work flows through an engineering organization, from idea to production to operation.",
    epilog=EXIT_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Root,
)
app.callback()(workspace_commands.root)
workspace_commands.register(app)
web_commands.register(app)
app.command()(insights.insights)
app.command()(sync.sync)


def main() -> None:
    """Console entry point."""
    try:
        code = app(prog_name="orgflow", standalone_mode=False)
    except InputError as error:
        _print_error(str(error))
        sys.exit(EXIT_CODES[error.kind])
    except typer.Abort:
        error_console.print("aborted")
        sys.exit(1)
    except (typer.Exit, SystemExit) as done:
        code = getattr(done, "exit_code", None) or getattr(done, "code", 0) or 0
        sys.exit(code)
    except Exception as error:
        if not _is_click_error(error):
            raise
        sys.exit(_show_click_error(error))
    # Without standalone mode, click returns the code of an explicit exit (--help, Ctrl+C) instead of exiting.
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)


def run() -> None:
    """The `orgflow` console script: `main`, then the process ends as soon as its output is out.

    Tearing the interpreter down (every module's objects freed one by one, the pydantic, Ibis and DuckDB
    ones among them) took about 60 ms of a 0.43 s `flow summary`, with nothing left to do: `main` has
    closed the workspace (every write is committed and checkpointed at its commit) and waited for its
    threads and processes. So once stdout and stderr are flushed the process exits at once (`os._exit`)
    with `main`'s exit code. It tears down as usual when anything could still need it: a thread still
    running, an exit status that is not a number, output that could not be flushed (a closed pipe), or
    an error `main` did not translate (its traceback).

    """
    import os
    import threading

    code: object = 0
    try:
        main()
    except SystemExit as done:
        code = done.code
    if code is None:
        code = 0
    if not isinstance(code, int) or isinstance(code, bool) or threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python says so as it always has
        sys.exit(code)
    os._exit(code)


def _print_error(message: str) -> None:
    error_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)


def _is_click_error(error: Exception) -> bool:
    """Whether `error` is one of click's exceptions, from click itself or from the copy newer typers carry.

    Both raise classes of the same names and protocol (`exit_code`, `format_message`); an `isinstance`
    check against one misses the other.
    """
    return isinstance(getattr(error, "exit_code", None), int) and callable(getattr(error, "format_message", None))


def _is_a(error: Exception, class_name: str) -> bool:
    return any(cls.__name__ == class_name for cls in type(error).__mro__)


def _show_click_error(error: Any) -> int:
    """Print a click error without a traceback; return the exit code."""
    if _is_a(error, "NoArgsIsHelpError"):
        # A group called without a command: the help (Rich help is already printed by then).
        text = error.format_message()
        if text.strip():
            sys.stdout.write(text.rstrip() + "\n")
        return int(error.exit_code)
    if not _is_a(error, "UsageError"):
        _print_error(_plain(error.format_message()))
        return int(error.exit_code)
    for line in _usage_lines(error):
        error_console.print(line, highlight=False, soft_wrap=True)
    return int(error.exit_code)


def _usage_lines(error: Any) -> list[str]:
    """What was wrong and the closest command or option; then where to read more."""
    ctx = getattr(error, "ctx", None)
    command = getattr(ctx, "command", None)
    path = ctx.command_path if ctx is not None else "orgflow"
    what, hint, usage = _plain(error.format_message()), "", False
    unknown_command = re.match(r"No such command (['\"])(.*?)\1\.(\s|$)", str(getattr(error, "message", "")))
    if unknown_command and command is not None:
        name = unknown_command.group(2)
        names = _command_names(command, ctx)
        what = f"no such command '{name}' in '{path}'"
        closest = _closest(name, names)
        hint = f"did you mean '{closest}'?" if closest else f"commands: {', '.join(names)}"
    elif what == "missing command" and command is not None:
        hint = f"commands: {', '.join(_command_names(command, ctx))}"
    elif _is_a(error, "NoSuchOption") and command is not None:
        name = str(error.option_name)
        what = f"no such option '{name}' for '{path}'"
        hint = _option_hint(name, command, ctx, path)
    elif _is_a(error, "BadOptionUsage") and command is not None:
        described = _option(command, str(error.option_name))
        if described is not None and getattr(described, "help", None):
            hint = f"{error.option_name}: {described.help}"
    elif _is_a(error, "MissingParameter") or "extra argument" in what:
        usage = True
    elif _is_a(error, "BadParameter"):
        what = refused_value(error) or what
    lines = [f"[bold red]error:[/bold red] {escape(what)}" + (f"; {escape(hint)}" if hint else "")]
    more = f"see '{path} --help'"
    if usage and ctx is not None:
        usage_line = " ".join(ctx.get_usage().split()).removeprefix("Usage: ")
        more = f"usage: {usage_line}; {more}"
    lines.append(escape(more))
    return lines


def _plain(message: str) -> str:
    """Click's message on one line, without its own suggestion (ours replaces it)."""
    text = " ".join(message.split())
    text = re.sub(r"\s*(Did you mean .*|\(Possible options: .*\))$", "", text).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _closest(word: str, names: list[str]) -> str | None:
    """The name nearest to `word`, leading dashes and case left out of the comparison: difflib's ratio
    0.6 or more (the best); else the one name sharing its stem (`_stem`: "aging" and "age", "stages" and
    "stage"); else the one name it begins (at least 3 letters: "eff" for "efficiency"). None when none is
    near, or several are equally so: a wrong guess is worse than the list."""
    bare: dict[str, str] = {}
    for name in names:
        bare.setdefault(name.lstrip("-").lower(), name)
    key = word.lstrip("-").lower()
    if not key:
        return None
    match = difflib.get_close_matches(key, list(bare), n=1, cutoff=0.6)
    if match:
        return bare[match[0]]
    stem = _stem(key)
    same_stem = [name for name in bare if len(stem) >= 2 and _stem(name) == stem]
    if len(same_stem) == 1:
        return bare[same_stem[0]]
    begun = [name for name in bare if len(key) >= 3 and name.startswith(key)]
    return bare[begun[0]] if len(begun) == 1 else None


_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("e", ""))
"""English endings `_stem` takes off (the first that fits), with what replaces each."""


def _stem(word: str) -> str:
    """`word` without one English ending ("aging" -> "ag", "age" -> "ag", "summaries" -> "summary"),
    keeping at least 2 letters."""
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + replacement
    return word


def _command_names(group: Any, ctx: Any) -> list[str]:
    return [name for name in group.list_commands(ctx) if not getattr(group.commands[name], "hidden", False)]


def _option_names(command: Any, ctx: Any) -> list[str]:
    names = [
        name
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for name in (*param.opts, *param.secondary_opts)
    ]
    return [*names, *(ctx.help_option_names if ctx is not None else ["--help"])]


def _option(command: Any, name: str) -> Any:
    return next((param for param in command.params if name in getattr(param, "opts", ())), None)


def _option_hint(name: str, command: Any, ctx: Any, path: str) -> str:
    """The closest option of the command; or, on a group, the command below that takes this option."""
    bare = name.split("=", 1)[0]
    closest = _closest(bare, _option_names(command, ctx))
    if closest:
        return f"did you mean '{closest}'?"
    for sub_name, sub_command in getattr(command, "commands", {}).items():
        if _option(sub_command, bare) is not None:
            return f"options of a command go after it, e.g. '{path} {sub_name} {bare}'"
    long_names = [option for option in _option_names(command, ctx) if option.startswith("--")]
    return f"options: {', '.join(long_names)}"
