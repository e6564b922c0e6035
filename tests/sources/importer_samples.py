"""One small valid input per importer and file format, the seeds the importer fuzz tests mutate, and
the checks every importer must pass on any input: a clear InputError, or well-typed records.

Every importer `orgflow.sources.importers()` registers (and every `orgflow import` command) needs at
least one sample here; `test_importer_fuzz.py` fails until a new importer is added.
"""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources import importers
from orgflow.store import ImportBatch

A_SHA, B_SHA = "a" * 40, "b" * 40


@dataclass(frozen=True)
class Sample:
    """A valid input for one importer: `content` is JSON-like data (json, yaml), rows (csv) or text."""

    name: str
    importer: str
    file_name: str
    format: str  # "json", "csv", "yaml" or "text"
    content: Any
    options: dict[str, Any] = field(default_factory=dict)


_JIRA_ISSUE = {
    "key": "PAY-1",
    "self": "https://jira.example/rest/api/2/issue/1",
    "fields": {
        "project": {"key": "PAY"},
        "summary": "Pay by card",
        "status": {"id": "3", "name": "In Progress"},
        "issuetype": {"name": "Story"},
        "created": "2024-03-01T09:00:00.000+0000",
        "updated": "2024-03-02T09:00:00.000+0100",
        "resolutiondate": None,
        "priority": {"name": "High"},
        "assignee": {"displayName": "Ann"},
        "labels": ["checkout"],
        "components": [{"name": "api"}],
        "fixVersions": [{"name": "1.0", "released": True, "releaseDate": "2024-04-01"}],
        "issuelinks": [
            {
                "type": {"name": "Blocks", "outward": "blocks", "inward": "is blocked by"},
                "outwardIssue": {"key": "PAY-2"},
            }
        ],
    },
    "changelog": {
        "histories": [
            {
                "id": "10",
                "created": "2024-03-01T10:00:00.000+0000",
                "author": {"displayName": "Ann"},
                "items": [
                    {"field": "status", "fromString": "Open", "toString": "In Progress", "from": "1", "to": "3"},
                    {"field": "Flagged", "toString": "Impediment"},
                ],
            }
        ]
    },
}

_GITHUB_ISSUE = {
    "number": 7,
    "title": "Crash on start",
    "state": "closed",
    "state_reason": "completed",
    "html_url": "https://github.com/acme/app/issues/7",
    "created_at": "2024-03-01T09:00:00Z",
    "closed_at": "2024-03-04T09:00:00Z",
    "updated_at": "2024-03-04T09:00:00Z",
    "user": {"login": "ann"},
    "labels": [{"name": "bug"}],
    "events": [
        {
            "event": "labeled",
            "created_at": "2024-03-02T09:00:00Z",
            "label": {"name": "blocked"},
            "actor": {"login": "bo"},
        },
        {"event": "milestoned", "created_at": "2024-03-02T10:00:00+02:00", "milestone": {"title": "v1"}},
        {"event": "unlabeled", "created_at": "2024-03-03T09:00:00Z", "label": {"name": "blocked"}},
        {"event": "closed", "created_at": "2024-03-04T09:00:00Z", "state_reason": "completed"},
    ],
}

_GITHUB_DELIVERY = [
    {
        "id": 1,
        "url": "https://api.github.com/repos/acme/app/deployments/1",
        "sha": A_SHA,
        "environment": "production",
        "created_at": "2024-03-01T09:00:00Z",
        "statuses": [{"id": 2, "state": "success", "created_at": "2024-03-01T09:10:00Z"}],
    },
    {
        "id": 3,
        "url": "https://api.github.com/repos/acme/app/releases/3",
        "tag_name": "v1.0.0",
        "target_commitish": B_SHA,
        "draft": False,
        "prerelease": False,
        "published_at": "2024-03-02T09:00:00-05:00",
    },
    {
        "number": 5,
        "url": "https://api.github.com/repos/acme/app/pulls/5",
        "title": "Add cart",
        "user": {"login": "ann"},
        "head": {"ref": "cart"},
        "created_at": "2024-03-01T08:00:00Z",
        "merged_at": "2024-03-01T12:00:00Z",
        "closed_at": "2024-03-01T12:00:00Z",
        "merge_commit_sha": A_SHA,
        "reviews": [{"state": "APPROVED", "user": {"login": "bo"}, "submitted_at": "2024-03-01T10:00:00Z"}],
        "commits": [{"sha": B_SHA, "commit": {"author": {"date": "2024-02-29T17:00:00+01:00"}}}],
    },
]

