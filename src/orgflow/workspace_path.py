"""Where a workspace is and whether it has a store: plain paths, nothing heavy imported.

A command that cannot find its workspace says so before DuckDB, the config's models or any other
library loads (`orgflow.cli.context.open_from`); `orgflow.workspace` opens the store it finds here.
"""

from __future__ import annotations

import os
from pathlib import Path

from orgflow.errors import NotFoundError

STORE_FILE = "orgflow.duckdb"
"""The store's file name in a workspace folder."""
WORKSPACE_ENV = "ORGFLOW_WORKSPACE"
"""The environment variable naming the workspace folder when none is given."""


def workspace_dir(path: Path | str | None = None) -> Path:
    """The workspace folder: `path`, else $ORGFLOW_WORKSPACE, else the current directory."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(WORKSPACE_ENV) or ".")


def existing_store(directory: Path) -> Path:
    """The store of the workspace in `directory`.

    Raises:
        NotFoundError: the folder holds no store (run `orgflow init` there).
    """
    store_path = directory / STORE_FILE
    if not store_path.exists():
        raise NotFoundError(
            "no orgflow workspace here",
            file=str(store_path),
            hint=f"run `orgflow init` (or `orgflow demo`) there, or set {WORKSPACE_ENV}",
        )
    return store_path
