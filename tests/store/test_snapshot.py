"""The dashboard's snapshot: a server never locks the workspace, writers publish what they wrote, and
a process that must wait for a lock says so in one line (or gives up cleanly)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orgflow.errors import InputError
from orgflow.flow.no_items import NO_ITEMS
from orgflow.store import Store, snapshot
from orgflow.views.hub import MetricsHub
from orgflow.workspace import STORE_FILE, init_workspace

ORGFLOW = str(Path(sys.executable).with_name("orgflow"))
HEADER = "item_id,timestamp,from_status,to_status,team,type\n"


def _item(item_id: str, day: int, done_day: int) -> str:
    """Three transitions of one item: created on `day`, started a day later, done on `done_day`."""
    return (
        f"{item_id},2026-10-{day:02d}T09:00:00Z,,To Do,t1,Story\n"
        f"{item_id},2026-10-{day + 1:02d}T09:00:00Z,To Do,In Progress,t1,Story\n"
        f"{item_id},2026-10-{done_day:02d}T09:00:00Z,In Progress,Done,t1,Story\n"
    )


def _run(*args: str, workspace: Path, wait: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORGFLOW_WORKSPACE": str(workspace)}
    env.pop("ORGFLOW_LOCK_WAIT", None)
    if wait is not None:
        env["ORGFLOW_LOCK_WAIT"] = wait
    done = subprocess.run([ORGFLOW, *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with one item (A-1, done in 3 days of work), built in this process and closed."""
    folder = tmp_path / "ws"
    (tmp_path / "a.csv").write_text(HEADER + _item("A-1", 1, 5), encoding="utf-8")
    with init_workspace(folder) as made:
        made.import_files("transitions", [tmp_path / "a.csv"])
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _finished(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/summary?since=2026-10-01&until=2026-10-31") as answer:
        return json.loads(answer.read())["rows"][0]["finished"]


def test_the_cli_reads_and_imports_while_the_dashboard_serves(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text(HEADER + _item("B-1", 2, 4) + _item("C-1", 3, 9), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "ORGFLOW_WORKSPACE": str(workspace)}
    server = subprocess.Popen(
        [ORGFLOW, "serve", "--port", str(port), "--no-warm", "--now", "2026-10-20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _finished(port) == 1
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        summary = _run("flow", "summary", "--format", "json", "--now", "2026-10-20", workspace=workspace, wait="5")
        assert json.loads(summary.stdout)["rows"][0]["finished"] == 1
        assert _run("status", workspace=workspace, wait="5").stderr == ""
        imported = _run("import", "transitions", str(tmp_path / "b.csv"), workspace=workspace, wait="5")
        assert imported.stderr == ""
        # The import published a new snapshot: the next request reads it.
        assert _finished(port) == 3
    finally:
        server.terminate()
        server.wait(timeout=30)
    # A stopped server takes its lease and the snapshot with it: later writers copy nothing.
    assert sorted(os.listdir(workspace / snapshot.SNAPSHOT_DIR)) == []


def test_a_hub_follows_published_snapshots_and_holds_no_lock_on_the_workspace(workspace: Path, tmp_path: Path) -> None:
    hub = MetricsHub(workspace, now=datetime(2026, 10, 20, tzinfo=UTC), live=True)
    try:
        assert hub.compute("summary").rows()[0]["finished"] == 1
        # The workspace file itself is free: this process can write it while the hub serves.
        store = Store.open(workspace / STORE_FILE)
        store.connection.execute("DELETE FROM status_transitions")
        store.connection.execute("DELETE FROM work_items")
        assert hub.follow() is False  # nothing published until the writer closes
        store.close()
        assert hub.follow() is True
        # The new snapshot holds no work item at all: nothing is measured (not a count of 0).
        (row,) = hub.compute("summary").rows()
        assert (row["finished"], row["unknown_reasons"]) == (None, NO_ITEMS)
        assert hub.follow() is False
    finally:
        hub.close()
    assert not snapshot.snapshot_path(workspace / STORE_FILE).exists()


def test_writers_copy_nothing_when_no_server_reads(workspace: Path) -> None:
    store = Store.open(workspace / STORE_FILE)
    store.connection.execute("DELETE FROM work_items")
    store.close()
    assert not (workspace / snapshot.SNAPSHOT_DIR).exists()


def test_a_dead_servers_lease_is_dropped(workspace: Path) -> None:
    folder = workspace / snapshot.SNAPSHOT_DIR
    folder.mkdir()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = folder / f"serving.{int(finished.stdout)}"
    dead.write_text("", encoding="ascii")
    assert snapshot.has_readers(workspace / STORE_FILE) is False
    assert not dead.exists()


def test_a_reader_waits_for_a_writer_and_says_so(workspace: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.readline()",
            str(workspace / STORE_FILE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        env = {**os.environ, "ORGFLOW_WORKSPACE": str(workspace), "ORGFLOW_LOCK_WAIT": "60"}
        reader = subprocess.Popen(
            [ORGFLOW, "flow", "summary", "--format", "json", "--now", "2026-10-20"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert reader.stderr is not None
        waiting = reader.stderr.readline()  # blocks until the reader says it waits
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    out, rest = reader.communicate(timeout=60)
    assert reader.returncode == 0, rest
    assert json.loads(out)["rows"][0]["finished"] == 1
    assert waiting.rstrip("\n") == (
        f"{workspace / STORE_FILE}: another orgflow process (PID {holder.pid}) is writing this workspace; "
        "waiting up to 60 s"
    )
    assert rest == ""


def test_a_writer_that_waits_too_long_exits_with_one_line(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text(HEADER + _item("B-1", 2, 4), encoding="utf-8")
    before = (workspace / STORE_FILE).read_bytes()
    holder = duckdb.connect(str(workspace / STORE_FILE), read_only=True)
    try:
        done = _run("import", "transitions", str(tmp_path / "b.csv"), workspace=workspace, wait="0.3", check=False)
    finally:
        holder.close()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"error: {workspace / STORE_FILE}: another orgflow process (PID {os.getpid()}) is using this workspace; "
        "waited 0.3 s; try again when it has finished, or set ORGFLOW_LOCK_WAIT=SECONDS to wait longer"
    )
    assert (workspace / STORE_FILE).read_bytes() == before


def test_a_bad_lock_wait_names_the_variable(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGFLOW_LOCK_WAIT", "soon")
    with pytest.raises(InputError) as raised:
        Store.open(workspace / STORE_FILE, read_only=True)
    assert str(raised.value) == "ORGFLOW_LOCK_WAIT: not a number of seconds: 'soon'"
