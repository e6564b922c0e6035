"""The PostgreSQL server of the conformance test (docs/decisions/0008-ibis-portability.md).

`make test` starts it (`.ci/postgres.sh start`, which installs PostgreSQL from Debian when missing)
and names its directory in $ORGFLOW_TEST_POSTGRES; a plain `pytest` starts it here the same way and
stops it afterwards. A server that cannot be had fails the test with the reason: the conformance
test is never skipped silently. Only outside CI, and only when $ORGFLOW_SKIP_POSTGRES is set, is it
skipped instead.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import ibis

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres.sh"
SERVER_ENV = "ORGFLOW_TEST_POSTGRES"
SKIP_ENV = "ORGFLOW_SKIP_POSTGRES"


def _no_server(reason: str) -> None:
    """Fail with `reason`, or skip when the developer asked to (never in CI)."""
    if os.environ.get(SKIP_ENV) and not os.environ.get("CI"):
        pytest.skip(f"PostgreSQL conformance test skipped (${SKIP_ENV} is set): {reason}")
    pytest.fail(
        f"the PostgreSQL conformance test needs its server: {reason}\n"
        f"start it with `make postgres` (or `bash .ci/postgres.sh start`); to skip the test on this "
        f"machine only, set {SKIP_ENV}=1",
        pytrace=False,
    )


def _script(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), command], capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="session")
def postgres_dir() -> Iterator[str]:
    """The server's directory (its unix socket is there): the one `make test` started, else one
    started here and stopped at the end of the session (when it was not running before)."""
    given = os.environ.get(SERVER_ENV)
    if given:
        yield given
        return
    was_running = _script("status").returncode == 0
    started = _script("start")
    if started.returncode != 0:
        _no_server(f"`.ci/postgres.sh start` exited {started.returncode}: {started.stderr.strip()}")
    yield started.stdout.strip()
    if not was_running:
        _script("stop")


@pytest.fixture(scope="module")
def postgres(postgres_dir: str) -> Iterator[ibis.BaseBackend]:
    """An Ibis connection to the server, as its superuser ``orgflow``; tables a test makes are
    temporary, so runs never see each other's."""
    import ibis

    backend, reason = None, ""
    try:
        backend = ibis.postgres.connect(host=postgres_dir, port=5432, user="orgflow", database="postgres")
    except Exception as error:
        # Any failure to connect is reported the same way, outside the handler (no chained traceback).
        reason = f"no connection through {postgres_dir}: {error}"
    if backend is None:
        _no_server(reason)
    yield backend
    backend.disconnect()
