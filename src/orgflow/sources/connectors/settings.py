"""The ``sources:`` list of ``orgflow.yaml``: which live APIs `orgflow sync` pulls from.

Each entry names a remote and the environment variables holding its credentials; the credentials
themselves are never written to the config or the workspace::

    sources:
      - {name: apache, kind: jira, url: https://issues.apache.org/jira, query: "project = ZOOKEEPER",
         token_env: JIRA_TOKEN}
      - {name: web-bugs, kind: github, url: https://api.github.com, query: webcompat/web-bugs,
         token_env: GITHUB_TOKEN}
      - {name: shop, kind: gitlab, url: https://gitlab.com, query: acme/shop, token_env: GITLAB_TOKEN}
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from orgflow.config.validation import Invalid, Section, read_section, setting, to_json
from orgflow.errors import InputError

if TYPE_CHECKING:
    from orgflow.sources.http import Secret

SourceKind = Literal["jira", "github", "gitlab"]


def _http_url(value: str) -> str:
    """An http(s) URL without credentials, without its trailing slashes."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL ({value!r})")
    if "@" in value.partition("://")[2].partition("/")[0]:
        raise ValueError("put credentials in token_env/user_env, not in the URL")
    return value.rstrip("/")


@dataclass(frozen=True, kw_only=True)
class SourceSettings(Section):
    """One live source.

    Attributes:
        name: the source name records carry (``source`` column) and `orgflow sync NAME` selects.
        kind: jira, github or gitlab.
        url: the site root (Jira ``https://issues.apache.org/jira``; GitHub ``https://api.github.com``
            or ``https://HOST/api/v3``; GitLab ``https://gitlab.com``).
        query: Jira JQL (without ORDER BY), GitHub ``owner/name``, GitLab project path or id.
        token_env: the environment variable holding the token (None: anonymous, public data only).
        user_env: the environment variable holding the user (Jira Cloud basic auth: the e-mail).
        overlap_minutes: how far before the stored cursor an incremental sync starts again, to catch
            changes indexed late or written during the previous sync.
        page_size: items per page requested.
        deployment: Jira only: ``cloud`` (changelog pages from ``/issue/{key}/changelog``),
            ``datacenter`` (whole changelog from ``/issue/{key}``), or ``auto`` (cloud on
            ``*.atlassian.net``).
        include: GitLab resources to pull besides issues (``merge_requests``, ``deployments``).
    """

    name: str = setting(min_length=1)
    kind: SourceKind
    url: str = setting(min_length=1, check=_http_url)
    query: str = setting(min_length=1)
    token_env: str | None = None
    user_env: str | None = None
    overlap_minutes: float = setting(10.0, ge=0)
    page_size: int = setting(100, ge=1, le=1000)
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    include: tuple[Literal["merge_requests", "deployments"], ...] = ("merge_requests", "deployments")

    def token(self) -> "Secret | None":
        """The token read from `token_env` (None when no variable is configured).

        Raises:
            InputError: the variable is configured but unset or empty.
        """
        from orgflow.sources.http import Secret

        return None if self.token_env is None else Secret(_read_env(self.token_env, self.name, "token_env"))

    def user(self) -> str | None:
        """The user read from `user_env` (None when not configured)."""
        return None if self.user_env is None else _read_env(self.user_env, self.name, "user_env")


def _read_env(variable: str, name: str, field: str) -> str:
    value = os.environ.get(variable, "")
    if not value.strip():
        raise InputError(
            f"environment variable {variable} is not set",
            record=f"source {name}",
            field=field,
            hint=f"export {variable}=... before running orgflow sync",
        )
    return value.strip()


def source_from_json(text: str) -> SourceSettings:
    """The settings a JSON object of `SourceSettings` keys gives (`source_json`'s text reads back as the
    settings it was written from).

    Raises:
        ValueError: not JSON (`json.JSONDecodeError`) or invalid settings (`orgflow.config.validation.Invalid`).
    """
    return read_section(SourceSettings, json.loads(text))


def source_json(settings: SourceSettings) -> str:
    """The settings as a compact JSON object, its keys in order."""
    return to_json(settings)


def parse_sources(data: Any, *, file: str = "orgflow.yaml") -> tuple[SourceSettings, ...]:
    """Validate a raw ``sources:`` list.

    Raises:
        InputError: not a list, an invalid entry, or two sources with one name.
    """
    if data is None:
        return ()
    if not isinstance(data, list):
        raise InputError("sources must be a list", file=file, field="sources")
    sources: list[SourceSettings] = []
    for index, entry in enumerate(data):
        try:
            sources.append(read_section(SourceSettings, entry))
        except Invalid as error:
            location = ".".join(str(part) for part in error.location)
            raise InputError(error.message, file=file, field=f"sources[{index}].{location}".rstrip(".")) from None
    names = [source.name for source in sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(f"two sources are named {duplicates[0]!r}", file=file, field="sources")
    return tuple(sources)


def read_sources(config_path: Path) -> tuple[SourceSettings, ...]:
    """The ``sources:`` of an ``orgflow.yaml`` (empty when the file or the key is missing).

    Raises:
        InputError: unreadable YAML or an invalid source.
    """
    if not config_path.exists():
        return ()
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(f"not valid YAML ({error})", file=str(config_path)) from None
    if not isinstance(data, dict):
        return ()
    return parse_sources(data.get("sources"), file=str(config_path))
