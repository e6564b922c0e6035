"""A command loads only what it uses: help, usage errors and `import orgflow` load no heavy library,
and a flow command whose queries an earlier command kept (`orgflow.store.query_file`) loads neither
Ibis nor sqlglot, nor Arrow.

One fresh interpreter (a subprocess: the test process has long imported everything) runs the command
line in-process several times and reports, after each step, which heavy libraries and which command
groups are in `sys.modules`. The steps run from the lightest up, so each report holds what that step
and the ones before it loaded; the last is `flow summary` on a small workspace whose query file this
test process wrote by running the same command first.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.cli.three_items import three_items_workspace

HEAVY = (
    "_duckdb",
    "duckdb",
    "fastapi",
    "httpx",
    "ibis",
    "jinja2",
    "numpy",
    "pandas",
    "pydantic",
    "pyarrow",
    "scipy",
    "sqlglot",
    "starlette",
    "uvicorn",
)
"""Libraries that cost tens to hundreds of milliseconds to import (``_duckdb``: DuckDB's engine; ``duckdb``: the
package around it): none is needed to show help. Pydantic
is needed by the web app alone (FastAPI's): the config is read without it, so no command line step, the
flow command included, loads it."""

_PROBE = textwrap.dedent(
    """
    import contextlib, io, json, sys

    HEAVY = set(sys.argv[1].split(","))
    KEPT = sys.argv[2:]  # the workspace and the flow command run last
    report = {}

    def loaded():
        return {
            "heavy": sorted({name.split(".")[0] for name in sys.modules} & HEAVY),
            "groups": sorted(name for name in sys.modules if name.startswith("orgflow.cli.")),
            "record_classes": "orgflow.model" in sys.modules,
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

    MISSING_WORKSPACE = MISSING_WORKSPACE_COMMANDS
    ARGUMENT_ERRORS = ARGUMENT_ERROR_COMMANDS

    import orgflow
    orgflow.Cut, orgflow.InputError
    report["import orgflow"] = loaded()
    from orgflow.cli import GROUPS, main
    run("flow", "summary", "--help")
    run("--help")
    run("flow", "summry")
    run("flow", "summary", "--by")
    run("nosuch")
    import tempfile
    missing = tempfile.mkdtemp()  # a folder without a store
    for args in MISSING_WORKSPACE:
        run("-w", missing, *args)
        report[" ".join(("-w", "<missing>", *args))] = report.pop(" ".join(("-w", missing, *args)))
    for args in ARGUMENT_ERRORS:
        run(*args)
    for group in GROUPS:
        run(group.name, "--help")
    run("simulate", "run", "--help")
    # A scenario file that is not there, on a workspace that is: said before the engine loads.
    scenario = ("-w", KEPT[0], "simulate", "run", missing + "/scenario.yaml")
    run(*scenario)
    report["simulate run <missing scenario>"] = report.pop(" ".join(scenario))
    run("-w", *KEPT)
    print(json.dumps(report))
    """
)
MISSING_WORKSPACE = (
    ("import", "transitions", "x.csv"),
    ("import", "jira", "x.json"),
    ("flow", "summary"),
    ("flow", "cycle-time", "--team", "a"),
    ("status",),
    ("refresh",),
    ("insights",),
    ("forecast", "when", "-n", "3"),
    ("dora", "summary"),
    ("org", "members", "x"),
    ("report",),
    ("serve",),
    ("simulate", "calibrate"),
    ("simulate", "run", "scenario.yaml"),
    ("sync",),
)
"""Commands run on a folder without a store: each says "no orgflow workspace here" before loading anything
heavy (`orgflow.cli.context.require_workspace`)."""
ARGUMENT_ERRORS = (
    ("import", "transitions"),
    ("flow", "aging"),
    ("flow", "throughput", "--periods", "week"),
    ("forecast", "when"),
    ("simulate", "run"),
    ("simulate", "run", "scenario.yaml", "--replications", "1"),
)
"""Argument errors (a missing argument or option, an unknown command or option): exit code 2, nothing heavy."""
_PROBE = _PROBE.replace("MISSING_WORKSPACE_COMMANDS", repr(MISSING_WORKSPACE)).replace(
    "ARGUMENT_ERROR_COMMANDS", repr(ARGUMENT_ERRORS)
)
SUMMARY = ("flow", "summary", "--format", "csv")
"""The flow command the probe runs last, on a workspace whose query file holds its queries."""


def _run_in_process(*args: str) -> str:
    """`orgflow ARGS` run in this process (exit code 0 expected); its standard output."""
    from orgflow.cli import main

    saved, sys.argv = sys.argv, ["orgflow", *args]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            try:
                main()
            except SystemExit as done:
                assert not done.code, out.getvalue()
    finally:
        sys.argv = saved
    return out.getvalue()


@pytest.fixture(scope="module")
def warm_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace of three items (default workflow) whose query file holds `flow summary`'s queries,
    written by running the command here; with that run's output."""
    folder = three_items_workspace(tmp_path_factory.mktemp("lazy"))
    output = _run_in_process("-w", str(folder), *SUMMARY)
    return folder, output


@pytest.fixture(scope="module")
def report(warm_workspace: tuple[Path, str]) -> dict[str, dict]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(HEAVY), str(warm_workspace[0]), *SUMMARY],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout)


