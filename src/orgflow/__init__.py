"""orgflow: how work flows through an engineering organization, from idea to production to operation.

    import orgflow

    with orgflow.open("demo-workspace") as ws:  # a folder made by `orgflow init` (or `orgflow demo`)
        summary = ws.flow.summary(cut=orgflow.Cut(team="checkout"))
        print(summary.rows())  # one dict per row, instants in aware UTC; summary.table is the Arrow table
        cycle_times = ws.flow.cycle_time(cut=orgflow.Cut(team="checkout"))  # one row per finished item

The workspace is the door to every capability: `ws.flow`, `ws.delivery`, `ws.org`, `ws.sociotech`,
`ws.forecasts`, `ws.insights`, `ws.status` and `ws.simulate`, each as of now, and `ws.flow_at(now)`
(and so on) as of an earlier instant (`orgflow.workspace`).

The public names load on first use, so `import orgflow` (and the command line's `--help`) loads no
DuckDB, Arrow or Ibis until a workspace is opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.config import Config, load_config
    from orgflow.errors import InputError
    from orgflow.query.window import Cut
    from orgflow.workspace import Workspace
    from orgflow.workspace import init_workspace as init
    from orgflow.workspace import open_workspace as open

__all__ = ["Config", "Cut", "InputError", "Workspace", "init", "load_config", "open"]
__version__ = "0.1.0"

# Each public name: the module it lives in and its name there.
_HOMES: dict[str, tuple[str, str]] = {
    "Config": ("orgflow.config", "Config"),
    "Cut": ("orgflow.query.window", "Cut"),
    "InputError": ("orgflow.errors", "InputError"),
    "Workspace": ("orgflow.workspace", "Workspace"),
    "init": ("orgflow.workspace", "init_workspace"),
    "load_config": ("orgflow.config", "load_config"),
    "open": ("orgflow.workspace", "open_workspace"),
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (and kept)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home[0]), home[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