_GITLAB = [
    {
        "iid": 4,
        "title": "Slow search",
        "state": "closed",
        "created_at": "2024-03-01T09:00:00Z",
        "closed_at": "2024-03-03T09:00:00Z",
        "web_url": "https://gitlab.example/acme/shop/-/issues/4",
        "labels": ["bug", "workflow::doing"],
        "author": {"username": "ann"},
        "assignees": [{"username": "bo"}],
        "resource_label_events": [
            {"created_at": "2024-03-02T09:00:00Z", "action": "add", "label": {"name": "workflow::doing"}}
        ],
        "resource_state_events": [{"created_at": "2024-03-03T09:00:00Z", "state": "closed"}],
    },
    {
        "iid": 9,
        "title": "Faster search",
        "source_branch": "fast",
        "created_at": "2024-03-02T09:00:00Z",
        "merged_at": "2024-03-02T15:00:00+03:00",
        "merge_commit_sha": A_SHA,
        "web_url": "https://gitlab.example/acme/shop/-/merge_requests/9",
    },
    {
        "id": 12,
        "sha": A_SHA,
        "status": "success",
        "environment": {"name": "production"},
        "created_at": "2024-03-02T16:00:00Z",
        "deployable": {"started_at": "2024-03-02T16:00:00Z", "finished_at": "2024-03-02T16:05:00Z"},
        "web_url": "https://gitlab.example/acme/shop/-/environments/1",
    },
]

_PAGERDUTY = {
    "incidents": [
        {
            "id": "PX1",
            "type": "incident",
            "incident_number": 1,
            "title": "Checkout down",
            "status": "resolved",
            "created_at": "2024-03-01T09:00:00Z",
            "resolved_at": "2024-03-01T10:00:00+01:00",
            "service": {"summary": "checkout"},
            "priority": {"summary": "P1"},
            "urgency": "high",
        }
    ]
}

_BACKSTAGE = [
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Group",
        "metadata": {"name": "team-a"},
        "spec": {"type": "team", "children": []},
    },
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "User",
        "metadata": {"name": "ann"},
        "spec": {"profile": {"displayName": "Ann", "email": "ann@example.com"}, "memberOf": ["team-a"]},
    },
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": "cart",
            "annotations": {"backstage.io/source-location": "url:https://github.com/acme/shop/tree/main/cart/"},
        },
        "spec": {"type": "service", "lifecycle": "production", "owner": "team-a", "dependsOn": ["component:search"]},
    },
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "search"},
        "spec": {"type": "service", "owner": "team-a"},
    },
]

_ORG = {
    "people": [
        {"id": "ann", "name": "Ann", "email": "ann@example.com", "aliases": ["ann.k"]},
        {"id": "bo", "name": "Bo", "manager": "ann"},
    ],
    "groups": [
        {"id": "shop", "kind": "area"},
        {"id": "payments", "kind": "team", "type": "stream-aligned", "parent": "shop", "from": "2024-01-01"},
    ],
    "memberships": [{"person": "bo", "group": "payments", "role": "engineer", "allocation": 0.5, "from": "2024-01-01"}],
    "components": [{"id": "cart", "owner": "payments", "paths": ["cart/**"]}],
}

