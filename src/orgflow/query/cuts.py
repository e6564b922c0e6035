"""Restricting the item facts to a cut (team, group, item or flow type, project, value stream); a cut's
phase narrows rows after the query (`orgflow.flow.phases`) and is only checked here.

The cut's values enter the expression as bound values (`orgflow.query.compiled`) labelled
``cut_<field>``, so one compiled query serves every team: what shapes the query is only which fields
are set (`cut_shape`). Only `cut_items` builds an expression, and only it loads Ibis: checking a cut
and reading its values and shape do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from orgflow.errors import InputError, NotFoundError
from orgflow.query.known_names import did_you_mean
from orgflow.query.lookups import sql_literal
from orgflow.query.window import Cut

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

    from orgflow.config import Config
    from orgflow.query.tables import TableSource


def _item_fields(cut: Cut) -> dict[str, str]:
    """The set fields of `cut` that choose items: all but the phase, which narrows a figure's rows after
    its query (`orgflow.flow.phases`), so it neither shapes nor enters the query."""
    return {name: value for name, value in cut.as_params().items() if value and name != "phase"}


def cut_values(cut: Cut) -> dict[str, str]:
    """The bound values of `cut`'s set item fields (an empty text is not set), labelled ``cut_<field>``
    (an item type casefolded)."""
    values = {f"cut_{name}": value for name, value in _item_fields(cut).items()}
    if "cut_item_type" in values:
        values["cut_item_type"] = values["cut_item_type"].casefold()
    return values


def cut_shape(cut: Cut) -> tuple[str, ...]:
    """Which of `cut`'s fields are set (an empty text is not): what shapes a query (their values are bound)."""
    return tuple(sorted(_item_fields(cut)))


def check_cut(connection: duckdb.DuckDBPyConnection, config: Config, cut: Cut, *, items_table: str) -> None:
    """Raise `NotFoundError` (an `InputError`) when `cut` names a team (no item of `items_table` has it
    and the org model has no group of kind team by that id: a team of the org that owns no item is known,
    its figures empty; a raw team key no item is attributed to any more is not), a group (not in the
    ``of_team_group`` lookup), an item type (`check_item_type`) or a value stream (not in the config)
    the workspace does not know; an `InputError` when its phase is none of the config's."""
    known_teams = (
        f"(SELECT team_id AS name FROM {items_table} "
        "UNION ALL SELECT source_id AS name FROM groups WHERE kind = 'team')"
    )
    lookups = {
        "team": (cut.team, known_teams, "see `orgflow status` for the teams"),
        "group": (cut.group, "(SELECT group_id AS name FROM of_team_group)", "see `orgflow status`"),
    }
    for name, (value, names, hint) in lookups.items():
        if (
            value
            and not connection.execute(f"SELECT count(*) FROM {names} WHERE name = {sql_literal(value)}").fetchone()[0]
        ):
            known = [
                row[0]
                for row in connection.execute(f"SELECT DISTINCT name FROM {names} WHERE name IS NOT NULL").fetchall()
            ]
            meant = did_you_mean(value, sorted(known))
            raise NotFoundError(
                f"unknown {name} {value!r}", field=name, hint=hint if meant is None else f"{meant} ({hint})"
            )
    if cut.item_type:
        check_item_type(connection, cut.item_type, items_table=items_table)
    if cut.value_stream and cut.value_stream not in config.value_streams:
        meant = did_you_mean(cut.value_stream, config.value_streams)
        raise NotFoundError(f"unknown value stream {cut.value_stream!r}", field="value_stream", hint=meant)
    if cut.phase:
        check_phase(cut.phase, config.phases)


def check_item_type(connection: duckdb.DuckDBPyConnection, item_type: str, *, items_table: str) -> None:
    """Raise `NotFoundError` when `item_type` is neither the item type of an item of `items_table` (any
    case, as `cut_items` matches it) nor a flow type (`orgflow.config.FLOW_TYPES`, or one an item has).

    A flow type no item has is known, its figures empty; an item type no item has is not. The hint
    suggests the type meant when one is close, else lists the known item types and flow types."""
    from orgflow.config import FLOW_TYPES

    wanted = item_type.casefold()  # as `cut_values` binds it
    if wanted in FLOW_TYPES:
        return
    (matched,) = connection.execute(
        f"SELECT count(*) FROM {items_table} WHERE lower(item_type) = ? OR flow_type = ?", [wanted, wanted]
    ).fetchone()
    if matched:
        return
    item_types = sorted(
        row[0]
        for row in connection.execute(
            f"SELECT DISTINCT item_type FROM {items_table} WHERE item_type IS NOT NULL"
        ).fetchall()
    )
    meant = did_you_mean(item_type, [*item_types, *FLOW_TYPES])
    listed = f"item types: {', '.join(item_types) or 'none'}; flow types: {', '.join(FLOW_TYPES)}"
    raise NotFoundError(f"unknown type {item_type!r}", field="type", hint=listed if meant is None else meant)


def check_phase(phase: str, phases: Sequence[str]) -> None:
    """Raise `InputError` when `phase` is not one of `phases` (the config's; the hint suggests the one
    meant when one is close, `orgflow.query.known_names.suggestion`)."""
    if phase not in phases:
        meant = did_you_mean(phase, phases)
        listed = f"use {', '.join(phases)}"
        raise InputError(
            f"unknown phase {phase!r}", field="phase", hint=listed if meant is None else f"{meant} ({listed})"
        )


def cut_items(items: ir.Table, tables: TableSource, cut: Cut) -> ir.Table:
    """`items` (item facts) restricted to `cut`: a group takes its teams and every descendant team
    (``of_team_group``), an item type matches the type (any case) or the flow type, a value stream
    its teams (``of_value_stream``)."""
    import ibis.expr.datatypes as dt
    from ibis import _

    from orgflow.query.compiled import bound

    values = cut_values(cut)
    if cut.team:
        items = items.filter(_.team_id == bound("cut_team", values["cut_team"], dt.string))
    if cut.group:
        group = bound("cut_group", values["cut_group"], dt.string)
        teams = tables.table("of_team_group").filter(_.group_id == group).select("team_id")
        items = items.filter(items.team_id.isin(teams.team_id))
    if cut.item_type:
        wanted = bound("cut_item_type", values["cut_item_type"], dt.string)
        items = items.filter((_.item_type.lower() == wanted) | (_.flow_type == wanted))
    if cut.project:
        items = items.filter(_.project == bound("cut_project", values["cut_project"], dt.string))
    if cut.value_stream:
        stream = bound("cut_value_stream", values["cut_value_stream"], dt.string)
        streams = tables.table("of_value_stream").filter(_.value_stream == stream)
        items = items.filter(items.team_id.isin(streams.team_id))
    return items
