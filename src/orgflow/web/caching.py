"""`ResponseCaching`: answer repeated GETs of pages and API figures from the hub's response cache.

The workspace is read-only and every figure is a function of its URL and its "now", so the first
answer to a URL (as of a UTC day, or an explicit `now`) is kept and sent again as it is, gzipped for
clients that accept it (compressed when the first of them asks, never for clients that do not).
Errors and assets are never kept.
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgflow.errors import InputError
from orgflow.views.filters import parse_now
from orgflow.views.hub import MetricsHub

_KEPT_TYPES = ("text/html", "application/json")
# Plan and scenario pages read a file that may change while the app runs; the hub keys their figures
# by the file's modification time, so only the rendered page must not be kept.
_SKIPPED_PREFIXES = ("/static/", "/vendor/", "/forecasts/plan", "/api/forecasts/plan", "/simulate", "/api/simulate")


def _now_parameter(query: str) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(query).get("now")
    return values[-1] if values else None


class ResponseCaching:
    """ASGI middleware over the app; `hub.responses` holds what it keeps."""

    def __init__(self, app: ASGIApp, hub: MetricsHub) -> None:
        self.app = app
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(_SKIPPED_PREFIXES):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            key = self.hub.response_key(parse_now(_now_parameter(query)), scope["path"], query)
        except InputError:
            await self.app(scope, receive, send)  # the app answers the bad `now` with its error
            return
        accepts_gzip = any(name == b"accept-encoding" and b"gzip" in value for name, value in scope.get("headers", []))
        entry = self.hub.responses.get(key)
        if entry is not None:
            await _send_entry(send, self._body(key, entry, accepts_gzip), entry[2], accepts_gzip)
            return
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start = next((message for message in messages if message["type"] == "http.response.start"), None)
        headers = dict(start.get("headers", [])) if start else {}
        media_type = headers.get(b"content-type", b"").decode("latin-1")
        cacheable = (
            start is not None
            and start["status"] == 200
            and media_type.startswith(_KEPT_TYPES)
            and b"content-encoding" not in headers
        )
        if not cacheable:
            for message in messages:
                await send(message)
            return
        body = b"".join(message.get("body", b"") for message in messages if message["type"] == "http.response.body")
        entry = self.hub.responses.put(key, body, media_type)
        await _send_entry(send, self._body(key, entry, accepts_gzip), media_type, accepts_gzip)

    def _body(self, key: Hashable, entry: tuple[bytes, bytes | None, str], accepts_gzip: bool) -> bytes:
        """The body to send of the kept `entry`: gzipped (made on first need) for a client that accepts it."""
        return self.hub.responses.gzipped(key, entry) if accepts_gzip else entry[0]


async def _send_entry(send: Send, body: bytes, media_type: str, accepts_gzip: bool) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", media_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"vary", b"accept-encoding"),
    ]
    if accepts_gzip:
        headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
