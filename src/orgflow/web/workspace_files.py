"""Files a page reads by the name a URL parameter gives (plans, scenarios), and the files it offers.

Such a file is read only from the workspace folder or the project's `examples/` folder: the
parameter is a relative path (no `..`, no drive, not absolute), resolved against the workspace folder
first, then against the project folder, where it must lie under `examples/`. Only the kind's
suffixes are read, never the workspace's own configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import orgflow
from orgflow.config import CONFIG_FILE
from orgflow.errors import InputError

_HINT = "give a path relative to the workspace folder, or examples/<file> in the project"


def project_examples() -> Path | None:
    """The project's `examples/` folder (a source checkout only), or None."""
    root = Path(orgflow.__file__).resolve().parents[2]
    examples = root / "examples"
    return examples if (root / "pyproject.toml").is_file() and examples.is_dir() else None


def _roots(workspace_dir: Path) -> list[tuple[Path, Path, str]]:
    """(base the path is relative to, folder it must lie in, prefix shown) for each allowed place."""
    roots = [(workspace_dir.resolve(), workspace_dir.resolve(), "")]
    examples = project_examples()
    if examples is not None:
        roots.append((examples.parent, examples, "examples/"))
    return roots


def _spelled(suffixes: tuple[str, ...]) -> str:
    """`(".yaml", ".yml", ".csv")` as ".yaml, .yml or .csv"."""
    return " or ".join([", ".join(suffixes[:-1]), suffixes[-1]]) if len(suffixes) > 1 else suffixes[0]


def resolve_file(workspace_dir: Path, text: str, *, kind: str, suffixes: tuple[str, ...]) -> tuple[Path, str]:
    """The file a `kind` parameter (`plan`, `scenario`) names, and the name to show for it.

    Raises:
        InputError: an absolute path, a `..`, a suffix not in `suffixes`, the workspace's config, or
            no such file in the workspace folder or the project's `examples/` (field: `kind`).
    """
    relative = PurePosixPath(text.strip().replace("\\", "/"))
    if not text.strip() or relative.is_absolute() or ".." in relative.parts or ":" in text:
        raise InputError(f"not an allowed {kind} path ({text!r})", field=kind, hint=_HINT)
    if relative.suffix.lower() not in suffixes:
        raise InputError(f"a {kind} is a {_spelled(suffixes)} file (got {text!r})", field=kind, hint=_HINT)
    if relative.as_posix() == CONFIG_FILE:
        raise InputError(f"{CONFIG_FILE} is the workspace's configuration, not a {kind}", field=kind, hint=_HINT)
    for base, allowed, _prefix in _roots(workspace_dir):
        candidate = (base / relative).resolve()
        if candidate.is_relative_to(allowed) and candidate.is_file():
            return candidate, relative.as_posix()
    raise InputError(f"no {kind} {text!r} in the workspace folder or the project's examples/", field=kind, hint=_HINT)


def offered_files(
    workspace_dir: Path, *, folder: str, suffixes: tuple[str, ...], wanted: Callable[[Path, bool], bool]
) -> list[str]:
    """Files with one of `suffixes` (never the config) that `wanted(path, top)` accepts, as parameters:
    in the workspace folder and the project's `examples/` (`top` true), and in the workspace's own
    `folder` (`top` false); each folder in name order."""
    found: list[str] = []
    for base, allowed, prefix in _roots(workspace_dir):
        directories = [(allowed, True)] + ([(allowed / folder, False)] if not prefix else [])
        for directory, top in directories:
            if not directory.is_dir():
                continue
            for path in sorted(directory.iterdir()):
                if path.suffix.lower() not in suffixes or not path.is_file() or path.name == CONFIG_FILE:
                    continue
                if wanted(path, top):
                    found.append(path.relative_to(base).as_posix())
    return found
