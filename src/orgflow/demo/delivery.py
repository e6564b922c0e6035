"""The demo's delivery history: one git repository per component, pull requests, production
deployments, incidents, hotfixes and rollbacks, plus team templates and ownership over time.

Every component lives in a repository named after it, with files under its path globs, so both the
repository and the globs map a change to its component. Work arrives as pull requests of one to four
commits by engineers of the owning team on the day (the split team's components change owner at the
reorganization). Fraud scoring is changed by its one engineer only (the bus factor of one).

Services, websites and infrastructure deploy to production: the payments cluster through a weekly
change-approval train (Tuesdays 14:00 UTC, the slow release stage), the others on most working days.
Some deployments fail: the failure shows as an incident linked to the deployment, an incident with no
link (found by the time rule), or a rollback; half the incidents are fixed by a hotfix deployment.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from orgflow.demo.acme import BUS_FACTOR_TEAM, ENGINEER, NEW_TEAMS, QA, SOURCE, SPLIT_TEAM, TECH_LEAD
from orgflow.demo.org import DemoOrg, Stint
from orgflow.model import (
    ChangedFile,
    Commit,
    Component,
    ComponentOwnership,
    Deployment,
    Incident,
    Person,
    PersonAlias,
    PullRequest,
    Record,
    RoleRequirement,
)

HOUR = 3_600
DAY = 86_400
DEPLOYABLE_KINDS = ("service", "website", "infrastructure")
PRODUCTION = "production"
APPROVAL_CLUSTER = "payments"
"""Its services deploy through a weekly change-approval board: the demo's slow release stage."""

# Pull requests per week by owner team (the split's successors share shipping's rate).
_PRS_PER_WEEK = {"fraud-detection": 2.0, "merchant-portal": 6.0, "enablement": 1.0}
_DEFAULT_PRS_PER_WEEK = 4.0
_FAILURE_RATE = {"merchant-portal": 0.22, "checkout": 0.12, "shipping-domestic": 0.15}
_DEFAULT_FAILURE_RATE = 0.08
_FILES_PER_COMPONENT = 24

TEMPLATES: dict[str, tuple[str, ...]] = {
    "stream-aligned": (TECH_LEAD, "product manager", "flow lead", QA),
    "complicated-subsystem": (TECH_LEAD, "product manager"),
    "platform": (TECH_LEAD, "product manager"),
    "enabling": (TECH_LEAD,),
}
"""Roles every team of a Team Topologies type needs (one each): the demo's team templates."""


@dataclass
class DemoDelivery:
    """The delivery records of the demo, by kind."""

    records: list[Record] = field(default_factory=list)

    def count(self, record_class: type[Record]) -> int:
        return sum(1 for record in self.records if type(record) is record_class)


def build_delivery(rng: np.random.Generator, org: DemoOrg, *, start: datetime, end: datetime) -> DemoDelivery:
    """Commits, pull requests, deployments and incidents of every component over [start, end)."""
    people = {record.source_id: record for record in org.records if isinstance(record, Person)}
    components = [record for record in org.records if isinstance(record, Component)]
    cluster_of = {spec.team_id: spec.cluster_id for spec in org.teams}
    delivery = DemoDelivery()
    delivery.records.extend(_requirements())
    delivery.records.extend(_aliases(people))
    for component in components:
        owners = _owners(component, org.reorg_date)
        delivery.records.extend(
            ComponentOwnership(SOURCE, f"{component.source_id}@{owner}", component.source_id, owner, since, until)
            for owner, since, until in owners
        )
        repo = _Repository(component, people)
        _pull_requests(rng, repo, org.stints, owners, start, end)
        if component.kind in DEPLOYABLE_KINDS:
            owner_now = owners[-1][0]
            delivery.records.extend(_deployments(rng, repo, cluster_of.get(owner_now, ""), owner_now, start, end))
        delivery.records.extend(repo.records)  # after the deployments, which add hotfix commits
    return delivery


def _requirements() -> list[Record]:
    return [RoleRequirement(SOURCE, template, role, 1) for template, roles in TEMPLATES.items() for role in roles]


def _aliases(people: dict[str, Person]) -> list[Record]:
    aliases: list[Record] = []
    for person in people.values():
        aliases.append(PersonAlias(SOURCE, person.name, person.source_id))
        if person.email:
            aliases.append(PersonAlias(SOURCE, person.email, person.source_id))
    return aliases