SAMPLES: tuple[Sample, ...] = (
    Sample("jira", "jira", "issues.json", "json", [_JIRA_ISSUE]),
    Sample("github", "github", "issues.json", "json", [_GITHUB_ISSUE], {"repo": "acme/app"}),
    Sample("github-delivery", "github-delivery", "delivery.json", "json", _GITHUB_DELIVERY),
    Sample("gitlab", "gitlab", "gitlab.json", "json", _GITLAB),
    Sample(
        "transitions",
        "transitions",
        "keps.csv",
        "csv",
        [
            ["item_id", "timestamp", "from_status", "to_status", "team", "type", "created", "title"],
            ["K-1", "2024-03-02T09:00:00Z", "Open", "Doing", "payments", "Story", "2024-03-01T09:00:00+02:00", "Cart"],
            ["K-1", "2024-03-04T09:00:00-05:00", "Doing", "Done", "payments", "Story", "", "Cart"],
        ],
    ),
    Sample(
        "deployments",
        "deployments",
        "deploys.csv",
        "csv",
        [
            ["service", "environment", "revision", "finished_at", "started_at", "status", "kind", "id"],
            [
                "cart",
                "production",
                A_SHA,
                "2024-03-01T10:00:00Z",
                "2024-03-01T09:50:00+00:00",
                "success",
                "normal",
                "d1",
            ],
            ["cart", "production", B_SHA, "2024-03-02T10:00:00+05:30", "", "failure", "hotfix", ""],
        ],
    ),
    Sample(
        "incidents-csv",
        "incidents",
        "incidents.csv",
        "csv",
        [
            ["id", "service", "started_at", "resolved_at", "severity", "title", "deployment_id", "commit"],
            ["I-1", "cart", "2024-03-01T09:00:00Z", "2024-03-01T11:00:00+01:00", "SEV2", "Cart down", "d1", A_SHA],
        ],
    ),
    Sample("incidents-pagerduty", "incidents", "pagerduty.json", "json", _PAGERDUTY),
    Sample("backstage", "backstage", "catalog.yaml", "yaml", _BACKSTAGE),
    Sample(
        "codeowners",
        "codeowners",
        "CODEOWNERS",
        "text",
        "# owners\n* @acme/core\n/cart/ @acme/payments @ann\ndocs/**/*.md @acme/docs # docs\n",
        {"repo": "acme/shop"},
    ),
    Sample("org-yaml", "org", "org.yaml", "yaml", [_ORG]),
    Sample(
        "org-csv",
        "org",
        "people.csv",
        "csv",
        [["id", "name", "email", "manager"], ["ann", "Ann", "ann@example.com", ""], ["bo", "Bo", "", "ann"]],
    ),
    Sample(
        "git-numstat",
        "git",
        "shop.numstat.log",
        "text",
        f"--{A_SHA}--2024-01-02T10:00:00+02:00--dev-one--2024-01-02T12:00:00+02:00\n3\t1\tsrc/x.go\n-\t-\tlogo.png\n\n"
        f"--{B_SHA}--2024-01-01T10:00:00+00:00--dev-two--2024-01-01T11:00:00+00:00\n1\t0\tREADME\n",
        {"repo": "acme/shop"},
    ),
    Sample(
        "git-commits",
        "git",
        "shop.commits.csv",
        "csv",
        [
            ["sha", "parent_shas", "author_date_iso", "commit_date_iso", "author", "subject"],
            [A_SHA, B_SHA, "2024-01-02T10:00:00+02:00", "2024-01-02T12:00:00+02:00", "dev-one", "second"],
            [B_SHA, "", "2024-01-01T10:00:00+00:00", "2024-01-01T11:00:00+00:00", "dev-two", "first"],
        ],
        {"repo": "acme/shop"},
    ),
    Sample(
        "git-tags",
        "git",
        "shop.tags.csv",
        "csv",
        [
            ["tag", "commit_sha", "tagger_date_iso", "commit_date_iso"],
            ["v0.1.0", B_SHA, "2024-01-03T00:00:00-05:00", "2024-01-01T11:00:00+00:00"],
        ],
        {"repo": "acme/shop"},
    ),
)
"""The fuzz seeds, one per importer and file format (incidents: CSV and PagerDuty JSON; org: YAML and
CSV; git: the three files of a saved export, not a repository, which `git` itself reads)."""


def serialize(sample: Sample, content: Any) -> str:
    """The text of `content` in the sample's format."""
    if sample.format == "json":
        return json.dumps(content, ensure_ascii=False)
    if sample.format == "yaml":
        documents = content if isinstance(content, list) else [content]
        return yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)
    if sample.format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(content)
        return buffer.getvalue()
    return str(content)


def load(sample: Sample, path: Path) -> ImportBatch | InputError:
    """The batch the sample's importer reads from `path` (as registered, so empty imports fail), or its
    InputError, checked: an error must be clear, a batch well typed."""
    try:
        batch = importers()[sample.importer]([path], config=Config(), options=dict(sample.options))
    except InputError as error:
        check_error(error, path)
        return error
    check_batch(batch)
    return batch


def check_error(error: InputError, path: Path) -> None:
    """A clear error: it names the file, fits on one line and quotes no more than a few hundred characters."""
    message = str(error)
    assert error.file is not None and str(path) in error.file, message[:600]
    assert "\n" not in message and "\r" not in message and len(message) < 600, message[:600]


def check_batch(batch: ImportBatch) -> None:
    """Every record holds values of its declared types; texts hold no NUL; instants are aware UTC."""
    assert any(batch.records.values()), "an import of nothing must be an InputError"
    for record_class, records in batch.records.items():
        hints = typing.get_type_hints(record_class)
        for record in records:
            for column in fields(record_class):
                value = getattr(record, column.name)
                assert _conforms(value, hints[column.name]), (record_class.__name__, column.name, repr(value)[:200])


def _conforms(value: object, hint: Any) -> bool:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_conforms(value, option) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return isinstance(value, tuple) and all(_conforms(element, item) for element in value)
    if hint is str:
        return isinstance(value, str) and "\x00" not in value
    if hint is datetime:
        return isinstance(value, datetime) and value.utcoffset() is not None and value.utcoffset().total_seconds() == 0
    if hint is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON-like value (dict keys and list indexes), the root excluded."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append((*prefix, key))
        found.extend(value_paths(item, (*prefix, key)))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any, *, delete: bool = False) -> Any:
    """A deep copy of `value` with the element at `path` set to `new` (or removed)."""
    copied = json.loads(json.dumps(value))
    target = copied
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return copied
