"""Unknown is not zero, for WIP and the CFD before the data: nothing was recorded before the data's first
event, so the WIP and the CFD counts of each day before its day are null (not 0), and the result says so in
the params (`before_data`) and its notes, the same rule and words as the summary's and throughput's
(`orgflow.flow.after_data`). The note reaches every output: the table (under it), JSON (`notes`), CSV
(stderr), the API and the flow pages, whose charts draw no line or band on those days (a gap).

After the data's last event WIP and the CFD are states, not counts of events: the items open at the last
event are still open as far as the data knows, so the days after it carry that state with no note, as the
summary's WIP at the end of a window after the data does.

The three items of tests/cli/three_items.py (the default workflow: To Do is Backlog, In Progress, Done):
A-1 (alpha) created 03-01 09:00 (the data's first event), in progress 03-02 09:00, done 03-05 09:00; A-2
(alpha) created 03-02 09:00, in progress 03-04 09:00, still open; B-1 (beta) created 03-01 12:00, in progress
03-03 12:00, done 03-08 12:00 (the last event). By hand, at the end of each day:

    day      WIP  alpha beta   Backlog  In Progress  Done   (CFD: reached the stage or a later one)
    03-01     0     0    0       2          0         0
    03-02     1     1    0       3          1         0
    03-03     2     1    1       3          2         0
    03-04     3     2    1       3          3         0
    03-05     2     1    1       3          3         1
    03-08     1     1    0       3          3         2
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.cli.three_items import three_items_workspace

import orgflow
from orgflow import charts
from orgflow.flow.after_data import before_data_reason
from orgflow.flow.service import FlowService
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 12, tzinfo=UTC)
DAYS_NOTE = (
    "the days to 2024-02-29 lie before the data's first event (data from 2024-03-01): nothing there was "
    "recorded, so its counts are not a measurement (--since sets a later start)"
)
WINDOW_NOTE = (
    "the window lies before the data's first event (data from 2024-03-01): nothing there was recorded, so its "
    "counts are not a measurement (--since sets a later start)"
)
STAGES = ("Backlog", "In Progress", "Done")
"""The CFD stages the three items reach (the default workflow has ten)."""


def day(text: str) -> date:
    return date.fromisoformat(f"2024-{text}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of the three items, closed (each test opens it its own way)."""
    return three_items_workspace(tmp_path_factory.mktemp("wip-cfd-before-data"))


@pytest.fixture
def service(folder: Path) -> Iterator[FlowService]:
    workspace = orgflow.open(folder, read_only=True)
    yield workspace.flow_at(NOW)
    workspace.close()


def _cfd(rows: list[dict[str, object]]) -> dict[tuple[str, str], object]:
    """(day as MM-DD, stage) -> count, for the stages the items reach."""
    return {(str(row["date"])[5:], str(row["stage"])): row["count"] for row in rows if row["stage"] in STAGES}


def test_the_notes_are_the_rule_of_after_data() -> None:
    assert before_data_reason("2024-03-01T09:00:00", "the days to 2024-02-29 lie") == DAYS_NOTE
    assert before_data_reason("2024-03-01T09:00:00") == WINDOW_NOTE


def test_wip_is_unknown_on_the_days_before_the_data(service: FlowService) -> None:
    wip = service.wip(since=day("02-27"), until=day("03-03"))

    assert [(row["date"], row["wip"]) for row in wip.rows()] == [
        (day("02-27"), None),
        (day("02-28"), None),
        (day("02-29"), None),
        (day("03-01"), 0),
        (day("03-02"), 1),
        (day("03-03"), 2),
    ]
    assert wip.notes == [DAYS_NOTE] and wip.params["before_data"] == DAYS_NOTE


def test_wip_of_a_window_wholly_before_the_data_is_unknown(service: FlowService) -> None:
    early = service.wip(since=day("02-20"), until=day("02-22"))
    assert [(row["date"], row["wip"]) for row in early.rows()] == [
        (day("02-20"), None),
        (day("02-21"), None),
        (day("02-22"), None),
    ]
    assert early.notes == [WINDOW_NOTE] and early.params["before_data"] == WINDOW_NOTE
    # Up to the day before the first event's day: still wholly before it.
    eve = service.wip(since=day("02-28"), until=day("02-29"))
    assert [row["wip"] for row in eve.rows()] == [None, None] and eve.notes == [WINDOW_NOTE]


