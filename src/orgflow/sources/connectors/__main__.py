"""``python -m orgflow.sources.connectors STORE SETTINGS_JSON``: sync one source into a store file.

A bare entry point without a workspace config (default mappings), for scripts and crash tests;
`orgflow sync` is the command for workspaces. Prints the summary line.
"""

from __future__ import annotations

import sys

from orgflow.config import Config
from orgflow.sources.connectors.settings import source_from_json
from orgflow.sources.connectors.sync import sync_source
from orgflow.store import Store


def main(argv: list[str] | None = None) -> int:
    """Sync the source described by a JSON object (`SourceSettings` fields) into a store file.

    Args:
        argv: ``[store path, settings JSON]`` and optionally ``batch_items``.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        sys.stderr.write("usage: python -m orgflow.sources.connectors STORE SETTINGS_JSON [BATCH_ITEMS]\n")
        return 2
    settings = source_from_json(args[1])
    store = Store.open(args[0], create=True)
    try:
        batch_items = int(args[2]) if len(args) == 3 else 1000
        summary = sync_source(store, Config(), settings, batch_items=batch_items)
    finally:
        store.close()
    sys.stdout.write(summary.line() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
