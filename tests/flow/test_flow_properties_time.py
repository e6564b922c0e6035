"""Random histories against the reference (`tests/flow/flow_properties.py`): every example's common checks,
then flow efficiency, SLE and time per stage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from reference import Window, days_of
from tests.flow.flow_properties import History, check_every_flow_metric, histories


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flow-properties")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(half="time"))
def test_every_flow_metric_matches_the_reference_time_half(directory: Path, history: History) -> None:
    check_every_flow_metric(directory, history)


def test_reference_days_cover_whole_days_only() -> None:
    """The reference's own calendar: whole UTC days inside the window, nothing partial."""
    window = Window(datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
    assert window.days() == [date(2024, 1, 2), date(2024, 1, 3)]
    assert days_of(timedelta(hours=36)) == 1.5
