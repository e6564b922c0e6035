"""Import errors that point to the fix, through the real entry point (`orgflow.cli.main`, in process):

- a transitions CSV without a required column names the column meant and the ``--map`` that reads it
  (`orgflow.sources.csv_rows.missing_column`), and lists every column of the header;
- `orgflow import transitions --help`'s example imports the real KEP file;
- the Jira importer given GitHub issues or Bugzilla bugs, and the transitions importer given a Jira
  export (or any JSON), say what the file looks like and how to import it.

Each error names file, record and field, exits 1 and leaves the workspace byte-identical. Over
../shared/data (the KEP transitions, the webcompat GitHub issues, the Mozilla bugs, the Apache Jira
export).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shlex
from pathlib import Path

import pytest
from tests.cli.in_process import run_main

import orgflow
from orgflow.cli import importing
from orgflow.errors import InputError
from orgflow.sources.csv_rows import missing_column

KEP_COLUMNS = (
    "kep_id, kep_number, title, owning_sig, participating_sigs, field, from_value, to_value, timestamp_iso, "
    "commit, path_at_commit, in_keps_csv"
)
TAKEN = ("item_id", "timestamp", "to_status", "from_status", "team", "type", "created", "title")


def _digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty workspace for the refused imports (each checks it is left byte-identical)."""
    folder = tmp_path_factory.mktemp("import-hints") / "ws"
    orgflow.init(folder).close()
    return folder


def _refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> str:
    """The one line of stderr of `orgflow -w WORKSPACE ARGS...`, which must exit 1, print nothing on
    stdout and leave every file of the workspace as it was."""
    before = _digest(workspace)
    code, out, err = run_main(monkeypatch, capsys, "-w", str(workspace), *args)
    assert (code, out) == (1, "")
    assert _digest(workspace) == before
    assert err.endswith("\n") and "\n" not in err[:-1]
    return err[:-1]


@pytest.mark.parametrize(
    ("maps", "field", "meant"),
    [
        ([], "item_id", "kep_id"),  # difflib: "_id" and "e", 2 x 4 / 13 = 0.62
        (["kep_id=item_id"], "timestamp", "timestamp_iso"),  # 2 x 9 / 22 = 0.82
        (["kep_id=item_id", "timestamp_iso=timestamp"], "to_status", "to_value"),  # the one "to_" column
    ],
    ids=["item_id", "timestamp", "to_status"],
)
def test_a_missing_kep_column_names_the_column_meant(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workspace: Path,
    shared_data: Path,
    maps: list[str],
    field: str,
    meant: str,
) -> None:
    path = shared_data / "kep" / "kubernetes-kep-transitions.csv"
    options = [part for pair in maps for part in ("--map", pair)]
    err = _refused(monkeypatch, capsys, workspace, "import", "transitions", str(path), *options)
    assert err == (
        f"error: {path}: header: {field}: missing column {field!r}; did you mean {meant!r}? "
        f"rename it with --map {meant}={field} (columns found: {KEP_COLUMNS})"
    )


def test_a_misspelt_where_column_names_the_column_meant(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path, shared_data: Path
) -> None:
    path = shared_data / "kep" / "kubernetes-kep-transitions.csv"
    maps = ["kep_id=item_id", "timestamp_iso=timestamp", "to_value=to_status"]
    options = [part for pair in maps for part in ("--map", pair)]
    err = _refused(monkeypatch, capsys, workspace, "import", "transitions", str(path), *options, "--where", "feild=x")
    assert err == (
        f"error: {path}: header: feild: missing column 'feild' named in where; did you mean 'field'? "
        f"(columns found: {KEP_COLUMNS})"
    )


def test_no_column_close_keeps_the_list_and_the_map_to_write() -> None:
    error = missing_column("x.csv", ["key", "at", "state"], "item_id", taken=TAKEN, required=TAKEN[:3])
    assert str(error) == (
        "x.csv: header: item_id: missing column 'item_id'; columns found: key, at, state; "
        "rename one with --map COLUMN=item_id"
    )


