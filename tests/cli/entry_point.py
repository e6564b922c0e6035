"""Running the real `orgflow` console script, as a user's shell does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# The console script pip installed beside this interpreter: the entry point users run.
ORGFLOW = Path(sys.executable).with_name("orgflow")

Run = Callable[..., subprocess.CompletedProcess[str]]


def run_orgflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `orgflow ARGS...`; `env` adds variables (ORGFLOW_WORKSPACE is cleared unless given)."""
    environment = {key: value for key, value in os.environ.items() if key != "ORGFLOW_WORKSPACE"}
    environment.update(env or {})
    return subprocess.run(
        [str(ORGFLOW), *args], capture_output=True, text=True, check=False, env=environment, timeout=120
    )
