"""Compiled queries kept for a new process (`orgflow.store.query_file`): the key names the code, the
config and the schema, not the data, so a later import or another workspace with the same config reads
the same SQL; the stored facts' SQL is kept too, and gives the facts a fresh compile gives."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.cli.three_items import TRANSITIONS

import orgflow
from orgflow.flow import stored_facts
from orgflow.store import query_file

NOW = datetime(2024, 3, 10, tzinfo=UTC)
LATER = """\
item_id,timestamp,from_status,to_status,team,type,created
C-1,2024-03-06T09:00:00Z,,To Do,alpha,Story,2024-03-06T09:00:00Z
C-1,2024-03-07T09:00:00Z,To Do,In Progress,alpha,Story,2024-03-06T09:00:00Z
C-1,2024-03-09T09:00:00Z,In Progress,Done,alpha,Story,2024-03-06T09:00:00Z
"""


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A per-user folder of query files of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(query_file.CACHE_ENV, str(folder))
    return folder


def _workspace(folder: Path, text: str = TRANSITIONS) -> Path:
    """A new workspace that imported `text`, as the command line does (keeping compiled queries)."""
    csv = folder.parent / f"{folder.name}.csv"
    csv.write_text(text, encoding="utf-8")
    orgflow.init(folder).close()
    with orgflow.open(folder, keep_queries=True) as workspace:
        workspace.import_files("transitions", [csv])
    return folder


def _summary(directory: Path) -> tuple[list[dict[str, object]], tuple[int, int]]:
    """`flow summary --by team` as of NOW in a newly opened workspace, and the cache's (hits, misses)."""
    with orgflow.open(directory, read_only=True, keep_queries=True) as workspace:
        result = workspace.flow_at(NOW).summary(by="team")
        cache = workspace.compiled_queries
        return result.rows(), (cache.hits, cache.misses)


def _facts(directory: Path) -> list[tuple[object, ...]]:
    with orgflow.open(directory, read_only=True) as workspace:
        return workspace.store.connection.execute(
            f"SELECT * EXCLUDE (ik) FROM {stored_facts.ITEMS_TABLE} ORDER BY item_id"
        ).fetchall()


def test_a_new_import_keeps_the_kept_queries(tmp_path: Path, shared: Path) -> None:
    folder = _workspace(tmp_path / "ws")
    rows, counts = _summary(folder)
    assert counts == (0, 1)
    # alpha as of 03-10: A-1 finished (lead 4 days); beta: B-1 finished (lead 7 days).
    assert [(row["team"], row["finished"], row["lead_time_p50"]) for row in rows] == [
        ("alpha", 1, 4.0),
        ("beta", 1, 7.0),
    ]

    later = tmp_path / "later.csv"
    later.write_text(LATER, encoding="utf-8")
    with orgflow.open(folder, keep_queries=True) as workspace:
        workspace.import_files("transitions", [later])
    rows, counts = _summary(folder)
    assert counts == (1, 0)  # new data, the same SQL
    # C-1 finished 03-09, lead time 3 days: alpha's median lead time of 4 and 3 days is 3.5.
    assert [(row["team"], row["finished"], row["lead_time_p50"]) for row in rows] == [
        ("alpha", 2, 3.5),
        ("beta", 1, 7.0),
    ]


def test_another_workspace_with_the_same_config_reads_the_shared_file(tmp_path: Path, shared: Path) -> None:
    first = _workspace(tmp_path / "first")
    rows, counts = _summary(first)
    assert counts == (0, 1)
    stored = json.loads(next(shared.glob("queries-*.json")).read_text(encoding="utf-8"))
    assert len(stored["queries"]) == 1 and len(stored["facts"]) == 4  # the summary; base, transitions, items, climbs

    second = _workspace(tmp_path / "second")
    assert not (second / query_file.FILE_NAME).exists() or json.loads(
        (second / query_file.FILE_NAME).read_text(encoding="utf-8")
    ).get("facts")
    again, counts = _summary(second)
    assert counts == (1, 0)
    assert again == rows
    # The stored facts built from the kept SQL are those the compiled SQL built.
    assert _facts(second) == _facts(first)

    config = second / "orgflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _, counts = _summary(second)
    assert counts == (0, 1)  # another config: compiled again


def test_without_the_shared_folder_a_new_workspace_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query_file.CACHE_ENV, "")
    assert query_file.shared_folder() is None
    _summary(_workspace(tmp_path / "first"))
    _, counts = _summary(_workspace(tmp_path / "second"))
    assert counts == (0, 1)


def test_the_shared_folder_keeps_the_latest_files(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    for number in range(query_file.SHARED_FILES + 3):
        path = folder / f"queries-{number:032d}.json"
        path.write_text("{}", encoding="utf-8")
        stamp = 1_700_000_000 + number
        import os

        os.utime(path, (stamp, stamp))
    query_file._prune(folder)
    kept = sorted(path.name for path in folder.glob("queries-*.json"))
    assert kept == [f"queries-{number:032d}.json" for number in range(3, query_file.SHARED_FILES + 3)]


def test_an_import_whose_facts_queries_are_kept_loads_no_ibis_nor_arrow(tmp_path: Path, shared: Path) -> None:
    _workspace(tmp_path / "first")  # compiles the stored facts' queries into the shared folder
    plain, quoted = tmp_path / "second.csv", tmp_path / "quoted.csv"
    plain.write_text(TRANSITIONS, encoding="utf-8")
    quoted.write_text(LATER.replace("alpha", '"al,pha"'), encoding="utf-8")  # split by the csv module
    second = str(tmp_path / "second")
    code = (
        "import sys, orgflow\n"
        "from pathlib import Path\n"
        "heavy = lambda: sorted(m for m in ('ibis', 'sqlglot', 'pandas', 'pyarrow', 'numpy') if m in sys.modules)\n"
        f"orgflow.init({second!r}).close()\n"
        f"with orgflow.open({second!r}, keep_queries=True) as ws:\n"
        f"    counts = ws.import_files('transitions', [Path({str(plain)!r})])\n"
        "    print(counts.new, ws.store.connection.execute('SELECT count(*) FROM flow_facts_items').fetchone()[0])\n"
        "    print(heavy())\n"
        f"    counts = ws.import_files('transitions', [Path({str(quoted)!r})])\n"
        "    print(counts.new, ws.store.connection.execute('SELECT count(*) FROM flow_facts_items').fetchone()[0])\n"
        "    print(heavy())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # 3 items and 8 transitions new, 3 items in the stored facts; then C-1 (team "al,pha") and its 3
    # changes. Neither import loaded pyarrow (nor numpy, nor pandas): the rows go from the files to
    # DuckDB, and the kept queries' schemas are decoded only when a query's rows are read.
    assert done.stdout.splitlines() == ["11 3", "[]", "4 4", "[]"]
