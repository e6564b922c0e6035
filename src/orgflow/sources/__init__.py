"""Sources: each turns raw records (a saved file or, later, a live API) into canonical records.

A source module exposes ``load(paths, *, config, options, on_progress) -> ImportBatch``: read files
(the only I/O), parse them with pure functions, validate everything, and return one batch that the
workspace writes in a single transaction. Importers register here by name, so the CLI and the Python
API find them; every registered importer refuses an import with no records (`require_records`), so an
empty or wrong file is reported instead of being recorded as an import of nothing.
"""

from __future__ import annotations

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


def importers() -> dict[str, Importer]:
    """Built-in file importers by name (imported lazily, so one broken source never blocks another)."""
    from orgflow.sources import (
        backstage,
        codeowners,
        deployments,
        git,
        github,
        github_delivery,
        gitlab,
        incidents,
        jira,
        org_file,
        transitions_csv,
    )

    loaders: dict[str, Importer] = {
        "jira": jira.load,
        "github": github.load,
        "transitions": transitions_csv.load,
        "deployments": deployments.load,
        "github-delivery": github_delivery.load,
        "incidents": incidents.load,
        "git": git.load,
        "backstage": backstage.load,
        "codeowners": codeowners.load,
        "org": org_file.load,
        "gitlab": gitlab.load,
    }
    return {name: _refusing_empty(load) for name, load in loaders.items()}


def require_records(batch: ImportBatch, paths: list[Path]) -> ImportBatch:
    """`batch` itself, if it holds at least one record.

    Raises:
        InputError: nothing to import (the files hold no records, or none this importer keeps).
    """
    if not any(batch.records.values()):
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
