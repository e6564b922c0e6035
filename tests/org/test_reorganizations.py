"""Reorganizations (`orgflow.org.reorganizations`): the days groups opened or closed, from their validity."""

from __future__ import annotations

from datetime import date

from orgflow.model import Group
from orgflow.org.reorganizations import StructureChange, structure_changes
from orgflow.org.structure import OrgModel


def test_days_groups_opened_or_closed_oldest_first() -> None:
    # shipping splits into two teams on 2024-03-01; billing opened on 2023-01-01; the org has always been.
    model = OrgModel.from_records(
        [
            Group("t", "acme", "Acme", "org"),
            Group("t", "shipping", "Shipping", "team", parent_id="acme", valid_to=date(2024, 3, 1)),
            Group("t", "shipping-intl", "Shipping Intl", "team", parent_id="acme", valid_from=date(2024, 3, 1)),
            Group("t", "shipping-dom", "Shipping Domestic", "team", parent_id="acme", valid_from=date(2024, 3, 1)),
            Group("t", "billing", "Billing", "team", parent_id="acme", valid_from=date(2023, 1, 1)),
        ]
    )
    assert structure_changes(model) == [
        StructureChange(date(2023, 1, 1), [("billing", "Billing")], []),
        StructureChange(
            date(2024, 3, 1),
            [("shipping-dom", "Shipping Domestic"), ("shipping-intl", "Shipping Intl")],
            [("shipping", "Shipping")],
        ),
    ]


def test_an_org_that_never_changed_has_no_reorganization() -> None:
    model = OrgModel.from_records([Group("t", "acme", "Acme", "org"), Group("t", "a", "A", "team", parent_id="acme")])
    assert structure_changes(model) == []
