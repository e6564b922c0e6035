"""The one HTTP client of live connectors: authentication, retries with backoff, rate limits, paging links.

Retries (`orgflow.sources.http_retry`, with tenacity): a timeout, a dropped connection, HTTP 429 or
5xx, a GitHub rate-limit 403 and a truncated JSON body are retried, waiting what the server asks
(Retry-After, the rate-limit reset) or else backing off exponentially with jitter. After
`max_retries` retries the request fails with a `SyncError` naming the URL; so does a server wait
longer than `max_wait_seconds`.

Secrets (`orgflow.sources.http_secrets`): a token lives in a `Secret`, whose repr and str are masked,
and is added to requests by an ``httpx.Auth`` flow, so it never reaches a log line, an exception or
the workspace. URLs in messages are stripped of any user information and query string values named
like credentials (`safe_url`).

Where the token goes: only to the configured API root's origin (scheme, host and port). A paging
link (``Link: rel="next"``, parsed by httpx) or any absolute URL on another origin is refused with a
`SyncError` before a request is sent. Redirects keep the same rule: httpx drops the Authorization
header on a redirect to another origin. A token is sent over plain ``http://`` only to this machine
(loopback: localhost, 127.0.0.0/8, ::1); a client for any other ``http://`` root with a token is
refused when it is built.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urljoin

import httpx
import orjson
import tenacity

from orgflow.errors import InputError
from orgflow.sources.http_retry import (
    RETRY_STATUSES,
    RetryPolicy,
    Transient,
    is_rate_limited,
    last_problem,
    parse_retry_after,
    rate_limit_reset,
    server_wait,
)
from orgflow.sources.http_secrets import BasicAuth, Secret, TokenAuth
from orgflow.sources.http_urls import is_loopback, next_link, origin, safe_url, shown_origin

__all__ = [
    "BasicAuth",
    "HttpClient",
    "JsonResponse",
    "Secret",
    "SyncError",
    "TokenAuth",
    "is_loopback",
    "next_link",
    "parse_retry_after",
    "safe_url",
]

logger = logging.getLogger(__name__)


class SyncError(InputError):
    """A request to a remote API failed for good; `file` is the URL (without credentials)."""


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
        self.origin = origin(self.base_url)
        if auth is not None and self.origin[0] == "http" and not is_loopback(self.origin[1]):
            raise SyncError(
                f"a token is sent over plain http only to this machine (localhost, 127.0.0.0/8, ::1), "
                f"not to {self.origin[1]}",
                record=None if source is None else f"source {source}",
                field="url",
                hint="use the https:// address of the API",
            )
        self.retry = RetryPolicy(max_retries, backoff_base, backoff_max, sleep, jitter or random.Random())
        self.max_wait_seconds = max_wait_seconds
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
        """An absolute URL: `path_or_url` joined to the API root, with `params` (None values left out)
        added to its query by httpx."""
        url = path_or_url if "://" in path_or_url else urljoin(self.base_url, path_or_url.lstrip("/"))
        given = {key: value for key, value in (params or {}).items() if value is not None}
        return str(httpx.URL(url).copy_merge_params(given)) if given else url

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> JsonResponse:
        """GET a JSON document, retrying transient failures (`orgflow.sources.http_retry`).

        Raises:
            SyncError: authentication or permission refused, not found, another 4xx, or still failing
                after `max_retries` retries; the message names the URL without credentials.
        """
        url = self.url(path_or_url, params)
        shown = safe_url(url)
        self._check_origin(url)
        retrying = self.retry.retrying(
            before_retry=lambda state: self._before_retry(shown, state),
            give_up=lambda state: self._give_up(shown, state),
        )
        return retrying(self._attempt, url, shown)

    def next_link(self, response: JsonResponse) -> str | None:
        """The ``rel="next"`` URL of `response` (None on the last page), checked to stay on the API root.

        Raises:
            SyncError: the link leaves the configured scheme, host or port; the token is not sent there.
        """
        link = response.next_link()
        if link is not None:
            self._check_origin(link, found_at=response.url)
        return link

    def _attempt(self, url: str, shown: str) -> JsonResponse:
        """One GET: the document, or `Transient` (retried), or `SyncError` (final)."""
        self._respect_pause()
        self.requests_made += 1
        try:
            response = self._client.get(url)
        except httpx.TimeoutException:
            raise Transient("timed out") from None
        except httpx.TransportError as error:
            raise Transient(f"connection failed ({type(error).__name__})") from None
        reset = rate_limit_reset(response.headers)
        if reset is not None:  # no request left: wait for the reset before the next one
            self._pause_until = reset + 1.0
        status = response.status_code
        if status == 200:
            try:
                return JsonResponse(orjson.loads(response.content), response.headers, shown)
            except orjson.JSONDecodeError:
                raise Transient("the response body is not complete JSON") from None
        if status in RETRY_STATUSES or is_rate_limited(response):
            wait = server_wait(response.headers)
            if wait is not None and wait > self.max_wait_seconds:
                raise SyncError(
                    f"rate limited: the server asks to wait {wait:.0f} s", file=shown, hint="run the sync again later"
                )
            raise Transient(f"HTTP {status}", wait)
        raise _final_error(status, shown)

    def _before_retry(self, shown: str, state: tenacity.RetryCallState) -> None:
        self.retries_made += 1
        delay = state.upcoming_sleep
        logger.info("GET %s: %s; retry %d in %.2f s", shown, last_problem(state), state.attempt_number, delay)

    def _give_up(self, shown: str, state: tenacity.RetryCallState) -> NoReturn:
        raise SyncError(
            f"gave up after {state.attempt_number} attempts ({last_problem(state)})",
            file=shown,
            hint="check the URL and the network, then run the sync again; it resumes where it stopped",
        )

    def _check_origin(self, url: str, *, found_at: str | None = None) -> None:
        """Refuse `url` unless it is on the API root's scheme, host and port (where the token may go)."""
        if origin(url) == self.origin:
            return
        raise SyncError(
            f"refused a link to another host ({safe_url(url)}); requests go only to {shown_origin(self.origin)}",
            file=found_at,
            record=None if self.source is None else f"source {self.source}",
            hint="check the source's url in orgflow.yaml; the server must page on the host it is called on",
        )

    def _respect_pause(self) -> None:
        """When the last answer said no request is left, wait for the reset (or fail if it is too far)."""
        if self._pause_until is None:
            return
        wait = self._pause_until - time.time()
        self._pause_until = None
        if wait > self.max_wait_seconds:
            raise SyncError(f"rate limit used up; it resets in {wait:.0f} s", hint="run the sync again later")
        if wait > 0:
            logger.info("rate limit used up; waiting %.1f s for the reset", wait)
            self.retry.sleep(wait)


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
