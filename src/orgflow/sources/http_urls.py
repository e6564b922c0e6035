"""URLs of the live connectors: where a token may go, how a URL is shown, the next page's link.

- The origin of a URL is its (scheme, host, port), the port made explicit (80 for http, 443 for
  https): a token goes only to the configured API root's origin.
- Loopback (this machine) is ``localhost``, 127.0.0.0/8 and ::1: the only hosts a token is sent to
  over plain ``http://``.
- A URL is shown (in messages and the import log) without user information and with query values
  named like credentials masked.
- The next page is the ``rel="next"`` target of the RFC 8288 Link header, as httpx parses it
  (``httpx.Response.links``); a relation list (``rel="next last"``) counts as next too.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

SECRET_PARAMETERS = ("token", "access_token", "private_token", "key", "password", "secret")
"""Query parameters whose values `safe_url` masks."""

Origin = tuple[str, str, int]
"""(scheme, host, port) of a URL."""


def next_link(link_header: str | None) -> str | None:
    """The URL marked ``rel="next"`` in an RFC 8288 Link header (as written: maybe relative), or None.

    httpx parses the header; a link whose relation types (``rel="next last"``) include ``next`` is
    the next page, and a comma inside ``<...>`` (``?labels=a,b``) stays part of the URL.
    """
    if not link_header:
        return None
    links = httpx.Response(200, headers={"link": link_header}).links
    for link in links.values():
        parameters = {name.casefold(): value for name, value in link.items()}
        if "next" in parameters.get("rel", "").casefold().split():
            return parameters["url"].strip()
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


def origin(url: str) -> Origin:
    """(scheme, host, port) of `url`, the port made explicit (80 for http, 443 for https)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "", url, 0
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 0)
    return parsed.scheme, parsed.host, port


def shown_origin(where: Origin) -> str:
    """`where` as a URL prefix, the default port left out (``https://host``, ``http://[::1]:8080``)."""
    scheme, host, port = where
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
            [(key, "***" if key.casefold() in SECRET_PARAMETERS else value) for key, value in pairs], safe="/:,*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
