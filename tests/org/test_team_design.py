"""Team design checks on the test org of test_org_model, every value worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_org_model import org_batch

from orgflow.org.design import DesignThresholds, run_checks
from orgflow.org.service import OrgService
from orgflow.org.structure import OrgModel


@pytest.fixture
def model(tmp_path: Path) -> OrgModel:
    batch = org_batch(tmp_path)
    return OrgModel.from_records(record for records in batch.records.values() for record in records)


def _table(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(r["group"], r["check"], r["subject"], r["value"], r["passed"]) for r in rows]


def test_every_check_after_the_reorg(model: OrgModel) -> None:
    """2025-05-15, window (2025-02-14, 2025-05-15]."""
    rows = run_checks(model, date(2025, 5, 15))
    assert _table(rows) == [
        # acme: the CTO manages hana only.
        ("acme", "span_of_control", "cto", 1.0, True),
        # domestic: tom, eve, ed, pam, fay; formed on 2025-03-01 (not churn, no stability: not there at start).
        ("domestic", "team_size", "domestic", 5.0, True),
        ("domestic", "communication_channels", "domestic", 10.0, True),
        ("domestic", "role_coverage", "domestic", 0.0, True),
        ("domestic", "span_of_control", "tom", 2.0, True),  # ivy left every team on 2025-05-01
        ("domestic", "allocation", "fay", 1.0, True),  # 0.5 domestic + 0.5 warehouse
        ("domestic", "team_split", "fay", 2.0, True),
        ("domestic", "churn", "domestic", 0.0, True),
        # international: ian, nia, walt (0.5 from 04-01); ivy left 05-01: 1 join + 1 leave > 0.5 x 3.
        ("international", "team_size", "international", 3.0, True),
        ("international", "communication_channels", "international", 3.0, True),
        ("international", "role_coverage", "international", 2.0, False),
        ("international", "span_of_control", "ian", 1.0, True),
        ("international", "churn", "international", 2.0, False),
        # logistics: 3 teams, 10 people.
        ("logistics", "teams_per_cluster", "logistics", 3.0, True),
        ("logistics", "dunbar", "logistics", 10.0, True),
        ("logistics", "span_of_control", "hana", 5.0, True),
        # warehouse: fay, walt, wes, unchanged over the window; no product manager.
        ("warehouse", "team_size", "warehouse", 3.0, True),
        ("warehouse", "communication_channels", "warehouse", 3.0, True),
        ("warehouse", "role_coverage", "warehouse", 1.0, False),
        ("warehouse", "span_of_control", "wes", 1.0, True),
        ("warehouse", "allocation", "walt", 1.5, False),  # 1.0 warehouse + 0.5 international
        ("warehouse", "team_split", "walt", 2.0, True),
        ("warehouse", "stability", "warehouse", 1.0, True),
        ("warehouse", "churn", "warehouse", 0.0, True),
    ]
    details = {(r["check"], r["subject"]): r["details"] for r in rows}
    assert details["role_coverage", "international"] == "missing: flow lead (0 of 1), product manager (0 of 1)"
    assert details["role_coverage", "warehouse"] == "missing: product manager (0 of 1)"
    assert details["churn", "international"] == "1 joined, 1 left"
    thresholds = {(r["check"], r["subject"]): r["threshold"] for r in rows}
    assert thresholds["churn", "international"] == "at most 1.5 (0.5 x mean size) in 90 days"
    assert thresholds["communication_channels", "domestic"] == "at most 36"
    assert details["span_of_control", "hana"] == "fay, ian, pam, tom, wes"


def test_stability_and_churn_before_the_reorg(model: OrgModel) -> None:
    """2025-02-20, window (2024-11-22, 2025-02-20]: eve joined shipping on 2024-12-01."""
    rows = {(r["check"], r["subject"]): r for r in run_checks(model, date(2025, 2, 20))}
    stability = rows["stability", "shipping"]
    assert stability["value"] == round(6 / 7, 6)  # 6 of 7 people at both ends
    assert stability["passed"] is True
    churn = rows["churn", "shipping"]
    assert (churn["value"], churn["passed"]) == (1.0, True)  # 1 join <= 0.5 x (6 + 7) / 2
    assert rows["teams_per_cluster", "logistics"]["value"] == 2.0
    assert rows["teams_per_cluster", "logistics"]["passed"] is False
    assert rows["team_size", "shipping"]["value"] == 7.0
    assert rows["communication_channels", "shipping"]["value"] == 21.0


def test_thresholds_are_configurable(model: OrgModel) -> None:
    strict = DesignThresholds(
        team_size_min=4, span_of_control_max=4, dunbar_cluster=10, stability_min=0.9, cluster_teams_min=2
    )
    rows = {(r["check"], r["subject"]): r for r in run_checks(model, date(2025, 2, 20), strict)}
    assert rows["span_of_control", "hana"]["passed"] is False  # 5 > 4
    assert rows["team_size", "warehouse"]["passed"] is False  # 3 < 4
    assert rows["dunbar", "logistics"]["passed"] is False  # 10 people, not under 10
    assert rows["stability", "shipping"]["passed"] is False  # 6/7 < 0.9
    assert rows["teams_per_cluster", "logistics"]["passed"] is True
    assert DesignThresholds.from_settings({"span_of_control_max": 4, "other": 1}).span_of_control_max == 4
    assert DesignThresholds.from_settings(None) == DesignThresholds()


def test_checks_of_one_group_and_failed_only(model: OrgModel) -> None:
    service = OrgService.from_model(model)
    failed = service.checks(date(2025, 5, 15), failed_only=True).rows()
    assert [(r["group"], r["check"], r["subject"]) for r in failed] == [
        ("international", "role_coverage", "international"),
        ("international", "churn", "international"),
        ("warehouse", "role_coverage", "warehouse"),
        ("warehouse", "allocation", "walt"),
    ]
    cluster = service.checks(date(2025, 5, 15), "logistics").rows()
    assert {r["group"] for r in cluster} == {"logistics", "domestic", "international", "warehouse"}
    assert len(service.checks(date(2025, 5, 15), "warehouse").rows()) == 8
