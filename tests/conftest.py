"""Shared test fixtures: where the real-data pack lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The terminal tables take their width from $COLUMNS when output is piped. pytest-xdist sets it to the
# controlling terminal's width (80 without one) in its workers; the suite asserts the piped default instead,
# the same under one process or several and for the CLI subprocesses that inherit this environment.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)
# The per-user folder of kept compiled queries (`orgflow.store.query_file`) is off: no test starts with
# the queries another test, or another run, compiled. The tests of that folder give it one of their own.
os.environ["ORGFLOW_CACHE_DIR"] = ""

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the project; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("the shared real-data pack is not beside the project")
    return SHARED_DATA
