"""Which team a work item belongs to, by the configured order of attribution rules (`org.attribution`).

Rules, each tried in the configured order; the first that gives a team wins, and an item no rule
attributes has no team (null here; the flow metrics count it under the team ``unattributed``):

- ``component``: the item's first entry in ``work_items.components`` that names a known component (its id,
  else its name, case-insensitively; later entries are not tried when the first known component has no
  owner). Its owner on the item's created UTC day is the group of a ``component_ownerships`` row valid that
  day (the smaller group id when several are), else the component's ``owner_id``.
- ``project``: the team set at import from the project/board mapping (``work_items.team_id``), else the
  project key, exactly the team the flow metrics use without an attribution order.
- ``person``: the team of the item's assignee on its created UTC day, by the rule of
  `orgflow.org.structure.attribute` (alias → person, then their team membership with the largest
  allocation, ties to the latest ``valid_from``).

Everything runs as one DuckDB query over the store; only the rules in the order are joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from orgflow.org.person_team_sql import PERSON_TEAM_SQL
from orgflow.store.engine import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

RULES = ("component", "project", "person")
DEFAULT_ORDER: tuple[str, ...] = ("project",)
"""The default of `OrgSettings.attribution`: the stored team, as before attribution orders existed."""
NONE = "none"
UNATTRIBUTED = "unattributed"
"""The team the flow metrics give an item no rule attributes."""

_ITEMS = "(SELECT row_number() OVER (ORDER BY source, source_id) AS idx, * FROM work_items)"

_COMPONENT_CTE = """
item_components AS (
  SELECT idx, CAST(created_at AS DATE) AS day, lower(unnest(components)) AS key,
         generate_subscripts(components, 1) AS position
  FROM items
),
component_keys AS (
  SELECT lower(source_id) AS key, source_id AS component_id, 1 AS priority FROM components
  UNION ALL SELECT lower(name), source_id, 2 FROM components
),
first_component AS (
  SELECT idx, day, component_id FROM (
    SELECT c.idx, c.day, k.component_id,
           row_number() OVER (PARTITION BY c.idx ORDER BY c.position, k.priority, k.component_id) AS rank
    FROM item_components c JOIN component_keys k USING (key)
  ) WHERE rank = 1
),
component_team AS (
  SELECT f.idx,
         coalesce(
           (SELECT min(o.group_id) FROM component_ownerships o WHERE o.component_id = f.component_id
              AND (o.valid_from IS NULL OR o.valid_from <= f.day) AND (o.valid_to IS NULL OR f.day < o.valid_to)),
           (SELECT min(c.owner_id) FROM components c WHERE c.source_id = f.component_id)
         ) AS team_id
  FROM first_component f
)"""

_PERSON_CTE = """
person_team AS (
  SELECT idx, team_id FROM ({attribution})
)"""

# The team each rule gives (NULL: the rule gives none), over `items i` and the rules' CTEs.
_RULE_TEAM = {
    "component": "component_team.team_id",
    "project": "coalesce(i.team_id, i.project)",
    "person": "person_team.team_id",
}
_RULE_JOIN = {
    "component": "LEFT JOIN component_team USING (idx)",
    "project": "",
    "person": "LEFT JOIN person_team USING (idx)",
}


def attribution_sql(order: Sequence[str]) -> str:
    """The query giving every work item its team by `order`: one row per item with ``source, source_id,
    team_id`` (null when no rule attributes it) and ``rule`` (the rule that did, or null).

    Raises:
        ValueError: an unknown or repeated rule, or an empty order (the config validates this first).
    """
    _check(order)
    ctes = [f"items AS {_ITEMS}"]
    if "component" in order:
        ctes.append(_COMPONENT_CTE.strip())
    if "person" in order:
        events = "(SELECT idx, assignee AS alias, created_at AS event_at FROM items)"
        ctes.append(_PERSON_CTE.format(attribution=PERSON_TEAM_SQL.format(events=events)).strip())
    team = "coalesce(" + ", ".join(_RULE_TEAM[rule] for rule in order) + ")"
    rule = "CASE " + " ".join(f"WHEN {_RULE_TEAM[name]} IS NOT NULL THEN '{name}'" for name in order) + " END"
    joins = " ".join(_RULE_JOIN[name] for name in order if _RULE_JOIN[name])
    return (
        "WITH " + ",\n".join(ctes) + "\n"
        f"SELECT i.source, i.source_id, {team} AS team_id, {rule} AS rule FROM items i {joins}"
    )


def build_attribution(connection: duckdb.DuckDBPyConnection, order: Sequence[str], name: str) -> None:
    """(Re)create the temporary table `name`: `attribution_sql(order)` (``source, source_id, team_id, rule``) with
    the team of unattributed items set to ``unattributed``.

    A named bucket, like the ``unowned`` of deployments, rather than null: cuts and by-team figures join on the
    team, and a null key would drop these items from them, where a name lets `--team unattributed` list them.
    """
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT source, source_id, "
        f"coalesce(team_id, '{UNATTRIBUTED}') AS team_id, rule FROM ({attribution_sql(order)})"
    )


def attributable_teams(connection: duckdb.DuckDBPyConnection, order: Sequence[str]) -> set[str]:
    """Every team `order` can give an item beyond the team groups and the stored team ids: component owners
    (``component``) and the project keys of items without a team (``project``). Empty for the default order,
    which adds nothing (and queries nothing)."""
    if tuple(order) == DEFAULT_ORDER:
        return set()
    _check(order)
    queries = []
    if "component" in order:
        queries.append("SELECT owner_id FROM components UNION SELECT group_id FROM component_ownerships")
    if "project" in order:
        queries.append("SELECT coalesce(team_id, project) FROM work_items")
    if not queries:
        return set()
    rows = connection.execute(" UNION ".join(queries)).fetchall()
    return {team for (team,) in rows if team is not None}


def attribution_counts(connection: duckdb.DuckDBPyConnection, order: Sequence[str]) -> pa.Table:
    """How many work items each rule attributed: ``rule, items``, one row per rule of `order` (in order, zeros
    included), then ``none`` for the items no rule attributed."""
    counts = dict(connection.execute(f"SELECT rule, count(*) FROM ({attribution_sql(order)}) GROUP BY rule").fetchall())
    names = [*order, NONE]
    import pyarrow as pa

    return pa.table(
        {
            "rule": pa.array(names, pa.string()),
            "items": pa.array([counts.get(None if name == NONE else name, 0) for name in names], pa.int64()),
        }
    )


def attributed_units(connection: duckdb.DuckDBPyConnection, order: Sequence[str]) -> pa.Table:
    """Every team `order` attributes work items to, with its item count: ``team_id, rule, items, example``, most
    items first (then by team id).

    The units are the teams the flow metrics count items under (`build_attribution`): the team ``unattributed``
    holds the items no rule attributes. ``rule`` is the rule that attributed most of the unit's items (ties to the
    earlier rule of `order`; null for ``unattributed``), ``example`` the smallest of its item ids.
    """
    rank = "CASE rule " + " ".join(f"WHEN '{name}' THEN {index}" for index, name in enumerate(order)) + " END"
    # The rows as DuckDB's Arrow table: one built from Python values would make pyarrow load pandas (about 0.3 s).
    return connection.execute(
        f"""
        WITH attributed AS (
          SELECT coalesce(team_id, '{UNATTRIBUTED}') AS team_id, rule, source_id FROM ({attribution_sql(order)})
        ),
        by_rule AS (
          SELECT team_id, rule, count(*) AS items, min(source_id) AS example,
                 row_number() OVER (PARTITION BY team_id ORDER BY count(*) DESC, {rank}) AS position
          FROM attributed GROUP BY team_id, rule
        )
        SELECT team_id, max(rule) FILTER (WHERE position = 1) AS rule, sum(items)::BIGINT AS items,
               min(example) AS example
        FROM by_rule GROUP BY team_id ORDER BY 3 DESC, 1
        """
    ).to_arrow_table()


def _check(order: Sequence[str]) -> None:
    unknown = [rule for rule in order if rule not in RULES]
    if not order or unknown or len(set(order)) != len(order):
        raise ValueError(f"bad attribution order {tuple(order)!r}: use each of {', '.join(RULES)} at most once")
