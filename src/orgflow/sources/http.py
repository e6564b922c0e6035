"""The one HTTP client of live connectors: authentication, retries with backoff, rate limits, paging links.

Retries: a request is retried on a timeout, a dropped connection, HTTP 429 or 5xx, a GitHub rate-limit
403 (``X-RateLimit-Remaining: 0``), and a 200 whose body is not complete JSON (a truncated transfer).
The wait before retry n (n = 0, 1, ...) is, in order of preference: the server's ``Retry-After``
(seconds or an HTTP date); the time until GitHub's ``X-RateLimit-Reset`` when no request is left;
else exponential backoff with jitter, ``min(backoff_max, backoff_base * 2**n)`` scaled by a uniform
factor in [0.5, 1]. After `max_retries` retries the request fails with a `SyncError` naming the URL.

Secrets: a token lives in a `Secret`, whose repr and str are masked, and is added to requests by an
``httpx.Auth`` flow, so it never reaches a log line, an exception or the workspace. URLs in messages
are stripped of any user information and query string values named like credentials.

Where the token goes: only to the configured API root's origin (scheme, host and port). A paging
link (``Link: rel="next"``) or any absolute URL on another origin is refused with a `SyncError`
before a request is sent. Redirects keep the same rule: httpx drops the Authorization header on a
redirect to another origin. A token is sent over plain ``http://`` only to this machine (loopback:
localhost, 127.0.0.0/8, ::1); a client for any other ``http://`` root with a token is refused when
it is built.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import logging
import random
import re
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import orjson

from orgflow.errors import InputError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SECRET_PARAMETERS = ("token", "access_token", "private_token", "key", "password", "secret")
_LINK_VALUE = re.compile(r"<([^>]*)>([^<]*)")
"""One link of a Link header: the target, then its parameters up to the next target."""


class SyncError(InputError):
    """A request to a remote API failed for good; `file` is the URL (without credentials)."""


class Secret:
    """A credential whose repr and str never show its value; `reveal()` gives it to the auth flow."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value (only for building the Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


class TokenAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` (GitHub, GitLab, Jira personal access tokens)."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "TokenAuth(***)"


class BasicAuth(httpx.Auth):
    """``Authorization: Basic base64(user:token)`` (Jira Cloud: e-mail address and API token)."""

    def __init__(self, user: str, token: Secret) -> None:
        self._user = user
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        pair = f"{self._user}:{self._token.reveal()}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        yield request

    def __repr__(self) -> str:
        return f"BasicAuth({self._user!r}, ***)"


@dataclass(frozen=True)
class JsonResponse:
    """A decoded JSON response: its data, headers and the URL asked (credentials removed)."""

    data: Any
    headers: httpx.Headers
    url: str

    def next_link(self) -> str | None:
        """The ``rel="next"`` URL of the Link header (GitHub, GitLab), if any, made absolute.

        Not checked here: `HttpClient.next_link` refuses a link off the API root's origin.
        """
        link = next_link(self.headers.get("link"))
        return None if link is None else urljoin(self.url, link)


class HttpClient:
    """A synchronous JSON client for one API root, with retries and rate-limit handling.

    Args:
        base_url: the API root (e.g. ``https://api.github.com``); relative paths are joined to it.
        auth: `TokenAuth`, `BasicAuth` or None.
        timeout_seconds: connect and read timeout of one attempt.
        max_retries: retries after the first attempt before giving up.
        backoff_base, backoff_max: exponential backoff, in seconds.
        max_wait_seconds: the longest server-requested wait (Retry-After, rate-limit reset) accepted;
            a longer one fails the request at once with a message saying when to retry.
        sleep: how to wait (injectable so tests do not wait for real).
        jitter: the random source of the backoff factor.
        transport: an httpx transport (tests), else the default.
        source: the configured source's name, for error messages.

    Raises:
        SyncError: `auth` is given and `base_url` is plain ``http://`` to a host other than loopback.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout_seconds: float = 30.0,
        max_retries: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        max_wait_seconds: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: random.Random | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        source: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.source = source
        self.origin = _origin(self.base_url)
        if auth is not None and self.origin[0] == "http" and not is_loopback(self.origin[1]):
            raise SyncError(
                f"a token is sent over plain http only to this machine (localhost, 127.0.0.0/8, ::1), "
                f"not to {self.origin[1]}",
                record=None if source is None else f"source {source}",
                field="url",
                hint="use the https:// address of the API",
            )
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_wait_seconds = max_wait_seconds
        self.sleep = sleep
        self.jitter = jitter or random.Random()
        self.requests_made = 0
        self.retries_made = 0
        self._client = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout_seconds),
            headers={"Accept": "application/json", "User-Agent": "orgflow", **(headers or {})},
            transport=transport,
            follow_redirects=True,
        )
        self._pause_until: float | None = None

    def __repr__(self) -> str:
        return f"HttpClient({safe_url(self.base_url)!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        """An absolute URL: `path_or_url` joined to the API root, with `params` appended."""
        url = path_or_url if "://" in path_or_url else urljoin(self.base_url, path_or_url.lstrip("/"))
        if params:
            clean = {key: value for key, value in params.items() if value is not None}
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(clean)}"
        return url

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> JsonResponse:
        """GET a JSON document, retrying transient failures.

        Raises:
            SyncError: authentication or permission refused, not found, another 4xx, or still failing
                after `max_retries` retries; the message names the URL without credentials.
        """
        url = self.url(path_or_url, params)
        shown = safe_url(url)
        self._check_origin(url)
        last_problem = "no attempt"
        for attempt in range(self.max_retries + 1):
            self._respect_pause()
            self.requests_made += 1
            wait: float | None = None
            try:
                response = self._client.get(url)
            except httpx.TimeoutException:
                last_problem = "timed out"
            except httpx.TransportError as error:
                last_problem = f"connection failed ({type(error).__name__})"
            else:
                self._note_rate_limit(response.headers)
                status = response.status_code
                if status == 200:
                    try:
                        return JsonResponse(orjson.loads(response.content), response.headers, shown)
                    except orjson.JSONDecodeError:
                        last_problem = "the response body is not complete JSON"
                elif status in RETRY_STATUSES or _is_rate_limited(response):
                    last_problem = f"HTTP {status}"
                    wait = self._server_wait(response.headers)
                    if wait is not None and wait > self.max_wait_seconds:
                        raise SyncError(
                            f"rate limited: the server asks to wait {wait:.0f} s",
                            file=shown,
                            hint="run the sync again later",
                        )
                else:
                    raise _final_error(status, shown)
            if attempt == self.max_retries:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            self.retries_made += 1
            logger.info("GET %s: %s; retry %d in %.2f s", shown, last_problem, attempt + 1, delay)
            self.sleep(delay)
        raise SyncError(
            f"gave up after {self.max_retries + 1} attempts ({last_problem})",
            file=shown,
            hint="check the URL and the network, then run the sync again; it resumes where it stopped",
        )

    def next_link(self, response: JsonResponse) -> str | None:
        """The ``rel="next"`` URL of `response` (None on the last page), checked to stay on the API root.

        Raises:
            SyncError: the link leaves the configured scheme, host or port; the token is not sent there.
        """
        link = response.next_link()
        if link is not None:
            self._check_origin(link, found_at=response.url)
        return link

    def _check_origin(self, url: str, *, found_at: str | None = None) -> None:
        """Refuse `url` unless it is on the API root's scheme, host and port (where the token may go)."""
        if _origin(url) == self.origin:
            return
        raise SyncError(
            f"refused a link to another host ({safe_url(url)}); requests go only to {_shown_origin(self.origin)}",
            file=found_at,
            record=None if self.source is None else f"source {self.source}",
            hint="check the source's url in orgflow.yaml; the server must page on the host it is called on",
        )

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2**attempt) * self.jitter.uniform(0.5, 1.0)

    def _server_wait(self, headers: httpx.Headers) -> float | None:
        """Seconds the server asks to wait: Retry-After, else until the rate-limit reset when none is left."""
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            return parse_retry_after(retry_after)
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()) + 1.0
        return None

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        """When a success says no request is left, wait for the reset before the next request."""
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
            self._pause_until = float(headers["x-ratelimit-reset"]) + 1.0

    def _respect_pause(self) -> None:
        if self._pause_until is None:
            return
        wait = self._pause_until - time.time()
        self._pause_until = None
        if wait > self.max_wait_seconds:
            raise SyncError(f"rate limit used up; it resets in {wait:.0f} s", hint="run the sync again later")
        if wait > 0:
            logger.info("rate limit used up; waiting %.1f s for the reset", wait)
            self.sleep(wait)


def _is_rate_limited(response: httpx.Response) -> bool:
    """GitHub answers 403 (or 429) with X-RateLimit-Remaining 0, or with Retry-After for secondary limits."""
    if response.status_code != 403:
        return False
    return response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers


def _final_error(status: int, shown: str) -> SyncError:
    if status == 401:
        return SyncError("authentication failed (HTTP 401)", file=shown, hint="check the token environment variable")
    if status == 403:
        return SyncError(
            "permission denied (HTTP 403)", file=shown, hint="the token needs read access; see docs/sources.md"
        )
    if status == 404:
        return SyncError("not found (HTTP 404)", file=shown, hint="check the source's url and query in orgflow.yaml")
    return SyncError(f"the server refused the request (HTTP {status})", file=shown)


def parse_retry_after(value: str) -> float:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (past dates give 0)."""
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def next_link(link_header: str | None) -> str | None:
    """The URL marked ``rel="next"`` in an RFC 8288 Link header, or None.

    Written here rather than taken from ``httpx.Response.links``, which misses ``rel="next last"``
    (a list of relation types); a comma inside ``<...>`` (``?labels=a,b``) stays part of the URL.
    """
    if not link_header:
        return None
    for target, parameters in _LINK_VALUE.findall(link_header):
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().rstrip(",").partition("=")
            if name.strip().casefold() == "rel" and "next" in value.strip().strip('"').casefold().split():
                return target.strip()
    return None


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: ``localhost``, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").rstrip(".").casefold()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of `url`, the port made explicit (80 for http, 443 for https)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "", url, 0
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 0)
    return parsed.scheme, parsed.host, port


def _shown_origin(origin: tuple[str, str, int]) -> str:
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme) == port
    return f"{scheme}://{shown}" if default else f"{scheme}://{shown}:{port}"


def safe_url(url: str) -> str:
    """`url` without user information and with credential-like query values masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(key, "***" if key.casefold() in _SECRET_PARAMETERS else value) for key, value in pairs], safe="/:,*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
