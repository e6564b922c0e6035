"""Compiled queries kept across processes: in a file beside the store (``orgflow.queries.json``) and in
a per-user folder shared by every workspace.

Building a flow query's Ibis expression and compiling it to SQL costs a fresh command about as much
as DuckDB spends answering it. `StoredQueryCache` is the workspace's `QueryCache`
(`orgflow.query.compiled_sql`) that also reads the queries earlier commands compiled, and adds the
ones it compiled when the workspace closes. A command whose queries are all kept runs them without
loading Ibis or sqlglot (their building and compiling is all that needs them). The file holds
sections, each a cache of its own: ``queries`` (the flow metrics' queries) and any a caller keeps
apart (`StoredQueryCache.section`: the queries behind results' notes, the stored facts' queries).

**Key.** Each query is stored under the text of its cache key (the metric, the tables it reads, the
cut's fields, its options: what shapes its SQL; `orgflow.flow.runner.QueryRunner.rows`), and the whole file under a
fingerprint of everything else the SQL depends on: orgflow's own code (the size and modification time
of each of its modules), the versions of Ibis, sqlglot, DuckDB and Arrow, `orgflow.yaml`, and the
store's schema version. Not the data: a query's SQL is its shape over named tables, and whatever of the
data shapes it enters the query's own key (which fact tables a service reads, the stored ones or its
own, and whether it has a table of flagged time; docs/decisions/0005-compiled-flow-queries.md). So a
new import, or another workspace with the same config, reads the same SQL. A file with another
fingerprint is ignored and replaced, so a new version or an edited mapping means compiling again, once.

**Where.** Beside the store, and as ``queries-<fingerprint>.json`` in the per-user folder
(``$ORGFLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/orgflow``, else ``~/.cache/orgflow``; an empty
``$ORGFLOW_CACHE_DIR`` turns it off), which a new workspace finds the queries of an earlier one in; the
folder keeps the files of the last `SHARED_FILES` fingerprints. Both are disposable caches: delete them
at any time. A folder that cannot be written only means each command compiles its own queries.
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

from orgflow.errors import InputError
from orgflow.query.compiled_sql import CompiledQuery, QueryCache

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

FILE_NAME = "orgflow.queries.json"
CAPACITY = 256
"""The most queries a section keeps (the ones added last)."""
CACHE_ENV = "ORGFLOW_CACHE_DIR"
"""The per-user folder of shared query files (empty: none)."""
SHARED_FILES = 16
"""How many fingerprints' files the per-user folder keeps (the ones written last)."""
_LIBRARIES = ("ibis", "sqlglot", "duckdb", "pyarrow")


def fingerprint(connection: duckdb.DuckDBPyConnection, config_path: Path) -> str:
    """What a stored query's SQL depends on besides its key (see the module's docstring)."""
    digest = hashlib.sha256()
    for relative, status in _package_sources():
        digest.update(f"{relative} {status.st_size} {status.st_mtime_ns}\n".encode())
    for name in _LIBRARIES:
        digest.update(f"{name} {_installed(name)}\n".encode())
    digest.update(config_path.read_bytes() if config_path.exists() else b"no config")
    (schema,) = connection.execute("SELECT max(value) FROM orgflow_meta WHERE key = 'schema_version'").fetchone()
    digest.update(f"\nschema {schema}".encode())
    return digest.hexdigest()


def _package_sources() -> list[tuple[str, os.stat_result]]:
    """Every ``.py`` file of the package as its path relative to the package and its status, ordered by
    the path's parts (a walk of the folders: about a fifth of what a recursive glob costs a process)."""
    package = str(Path(__file__).resolve().parents[1])
    found: list[tuple[tuple[str, ...], str, os.stat_result]] = []
    for folder, _folders, files in os.walk(package):
        relative_folder = os.path.relpath(folder, package)
        parts = () if relative_folder == "." else tuple(relative_folder.split(os.sep))
        for name in files:
            if name.endswith(".py"):
                found.append(((*parts, name), os.path.join(*parts, name), os.stat(os.path.join(folder, name))))
    found.sort(key=lambda entry: entry[0])
    return [(relative, status) for _parts, relative, status in found]


def shared_folder() -> Path | None:
    """The per-user folder of query files shared by every workspace (None: turned off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orgflow"


def shared_path(folder: Path, fingerprint: str) -> Path:
    """The file of `fingerprint`'s queries in the per-user `folder`."""
    return folder / f"queries-{fingerprint[:32]}.json"


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
    if isinstance(query, _KeptQuery):
        schema = query.encoded_schema
    else:
        schema = base64.b64encode(query.schema.serialize().to_pybytes()).decode("ascii")
    plain = None if query.plain is None else [list(column) for column in query.plain]
    return {"fragments": list(query.fragments), "labels": list(query.labels), "schema": schema, "plain": plain}