def test_a_window_from_the_first_day_is_measured(service: FlowService) -> None:
    wip = service.wip(since=day("03-01"), until=day("03-05"))

    assert [row["wip"] for row in wip.rows()] == [0, 1, 2, 3, 2]
    assert wip.notes == [] and "before_data" not in wip.params


def test_wip_by_team_is_unknown_before_the_data_for_every_team(service: FlowService) -> None:
    wip = service.wip(since=day("02-29"), until=day("03-03"), by="team")

    assert sorted((row["date"], row["team"], row["wip"]) for row in wip.rows()) == [
        (day("02-29"), "alpha", None),
        (day("02-29"), "beta", None),
        (day("03-01"), "alpha", 0),
        (day("03-01"), "beta", 0),
        (day("03-02"), "alpha", 1),
        (day("03-02"), "beta", 0),
        (day("03-03"), "alpha", 1),
        (day("03-03"), "beta", 1),
    ]
    assert wip.notes == [DAYS_NOTE]


def test_cfd_is_unknown_on_the_days_before_the_data(service: FlowService) -> None:
    cfd = service.cfd(since=day("02-29"), until=day("03-02"))
    rows = cfd.rows()

    # Every stage of the day before the data is unknown, not only those the items reach.
    assert [row["count"] for row in rows if row["date"] == day("02-29")] == [None] * 10
    assert _cfd(rows) == {
        ("02-29", "Backlog"): None,
        ("02-29", "In Progress"): None,
        ("02-29", "Done"): None,
        ("03-01", "Backlog"): 2,
        ("03-01", "In Progress"): 0,
        ("03-01", "Done"): 0,
        ("03-02", "Backlog"): 3,
        ("03-02", "In Progress"): 1,
        ("03-02", "Done"): 0,
    }
    assert cfd.notes == [DAYS_NOTE] and cfd.params["before_data"] == DAYS_NOTE
    early = service.cfd(since=day("02-20"), until=day("02-21"))
    assert [row["count"] for row in early.rows()] == [None] * 20 and early.notes == [WINDOW_NOTE]


def test_after_the_data_wip_and_cfd_hold_its_last_state(service: FlowService) -> None:
    # The last event is B-1's finish on 03-08: A-2 is still open then, and nothing says it finished since.
    wip = service.wip(since=day("03-07"), until=day("03-11"))
    # The days after 03-08 hold its state, and a note says so.
    carried = (
        "the days from {} carry the state of the data's last day (2024-03-08): nothing was recorded after it, "
        "so they hold what it last says (--now or --until sets an earlier end)"
    )
    assert [row["wip"] for row in wip.rows()] == [2, 1, 1, 1, 1] and wip.notes == [carried.format("2024-03-09")]
    cfd = service.cfd(since=day("03-11"), until=day("03-11"))
    assert _cfd(cfd.rows()) == {("03-11", "Backlog"): 3, ("03-11", "In Progress"): 3, ("03-11", "Done"): 2}
    assert cfd.notes == [carried.format("2024-03-11")] and cfd.params["after_data"] == cfd.notes[0]
    # As the summary of a window wholly after the data: its WIP is the last state, its throughput unknown.
    (row,) = service.summary(since=day("03-09"), until=day("03-11")).rows()
    assert (row["wip"], row["throughput_per_week"]) == (1, None)
    assert [row["wip"] for row in service.wip(since=day("03-09"), until=day("03-11")).rows()] == [1, 1, 1]


# -- the command line, in process ------------------------------------------------------------------
_main = run_main


def _flow(folder: Path, figure: str, since: str, until: str, *more: str) -> list[str]:
    return ["-w", str(folder), "flow", figure, "--since", since, "--until", until, "--now", "2024-03-12", *more]


