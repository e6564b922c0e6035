"""Random histories against the reference (`tests/flow/flow_properties.py`): every example's common checks,
then flow distribution, blocked time and Little's law."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.flow.flow_properties import History, check_every_flow_metric, histories


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flow-properties")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(half="load"))
def test_every_flow_metric_matches_the_reference_load_half(directory: Path, history: History) -> None:
    check_every_flow_metric(directory, history)
