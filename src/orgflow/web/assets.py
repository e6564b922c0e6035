"""The browser libraries the dashboard serves itself (no CDN), from the project's node_modules.

`npm ci` (run by `make install`) puts the ready-made minified builds of Vega, Vega-Lite, vega-embed
and htmx under node_modules/. The folder is looked for in $ORGFLOW_NODE_MODULES, then beside the
project's source tree, then in the current folder.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

VENDOR_FILES = {
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}
"""URL name under /vendor/ -> path inside node_modules."""

NODE_MODULES_ENV = "ORGFLOW_NODE_MODULES"


@cache
def node_modules() -> Path | None:
    """The node_modules folder that holds the vendor files, if any."""
    candidates = []
    if os.environ.get(NODE_MODULES_ENV):
        candidates.append(Path(os.environ[NODE_MODULES_ENV]))
    candidates.append(Path(__file__).resolve().parents[3] / "node_modules")  # src/orgflow/web -> project root
    candidates.append(Path.cwd() / "node_modules")
    for folder in candidates:
        if all((folder / relative).is_file() for relative in VENDOR_FILES.values()):
            return folder
    return None


def vendor_file(name: str) -> Path | None:
    """The file served at /vendor/NAME, or None when unknown or not installed."""
    relative = VENDOR_FILES.get(name)
    folder = node_modules()
    if relative is None or folder is None:
        return None
    return folder / relative


def missing() -> list[str]:
    """Vendor files that cannot be served (the page says so: its charts would not render)."""
    return [name for name in VENDOR_FILES if vendor_file(name) is None]
