"""A local HTTP server replaying Jira, GitHub and GitLab REST responses built from real data, with faults.

It answers the requests the connectors make, in the shapes the real APIs use (search pages with
``startAt``/``total``, inline changelogs cut at a limit, Link headers, ``X-Next-Page``), and can:
- inject faults by request number: ``429`` (with Retry-After), ``500``, ``ratelimit`` (GitHub's 403
  with ``X-RateLimit-Remaining: 0``), ``timeout`` (answers too late), ``cut`` (closes the connection
  in the middle of the body) and ``badjson`` (a 200 whose JSON body is cut short);
- update an item just served before answering a request (``mutate``), so that it moves to a later
  page while a client is paging;
- kill a process when the n-th request arrives (crash tests).

Every request must carry the expected Authorization header, else it gets a 401.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Route = Callable[[str, dict[str, str]], tuple[int, dict[str, str], Any]]


class ReplayServer:
    """The server; `apis` are objects with ``route(path, params)`` and ``mutate()``."""

    def __init__(self, *, token: str, user: str | None = None, timeout_delay: float = 0.5) -> None:
        self.expected_auth = (
            "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode() if user else f"Bearer {token}"
        )
        self.apis: list[Any] = []
        self.faults: dict[int, str] = {}
        self.requests = 0
        self.paths: list[str] = []
        self.timeout_delay = timeout_delay
        self.kill_at: list[Any] | None = None  # [request number, pid (set once known), delay in seconds]
        self.lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, params: dict[str, str], auth: str | None) -> tuple[int, dict[str, str], Any, str]:
        """(status, headers, JSON body, fault) for one request; counts it and applies scheduled faults."""
        with self.lock:
            self.requests += 1
            number = self.requests
            self.paths.append(path)
            fault = self.faults.pop(number, "")
            kill = self.kill_at
        if kill is not None and kill[0] == number:
            deadline = time.monotonic() + 5
            while kill[1] is None and time.monotonic() < deadline:  # the pid is set just after the start
                time.sleep(0.001)
            if kill[2] <= 0:
                _kill_quietly(kill[1])
            else:
                threading.Timer(kill[2], _kill_quietly, args=(kill[1],)).start()
        if auth != self.expected_auth:
            return 401, {}, {"message": "Bad credentials"}, ""
        if fault == "mutate":
            for api in self.apis:
                api.mutate()
            fault = ""
        if fault == "429":
            return 429, {"Retry-After": "2"}, {"message": "Too Many Requests"}, ""
        if fault == "500":
            return 500, {}, {"message": "Internal Server Error"}, ""
        if fault == "ratelimit":
            reset = str(int(time.time()) + 3)
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            return 403, headers, {"message": "API rate limit exceeded"}, ""
        for api in self.apis:
            found = api.route(path, params)
            if found is not None:
                status, headers, body = found
                return status, headers, body, fault
        return 404, {}, {"message": "Not Found"}, ""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients killed or timing out mid-request are expected here; say nothing."""


def _kill_quietly(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write: sent apart, Nagle's algorithm and the client's
        # delayed ACK hold each response about 40 ms.
        wbufsize = 1 << 16

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            status, headers, body, fault = server.answer(parts.path, params, self.headers.get("Authorization"))
            payload = json.dumps(body).encode()
            if fault == "timeout":
                time.sleep(server.timeout_delay)
            if fault == "badjson":
                payload = payload[: len(payload) // 2]
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                if fault == "cut":
                    self.send_header("Connection", "close")
                self.end_headers()
                if fault == "cut":
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
