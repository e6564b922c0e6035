"""Without --until or --now, the pull-request figures end where the other delivery figures do: with the
delivery data's last day, not today.

Hand-built: service "shop" deploys on 2024-01-03 12:00 and 2024-01-20 12:00 (so DORA's data ends on
01-20 and its default window is [01-03, 01-21)). The clock (years later) is not given.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from orgflow.config import Config
from orgflow.delivery.pr_service import PullRequestFlow
from orgflow.delivery.service import DeliveryService
from orgflow.model import Deployment, PullRequest
from orgflow.query.context import AnalysisContext
from orgflow.store import ImportBatch, Store


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


def _flows(*pulls: PullRequest) -> tuple[DeliveryService, PullRequestFlow]:
    store = Store.open(None)
    batch = ImportBatch(source="test", kind="delivery", origin="test")
    for ident, day in (("D1", 3), ("D2", 20)):
        batch.add(Deployment("deploys", ident, "shop", "production", "a" * 40, _at(day)))
    batch.extend(pulls)
    store.write(batch)
    delivery = DeliveryService(AnalysisContext.over(store, Config(), now=None))
    return delivery, PullRequestFlow(delivery.context, delivery)


def _pull(number: int, opened: datetime, merged: datetime) -> PullRequest:
    return PullRequest(
        "t", f"shop#{number}", "shop", number, "x", "ann", opened, opened, None, merged, merged, None, ()
    )


@pytest.fixture
def without_pull_requests() -> Iterator[tuple[DeliveryService, PullRequestFlow]]:
    yield _flows()


def test_without_pull_requests_the_window_ends_with_the_delivery_data(
    without_pull_requests: tuple[DeliveryService, PullRequestFlow],
) -> None:
    delivery, pulls = without_pull_requests
    assert delivery.window().until == datetime(2024, 1, 21)
    params = pulls.summary().params
    assert (params["until"], params["window_end"], params["data_as_of"]) == (
        "2024-01-21T00:00:00Z",
        "data as of",
        "2024-01-20T12:00:00+00:00",
    )


def test_pull_requests_that_stopped_earlier_end_with_the_delivery_data() -> None:
    _delivery, pulls = _flows(_pull(1, _at(4), _at(5)))
    params = pulls.summary().params
    assert (params["since"], params["until"], params["window_end"]) == (
        "2024-01-04T00:00:00Z",
        "2024-01-21T00:00:00Z",
        "data as of",
    )


def test_pull_requests_later_than_the_deployments_end_with_their_own_last_day() -> None:
    _delivery, pulls = _flows(_pull(1, _at(22), _at(25, 9)))
    params = pulls.summary().params
    assert (params["until"], params["data_as_of"]) == ("2024-01-26T00:00:00Z", "2024-01-25T09:00:00+00:00")


def test_a_given_now_ends_the_window_as_before() -> None:
    store = Store.open(None)
    delivery = DeliveryService(AnalysisContext.over(store, Config(), now=datetime(2024, 3, 1, 10, tzinfo=UTC)))
    params = PullRequestFlow(delivery.context, delivery).summary().params
    assert (params["until"], params["window_end"], params["data_as_of"]) == ("2024-03-01T00:00:00Z", "now", None)