def _owners(component: Component, reorg: date) -> list[tuple[str, date | None, date | None]]:
    """(team, from, to) of a component; the split team's successors took over at the reorganization."""
    successors = {spec.team_id for spec in NEW_TEAMS}
    if component.owner_id in successors:
        return [(SPLIT_TEAM, None, reorg), (component.owner_id, reorg, None)]
    return [(component.owner_id or "", None, None)]


class _Repository:
    """A component's repository: a main line of merge commits, each bringing one pull request's branch."""

    def __init__(self, component: Component, people: dict[str, Person]) -> None:
        self.component = component
        self.name = component.source_id
        self.people = people
        prefix = component.path_globs[0].removesuffix("**") if component.path_globs else f"{self.name}/"
        self.files = [f"{prefix}{_FILE_STEMS[i % len(_FILE_STEMS)]}_{i // len(_FILE_STEMS)}.go" for i in range(24)]
        self.records: list[Record] = []
        self.main_times: list[int] = []  # merge times (epoch seconds) of the main line, ascending
        self.main_shas: list[str] = []
        self.authors: dict[str, str] = {}  # sha -> person id

    def head_at(self, moment: int) -> str | None:
        """The main line's head at an instant (None before the first merge)."""
        position = bisect.bisect_right(self.main_times, moment)
        return self.main_shas[position - 1] if position else None

    def commit(self, parents: tuple[str, ...], author: str, moment: int, subject: str, files: list[str]) -> str:
        sha = hashlib.sha1(f"{self.name}|{parents}|{moment}|{subject}".encode()).hexdigest()
        when = _instant(moment)
        name = self.people[author].name if author in self.people else author
        self.authors[sha] = author
        self.records.append(Commit(SOURCE, sha, self.name, parents, name, when, when, subject, len(parents) > 1, False))
        for path in files:
            self.records.append(ChangedFile(SOURCE, sha, path, 1 + (len(path) * moment) % 40, moment % 7))
        return sha

    def merge(self, moment: int, branch_head: str, author: str, subject: str) -> str:
        head = self.head_at(moment)
        parents = (head, branch_head) if head else (branch_head,)
        sha = self.commit(parents, author, moment, subject, [])
        self.main_times.append(moment)
        self.main_shas.append(sha)
        return sha


_FILE_STEMS = ("handler", "model", "store", "client", "config", "metrics", "routes", "service")


def _pull_requests(
    rng: np.random.Generator,
    repo: _Repository,
    stints: dict[str, list[Stint]],
    owners: list[tuple[str, date | None, date | None]],
    start: datetime,
    end: datetime,
) -> None:
    """Pull requests over [start, end): opened by an engineer of the owner on the day, merged on main."""
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    weeks = (end_s - start_s) / (7 * DAY)
    owner_now = owners[-1][0]
    rate = _PRS_PER_WEEK.get(owner_now, _DEFAULT_PRS_PER_WEEK)
    count = int(rng.poisson(rate * weeks))
    first_commits = np.sort(rng.integers(start_s, end_s - 3 * DAY, count))
    planned: list[tuple[int, int, int, int, str, list[int], list[list[str]]]] = []
    for number, first in enumerate(first_commits.tolist(), start=1):
        owner = _owner_on(owners, first)
        author = _engineer(rng, stints.get(owner, []), first, only_one=owner == BUS_FACTOR_TEAM)
        commits = int(rng.integers(1, 5))
        times = [first + int(offset) for offset in np.sort(rng.integers(0, 2 * DAY, commits))]
        opened = times[-1] + int(rng.integers(600, 4 * HOUR))
        pickup = 3.0 if owner in ("checkout", "billing") else 8.0
        reviewed = opened + int(rng.exponential(pickup * HOUR)) + 300
        merged = reviewed + int(rng.exponential(6 * HOUR)) + 300
        files = [
            [str(path) for path in rng.choice(repo.files, size=int(rng.integers(1, 4)), replace=False)] for _ in times
        ]
        planned.append((number, opened, reviewed, merged, author, times, files))
    # Built in order of merge, so that each branch starts from the main head at its first commit.
    for number, opened, reviewed, merged, author, times, files in sorted(planned, key=lambda row: row[3]):
        if merged >= end_s:
            repo.records.append(
                PullRequest(
                    SOURCE, f"{repo.name}#{number}", repo.name, number, f"Change {number}", _name(repo, author),
                    _instant(opened), _instant(times[0]), _instant(reviewed) if reviewed < end_s else None,
                )
            )  # fmt: skip
            continue
        parent = repo.head_at(times[0])
        shas: list[str] = []
        for index, (moment, paths) in enumerate(zip(times, files, strict=True)):
            parents = (shas[-1],) if shas else ((parent,) if parent else ())
            shas.append(repo.commit(parents, author, moment, f"Change {number} part {index + 1}", paths))
        merge_sha = repo.merge(merged, shas[-1], author, f"Merge pull request #{number}")
        repo.records.append(
            PullRequest(
                SOURCE, f"{repo.name}#{number}", repo.name, number, f"Change {number}", _name(repo, author),
                _instant(opened), _instant(times[0]), _instant(reviewed), _instant(merged), _instant(merged),
                merge_sha, tuple(shas),
            )
        )  # fmt: skip


