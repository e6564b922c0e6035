"""Sources: each turns raw records (a saved file or, later, a live API) into canonical records.

A source module exposes ``load(paths, *, config, options, on_progress) -> ImportBatch``: read files
(the only I/O), parse them with pure functions, validate everything, and return one batch that the
workspace writes in a single transaction. Importers register here by name, so the CLI and the Python
API find them; every registered importer refuses an import with no records (`require_records`), so an
empty or wrong file is reported instead of being recorded as an import of nothing.

A source may also expose ``stage`` (same arguments): the same import, with some of its records
declared as SQL for the store to build in its own DuckDB connection (`orgflow.store.batch.StagedRecords`)
instead of handed over as rows; the workspace imports through it (`staged_importers`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from orgflow.errors import InputError

if TYPE_CHECKING:
    # Annotations only: the config imports the live sources' settings from this package.
    from orgflow.config import Config
    from orgflow.store import ImportBatch

ProgressCallback = Callable[[int, int | None, str], None]
"""on_progress(done, total or None, what): how long work reports progress; the CLI draws a bar."""


class Importer(Protocol):
    def __call__(
        self,
        paths: list[Path],
        *,
        config: Config,
        options: dict[str, Any],
        on_progress: ProgressCallback | None = None,
    ) -> ImportBatch: ...


_MODULES = {
    "jira": "jira",
    "github": "github",
    "transitions": "transitions_csv",
    "deployments": "deployments",
    "github-delivery": "github_delivery",
    "incidents": "incidents",
    "git": "git",
    "backstage": "backstage",
    "codeowners": "codeowners",
    "org": "org_file",
    "gitlab": "gitlab",
}
"""Each built-in importer's module in this package (its ``load``, and ``stage`` where it has one)."""
_STAGED = ("transitions", "jira")
"""The importers whose module also has ``stage`` (`staged_importers`)."""


def importers() -> dict[str, Importer]:
    """Built-in file importers by name. Each module is imported when its importer is first called (an
    import command loads its own source only, and one broken source never blocks another)."""
    return {name: _refusing_empty(_deferred(module, "load")) for name, module in _MODULES.items()}


def staged_importers() -> dict[str, Importer]:
    """The importers whose batches declare (some of) their records as SQL for the store to build in its
    own connection (`orgflow.store.batch.StagedRecords`), by name: the same records or the same error as
    `importers()`'s, once the batch is written; an importer not listed here has only its `importers()` form."""
    return {name: _refusing_empty(_deferred(_MODULES[name], "stage")) for name in _STAGED}


def _deferred(module: str, function: str) -> Importer:
    """The importer `function` of the module `module` of this package, imported when first called."""

    def load(
        paths: list[Path],
        *,
        config: Config,
        options: dict[str, Any],
        on_progress: ProgressCallback | None = None,
    ) -> ImportBatch:
        loader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return loader(paths, config=config, options=options, on_progress=on_progress)  # type: ignore[no-any-return]

    load.__name__ = load.__qualname__ = f"{module}.{function}"
    return load


def require_records(batch: ImportBatch, paths: list[Path]) -> ImportBatch:
    """`batch` itself, if it holds at least one record (or declares some: its `StagedRecords` are
    never empty, and their fallback makes this check).

    Raises:
        InputError: nothing to import (the files hold no records, or none this importer keeps).
    """
    if batch.staged is None and not any(batch.records.values()):
        raise InputError(
            "no records to import",
            file=", ".join(str(path) for path in paths) or None,
            hint=f"the {batch.kind} importer found nothing it keeps there; check the files and the importer",
        )
    return batch


def _refusing_empty(load: Importer) -> Importer:
    @wraps(load)
    def checked(
        paths: list[Path],
        *,
        config: Config,
        options: dict[str, Any],
        on_progress: ProgressCallback | None = None,
    ) -> ImportBatch:
        return require_records(load(paths, config=config, options=options, on_progress=on_progress), paths)

    return checked