def test_the_command_says_so_in_every_format(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(monkeypatch, capsys, *_flow(folder, "wip", "2024-02-28", "2024-03-02", "--format", "json"))
    payload = json.loads(out)
    assert code == 0 and err == ""
    assert payload["rows"] == [
        {"date": "2024-02-28", "wip": None},
        {"date": "2024-02-29", "wip": None},
        {"date": "2024-03-01", "wip": 0},
        {"date": "2024-03-02", "wip": 1},
    ]
    assert payload["notes"] == [DAYS_NOTE] and payload["params"]["before_data"] == DAYS_NOTE
    assert payload["metric"] == "wip" and payload["params"]["rows"] == 4

    code, out, err = _main(monkeypatch, capsys, *_flow(folder, "wip", "2024-02-28", "2024-03-02", "--format", "csv"))
    assert code == 0
    assert out.splitlines() == ["date,wip", "2024-02-28,", "2024-02-29,", "2024-03-01,0", "2024-03-02,1"]
    assert err.splitlines() == [f"note: {DAYS_NOTE}"]

    code, out, err = _main(monkeypatch, capsys, *_flow(folder, "wip", "2024-02-20", "2024-02-21"))
    assert code == 0
    # An unknown day is a dash, never 0; the note under the table.
    assert [line.split() for line in out.splitlines() if line.startswith("│ 2024-")] == [
        ["│", "2024-02-20", "│", "–", "│"],
        ["│", "2024-02-21", "│", "–", "│"],
    ]
    assert f"note: {WINDOW_NOTE}" in " ".join((out + err).split())


def test_the_cfd_command_says_so(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = _main(monkeypatch, capsys, *_flow(folder, "cfd", "2024-02-29", "2024-03-01", "--format", "json"))
    payload = json.loads(out)
    assert code == 0 and payload["notes"] == [DAYS_NOTE]
    assert _cfd(payload["rows"]) == {
        ("02-29", "Backlog"): None,
        ("02-29", "In Progress"): None,
        ("02-29", "Done"): None,
        ("03-01", "Backlog"): 2,
        ("03-01", "In Progress"): 0,
        ("03-01", "Done"): 0,
    }
    code, out, err = _main(monkeypatch, capsys, *_flow(folder, "cfd", "2024-02-29", "2024-02-29", "--format", "csv"))
    assert code == 0 and err.splitlines() == [f"note: {WINDOW_NOTE}"]
    assert [line.rsplit(",", 1)[1] for line in out.splitlines()[1:]] == [""] * 10


# -- the API and the pages ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(folder, now=NOW)
    yield TestClient(app)
    app.state.hub.close()


def test_the_api_routes_say_so(client: TestClient) -> None:
    wip = client.get("/api/wip", params={"since": "2024-02-28", "until": "2024-03-02"}).json()
    assert wip["rows"] == [
        {"date": "2024-02-28", "wip": None},
        {"date": "2024-02-29", "wip": None},
        {"date": "2024-03-01", "wip": 0},
        {"date": "2024-03-02", "wip": 1},
    ]
    assert wip["notes"] == [DAYS_NOTE] and wip["params"]["before_data"] == DAYS_NOTE
    cfd = client.get("/api/cfd", params={"since": "2024-02-20", "until": "2024-02-20"}).json()
    assert [row["count"] for row in cfd["rows"]] == [None] * 10 and cfd["notes"] == [WINDOW_NOTE]
    by_team = client.get("/api/wip", params={"since": "2024-02-29", "until": "2024-03-01", "by": "team"}).json()
    assert sorted((row["date"], row["team"], row["wip"]) for row in by_team["rows"]) == [
        ("2024-02-29", "alpha", None),
        ("2024-02-29", "beta", None),
        ("2024-03-01", "alpha", 0),
        ("2024-03-01", "beta", 0),
    ]
    assert by_team["notes"] == [DAYS_NOTE]


def _spec(page: str, key: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" data-spec-for="{key}">(.*?)</script>', page, re.S)
    assert found is not None, key
    return json.loads(html.unescape(found.group(1)))


def test_the_team_page_draws_no_zeros_before_the_data(client: TestClient) -> None:
    page = client.get("/teams/alpha", params={"since": "2024-02-28", "until": "2024-03-04"})
    assert page.status_code == 200
    wip = _spec(page.text, "wip")["data"]["values"]  # type: ignore[index]
    assert [(value["date"], value["wip"]) for value in wip] == [
        ("2024-02-28", None),
        ("2024-02-29", None),
        ("2024-03-01", 0),
        ("2024-03-02", 1),
        ("2024-03-03", 1),
        ("2024-03-04", 2),
    ]
    cfd = _spec(page.text, "cfd")["data"]["values"]  # type: ignore[index]
    assert {value["count"] for value in cfd if value["date"] < "2024-03-01"} == {None}
    assert DAYS_NOTE in " ".join(html.unescape(page.text).split())


def test_a_page_of_a_window_before_the_data_has_no_wip_or_cfd_chart(client: TestClient) -> None:
    page = client.get("/teams/alpha", params={"since": "2024-02-20", "until": "2024-02-25"}).text
    assert 'data-empty-chart="wip"' in page and 'data-empty-chart="cfd"' in page
    assert WINDOW_NOTE in " ".join(html.unescape(page).split())


# -- the charts: gaps, not zeros ------------------------------------------------------------------------
def _paths(svg: str, mark: str) -> list[list[float]]:
    """The x coordinates of each path of the chart's `mark` marks (area or line)."""
    found = re.findall(rf'aria-roledescription="{mark} mark"[^>]*?\sd="([^"]*)"', svg)
    return [[float(x) for x in re.findall(r"[ML](-?[\d.]+),", path)] for path in found]


def test_the_charts_leave_the_days_before_the_data_blank(service: FlowService) -> None:
    vl_convert = pytest.importorskip("vl_convert")
    # 02-26 to 03-09: twelve days between the first and the last, the data starts on the fifth (03-01).
    since, until = day("02-26"), day("03-09")
    for figure, spec, mark in (
        ("wip", charts.wip_chart(service.wip(since=since, until=until), width=360), "line"),
        ("wip", charts.wip_chart(service.wip(since=since, until=until), width=360), "area"),
        ("cfd", charts.cfd_chart(service.cfd(since=since, until=until), width=360), "area"),
    ):
        svg = vl_convert.vegalite_to_svg({key: value for key, value in spec.items() if key != "$schema"})
        paths = _paths(svg, mark)
        assert paths, (figure, mark)
        for xs in paths:
            # The x axis spans the whole window (the last day at its right end), the marks begin on 03-01.
            assert min(xs) == pytest.approx(max(xs) * 4 / 12, abs=0.01), (figure, mark)
    # A window wholly before the data: nothing to draw (the page shows its note instead).
    assert charts.wip_chart(service.wip(since=day("02-20"), until=day("02-22")))["data"]["values"] == []
    assert charts.cfd_chart(service.cfd(since=day("02-20"), until=day("02-22")))["data"]["values"] == []


def test_rows_kept_as_plain_values_are_said_alike() -> None:
    """A command that only prints a kept query's rows holds them as a `PlainTable`: the same days are null."""
    import pyarrow as pa

    from orgflow.flow.after_data import said_days_before_data
    from orgflow.flow.result import MetricResult
    from orgflow.query.plain_table import PlainTable
    from orgflow.query.window import Window

    schema = pa.schema([("date", pa.date32()), ("wip", pa.int64())])
    rows = [(day("02-28"), 0), (day("02-29"), 0), (day("03-01"), 0), (day("03-02"), 1)]
    plain = PlainTable(["date", "wip"], ["DATE", "BIGINT"], rows, lambda: schema)
    window = Window(datetime(2024, 2, 28), datetime(2024, 3, 3))
    first = datetime(2024, 3, 1, 9)
    said = [
        said_days_before_data(MetricResult("wip", "", {}, table), window, first) for table in (plain, plain.to_arrow())
    ]

    assert isinstance(said[0].table, PlainTable)
    assert (
        said[0].rows()
        == said[1].rows()
        == [
            {"date": day("02-28"), "wip": None},
            {"date": day("02-29"), "wip": None},
            {"date": day("03-01"), "wip": 0},
            {"date": day("03-02"), "wip": 1},
        ]
    )
    assert said[0].notes == said[1].notes == [DAYS_NOTE]
