"""Shared command-line state: which workspace the commands act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from orgflow.workspace import Workspace


@dataclass
class CliState:
    """Options of the root command that every sub-command needs."""

    workspace: Path | None = None


def state(ctx: typer.Context) -> CliState:
    """The root command's state (found on the outermost context)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def require_workspace(ctx: typer.Context) -> Path:
    """The folder of the workspace named by --workspace or $ORGFLOW_WORKSPACE (else the current folder),
    checked to hold a store: a command calls it before it loads anything heavy, so that a missing
    workspace is said at once (`orgflow.workspace_path`: no DuckDB, no config models).

    Raises:
        NotFoundError: no store in the folder.
    """
    from orgflow.workspace_path import existing_store, workspace_dir

    directory = workspace_dir(state(ctx).workspace)
    existing_store(directory)
    return directory


def open_from(ctx: typer.Context, *, read_only: bool = False) -> Workspace:
    """Open the workspace named by --workspace or $ORGFLOW_WORKSPACE (else the current folder).

    Commands that only read open it read-only, so any number of them run beside each other and
    beside the dashboard; one that writes waits for the others (saying so in one line on stderr).
    Compiled queries are kept beside the store for the next command (`orgflow.store.query_file`).

    Raises:
        NotFoundError: no store in the folder, said before DuckDB or the config's models load.
    """
    # A missing workspace is said before the store, the config and their libraries load.
    require_workspace(ctx)

    from orgflow.cli.render import error_console
    from orgflow.workspace import open_workspace

    def tell(line: str) -> None:
        error_console.print(line, markup=False, highlight=False, soft_wrap=True)

    return open_workspace(state(ctx).workspace, read_only=read_only, on_wait=tell, keep_queries=True)
