"""GitHub pull requests: one REST ``/pulls`` object, with its reviews and commits, to a `PullRequest`.

Pure parsing shared by the saved-file importer (`orgflow.sources.github_delivery`) and live connectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orgflow.errors import InputError
from orgflow.model.code import PullRequest
from orgflow.sources.export_kinds import number_error
from orgflow.sources.files import parse_instant, text_value

IGNORED_REVIEW_STATES = frozenset({"PENDING"})
"""A pending review is a draft its author has not submitted: nobody has seen it yet."""


def pull_request_from_json(
    obj: Mapping[str, Any],
    *,
    repo: str,
    source: str = "github",
    file: str = "-",
    record: str = "-",
) -> PullRequest:
    """The `PullRequest` of one REST pull request object.

    Definitions:
        - first_commit_at: the earliest author date (``commit.author.date``) of the embedded
          ``commits``; None without that list. Author dates survive rebases, so this is when the
          work was first committed, not when it was pushed.
        - first_review_at: the earliest ``submitted_at`` of the embedded ``reviews``, leaving out
          pending reviews, reviews by the pull request's author (a comment on one's own pull
          request is not a pickup) and reviews by bot accounts (``user.type`` "Bot": an automatic
          review says nothing about when a person picked the change up); None without that list.
        - merge_commit: ``merge_commit_sha`` only when ``merged_at`` is set (for an open pull
          request GitHub fills it with a test merge that never lands).
        - commits: the embedded commits' shas, in the order given (the API lists oldest first).

    source_id is ``owner/name#number``.

    Args:
        obj: a ``/repos/{o}/{r}/pulls`` object, optionally with ``reviews`` (``/pulls/{n}/reviews``
            objects) and ``commits`` (``/pulls/{n}/commits`` objects) lists.
        repo: "owner/name".
        source: the source name stored with the record.
        file: the file it came from, for error messages.
        record: where in the file, for error messages.

    Raises:
        InputError: a missing or invalid number or created_at, a bad timestamp, or a malformed
            review or commit.
    """
    number = obj.get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        raise number_error(
            obj,
            "number",
            what="pull request number",
            expected="github",
            wanted="GitHub pull requests",
            file=file,
            record=record,
        )
    where = f"{record} (pull request #{number})" if record != "-" else f"pull request #{number}"
    created_at = parse_instant(obj.get("created_at"), file=file, record=where, field="created_at")
    assert created_at is not None  # required: parse_instant raises instead
    merged_at = parse_instant(obj.get("merged_at"), file=file, record=where, field="merged_at", required=False)
    closed_at = parse_instant(obj.get("closed_at"), file=file, record=where, field="closed_at", required=False)
    author = _login(obj.get("user"))
    shas, first_commit_at = _commits(obj.get("commits"), file=file, record=where)
    merge_commit = _strict_text(obj, "merge_commit_sha", file=file, record=where) if merged_at is not None else None
    return PullRequest(
        source=source,
        source_id=f"{repo}#{number}",
        repo=repo,
        number=number,
        title=_strict_text(obj, "title", file=file, record=where) or "",
        author=author,
        created_at=created_at,
        first_commit_at=first_commit_at,
        first_review_at=_first_review(obj.get("reviews"), author=author, file=file, record=where),
        merged_at=merged_at,
        closed_at=closed_at,
        merge_commit=merge_commit,
        commits=shas,
    )


def _first_review(reviews: object, *, author: str | None, file: str, record: str) -> datetime | None:
    """The earliest submitted review by someone other than the author and not a bot (see above)."""
    if reviews is None:
        return None
    if not isinstance(reviews, list):
        raise InputError("expected a list of reviews", file=file, record=record, field="reviews")
    earliest: datetime | None = None
    for index, review in enumerate(reviews):
        where = f"reviews[{index}]"
        if not isinstance(review, Mapping):
            raise InputError("expected a review object", file=file, record=record, field=where)
        if str(review.get("state") or "").upper() in IGNORED_REVIEW_STATES:
            continue
        user = review.get("user")
        if isinstance(user, Mapping) and user.get("type") == "Bot":
            continue
        reviewer = _login(user)
        if author is not None and reviewer == author:
            continue
        submitted_at = parse_instant(
            review.get("submitted_at"), file=file, record=record, field=f"{where}.submitted_at", required=False
        )
        if submitted_at is not None and (earliest is None or submitted_at < earliest):
            earliest = submitted_at
    return earliest


def _commits(commits: object, *, file: str, record: str) -> tuple[tuple[str, ...], datetime | None]:
    """(shas in list order, earliest author date) of the embedded commits."""
    if commits is None:
        return (), None
    if not isinstance(commits, list):
        raise InputError("expected a list of commits", file=file, record=record, field="commits")
    shas: list[str] = []
    earliest: datetime | None = None
    for index, item in enumerate(commits):
        where = f"commits[{index}]"
        if not isinstance(item, Mapping):
            raise InputError("expected a commit object", file=file, record=record, field=where)
        sha = _strict_text(item, "sha", file=file, record=record, field=f"{where}.sha")
        if sha is None:
            raise InputError("commit without a sha", file=file, record=record, field=f"{where}.sha")
        commit = item.get("commit")
        author = commit.get("author") if isinstance(commit, Mapping) else None
        date = author.get("date") if isinstance(author, Mapping) else None
        authored_at = parse_instant(date, file=file, record=record, field=f"{where}.commit.author.date")
        assert authored_at is not None
        shas.append(sha)
        if earliest is None or authored_at < earliest:
            earliest = authored_at
    return tuple(shas), earliest


def _login(user: object) -> str | None:
    if isinstance(user, Mapping):
        return _text(user.get("login"))
    return None


def _strict_text(obj: Mapping[str, Any], key: str, *, file: str, record: str, field: str | None = None) -> str | None:
    """A text field, stripped (None when missing or blank); another type there is an error naming the field."""
    text = text_value(obj.get(key), file=file, record=record, field=field or key)
    return (text.strip() or None) if text is not None else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