def test_help_usage_errors_and_the_package_load_no_heavy_library(report: dict[str, dict]) -> None:
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
    # A folder without a store: every command says so (exit code 1) before DuckDB, Arrow or the rest load.
    for args in MISSING_WORKSPACE:
        step = report[" ".join(("-w", "<missing>", *args))]
        assert step["code"] == 1, (args, step["err"])
        assert "orgflow.duckdb: no orgflow workspace here; run `orgflow init`" in step["err"], args
        assert step["heavy"] == [], (args, step["heavy"])
    # Argument errors: exit code 2, nothing heavy (each step holds what the steps before it loaded too).
    for args in ARGUMENT_ERRORS:
        step = report[" ".join(args)]
        assert step["code"] == 2 and step["err"].startswith("error: "), (args, step["err"])
        assert step["heavy"] == [], (args, step["heavy"])
    assert "did you mean 'age'?" in report["flow aging"]["err"]
    # Every group's help, the last step: all of them together loaded nothing heavy.
    for group in GROUPS:
        step = report[f"{group.name} --help"]
        assert step["code"] == 0, group.name
        assert step["out"].lstrip().startswith("Usage: orgflow " + group.name), group.name
    assert report[f"{GROUPS[-1].name} --help"]["heavy"] == []
    # `simulate run`: its help, its usage errors and a missing scenario load no NumPy (its run settings are
    # read without the engine: `orgflow.simulate.run_settings`).
    run_help = report["simulate run --help"]
    assert run_help["code"] == 0 and run_help["out"].lstrip().startswith("Usage: orgflow simulate run")
    assert run_help["heavy"] == []
    assert report["simulate run"]["err"].startswith("error: missing argument 'scenario'")
    assert report["simulate run scenario.yaml --replications 1"]["err"].startswith(
        "error: invalid value for '--replications': 1 is less than 2"
    )
    missing_scenario = report["simulate run <missing scenario>"]
    assert missing_scenario["code"] == 1 and missing_scenario["err"].endswith("/scenario.yaml: no such file\n")
    assert missing_scenario["heavy"] == []


def test_a_flow_command_with_kept_queries_loads_no_ibis_nor_sqlglot(
    report: dict[str, dict], warm_workspace: tuple[Path, str]
) -> None:
    folder, first_output = warm_workspace
    step = report[" ".join(("-w", str(folder), *SUMMARY))]
    assert step["code"] == 0, step["err"]
    # Every query came from the file and its rows were only printed: DuckDB's engine is all it needed (no
    # Arrow, so no NumPy either: `orgflow.query.plain_table`), and not the `duckdb` package's own Python
    # layer, which would read the installed packages' metadata for its version (`orgflow.store.engine`).
    assert step["heavy"] == ["_duckdb"]
    # Nor the store's record classes (85 dataclasses): a flow figure reads the store in SQL.
    assert step["record_classes"] is False
    # The same figures as the run that compiled them. Over the default window (the 90 days to the
    # end of the data, 03-08): A-1 finished 03-05 (lead 4 days: from 03-01 09:00 to 03-05 09:00),
    # B-1 on 03-08 (lead 7 days), so the median lead time is 5.5 days.
    assert step["out"] == first_output
    (row,) = list(csv_rows(step["out"]))
    assert (row["finished"], row["lead_time_p50"]) == ("2", "5.5")


def csv_rows(text: str) -> list[dict[str, str]]:
    """The rows of a CSV text."""
    import csv

    return list(csv.DictReader(io.StringIO(text)))


def test_a_flow_command_that_builds_its_lookups_loads_no_record_classes(tmp_path: Path) -> None:
    # orgflow.yaml edited after the import (a newcomer mapping her statuses): the lookups kept at the import
    # no longer match it, so the command builds them, attribution rules included, in SQL.
    folder = three_items_workspace(tmp_path)
    (folder / "orgflow.yaml").write_text("thresholds:\n  small_sample: 7\n", encoding="utf-8")
    probe = textwrap.dedent(
        """
        import contextlib, io, json, sys
        from orgflow.cli import main
        sys.argv = ["orgflow", "-w", sys.argv[1], "flow", "summary", "--format", "csv"]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            main()
        print(json.dumps({
            "out": out.getvalue(),
            "built_lookups": "orgflow.org.attribution" in sys.modules,
            "record_classes": "orgflow.model" in sys.modules,
        }))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, check=True, timeout=120
    )
    step = json.loads(completed.stdout)
    (row,) = csv_rows(step["out"])
    assert (row["finished"], row["lead_time_p50"]) == ("2", "5.5")  # as in the kept-queries test above
    assert step["built_lookups"] is True
    assert step["record_classes"] is False
