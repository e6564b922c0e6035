"""Lookup tables kept in the store, so that a read-only process builds none.

Every flow query reads the lookup tables (`orgflow.query.lookups`) and, over the stored facts, the
tables of reported times (`orgflow.flow.reported_times`). A process builds them as temporary tables
of its connection: a dozen writes, their digests (the stored facts' key) and the reported times'
joins, 50 to 100 ms of a fresh command that asks one figure. Yet a read-only process can only build
what the write before it built. So the write that refreshes the stored facts
(`orgflow.workspace.Workspace.refresh_facts`) also copies them into the store as tables of the same
names (`KEPT_TABLES`; only those that changed), with their digests and the inputs the reported times
were built from, under a key of everything their rows depend on (`kept_key`): orgflow's code, its
libraries, `orgflow.yaml` and the schema (`orgflow.store.query_file.fingerprint`), the config they
were built from, and the data (the last import's id and the rows of the tables the lookups read;
every write through `orgflow.store.Store.write` logs an import).

A read-only workspace whose key matches (`load`) builds nothing: its queries find the kept tables,
and its `Lookups` answers digests and the reported times' check from what was kept. A temporary
table of the same name hides a kept one, so whatever a later build on the connection writes (by
another `Lookups`, or `build_lookups`) is read instead, and the `Lookups` then forgets what was kept. Any
mismatch (an edited config, a write that did not refresh, another orgflow) means building them as
before; a writer always builds its own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orgflow.query.lookups import LOOKUP_TABLES, Lookups, sql_literal

if TYPE_CHECKING:
    import duckdb

    from orgflow.config import Config

META_KEY = "lookups_kept"
"""The `orgflow_meta` row holding what was kept (JSON: key, digests, derived)."""
REPORTED_TABLES = ("of_reported_keys", "of_reported_statuses", "of_reported_items")
"""The reported times of the stored facts (`orgflow.flow.reported_times`, their default names)."""
KEPT_TABLES = (*LOOKUP_TABLES, "of_raw_status_map", "of_calendar", *REPORTED_TABLES)
"""Every table kept: the lookups, the raw status map and calendar made with them, the reported times."""


@dataclass(frozen=True)
class KeptLookups:
    """What a read-only `Lookups` knows of the kept tables without asking the store.

    Attributes:
        digests: per lookup, its digest (`Lookups.digests`) as it was kept.
        derived: per set of derived tables (`repr` of its key), the `repr` of the inputs it was built from.
    """

    digests: dict[str, str]
    derived: dict[str, str]


def kept_key(connection: duckdb.DuckDBPyConnection, fingerprint: str, config: Config) -> str:
    """The key of the kept tables the current code, `config` and data give (`fingerprint`: the store's
    `orgflow.store.query_file.fingerprint`, which covers the config file; `config` itself too, in case
    the workspace was given another)."""
    (stamp,) = connection.execute(
        "SELECT [(SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM work_items), "
        "(SELECT count(*) FROM status_transitions), (SELECT count(*) FROM reported_status_times), "
        "(SELECT count(*) FROM groups)]"
    ).fetchone()
    from orgflow.config import config_json

    text = f"{fingerprint}\nconfig {config_json(config)}\ndata {list(stamp)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(connection: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    row = connection.execute(f"SELECT value FROM orgflow_meta WHERE key = '{META_KEY}'").fetchone()
    if row is None:
        return None
    try:
        document = json.loads(row[0])
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def load(connection: duckdb.DuckDBPyConnection, fingerprint: str, config: Config) -> KeptLookups | None:
    """What was kept, when its key is that of the current code, `config` and data (else None)."""
    document = _stored(connection)
    if document is None or document.get("key") != kept_key(connection, fingerprint, config):
        return None
    digests, derived = document.get("digests"), document.get("derived")
    if not isinstance(digests, dict) or not isinstance(derived, dict):
        return None
    return KeptLookups({str(k): str(v) for k, v in digests.items()}, {str(k): str(v) for k, v in derived.items()})


def keep(connection: duckdb.DuckDBPyConnection, fingerprint: str, config: Config) -> bool:
    """Copy the connection's lookups and the stored facts' reported times into the store, with their
    digests, unless what is kept already has the current key; returns whether it copied.

    Call it right after `orgflow.flow.stored_facts.refresh` (which builds the lookups on `connection`
    from `config`), inside the same transaction: the copy lands with the facts.
    """
    from orgflow.flow import reported_times, stored_facts

    key = kept_key(connection, fingerprint, config)
    document = _stored(connection)
    if document is not None and document.get("key") == key:
        return False
    lookups = Lookups(connection)
    names = reported_times.ReportedTables()
    reported_times.build_reported_tables(connection, stored_facts.ITEMS_TABLE, names, lookups)
    signature = lookups.derived_inputs(names)
    digested = (*LOOKUP_TABLES, "of_raw_status_map")
    digests = dict(zip(digested, lookups.digests(digested), strict=True))
    for name in _to_copy(connection, digests, document):
        connection.execute(f"CREATE OR REPLACE TABLE main.{name} AS SELECT * FROM temp.{name}")
    kept = {"key": key, "digests": digests, "derived": {repr(names): repr(signature)} if signature else {}}
    connection.execute(
        f"INSERT OR REPLACE INTO orgflow_meta VALUES ('{META_KEY}', {sql_literal(json.dumps(kept, sort_keys=True))})"
    )
    return True


def _to_copy(
    connection: duckdb.DuckDBPyConnection, digests: dict[str, str], document: dict[str, object] | None
) -> list[str]:
    """The tables of `KEPT_TABLES` to copy: a lookup whose kept copy has another digest than now (or is
    missing), the calendar unless its kept copy holds the same days, and always the reported times (they
    follow the data). Each write of a table costs an import some milliseconds; most imports change none
    of the lookups."""
    present = {
        name
        for (name,) in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
            "AND database_name = current_database() AND starts_with(table_name, 'of_')"
        ).fetchall()
    }
    kept = document.get("digests") if document is not None else None
    kept_digests = kept if isinstance(kept, dict) else {}
    chosen = [name for name, digest in digests.items() if name not in present or kept_digests.get(name) != digest]
    calendar_query = "SELECT min(day), max(day), count(*) FROM {}.of_calendar"
    if "of_calendar" not in present or connection.execute(calendar_query.format("main")).fetchone() != (
        connection.execute(calendar_query.format("temp")).fetchone()
    ):
        chosen.append("of_calendar")
    return [*chosen, *REPORTED_TABLES]
