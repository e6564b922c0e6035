"""Connecting to the workspace file: waiting while another process holds a conflicting lock on it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

from orgflow.errors import ConflictError, InputError
from orgflow.store.engine import duckdb

LOCK_WAIT_ENV = "ORGFLOW_LOCK_WAIT"
DEFAULT_LOCK_WAIT_SECONDS = 60.0
"""How long opening a workspace waits for another process's lock on it (seconds), unless
$ORGFLOW_LOCK_WAIT says otherwise."""

_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


class WorkspaceBusy(ConflictError):
    """Another process held a lock on the workspace file for longer than this one would wait."""


def connect_waiting(
    database: str,
    *,
    read_only: bool,
    wait_seconds: float | None,
    on_wait: Callable[[str], object] | None,
) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, waiting while another process holds a conflicting lock on the file."""
    if wait_seconds is None:
        wait_seconds = configured_wait()
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    told = False
    while True:
        try:
            return duckdb.connect(database, read_only=read_only)
        except duckdb.IOException as error:
            if "Could not set lock" not in str(error):
                raise
            holder = _LOCK_HOLDER.search(str(error))
            who = f"another orgflow process (PID {holder.group(1)})" if holder else "another process"
            doing = "writing" if read_only else "using"
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(
                    f"{who} is {doing} this workspace; waited {wait_seconds:g} s",
                    file=database,
                    hint=f"try again when it has finished, or set {LOCK_WAIT_ENV}=SECONDS to wait longer",
                ) from None
            if not told and on_wait is not None:
                on_wait(f"{database}: {who} is {doing} this workspace; waiting up to {wait_seconds:g} s")
                told = True
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, 0.5)


def configured_wait() -> float:
    """$ORGFLOW_LOCK_WAIT in seconds (a bad value is an error that names it), else the default."""
    text = os.environ.get(LOCK_WAIT_ENV)
    if not text:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise InputError(f"not a number of seconds: {text!r}", field=LOCK_WAIT_ENV)
    return seconds
