"""Incidents: the generic CSV and JSON, PagerDuty REST v2 JSON, and the public postmortems file."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Incident
from orgflow.sources import incidents
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace

GENERIC_CSV = (
    "id,service,started_at,resolved_at,severity,title,deployment_id,commit\n"
    "INC-1,payments,2024-05-02T09:25:00Z,2024-05-02T10:40:00Z,SEV2,Checkout errors,acme/payments/deployments/1002,\n"
    "INC-2,search,2024-05-03T23:30:00-02:00,,SEV3,Slow queries,,0123abcd\n"
    "INC-3,,2024-05-04T08:00:00Z,2024-05-04T08:30:00Z,,Unknown outage,,\n"
)


def _pd_service(name: str) -> dict[str, Any]:
    return {
        "id": f"P{name.upper()[:6]}",
        "type": "service_reference",
        "summary": name,
        "self": f"https://api.pagerduty.com/services/P{name.upper()[:6]}",
        "html_url": f"https://acme.pagerduty.com/service-directory/P{name.upper()[:6]}",
    }


def _pd_incident(incident_id: str, number: int, status: str, **fields: Any) -> dict[str, Any]:
    incident: dict[str, Any] = {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{number}] {fields.get('title', 'x')}",
        "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "incident_number": number,
        "title": fields.get("title", "x"),
        "created_at": fields["created_at"],
        "updated_at": fields.get("last_status_change_at", fields["created_at"]),
        "status": status,
        "incident_key": f"key-{number}",
        "service": _pd_service(fields.get("service", "payments")),
        "assignments": [],
        "last_status_change_at": fields.get("last_status_change_at", fields["created_at"]),
        "last_status_change_by": _pd_service(fields.get("service", "payments")),
        "urgency": fields.get("urgency", "high"),
        "priority": fields.get("priority"),
        "escalation_policy": {"id": "PESC", "type": "escalation_policy_reference", "summary": "Default"},
        "teams": [],
    }
    if "resolved_at" in fields:
        incident["resolved_at"] = fields["resolved_at"]
    return incident


PAGERDUTY = {
    "incidents": [
        _pd_incident(
            "Q1ABC",
            101,
            "resolved",
            title="Payments 5xx",
            created_at="2024-05-02T09:25:00Z",
            last_status_change_at="2024-05-02T11:00:00Z",
            resolved_at="2024-05-02T10:50:00Z",
            priority={
                "id": "PP1",
                "type": "priority",
                "summary": "P1",
                "self": "https://api.pagerduty.com/priorities/PP1",
            },
        ),
        # An older payload without resolved_at: the last status change is the resolution.
        _pd_incident(
            "Q2DEF",
            102,
            "resolved",
            title="Search latency",
            service="search",
            created_at="2024-05-03T10:00:00+02:00",
            last_status_change_at="2024-05-03T09:45:00Z",
            urgency="low",
        ),
        # Still acknowledged: not resolved, whatever its last change.
        _pd_incident(
            "Q3GHI",
            103,
            "acknowledged",
            title="Disk filling",
            created_at="2024-05-04T12:00:00Z",
            last_status_change_at="2024-05-04T12:05:00Z",
        ),
    ],
    "limit": 25,
    "offset": 0,
    "total": None,
    "more": False,
}


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _load(paths: list[Path], **options: Any) -> ImportBatch:
    return incidents.load(paths, config=Config(), options=options)


def test_generic_csv_exact_records(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_text(GENERIC_CSV)
    assert _load([path]).records[Incident] == [
        Incident(
            "incidents",
            "INC-1",
            "payments",
            "Checkout errors",
            _utc(2024, 5, 2, 9, 25),
            _utc(2024, 5, 2, 10, 40),
            "SEV2",
            "acme/payments/deployments/1002",
            None,
        ),
        Incident(
            "incidents", "INC-2", "search", "Slow queries", _utc(2024, 5, 4, 1, 30), None, "SEV3", None, "0123abcd"
        ),
        Incident("incidents", "INC-3", None, "Unknown outage", _utc(2024, 5, 4, 8), _utc(2024, 5, 4, 8, 30)),
    ]
    (third,) = [r for r in _load([path], service="platform").records[Incident] if r.source_id == "INC-3"]
    assert third.service == "platform"


def test_generic_json_with_map(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    path.write_text(
        json.dumps(
            [
                {"key": 17, "component": "payments", "opened": "2024-05-02T09:25:00Z", "title": "t", "sha": "abc"},
                {"key": 18, "component": None, "opened": None, "resolved_at": "2024-05-03T00:00:00Z"},
            ]
        )
    )
    records = _load([path], map={"key": "id", "component": "service", "opened": "started_at", "sha": "commit"})
    assert records.records[Incident] == [
        Incident("incidents", "17", "payments", "t", _utc(2024, 5, 2, 9, 25), commit_id="abc"),
        Incident("incidents", "18", None, "", None, _utc(2024, 5, 3)),
    ]


def test_pagerduty_incidents(tmp_path: Path) -> None:
    path = tmp_path / "pd.json"
    path.write_text(json.dumps(PAGERDUTY))
    assert _load([path]).records[Incident] == [
        Incident(
            "pagerduty", "Q1ABC", "payments", "Payments 5xx", _utc(2024, 5, 2, 9, 25), _utc(2024, 5, 2, 10, 50), "P1"
        ),
        Incident("pagerduty", "Q2DEF", "search", "Search latency", _utc(2024, 5, 3, 8), _utc(2024, 5, 3, 9, 45), "low"),
        Incident("pagerduty", "Q3GHI", "payments", "Disk filling", _utc(2024, 5, 4, 12), None, "high"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "record", "field", "fragment"),
    [
        ("a.csv", "id,started_at\nX,2024-05-01T00:00:00Z\n", "header", "service", "missing column"),
        (
            "b.csv",
            "id,service,started_at\nX,s,2024-05-01T00:00:00Z\n,s,2024-05-01T00:00:00Z\n",
            "line 3",
            "id",
            "empty id",
        ),
        (
            "c.csv",
            "id,service,started_at,resolved_at\nX,s,2024-05-01T00:00:00Z,tomorrow\n",
            "line 2",
            "resolved_at",
            "not a",
        ),
        (
            "d.json",
            '[{"id": "A", "started_at": "2024-13-01T00:00:00Z"}]',
            "record 1 (incident A)",
            "started_at",
            "not a",
        ),
        (
            "e.json",
            json.dumps({"incidents": [{**PAGERDUTY["incidents"][0], "created_at": None}]}),
            "line 1, record 1 (incident Q1ABC)",
            "created_at",
            "missing timestamp",
        ),
    ],
)
def test_bad_input_names_file_record_and_field(
    tmp_path: Path, name: str, text: str, record: str, field: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        _load([path])
    assert (raised.value.file, raised.value.record, raised.value.field) == (str(path), record, field)
    assert fragment in raised.value.message


def test_public_postmortems_load(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "incidents" / "public-postmortems.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Independent counts with the csv module (they match the data README: 242, 150 with both times).
    with_service = [row for row in rows if row["product"].strip()]
    assert (len(rows), len(with_service), len(rows) - len(with_service)) == (242, 184, 58)
    assert sum(1 for row in rows if row["start_time"] and row["end_time"]) == 150
    assert sum(1 for row in rows if row["start_time"] and not row["end_time"]) == 19

    records = {record.source_id: record for record in _load([path]).records[Incident]}
    assert len(records) == 242
    assert sum(1 for record in records.values() if record.service is None) == 58
    for row in rows:
        record = records[row["uuid"]]
        assert record.service == (row["product"].strip() or None)
        assert record.title == row["summary"].strip()
        for column, value in (("start_time", record.started_at), ("end_time", record.resolved_at)):
            expected = datetime.fromisoformat(row[column]).astimezone(UTC) if row[column] else None
            assert value == expected
    eve = records["01494547-7ee9-4169-a0c0-d921fa309d83"]
    assert (eve.service, eve.started_at, eve.resolved_at) == (
        "EVE Online: Trinity installer",
        _utc(2007, 12, 5, 22, 4),
        _utc(2007, 12, 6, 6, 8),
    )

    ws = init_workspace(tmp_path / "ws")
    counts = ws.store.write(_load([path]))
    assert counts.by_table == {"incidents": (242, 0, 0)}
    sql = ws.store.connection.execute
    assert sql(
        "SELECT count(*) FILTER (service IS NULL), count(started_at), count(resolved_at) FROM incidents"
    ).fetchone() == (
        58,
        169,
        150,
    )
    assert sql("SELECT min(started_at) FROM incidents").fetchone() == (datetime(1628, 8, 10, 12),)
    assert ws.store.write(_load([path])).unchanged == 242
    ws.close()


def test_single_pagerduty_incident_response_and_jsonl(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"incident": PAGERDUTY["incidents"][1]}, indent=2))
    lines = tmp_path / "many.jsonl"
    lines.write_text("\n".join(json.dumps(incident) for incident in PAGERDUTY["incidents"]) + "\n")
    batch = _load([single, lines], source="pd-eu")
    assert [(r.source, r.source_id, r.resolved_at) for r in batch.records[Incident]] == [
        ("pd-eu", "Q2DEF", _utc(2024, 5, 3, 9, 45)),
        ("pd-eu", "Q1ABC", _utc(2024, 5, 2, 10, 50)),
        ("pd-eu", "Q2DEF", _utc(2024, 5, 3, 9, 45)),
        ("pd-eu", "Q3GHI", None),
    ]
