"""The suite runs on exactly the versions `uv.lock` holds: `make install` syncs them (`uv sync --locked`), and
this test fails if the environment drifted from the lock (a package upgraded by hand, an old environment
reused), so what passed here is what a fresh install gets."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest

LOCK = Path(__file__).resolve().parents[1] / "uv.lock"


def _locked() -> dict[str, set[str]]:
    """Package name -> the versions uv.lock holds for it (more than one where the lock splits by Python
    version, as numpy's), of every registry package (the project itself left out)."""
    document = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    versions: dict[str, set[str]] = {}
    for package in document["package"]:
        if "registry" in package.get("source", {}) and "version" in package:
            versions.setdefault(package["name"], set()).add(package["version"])
    return versions


def test_every_installed_locked_package_has_its_locked_version() -> None:
    locked = _locked()
    assert {"duckdb", "typer", "pydantic", "ibis-framework"} <= locked.keys()
    drifted = {}
    for name, versions in locked.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a platform's package (colorama on Windows) or an extra not installed
        if installed not in versions:
            drifted[name] = (sorted(versions), installed)
    assert drifted == {}, "installed versions differ from uv.lock (locked, installed); run `make install`"


@pytest.mark.parametrize(("name", "floor"), [("duckdb", "1.5.6"), ("typer", "0.28")])
def test_the_lock_holds_the_versions_pyproject_requires(name: str, floor: str) -> None:
    for version in _locked()[name]:
        assert tuple(int(part) for part in version.split(".")[:3]) >= tuple(int(part) for part in floor.split("."))
