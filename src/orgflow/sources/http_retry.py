"""When the live connectors' HTTP client retries a request, and how long it waits (with tenacity).

Retried: a timeout, a dropped connection, HTTP 429 or 5xx, a GitHub rate-limit 403
(``X-RateLimit-Remaining: 0``, or a Retry-After on a secondary limit), and a 200 whose body is not
complete JSON (a truncated transfer). Each such failure is a `Transient`.

The wait before retry n (n = 0, 1, ...) is, in order of preference: the server's ``Retry-After``
(seconds or an HTTP date); the time until GitHub's ``X-RateLimit-Reset`` when no request is left;
else exponential backoff with jitter, ``min(backoff_max, backoff_base * 2**n)`` scaled by a factor
drawn uniformly from [0.5, 1]. After `max_retries` retries the request gives up.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import tenacity

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Transient(Exception):
    """One attempt failed in a way worth retrying: `problem` says how; `wait` is the server's asked wait
    in seconds (None: back off)."""

    def __init__(self, problem: str, wait: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


@dataclass
class RetryPolicy:
    """How many times to retry and how long to wait in between.

    Attributes:
        max_retries: retries after the first attempt before giving up.
        backoff_base, backoff_max: exponential backoff, in seconds.
        sleep: how to wait (injectable so tests do not wait for real).
        jitter: the random source of the backoff factor.
    """

    max_retries: int
    backoff_base: float
    backoff_max: float
    sleep: Callable[[float], None]
    jitter: random.Random

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry `retry` (0-based) when the server asks for nothing."""
        return min(self.backoff_max, self.backoff_base * 2**retry) * self.jitter.uniform(0.5, 1.0)

    def wait(self, state: tenacity.RetryCallState) -> float:
        """The wait after the failed attempt of `state`: the server's, else the backoff."""
        if state.attempt_number > self.max_retries:
            return 0.0  # the last attempt: no retry follows (and no jitter is drawn for it)
        failure = state.outcome.exception() if state.outcome is not None else None
        asked = failure.wait if isinstance(failure, Transient) else None
        return asked if asked is not None else self.backoff(state.attempt_number - 1)

    def retrying(
        self,
        *,
        before_retry: Callable[[tenacity.RetryCallState], None],
        give_up: Callable[[tenacity.RetryCallState], Any],
    ) -> tenacity.Retrying:
        """A tenacity controller: retries `Transient` failures (any other exception passes at once),
        calls `before_retry` before each wait and `give_up` after the last failed attempt."""
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Transient),
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self.wait,
            sleep=self.sleep,
            before_sleep=before_retry,
            retry_error_callback=give_up,
        )


def last_problem(state: tenacity.RetryCallState) -> str:
    """What went wrong in the last attempt of `state`."""
    failure = state.outcome.exception() if state.outcome is not None else None
    return failure.problem if isinstance(failure, Transient) else "no attempt"


def is_rate_limited(response: httpx.Response) -> bool:
    """GitHub answers 403 (or 429) with X-RateLimit-Remaining 0, or with Retry-After for secondary limits."""
    if response.status_code != 403:
        return False
    return response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers


def rate_limit_reset(headers: httpx.Headers) -> float | None:
    """The epoch second at which a used-up rate limit resets (X-RateLimit-Remaining 0), else None."""
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return float(reset)
    return None


def server_wait(headers: httpx.Headers) -> float | None:
    """Seconds the server asks to wait: Retry-After, else until the rate-limit reset when none is left."""
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        return parse_retry_after(retry_after)
    reset = rate_limit_reset(headers)
    return None if reset is None else max(0.0, reset - time.time()) + 1.0


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
