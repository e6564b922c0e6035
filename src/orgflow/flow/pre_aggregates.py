"""The pre-aggregates a flow service may write once and its figures then read (`PreparedFacts.derived`):
what each one measures, and which figures read which, on their second call or once a service has answered
many calls (a dashboard's or a report's: `orgflow.flow.runner.MANY_CALLS`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from orgflow.flow.prepared import PreparedFacts


def _stages_reached(facts: PreparedFacts) -> ir.Table:
    """Per workflow, whether its items reach a done and an active stage (`summary.stages_reached`)."""
    from orgflow.flow.summary import stages_reached

    return stages_reached(facts.transitions, facts.items)


def _blocked_items(facts: PreparedFacts) -> ir.Table:
    """Blocked microseconds of every started item over its whole span (`stages.blocked_items`)."""
    from orgflow.flow import stages

    return stages.blocked_items(facts.tables, facts.spans(), facts.items, all_items=facts.items, now=facts.now)


def _cfd_team_entries(facts: PreparedFacts) -> ir.Table:
    """Every team's daily entries into each stage (`flow_load.cfd_team_entries`)."""
    from orgflow.flow import flow_load

    return flow_load.cfd_team_entries(facts.climbs, facts.items, facts.stage_table())


def _cfd_team_stages(facts: PreparedFacts) -> ir.Table:
    """The stages every team's CFD shows (`flow_load.cfd_team_stages`)."""
    from orgflow.flow import flow_load

    return flow_load.cfd_team_stages(facts.items, facts.stage_table())


PRE_AGGREGATES: dict[str, Callable[[PreparedFacts], ir.Table]] = {
    # Every item's facts closed at `now`: read as one table instead of joining the flagged time and
    # closing each item again in every query.
    "items": lambda facts: facts.measured_items,
    "stages_reached": _stages_reached,
    "blocked_items": _blocked_items,
    "cfd_team_entries": _cfd_team_entries,
    "cfd_team_stages": _cfd_team_stages,
}
"""Per-service tables measured once as of `now` and cut by the figures that read them (`PreparedFacts.derived`)."""

FIGURE_PRE_AGGREGATES: dict[str, Callable[[Any], tuple[str, ...]]] = {
    "blocked": lambda _options: ("blocked_items",),
    "cfd": lambda _options: ("cfd_team_entries", "cfd_team_stages"),
}
"""The pre-aggregates each figure's query may read, by its options: from a figure's second call on a
service (`orgflow.flow.runner.PRE_AGGREGATE_AFTER`) they are written before its query runs, their names
enter its key, and its build function reads them (`PreparedFacts.reads`); else it measures its own items."""
MANY_CALLS_PRE_AGGREGATES: dict[str, tuple[str, ...]] = {"summary": ("stages_reached",)}
"""The pre-aggregates a figure's query reads once its service has answered many figure calls (a
dashboard's or a report's: `orgflow.flow.runner.MANY_CALLS`), besides `EVERY_FIGURE_PRE_AGGREGATES`."""
EVERY_FIGURE_PRE_AGGREGATES = ("items",)
"""The pre-aggregates every figure's query reads once its service has answered many figure calls
(`orgflow.flow.runner.MANY_CALLS`), and the notes its runner counts then
(`orgflow.flow.runner.QueryRunner.reported_count`)."""
