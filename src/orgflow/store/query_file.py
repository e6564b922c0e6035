"""Compiled queries kept across processes, in a file beside the store (``orgflow.queries.json``).

Building a flow query's Ibis expression and compiling it to SQL costs a fresh command about as much
as DuckDB spends answering it. `StoredQueryCache` is the workspace's `QueryCache`
(`orgflow.query.compiled_sql`) that also reads the queries an earlier command compiled from this
file, and adds the ones it compiled when the workspace closes. A command whose queries are all in the
file runs them without loading Ibis or sqlglot (their building and compiling is all that needs them).
The file holds sections, each a cache of its own: ``queries`` (the flow metrics' queries) and any a
caller keeps apart (`StoredQueryCache.section`: the queries behind results' notes).

Each query is stored under the text of its cache key (the metric, the tables it reads, the cut's
fields, its options: what shapes its SQL; `FlowService._run`), and the whole file under a fingerprint
of everything else the SQL depends on: orgflow's own code (the size and modification time of each of
its modules), the versions of Ibis, sqlglot, DuckDB and Arrow, `orgflow.yaml`, and the store's state
(its `orgflow_meta` rows, schema version and stored-facts key among them, and its last import). A file
with another fingerprint is ignored and replaced, so a new version, an edited mapping or new data
means compiling again, once. The file is a disposable cache: delete it at any time. A folder that
cannot be written only means each command compiles its own queries, as before.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.query.compiled_sql import CompiledQuery, QueryCache

if TYPE_CHECKING:
    import duckdb

FILE_NAME = "orgflow.queries.json"
CAPACITY = 256
"""The most queries the file keeps (the ones added last)."""
_LIBRARIES = ("ibis", "sqlglot", "duckdb", "pyarrow")


def fingerprint(connection: duckdb.DuckDBPyConnection, config_path: Path) -> str:
    """What a stored query's SQL depends on besides its key (see the module's docstring)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        status = path.stat()
        digest.update(f"{path.relative_to(package)} {status.st_size} {status.st_mtime_ns}\n".encode())
    for name in _LIBRARIES:
        digest.update(f"{name} {_installed(name)}\n".encode())
    digest.update(config_path.read_bytes() if config_path.exists() else b"no config")
    (meta, last_import) = connection.execute(
        "SELECT (SELECT string_agg(key || '=' || value, ';' ORDER BY key) FROM orgflow_meta), "
        "(SELECT max(import_id) FROM imports)"
    ).fetchone()
    digest.update(f"\nmeta {meta}\nimport {last_import}".encode())
    return digest.hexdigest()


def _installed(name: str) -> str | None:
    """The installed library `name` as the path, size and modification time of its package's
    ``__init__.py`` (None when it is missing): found without importing it, so a process that never
    loads Ibis or sqlglot fingerprints them as the one that compiled with them did. Installing another
    version rewrites the file."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    status = os.stat(spec.origin)
    return f"{spec.origin} {status.st_size} {status.st_mtime_ns}"


def key_text(key: Hashable) -> str | None:
    """The key as text, the same in every process; None for a key whose text is not (an object's address)."""
    text = repr(key)
    return None if " at 0x" in text or "<" in text else text


def _encoded(query: CompiledQuery) -> dict[str, Any]:
    schema = base64.b64encode(query.schema.serialize().to_pybytes()).decode("ascii")
    return {"fragments": list(query.fragments), "labels": list(query.labels), "schema": schema}


def _decoded(entry: dict[str, Any]) -> CompiledQuery:
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(entry["schema"])))
    return CompiledQuery(tuple(entry["fragments"]), tuple(entry["labels"]), schema)


class _QueryDocument:
    """The file's contents as this process sees them: per section, its queries by key text; written
    back (all sections at once) by `save` when a query was added."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.sections: dict[str, dict[str, dict[str, Any]]] = {}
        self.changed = False
        self.lock = threading.Lock()
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(document, dict) and document.get("fingerprint") == fingerprint:
            self.sections = {
                name: dict(entries)
                for name, entries in document.items()
                if name != "fingerprint" and isinstance(entries, dict)
            }

    def save(self) -> bool:
        with self.lock:
            if not self.changed:
                return False
            document: dict[str, Any] = {"fingerprint": self.fingerprint}
            for name, entries in self.sections.items():
                document[name] = dict(list(entries.items())[-CAPACITY:])
            self.changed = False
        # A new file beside the old one, then renamed over it: a reader sees the old file or the new one.
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return False
        return True


class StoredQueryCache(QueryCache):
    """A `QueryCache` that also finds the queries of `path` (when its fingerprint is `fingerprint`) and
    writes the ones it was given to it on `save`. A query found in the file counts as a hit.

    The file holds sections of queries, each its own cache: this one reads and adds to the section
    ``queries``; `section` gives a cache of another (a caller that keeps its queries apart, with their
    own hits and misses) that is written with this one.
    """

    def __init__(
        self,
        path: Path,
        fingerprint: str,
        capacity: int = 256,
        *,
        section: str = "queries",
        document: _QueryDocument | None = None,
    ) -> None:
        super().__init__(capacity)
        self.path = path
        self.fingerprint = fingerprint
        self._section = section
        self._document = document if document is not None else _QueryDocument(path, fingerprint)

    def section(self, name: str) -> StoredQueryCache:
        """A cache of the file's section `name`, sharing this cache's file (either one's `save` writes both)."""
        return StoredQueryCache(self.path, self.fingerprint, self._capacity, section=name, document=self._document)

    def get(self, key: Hashable) -> CompiledQuery | None:
        query = super().get(key)
        if query is not None:
            return query
        text = key_text(key)
        if text is None:
            return None
        with self._document.lock:
            entry = self._document.sections.get(self._section, {}).get(text)
        if entry is None:
            return None
        try:
            query = _decoded(entry)
        except (KeyError, TypeError, ValueError, pa.ArrowInvalid):
            return None
        super().put(key, query)
        with self._lock:
            self.misses -= 1
            self.hits += 1
        return query

    def put(self, key: Hashable, query: CompiledQuery) -> None:
        super().put(key, query)
        text = key_text(key)
        if text is not None:
            with self._document.lock:
                entries = self._document.sections.setdefault(self._section, {})
                entries.pop(text, None)
                entries[text] = _encoded(query)
                self._document.changed = True

    def save(self) -> bool:
        """Write the file (every section) if a query was added; returns whether it was written. A folder
        that cannot be written is no error."""
        return self._document.save()
