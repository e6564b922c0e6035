"""A command loads only what it uses: help, usage errors and `import orgflow` load no heavy library.

One fresh interpreter (a subprocess: the test process has long imported everything) runs the command
line in-process several times and reports, after each step, which heavy libraries and which command
groups are in `sys.modules`. The steps run from the lightest up, so each report holds what that step
and the ones before it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = (
    "duckdb",
    "fastapi",
    "httpx",
    "ibis",
    "jinja2",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "sqlglot",
    "starlette",
    "uvicorn",
)
"""Libraries that cost tens to hundreds of milliseconds to import: none is needed to show help. (Pydantic
is not listed: Typer itself loads it to convert option values.)"""

_PROBE = textwrap.dedent(
    """
    import contextlib, io, json, sys

    HEAVY = set(sys.argv[1].split(","))
    report = {}

    def loaded():
        return {
            "heavy": sorted({name.split(".")[0] for name in sys.modules} & HEAVY),
            "groups": sorted(name for name in sys.modules if name.startswith("orgflow.cli.")),
        }

    def run(*args):
        sys.argv = ["orgflow", *args]
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as done:
                code = done.code or 0
        report[" ".join(args)] = {"code": code, "out": out.getvalue(), "err": err.getvalue(), **loaded()}

    import orgflow
    orgflow.Cut, orgflow.InputError
    report["import orgflow"] = loaded()
    from orgflow.cli import GROUPS, main
    run("flow", "summary", "--help")
    run("--help")
    run("flow", "summry")
    run("flow", "summary", "--by")
    run("nosuch")
    for group in GROUPS:
        run(group.name, "--help")
    print(json.dumps(report))
    """
)


def _probe() -> dict[str, dict]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(HEAVY)], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(completed.stdout)


def test_help_usage_errors_and_the_package_load_no_heavy_library() -> None:
    report = _probe()
    from orgflow.cli import GROUPS

    # The package's public names are there without loading DuckDB, Arrow or Ibis.
    assert report["import orgflow"]["heavy"] == []
    # A flow command's help loads the flow group alone, not the other groups.
    flow_help = report["flow summary --help"]
    assert flow_help["code"] == 0 and "Headline figures per team" in flow_help["out"]
    assert flow_help["heavy"] == []
    others = {group.module for group in GROUPS if group.module != "orgflow.cli.flow"}
    assert others.isdisjoint(flow_help["groups"])
    # The root's help lists every group (so loads each), still without a heavy library.
    root_help = report["--help"]
    assert root_help["code"] == 0
    assert all(f" {group.name} " in root_help["out"] for group in GROUPS)
    assert root_help["heavy"] == []
    # Usage errors: exit code 2, the closest command or option, nothing heavy.
    assert report["flow summry"]["code"] == 2
    assert "did you mean 'summary'?" in report["flow summry"]["err"]
    assert report["flow summary --by"]["code"] == 2
    assert report["nosuch"]["code"] == 2
    assert report["nosuch"]["heavy"] == []
    # Every group's help, the last step: all of them together loaded nothing heavy.
    for group in GROUPS:
        step = report[f"{group.name} --help"]
        assert step["code"] == 0, group.name
        assert step["out"].lstrip().startswith("Usage: orgflow " + group.name), group.name
    assert report[f"{GROUPS[-1].name} --help"]["heavy"] == []