def test_a_column_read_as_another_field_is_not_suggested() -> None:
    # difflib finds from_status close to to_status (2 x 8 / 20 = 0.8), but it is read as the from_status.
    header = ["item_id", "timestamp", "from_status"]
    error = missing_column("x.csv", header, "to_status", taken=TAKEN, required=TAKEN[:3])
    assert error.hint == "columns found: item_id, timestamp, from_status; rename one with --map COLUMN=to_status"


def test_several_columns_of_the_same_first_word_suggest_none() -> None:
    # Neither is close by difflib (2 x 4 / 17 = 0.47 each), and both begin with "to".
    header = ["to_value", "to_place"]
    error = missing_column("x.csv", header, "to_status", taken=TAKEN, required=TAKEN[:3])
    assert error.hint == "columns found: to_value, to_place; rename one with --map COLUMN=to_status"


def test_the_help_example_imports_the_kep_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path
) -> None:
    workspace = tmp_path / "ws"
    orgflow.init(workspace).close()
    doc = importing.transitions.__doc__ or ""
    example = doc[doc.index("orgflow import transitions") :].replace("\\\n", " ")
    example = example.splitlines()[0]
    args = shlex.split(example)[1:]
    assert args[2] == "kubernetes-kep-transitions.csv"
    args[2] = str(shared_data / "kep" / "kubernetes-kep-transitions.csv")
    code, out, err = run_main(monkeypatch, capsys, "-w", str(workspace), *args)
    assert (code, err) == (0, "")
    # docs/import.md: 673 KEPs with 1,168 transitions.
    assert "work_items 673 new" in out and "status_transitions 1168 new" in out


@pytest.mark.parametrize(
    ("export", "looks_like", "action"),
    [
        (("github", "webcompat-issues-with-events.json"), "GitHub issues", "import them with `orgflow import github"),
        (
            ("bugzilla", "mozilla-bugs.json"),
            "a Bugzilla export",
            "orgflow has no Bugzilla importer: write the bugs' status changes as a transitions CSV "
            "(`orgflow import transitions`)",
        ),
    ],
    ids=["github", "bugzilla"],
)
def test_the_jira_importer_says_what_another_export_is(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workspace: Path,
    shared_data: Path,
    export: tuple[str, str],
    looks_like: str,
    action: str,
) -> None:
    path = shared_data.joinpath(*export)
    if action.endswith("github"):
        action = f"{action} {path}`"
    err = _refused(monkeypatch, capsys, workspace, "import", "jira", str(path))
    assert (
        err == f"error: {path}: line 1: key: missing issue key: this looks like {looks_like}, not Jira issues; {action}"
    )


def test_the_transitions_importer_says_a_jira_export_is_one(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workspace: Path,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    # The export's first two issues, as saved (the whole file is refused alike, in 3 s rather than 0.1).
    with gzip.open(shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz", "rt", encoding="utf-8") as lines:
        issues = [next(lines), next(lines)]
    path = tmp_path / "amq.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as saved:
        saved.writelines(issues)
    err = _refused(monkeypatch, capsys, workspace, "import", "transitions", str(path))
    assert err == (
        f"error: {path}: line 1: item_id: missing column 'item_id': this looks like a Jira export, not a CSV file; "
        f"import it with `orgflow import jira {path}`"
    )


def test_a_jira_list_over_several_lines_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    path.write_text(json.dumps([{"key": "A-1", "fields": {}}], indent=2), encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    try:
        with pytest.raises(InputError) as caught:
            workspace.import_files("transitions", [path])
    finally:
        workspace.close()
    assert (caught.value.message, caught.value.record, caught.value.field, caught.value.hint) == (
        "missing column 'item_id': this looks like a Jira export, not a CSV file",
        "line 1",
        "item_id",
        f"import it with `orgflow import jira {path}`",
    )


def test_other_json_is_said_to_be_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    path = tmp_path / "moves.csv"
    path.write_text('{"id": 1, "moves": []}\n', encoding="utf-8")
    err = _refused(monkeypatch, capsys, workspace, "import", "transitions", str(path))
    assert err == (
        f"error: {path}: line 1: item_id: missing column 'item_id': this is JSON, not a CSV file; "
        "give a CSV file whose first line names its columns (item_id, timestamp, to_status, ...)"
    )
