"""The `orgflow` command: parse arguments, call the workspace, print with Rich.

Errors the user can fix (`InputError`) are printed on one line without a traceback, exit code 1;
this translation happens once, in `main`.
"""

from __future__ import annotations

import sys

import typer

from orgflow.cli import deps, dora, flow, forecast, importing, insights, org, sync, web_commands, workspace_commands
from orgflow.cli.render import error_console
from orgflow.errors import InputError

app = typer.Typer(
    name="orgflow",
    help="See how work flows through an engineering organization, from idea to production to operation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(workspace_commands.root)
workspace_commands.register(app)
web_commands.register(app)
app.add_typer(importing.app, name="import")
app.add_typer(flow.app, name="flow")
app.add_typer(dora.app, name="dora")
app.add_typer(dora.prs_app, name="prs")
app.add_typer(org.app, name="org")
app.add_typer(deps.app, name="deps")
app.add_typer(forecast.app, name="forecast")
app.command()(insights.insights)
app.command()(sync.sync)


def main() -> None:
    """Console entry point."""
    try:
        app(standalone_mode=False)
    except InputError as error:
        error_console.print(f"[bold red]error:[/bold red] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Abort:
        error_console.print("aborted")
        sys.exit(1)
    except (typer.Exit, SystemExit) as done:
        code = getattr(done, "exit_code", None) or getattr(done, "code", 0) or 0
        sys.exit(code)
    except Exception as error:  # click usage errors carry their own exit code and message
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise
