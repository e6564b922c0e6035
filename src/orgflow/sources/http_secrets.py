"""Credentials of the live connectors: a masked `Secret` and the httpx auth flows that send it.

A token lives in a `Secret`, whose repr and str are masked and which refuses to be pickled, and is
added to requests by an ``httpx.Auth`` flow, so it never reaches a log line, an exception or the
workspace.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Any

import httpx


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
