"""The `orgflow` fixture: the real console script in a subprocess."""

from __future__ import annotations

import pytest
from tests.cli.entry_point import ORGFLOW, Run, run_orgflow


@pytest.fixture(scope="session")
def orgflow() -> Run:
    """`run_orgflow`, or a skip when the project is not installed with its console script."""
    if not ORGFLOW.exists():
        pytest.skip(f"no console script at {ORGFLOW} (install the project with pip install -e .)")
    return run_orgflow
