"""orgflow: how work flows through an engineering organization, from idea to production to operation.

import orgflow
ws = orgflow.open("path/to/workspace")
ws.metrics.cycle_time(team="payments").to_pandas()
"""

from orgflow.config import Config, load_config
from orgflow.errors import InputError
from orgflow.metrics.window import Cut
from orgflow.workspace import Workspace, init_workspace, open_workspace

open = open_workspace
init = init_workspace

__all__ = ["Config", "Cut", "InputError", "Workspace", "init", "load_config", "open"]
__version__ = "0.1.0"
