"""The static report renders views shared with the dashboard (`orgflow.views`) and never imports the web
app (`orgflow.web`): neither directly nor through any module it imports, at load time or lazily inside
a function. Checked on the source (every ``import`` statement of the modules reachable from
`orgflow.report`), so a lazy import counts as much as one at the top of a file."""

from __future__ import annotations

import ast
from pathlib import Path

import orgflow

PACKAGE_ROOT = Path(orgflow.__file__).parent


def _module_file(name: str) -> Path | None:
    """The source file of the orgflow module `name` (a package's ``__init__.py``), None if not one."""
    parts = name.split(".")
    if parts[0] != "orgflow":
        return None
    base = PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(name: str, path: Path) -> set[str]:
    """The orgflow modules `path` (module `name`) imports anywhere in its text, relative ones resolved;
    ``from package import x`` names both the package and ``package.x`` (x may be a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return {module for module in found if module.split(".")[0] == "orgflow"}


def reachable(start: str) -> dict[str, str]:
    """Every orgflow module reachable from `start` by imports, with the module that first imports it."""
    seen: dict[str, str] = {start: start}
    pending = [start]
    while pending:
        name = pending.pop()
        path = _module_file(name)
        if path is None:
            continue
        for module in sorted(_imports(name, path)):
            # Importing a.b.c loads the packages a and a.b first.
            pieces = module.split(".")
            for depth in range(1, len(pieces) + 1):
                parent = ".".join(pieces[:depth])
                if parent not in seen and _module_file(parent) is not None:
                    seen[parent] = name
                    pending.append(parent)
    return seen


def test_the_scan_sees_what_the_web_app_imports() -> None:
    # The method itself: the web app reaches its hub (in `orgflow.views`) and its routes.
    found = reachable("orgflow.web.app")
    assert {"orgflow.views.hub", "orgflow.web.routes.metrics", "orgflow.workspace"} <= set(found)


def test_the_report_imports_nothing_of_the_web_app() -> None:
    found = reachable("orgflow.report")
    assert "orgflow.report.document" in found and "orgflow.views.hub" in found
    web = {module: by for module, by in found.items() if module == "orgflow.web" or module.startswith("orgflow.web.")}
    assert web == {}