def _owner_on(owners: list[tuple[str, date | None, date | None]], moment: int) -> str:
    day = datetime.fromtimestamp(moment, UTC).date()
    for owner, since, until in owners:
        if (since is None or since <= day) and (until is None or day < until):
            return owner
    return owners[-1][0]


def _engineer(rng: np.random.Generator, stints: list[Stint], moment: int, *, only_one: bool) -> str:
    present = [s for s in stints if s.starts <= moment and (s.ends is None or moment < s.ends)] or stints
    builders = [s for s in present if s.role in (ENGINEER, TECH_LEAD)] or present
    if only_one:
        builders = [s for s in builders if s.role == ENGINEER][:1] or builders[:1]
    return builders[int(rng.integers(len(builders)))].person_id if builders else "unknown"


def _name(repo: _Repository, person_id: str) -> str:
    person = repo.people.get(person_id)
    return person.name if person else person_id


def _deployments(
    rng: np.random.Generator, repo: _Repository, cluster_id: str, owner: str, start: datetime, end: datetime
) -> list[Record]:
    """Production deployments of a component's main line, with failures, incidents, hotfixes and rollbacks."""
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    failure_rate = _FAILURE_RATE.get(owner, _DEFAULT_FAILURE_RATE)
    records: list[Record] = []
    deployed: str | None = None
    number = 0
    day = start_s - start_s % DAY + DAY
    while day < end_s - DAY:
        weekday = (day // DAY + 3) % 7  # 1970-01-01 was a Thursday
        if cluster_id == APPROVAL_CLUSTER:
            moments = [day + 14 * HOUR] if weekday == 1 else []
        else:
            moments = [day + int(rng.integers(9 * HOUR, 17 * HOUR))] if weekday < 5 and rng.random() < 0.7 else []
        for moment in moments:
            head = repo.head_at(moment)
            if head is None or head == deployed:
                continue
            number += 1
            deployment_id = f"{repo.name}/{number}"
            records.append(_deployment(deployment_id, repo.name, head, moment))
            previous, deployed = deployed, head
            if rng.random() >= failure_rate:
                continue
            outcome = rng.random()
            if outcome < 0.3 and previous is not None:
                number += 1
                records.append(_deployment(f"{repo.name}/{number}", repo.name, previous, moment + HOUR, "rollback"))
                deployed = previous
                continue
            started = moment + int(rng.integers(10 * 60, 3 * HOUR))
            resolved = started + int(rng.exponential(3 * HOUR)) + 15 * 60
            explicit = outcome < 0.65
            records.append(
                Incident(
                    SOURCE, f"INC-{repo.name}-{number}", repo.name, f"{repo.component.name} degraded after release",
                    _instant(started), _instant(resolved), "SEV2" if rng.random() < 0.7 else "SEV1",
                    deployment_id if explicit else None,
                )
            )  # fmt: skip
            if rng.random() < 0.5:
                # A hotfix branch off the failed revision, deployed at once (it reaches main later, by hand).
                fix = repo.commit((head,), repo.authors[head], resolved - 20 * 60, "Hotfix", [repo.files[0]])
                number += 1
                records.append(_deployment(f"{repo.name}/{number}", repo.name, fix, resolved, "hotfix"))
                deployed = fix
        day += DAY
    return records


def _deployment(source_id: str, service: str, revision: str, moment: int, kind: str = "normal") -> Deployment:
    return Deployment(
        SOURCE, source_id, service, PRODUCTION, revision, _instant(moment), _instant(moment - 600), "success", kind
    )


def _instant(seconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
