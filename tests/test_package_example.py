"""The package docstring's example runs as written, on a small workspace, and gives the figures a hand
count gives; the workspace's doors hand out services bound to its store and to the `now` asked for.

The workspace: team checkout finishes C-1 (created 1 March 09:00, started 2 March, done 5 March: lead
time 4 days, cycle time 3) and C-2 (created 2 March, started 4 March, done 10 March: lead time 8,
cycle time 6); team payments has P-1 in progress. Percentiles interpolate linearly, so the p50 of
two values is their mean: lead time 6.0, cycle time 4.5.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.workspace import Workspace

TRANSITIONS = """\
item_id,timestamp,from_status,to_status,team,type,created
C-1,2024-03-01T09:00:00Z,,To Do,checkout,Story,2024-03-01T09:00:00Z
C-1,2024-03-02T09:00:00Z,To Do,In Progress,checkout,Story,2024-03-01T09:00:00Z
C-1,2024-03-05T09:00:00Z,In Progress,Done,checkout,Story,2024-03-01T09:00:00Z
C-2,2024-03-02T09:00:00Z,,To Do,checkout,Bug,2024-03-02T09:00:00Z
C-2,2024-03-04T09:00:00Z,To Do,In Progress,checkout,Bug,2024-03-02T09:00:00Z
C-2,2024-03-10T09:00:00Z,In Progress,Done,checkout,Bug,2024-03-02T09:00:00Z
P-1,2024-03-01T12:00:00Z,,To Do,payments,Story,2024-03-01T12:00:00Z
P-1,2024-03-03T12:00:00Z,To Do,In Progress,payments,Story,2024-03-01T12:00:00Z
"""
MORE = """\
item_id,timestamp,from_status,to_status,team,type,created
C-3,2024-03-06T09:00:00Z,,To Do,checkout,Story,2024-03-06T09:00:00Z
C-3,2024-03-07T09:00:00Z,To Do,In Progress,checkout,Story,2024-03-06T09:00:00Z
C-3,2024-03-08T09:00:00Z,In Progress,Done,checkout,Story,2024-03-06T09:00:00Z
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A workspace folder holding the three items above."""
    directory = tmp_path / "ws"
    csv = tmp_path / "transitions.csv"
    csv.write_text(TRANSITIONS, encoding="utf-8")
    with orgflow.init(directory) as ws:
        ws.import_files("transitions", [csv])
    return directory


def _docstring_example() -> str:
    """The first indented block of `orgflow`'s docstring, dedented."""
    lines = (orgflow.__doc__ or "").splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("    "))
    block = []
    for line in lines[start:]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_the_package_docstring_example_runs(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _docstring_example()
    assert 'orgflow.open("demo-workspace")' in code and "ws.flow.summary(" in code
    namespace: dict[str, object] = {}
    exec(code.replace('"demo-workspace"', repr(str(folder))), namespace)
    (row,) = namespace["summary"].rows()  # type: ignore[attr-defined]
    assert (row["finished"], row["lead_time_p50"], row["cycle_time_p50"], row["wip"]) == (2, 6.0, 4.5, 0)
    cycle_times = {r["item_id"]: r["cycle_time_days"] for r in namespace["cycle_times"].rows()}  # type: ignore[attr-defined]
    assert cycle_times == {"C-1": 3.0, "C-2": 6.0}
    assert "'finished': 2" in capsys.readouterr().out


def test_each_door_is_bound_to_the_store_and_the_now_asked_for(folder: Path) -> None:
    now = datetime(2024, 3, 6, tzinfo=UTC)
    with orgflow.open(folder, read_only=True) as ws:
        assert ws.flow is ws.flow and not hasattr(ws, "metrics")
        # As of 6 March only C-1 is done (C-2 finishes on the 10th).
        (then,) = ws.flow_at(now).summary(cut=orgflow.Cut(team="checkout")).rows()
        assert (then["finished"], then["wip"]) == (1, 1)
        assert ws.delivery_at(now).now == now and ws.sociotech_at(now).now == now
        assert ws.pull_requests_at(now).now == now
        assert ws.org_at(now).day == now.date()
        assert ws.forecasts_at(now).now == now
        # The five days before 6 March: C-1 finished on the 5th.
        series = ws.forecasts_at(now).series(orgflow.Cut(team="checkout"), window_days=5)
        assert (series.first_day.isoformat(), series.counts.tolist()) == ("2024-03-01", [0, 0, 0, 0, 1])
        with pytest.raises(orgflow.InputError, match="nobody"):
            ws.insights_at(now).find(team="nobody")
        with pytest.raises(ValueError, match="naive"):
            ws.insights_at(datetime(2024, 3, 6))
        tables = dict(zip(*ws.status.sections["tables"].to_pydict().values(), strict=True))
        assert (tables["work_items"], tables["status_transitions"]) == (3, 8)


def test_a_write_drops_the_doors_it_made_stale(folder: Path, tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    more.write_text(MORE, encoding="utf-8")
    ws: Workspace = orgflow.open(folder)
    try:
        before = ws.flow
        assert before.summary(cut=orgflow.Cut(team="checkout")).rows()[0]["finished"] == 2
        status = ws.status
        ws.import_files("transitions", [more])
        assert ws.flow is not before and ws.status is not status
        assert ws.flow.summary(cut=orgflow.Cut(team="checkout")).rows()[0]["finished"] == 3
        tables = dict(zip(*ws.status.sections["tables"].to_pydict().values(), strict=True))
        assert tables["work_items"] == 4
    finally:
        ws.close()
