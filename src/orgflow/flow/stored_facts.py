"""The open flow facts, built and kept in the store so that a query only has to close them at `now`.

Building the facts (mapping every transition, one ordered pass over each item's history, one
aggregate per item: `orgflow.flow.history`) is most of a flow query's cost: about half of it on a
million items. None of it depends on `now` except the end of the interval an unfinished item is
still in, so the open facts are built once per change of the data or of the mapping, and every query
reuses them through `finish_transitions` and `finish_items`.

- ``flow_facts_transitions``: `mapped_transitions` of every stored transition.
- ``flow_facts_items``: `item_facts` of every stored item.
- ``flow_facts_cfd_climbs``: `orgflow.flow.flow_load.cfd_climbs`, the entries the CFD counts.
- ``orgflow_meta``: ``flow_facts_key``, what they were built from, and ``flow_facts_horizon``, the
  latest instant in the data they cover (the last transition or creation).

**Key.** A hash of the lookup tables the facts join (the mapping of `orgflow.yaml` and the store's
statuses, types, projects and groups, as `orgflow.query.lookups` builds them), the attribution
order, `FACTS_VERSION`, and a stamp of the data: the last import's id and the number of stored items
and transitions. Every write through `orgflow.store.Store.write` logs an import, so any write stales
the facts; code that writes the tables by other means must call `refresh`.

**When they are used.** Only when the key of the current config and data equals the stored one and
`now` is at or after the horizon. Otherwise (the config changed and nobody refreshed, or a query as of
an earlier instant), the flow service builds the same facts for its `now` in temporary tables, as
before: results never depend on which path was taken.

Checking whether the stored facts are usable is SQL alone; building them loads Ibis (when called).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from orgflow.query.lookups import Lookups, build_lookups, sql_literal

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

    from orgflow.config import Config
    from orgflow.query.compiled_sql import QueryCache
    from orgflow.query.tables import TableSource

# Raise when the columns or the definitions of the open facts change: stored facts of another version
# are then stale. 2: the CFD's climbs leave out the done entries of cancelled items.
FACTS_VERSION = 2
ITEMS_TABLE = "flow_facts_items"
TRANSITIONS_TABLE = "flow_facts_transitions"
CLIMBS_TABLE = "flow_facts_cfd_climbs"
_KEY = "flow_facts_key"
_HORIZON = "flow_facts_horizon"
# The lookup tables `item_base`, `mapped_transitions` and `item_facts` join.
FACT_LOOKUPS = (
    "of_keys",
    "of_project_workflow",
    "of_raw_status_map",
    "of_stages",
    "of_flow_type",
    "of_team_parent",
    "of_cancel_resolution",
)


def write_table(connection: duckdb.DuckDBPyConnection, name: str, sql: str, *, temporary: bool = True) -> None:
    """Store the rows of the query `sql` as the table `name` (replacing it), temporary by default."""
    # The rows of a fact table have no order anyone reads; letting DuckDB write them in any order
    # lets both threads insert at once (about 10 % of the preparation on a million items).
    connection.execute("SET preserve_insertion_order = false")
    try:
        kind = "TEMP TABLE" if temporary else "TABLE"
        connection.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")
    finally:
        connection.execute("RESET preserve_insertion_order")


def build_open_facts(
    connection: duckdb.DuckDBPyConnection,
    tables: TableSource | Callable[[], TableSource],
    *,
    now: datetime | None,
    attribution: tuple[str, ...],
    names: dict[str, str],
    temporary: bool = True,
    queries: QueryCache | None = None,
) -> None:
    """Build the open facts as of `now` (naive UTC; None: all the data) into the tables `names` names
    (keys ``attribution``, ``base``, ``transitions``, ``items``, ``climbs``; the first two are always temporary,
    and the attribution is built only for an order other than the default).

    The lookups (`build_lookups`) must exist on `connection`. `tables` (or a function giving it, called
    only when a query is built) serves the Ibis tables the queries are built over. With `queries`, the
    facts of all the data (`now` None) run the SQL kept there for these table names and attribution,
    and keep the SQL they compile: their text depends on the names and the code, not on the data. A
    process that finds all four kept loads no Ibis.
    """
    from orgflow.org.attribution import DEFAULT_ORDER, build_attribution

    teams = tuple(attribution) != DEFAULT_ORDER
    if teams:
        # Only a configured attribution order costs the extra query; the default reads the stored team.
        build_attribution(connection, attribution, names["attribution"])
    known: list[TableSource] = []

    def source() -> TableSource:
        if not known:
            known.append(tables() if callable(tables) else tables)
        return known[0]

    for part in ("base", "transitions", "items", "climbs"):
        kept = queries is not None and now is None
        key = ("open facts", FACTS_VERSION, part, tuple(sorted(names.items())), teams)
        query = queries.get(key) if kept and queries is not None else None
        values: dict[str, object] = {}
        if query is None:
            from orgflow.query.compiled import compile_query, values_of

            expression = _facts_expression(part, source(), now=now, names=names, teams=teams)
            query, values = compile_query(expression), values_of(expression)
            if kept and queries is not None and not query.labels:
                queries.put(key, query)
        write_table(connection, names[part], query.sql_with(values), temporary=temporary or part == "base")


def _facts_expression(
    part: str, tables: TableSource, *, now: datetime | None, names: dict[str, str], teams: bool
) -> ir.Table:
    """The Ibis expression of one table of the open facts (``base``, ``transitions``, ``items`` or
    ``climbs``), over the tables built before it."""
    from orgflow.flow.flow_load import cfd_climbs
    from orgflow.flow.history import item_base, item_facts, mapped_transitions

    if part == "base":
        return item_base(tables, now=now, teams=tables.table(names["attribution"]) if teams else None)
    base = tables.table(names["base"])
    if part == "transitions":
        return mapped_transitions(tables, base, now=now)
    transitions = tables.table(names["transitions"])
    if part == "items":
        return item_facts(tables, base, transitions)
    return cfd_climbs(transitions, tables.table(names["items"]))


def facts_key(
    connection: duckdb.DuckDBPyConnection, attribution: tuple[str, ...], lookups: Lookups | None = None
) -> str:
    """The key of the facts the current lookups and data give (see the module's docstring).

    The lookups must exist on `connection`; `lookups` (the workspace's) remembers their digests.
    """
    parts = [f"version {FACTS_VERSION}", f"attribution {','.join(attribution)}"]
    digests = (lookups or Lookups(connection)).digests(FACT_LOOKUPS)
    parts.extend(f"{name} {digest}" for name, digest in zip(FACT_LOOKUPS, digests, strict=True))
    stamp = connection.execute(
        "SELECT (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM work_items), "
        "(SELECT count(*) FROM status_transitions)"
    ).fetchone()
    parts.append("data " + " ".join(str(value) for value in stamp))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stored(connection: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime | None]:
    """The key and horizon recorded with the stored facts (None, None when there are none)."""
    rows = dict(
        # Literal keys: binding parameters would make DuckDB's client import pandas (about 0.4 s).
        connection.execute(f"SELECT key, value FROM orgflow_meta WHERE key IN ('{_KEY}', '{_HORIZON}')").fetchall()
    )
    horizon = rows.get(_HORIZON)
    return rows.get(_KEY), datetime.fromisoformat(horizon) if horizon else None


def usable(
    connection: duckdb.DuckDBPyConnection,
    attribution: tuple[str, ...],
    now: datetime,
    lookups: Lookups | None = None,
) -> bool:
    """Whether the stored facts are those of the current lookups and data, and cover `now` (naive UTC);
    `lookups` (the workspace's) remembers the lookups' digests."""
    stored_key, horizon = _stored(connection)
    if stored_key is None:
        return False
    if horizon is not None and horizon > now:
        return False
    return stored_key == facts_key(connection, attribution, lookups)


def facts_state(connection: duckdb.DuckDBPyConnection, config: Config, lookups: Lookups | None = None) -> pa.Table:
    """One row on the stored facts: state (``current``, ``stale``: built from other data or another
    mapping, or ``none``), items, transitions, horizon (the latest instant they cover, UTC).

    Builds the lookups on `connection` (through `lookups`, the workspace's, when given: it builds nothing
    where the lookups kept in the store serve). The row comes from DuckDB: an Arrow table built from
    Python values would make pyarrow load pandas (about 0.3 s of `orgflow status`).
    """
    if lookups is None:
        build_lookups(connection, config)
    else:
        lookups.build(config)
    stored_key, horizon = _stored(connection)
    if stored_key is None:
        state, items, transitions = "none", "0", "0"
    else:
        current = facts_key(connection, tuple(config.org.attribution), lookups)
        state = "current" if stored_key == current else "stale"
        items, transitions = f"(SELECT count(*) FROM {ITEMS_TABLE})", f"(SELECT count(*) FROM {TRANSITIONS_TABLE})"
    return connection.execute(
        f"SELECT {sql_literal(state)} AS state, CAST({items} AS BIGINT) AS items, "
        f"CAST({transitions} AS BIGINT) AS transitions, CAST({sql_literal(horizon)} AS TIMESTAMP) AS horizon"
    ).to_arrow_table()


def refresh(
    connection: duckdb.DuckDBPyConnection,
    backend: ibis.BaseBackend | Callable[[], ibis.BaseBackend],
    config: Config,
    *,
    own_transaction: bool = True,
    queries: QueryCache | None = None,
) -> bool:
    """Rebuild the stored facts if the config or the data changed since they were built. Returns
    whether they were rebuilt.

    With `own_transaction` (the default) the rebuild is one transaction of its own; without, it runs
    inside the caller's (an import, so that its data and its facts land together or not at all).
    `backend` (or a function giving it, called only when a query must be built) is the Ibis backend
    over `connection`; `queries` keeps the compiled SQL (see `build_open_facts`).
    """
    build_lookups(connection, config)
    attribution = tuple(config.org.attribution)
    key = facts_key(connection, attribution)
    if _stored(connection)[0] == key:
        return False
    (horizon,) = connection.execute(
        "SELECT greatest((SELECT max(changed_at) FROM status_transitions), (SELECT max(created_at) FROM work_items))"
    ).fetchone()

    def tables() -> TableSource:
        from orgflow.query.tables import KnownTables

        return KnownTables(backend() if callable(backend) else backend)

    if own_transaction:
        connection.execute("BEGIN TRANSACTION")
    try:
        build_open_facts(
            connection,
            tables,
            now=None,
            attribution=attribution,
            names={
                "attribution": "of_facts_attribution",
                "base": "of_facts_base",
                "transitions": TRANSITIONS_TABLE,
                "items": ITEMS_TABLE,
                "climbs": CLIMBS_TABLE,
            },
            temporary=False,
            queries=queries,
        )
        for part in ("attribution", "base"):
            connection.execute(f"DROP TABLE IF EXISTS of_facts_{part}")
        # Literal values: binding parameters would make DuckDB's client import pandas.
        stamp = sql_literal(horizon.isoformat() if horizon else "")
        connection.execute(
            f"INSERT OR REPLACE INTO orgflow_meta VALUES ('{_KEY}', {sql_literal(key)}), ('{_HORIZON}', {stamp})"
        )
        if own_transaction:
            connection.execute("COMMIT")
    except BaseException:
        if own_transaction:
            connection.execute("ROLLBACK")
        raise
    return True
