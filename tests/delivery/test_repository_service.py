"""Which service a repository is (`orgflow.delivery.ownership.service_of`): the one rule the pull-request
flow (its owner teams) and the delivery pages (a service's pull requests) share."""

from __future__ import annotations

import pytest

from orgflow.delivery.ownership import service_of
from orgflow.web.delivery_context import repository_of


@pytest.mark.parametrize(
    ("repository", "service"),
    [
        ("acme/payments-api", "payments-api"),  # GitHub: owner/name
        ("acme/platform/payments-api", "payments-api"),  # GitLab: group/subgroup/name
        ("payments-api", "payments-api"),  # a bare name
    ],
)
def test_a_repository_is_the_service_named_by_its_last_part(repository: str, service: str) -> None:
    assert service_of(repository) == service


def test_the_service_page_picks_its_repositories_by_the_same_rule() -> None:
    of_payments = repository_of("payments-api")
    assert [of_payments(repo) for repo in ("acme/payments-api", "payments-api", "acme/payments-api-v2")] == [
        True,
        True,
        False,
    ]
