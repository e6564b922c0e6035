"""`orgflow.yaml`: workflow mappings, item types, teams, value streams and thresholds.

Validated with pydantic; an error names the key and the line of the file it comes from. What the file
does not set falls back to defaults that fit common Jira and GitHub setups (`DEFAULT_WORKFLOW`).

- `workflows`: statuses -> stages -> phases and categories, and the built-in default workflow.
- `settings`: the other sections (thresholds, organization, sources...) and the whole file, `Config`.
- `loading`: `load_config`, reading and validating the file.
- `errors`: pydantic's errors said plainly (the key, what was expected, what was written).
"""

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
    "load_config",
    "status_key",
]