class _KeptQuery(CompiledQuery):
    """A query read from a file, its schema decoded on first use: decoding loads pyarrow (about 0.15 s
    of a fresh process), which a process that only runs the SQL (an import writing the stored facts)
    never needs."""

    def __init__(
        self,
        fragments: tuple[str, ...],
        labels: tuple[str, ...],
        encoded_schema: str,
        plain: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        object.__setattr__(self, "fragments", fragments)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "encoded_schema", encoded_schema)
        object.__setattr__(self, "plain", plain)

    @property
    def schema(self) -> pa.Schema:  # type: ignore[override]
        """The schema of the query's rows (Arrow IPC, base64 in the file)."""
        decoded = self.__dict__.get("_schema")
        if decoded is None:
            import pyarrow as pa

            data = base64.b64decode(self.encoded_schema)
            try:
                decoded = pa.ipc.read_schema(pa.py_buffer(data))
            except (OSError, ValueError) as error:  # ArrowInvalid is a ValueError; bad flatbuffers an OSError
                raise InputError(
                    f"a kept query's schema is unreadable ({error})",
                    file=FILE_NAME,
                    hint="delete the file (orgflow compiles its queries again)",
                ) from None
            object.__setattr__(self, "_schema", decoded)
        return decoded


def _decoded(entry: dict[str, Any]) -> CompiledQuery:
    """The query of a file's entry; raises KeyError, TypeError or ValueError for an entry of another shape
    (its schema is checked here to be base64 framed as an Arrow message, decoded when first used): the
    cache then compiles the query again, as for any entry it cannot read."""
    fragments, labels, schema = tuple(entry["fragments"]), tuple(entry["labels"]), entry["schema"]
    if not all(isinstance(text, str) for text in (*fragments, *labels)) or len(fragments) != len(labels) + 1:
        raise TypeError("not a kept query")
    message = base64.b64decode(schema, validate=True)
    # An Arrow IPC message: the continuation marker, its metadata's length, the metadata (8-byte aligned).
    length = int.from_bytes(message[4:8], "little")
    if message[:4] != b"\xff\xff\xff\xff" or len(message) < 8 + length or length % 8:
        raise ValueError("not an Arrow schema")
    return _KeptQuery(fragments, labels, schema, _plain(entry.get("plain")))


def _plain(entry: Any) -> tuple[tuple[str, str], ...] | None:
    """A kept query's `plain` signature (`CompiledQuery.plain`); None for an entry without one, or of
    another shape (its rows are then read as Arrow)."""
    if not isinstance(entry, list):
        return None
    columns = tuple(tuple(column) for column in entry if isinstance(column, list))
    if len(columns) != len(entry) or not all(
        len(column) == 2 and all(isinstance(part, str) for part in column) for column in columns
    ):
        return None
    return columns  # type: ignore[return-value]


class _QueryDocument:
    """The queries as this process sees them: per section, its queries by key text, from the file
    beside the store and then the shared one (the file beside the store wins a key both hold); written
    back to both (all sections at once) by `save` when a query was added."""

    def __init__(self, path: Path, fingerprint: str, shared: Path | None) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.shared = shared
        self.sections: dict[str, dict[str, dict[str, Any]]] = {}
        self.changed = False
        self.lock = threading.Lock()
        for source in (path, shared):
            if source is None:
                continue
            for name, entries in _read_sections(source, fingerprint).items():
                section = self.sections.setdefault(name, {})
                for key, entry in entries.items():
                    section.setdefault(key, entry)

    def save(self) -> bool:
        with self.lock:
            if not self.changed:
                return False
            document: dict[str, Any] = {"fingerprint": self.fingerprint}
            for name, entries in self.sections.items():
                document[name] = dict(list(entries.items())[-CAPACITY:])
            self.changed = False
        text = json.dumps(document, separators=(",", ":"))
        written = _replace_file(self.path, text)
        if self.shared is not None:
            try:
                self.shared.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                return written
            if _replace_file(self.shared, text):
                _prune(self.shared.parent)
        return written


def _read_sections(path: Path, fingerprint: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The sections of the query file `path` when its fingerprint is `fingerprint` (else none)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("fingerprint") != fingerprint:
        return {}
    return {name: entries for name, entries in document.items() if name != "fingerprint" and isinstance(entries, dict)}


def _replace_file(path: Path, text: str) -> bool:
    """Write `text` to a new file beside `path`, then rename it over `path`: a reader sees the old file
    or the new one. Returns whether it was written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True


def _prune(folder: Path) -> None:
    """Delete all but the `SHARED_FILES` query files of `folder` written last."""
    try:
        files = sorted(folder.glob("queries-*.json"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
        for stale in files[SHARED_FILES:]:
            stale.unlink(missing_ok=True)
    except OSError:
        return


class StoredQueryCache(QueryCache):
    """A `QueryCache` that also finds the queries of `path` (when its fingerprint is `fingerprint`) and
    of the shared file (`shared`: True for the per-user folder's, a path, or False for none), and writes
    the ones it was given to both on `save`. A query found in a file counts as a hit.

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
        shared: Path | bool = True,
    ) -> None:
        super().__init__(capacity)
        self.path = path
        self.fingerprint = fingerprint
        self._section = section
        if document is None:
            if shared is True:
                folder = shared_folder()
                shared = False if folder is None else shared_path(folder, fingerprint)
            document = _QueryDocument(path, fingerprint, shared if isinstance(shared, Path) else None)
        self._document = document

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
        except (KeyError, TypeError, ValueError):
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
