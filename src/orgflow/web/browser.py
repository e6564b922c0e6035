"""Serving the app in a background thread and driving Debian's Chromium with Playwright.

Used by the browser tests, `make screenshots` and the latency benchmark. Playwright's own browser
downloads are never used (they need the internet): it drives `/usr/bin/chromium`.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """The Chromium executable: $ORGFLOW_CHROMIUM, else `chromium` on the PATH (Debian's package)."""
    explicit = os.environ.get("ORGFLOW_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI, *, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run `app` with uvicorn in a daemon thread; yields its base URL and stops it on exit."""
    chosen = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=chosen, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="orgflow-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{chosen}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{chosen}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright Chromium browser (Debian's executable, headless)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no chromium on this machine: `apt-get install chromium` (make install does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_charts(page: Any, *, timeout_ms: int = 20_000) -> None:
    """Wait until every chart on the page is drawn (or one failed)."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.chart[data-chart]'))"
        ".every(c => ['drawn', 'failed'].includes(c.getAttribute('data-state')))",
        timeout=timeout_ms,
    )
