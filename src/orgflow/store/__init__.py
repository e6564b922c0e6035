"""The embedded DuckDB workspace file: schema, migrations, transactional idempotent upserts.

The public names load on first use: a read-only command opens the store (`Store`) without loading the
record classes and batches that only writes need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.store.batch import ImportBatch, ImportCounts
    from orgflow.store.connection import WorkspaceBusy
    from orgflow.store.database import Store, publish_snapshot

__all__ = ["ImportBatch", "ImportCounts", "Store", "WorkspaceBusy", "publish_snapshot"]

_HOMES = {
    "ImportBatch": "orgflow.store.batch",
    "ImportCounts": "orgflow.store.batch",
    "Store": "orgflow.store.database",
    "WorkspaceBusy": "orgflow.store.connection",
    "publish_snapshot": "orgflow.store.database",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (and kept)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
