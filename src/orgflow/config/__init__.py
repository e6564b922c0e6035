"""`orgflow.yaml`: workflow mappings, item types, teams, value streams and thresholds.

Each section is a frozen dataclass checked by a small declarative validator; an error names the key and the
line of the file it comes from. What the file does not set falls back to defaults that fit common Jira and
GitHub setups (`DEFAULT_WORKFLOW`).

- `validation`: the validator: a field's type, bounds and choices, read from the dataclasses' fields.
- `workflows`: statuses -> stages -> phases and categories, and the built-in default workflow.
- `settings`: the other sections (thresholds, organization, sources...) and the whole file, `Config`;
  `validate_config` (a mapping of the file's keys) and `config_json` (the whole config as JSON text).
- `loading`: `load_config`, reading and validating the file.
- `errors`: the validator's mistakes said plainly (the key, what was expected, what was written).

The public names load on first use, so that `orgflow.config.validation` alone (the live sources' settings
use it) loads neither YAML nor the sections.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.config.loading import CONFIG_FILE, load_config
    from orgflow.config.settings import (
        DEFAULT_PHASES,
        FLOW_TYPES,
        Config,
        DesignSettings,
        GithubMapping,
        OrgSettings,
        Thresholds,
        ValueStream,
        config_json,
        validate_config,
    )
    from orgflow.config.workflows import (
        CATEGORIES,
        DEFAULT_FLOW_TYPES,
        DEFAULT_WORKFLOW,
        AppliesTo,
        Category,
        Stage,
        Workflow,
        status_key,
    )

__all__ = [
    "CATEGORIES",
    "CONFIG_FILE",
    "DEFAULT_FLOW_TYPES",
    "DEFAULT_PHASES",
    "DEFAULT_WORKFLOW",
    "FLOW_TYPES",
    "AppliesTo",
    "Category",
    "Config",
    "DesignSettings",
    "GithubMapping",
    "OrgSettings",
    "Stage",
    "Thresholds",
    "ValueStream",
    "Workflow",
    "config_json",
    "load_config",
    "status_key",
    "validate_config",
]

_MODULES = {
    "orgflow.config.loading": ("CONFIG_FILE", "load_config"),
    "orgflow.config.settings": (
        "DEFAULT_PHASES",
        "FLOW_TYPES",
        "Config",
        "DesignSettings",
        "GithubMapping",
        "OrgSettings",
        "Thresholds",
        "ValueStream",
        "config_json",
        "validate_config",
    ),
    "orgflow.config.workflows": (
        "CATEGORIES",
        "DEFAULT_FLOW_TYPES",
        "DEFAULT_WORKFLOW",
        "AppliesTo",
        "Category",
        "Stage",
        "Workflow",
        "status_key",
    ),
}
_HOMES = {name: module for module, names in _MODULES.items() for name in names}
"""Each public name and the module it lives in."""


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (and kept)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
