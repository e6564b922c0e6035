"""The flow figures' declarations: each result has the columns its declaration names, a figure's query is
kept under its options (settings from `orgflow.yaml` included), and bad options are refused before any
query runs.

The history (board: Backlog → Doing → Review → Done), as of 2024-03-10:
alpha's A-1 (Story): created 03-01, started 03-02, flagged blocked 03-02 06:00-12:00, done 03-05 (cycle
time 3 days);
alpha's A-3 (Story): created 03-02, started 03-03, done 03-04 (cycle time 1 day);
alpha's A-2 (Bug): created 03-01, started 03-03, in Review since 03-06, open;
beta's B-1 (Story): created 03-01, started 03-04 12:00, open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from boards import SMALL_BOARD
from tests.flow.histories import at, history_batch

import orgflow
from orgflow import registry
from orgflow.errors import InputError
from orgflow.flow.service import FlowService
from orgflow.model import BlockedInterval
from orgflow.workspace import Workspace

NOW = datetime(2024, 3, 10, tzinfo=UTC)
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 9)}
HISTORIES = {
    ("A-1", "alpha", "Story"): [("03-01", "Backlog"), ("03-02", "In Progress"), ("03-05", "Done")],
    ("A-3", "alpha", "Story"): [("03-02", "Backlog"), ("03-03", "In Progress"), ("03-04", "Done")],
    ("A-2", "alpha", "Bug"): [("03-01", "Backlog"), ("03-03", "In Progress"), ("03-06", "Review")],
    ("B-1", "beta", "Story"): [("03-01", "Backlog"), ("03-04T12:00", "In Progress")],
}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(SMALL_BOARD, encoding="utf-8")
    opened = orgflow.open(tmp_path)
    batch = history_batch(HISTORIES)
    batch.add(BlockedInterval("csv", "A-1", 0, at("03-02T06:00"), at("03-02T12:00")))
    opened.store.write(batch)
    yield opened
    opened.close()


@pytest.mark.parametrize("figure", registry.figures("flow"), ids=lambda figure: figure.name)
def test_every_flow_result_has_the_columns_its_declaration_names(workspace: Workspace, figure: registry.Figure) -> None:
    service = FlowService(workspace.context(NOW), now=NOW)
    result = service.compute(figure.name, **(WINDOW if figure.window else {}))

    assert result.table.num_rows > 0
    assert result.table.column_names == [column.name for column in figure.columns]
    assert result.metric == figure.name and result.definition == figure.definition


def test_a_figure_query_is_kept_under_its_options(workspace: Workspace) -> None:
    service = FlowService(workspace.context(NOW), now=NOW)
    queries = workspace.compiled_queries
    service.throughput(period="day", **WINDOW)
    misses = queries.misses

    # The same options over another window and another team: the kept query, with new values.
    service.throughput(period="day", since=date(2024, 3, 2), until=date(2024, 3, 5))
    beta = service.throughput(period="day", since=date(2024, 3, 2), until=date(2024, 3, 5), by="team")
    assert queries.misses == misses + 1  # only --by changed the query's shape
    # Other options are another query. By week over 03-04..03-09: A-1 (03-05) and A-3 (03-04) finish in
    # the week of Monday 03-04, only B-1 starts in it (03-04 12:00): net flow 1 - 2.
    weekly = service.throughput(period="week", since=date(2024, 3, 4), until=date(2024, 3, 9))
    assert queries.misses == misses + 2
    assert weekly.rows() == [{"period_start": date(2024, 3, 4), "finished": 2, "started": 1, "net_flow": -1}]
    assert beta.params["by"] == "team" and {row["team"] for row in beta.rows()} == {"alpha", "beta"}


def test_a_setting_from_the_config_is_part_of_the_query_key(workspace: Workspace) -> None:
    """The SLE percentile comes from `thresholds` in orgflow.yaml: two configs, two kept queries, and
    each its own answer. alpha's Stories took 3 and 1 days: p85 = 1 + 0.85 x 2 = 2.7, p50 = 2.0."""
    context = workspace.context(NOW)
    thresholds = dataclasses.replace(context.config.thresholds, sle_percentile=50)
    median = dataclasses.replace(context, config=dataclasses.replace(context.config, thresholds=thresholds))

    at_p85 = {(row["team_id"], row["item_type"]): row["sle_days"] for row in FlowService(context, now=NOW).sle().rows()}
    misses = workspace.compiled_queries.misses
    at_p50 = {(row["team_id"], row["item_type"]): row["sle_days"] for row in FlowService(median, now=NOW).sle().rows()}

    assert workspace.compiled_queries.misses == misses + 1
    assert at_p85[("alpha", "Story")] == pytest.approx(2.7, abs=1e-12)
    assert at_p50[("alpha", "Story")] == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "options", "field"),
    [
        ("throughput", {"period": "fortnight"}, "period"),
        ("stages", {"level": "step"}, "level"),
        ("time-in-stage", {"level": "step"}, "level"),
        ("items", {"state": "closed"}, "state"),
    ],
)
def test_a_bad_option_is_refused_before_any_query(
    workspace: Workspace, name: str, options: dict[str, str], field: str
) -> None:
    service = FlowService(workspace.context(NOW), now=NOW)
    with pytest.raises(InputError) as raised:
        service.compute(name, **options)
    assert raised.value.field == field
    assert workspace.compiled_queries.misses == 0


def test_an_option_a_figure_does_not_have_is_a_type_error(workspace: Workspace) -> None:
    service = FlowService(workspace.context(NOW), now=NOW)
    with pytest.raises(TypeError):
        service.compute("cfd", by="team")
    with pytest.raises(TypeError):
        service.compute("age", since=date(2024, 3, 1))
    with pytest.raises(KeyError):
        service.compute("dora-summary")
