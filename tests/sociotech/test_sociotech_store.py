"""The socio-technical figures computed from the store (SQL on `commits` and `changed_files`) against a
brute-force Python loop over the same hand-built history, plus the org-dependent figures on a small org."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import orgflow
from orgflow.model import ChangedFile, Commit, Component, Group, Membership, OwnershipRule, Person
from orgflow.sociotech.coupling import CouplingThresholds
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

REPO = "acme/shop"
AUTHORS = ("ana", "bo", "cy", "dee", "eli")
FILES = ("api/a.go", "api/b.go", "api/c.go", "web/x.ts", "web/y.ts", "web/z.ts", "docs/readme.md", "go.mod")
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def history(seed: int = 7, commits: int = 80) -> list[tuple[str, str, datetime, list[tuple[str, int, int]]]]:
    """(sha, author, time, [(path, added, deleted)]) with a fixed seed; a few large commits, some binary-free."""
    rng = random.Random(seed)
    rows = []
    for index in range(commits):
        size = rng.choice((1, 1, 2, 2, 3, 4, 8))
        paths = rng.sample(FILES, min(size, len(FILES)))
        author = rng.choice(AUTHORS[:3] if index % 3 else AUTHORS)
        changes = [(path, rng.randint(1, 30), rng.randint(0, 5)) for path in paths]
        rows.append((f"{index:040x}", author, T0 + timedelta(hours=7 * index), changes))
    return rows


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = orgflow.init(tmp_path)
    batch = ImportBatch(source="git", kind="git", origin="test")
    for sha, author, at, changes in history():
        batch.add(Commit("git", sha, REPO, (), author, at, at, "change"))
        for path, added, deleted in changes:
            batch.add(ChangedFile("git", sha, path, added, deleted))
    # A merge commit is left out of every figure.
    batch.add(Commit("git", "f" * 40, REPO, ("a", "b"), "eli", T0, T0, "merge", is_merge=True))
    batch.add(ChangedFile("git", "f" * 40, "api/a.go", 100, 0))
    opened.store.write(batch)
    yield opened
    opened.close()


def brute_coupling(rows: list[Any], limits: CouplingThresholds) -> dict[tuple[str, str], tuple[int, int]]:
    """(a, b) -> (degree, shared) by the definition, with plain loops and exact fractions."""
    sets = [sorted({path for path, _, _ in changes}) for _, _, _, changes in rows]
    sets = [entities for entities in sets if len(entities) <= limits.max_changeset_size]
    revs = Counter(entity for entities in sets for entity in entities)
    shared = Counter((a, b) for entities in sets for a in entities for b in entities if a < b)
    result = {}
    for (a, b), count in shared.items():
        average = (revs[a] + revs[b]) / 2
        degree = 100 * count / average
        if average >= limits.min_revs and count >= limits.min_shared_revs and degree >= limits.min_degree:
            result[(a, b)] = (math.floor(degree + 1e-9), count)
    return result


@pytest.mark.parametrize("limits", [CouplingThresholds(1, 1, 1, 30), CouplingThresholds(5, 3, 30, 3)])
def test_coupling_equals_brute_force(workspace: Workspace, limits: CouplingThresholds) -> None:
    service = workspace.sociotech_at(None, thresholds=limits)
    got = {(r["entity"], r["coupled"]): (r["degree"], r["shared_revs"]) for r in service.coupling(repo=REPO).rows()}
    assert got == brute_coupling(history(), limits)
    assert got  # the history does couple files


def test_ownership_and_fragmentation_equal_brute_force(workspace: Workspace) -> None:
    revs: dict[str, Counter[str]] = defaultdict(Counter)
    added: dict[str, Counter[str]] = defaultdict(Counter)
    for _sha, author, _at, changes in history():
        for path, plus, _minus in changes:
            revs[path][author] += 1
            added[path][author] += plus
    rows = {row["entity"]: row for row in workspace.sociotech_at(None).ownership(repo=REPO).rows()}
    assert set(rows) == set(revs)
    for path, counts in revs.items():
        total = sum(counts.values())
        main = min(counts, key=lambda author: (-counts[author], author))
        by_lines = min(added[path], key=lambda author: (-added[path][author], author))
        row = rows[path]
        assert (row["revs"], row["authors"], row["main_dev"], row["main_dev_revs"]) == (
            total,
            len(counts),
            main,
            counts[main],
        )
        assert row["main_dev_by_lines"] == by_lines
        assert row["fragmentation"] == pytest.approx(1 - sum((n / total) ** 2 for n in counts.values()))


def test_communication_equals_brute_force(workspace: Workspace) -> None:
    entities: dict[str, set[str]] = defaultdict(set)
    for _sha, author, _at, changes in history():
        entities[author].update(path for path, _, _ in changes)
    expected = {}
    for me in entities:
        for peer in entities:
            shared = len(entities[me] & entities[peer])
            if me != peer and shared:
                average = math.ceil((len(entities[me]) + len(entities[peer])) / 2)
                expected[(me, peer)] = (shared, average, 100 * shared // average)
    got = {
        (r["author"], r["peer"]): (r["shared"], r["average"], r["strength"])
        for r in workspace.sociotech_at(None).communication(repo=REPO).rows()
    }
    assert got == expected


def brute_authors(rows: list[Any]) -> dict[str, set[str]]:
    """File -> its DOA authors, by the definition (creation is FA, not a delivery)."""
    by_file: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for sha, author, at, changes in rows:
        for path, _, _ in changes:
            by_file[path].append((at, sha, author))
    authors = {}
    for path, commits in by_file.items():
        commits.sort()
        creator = commits[0][2]
        deliveries = Counter(author for _, _, author in commits)
        deliveries[creator] -= 1
        total = sum(deliveries.values())
        doa = {
            author: 3.293
            + 1.098 * (author == creator)
            + 0.164 * deliveries[author]
            - 0.321 * math.log(1 + total - deliveries[author])
            for author in deliveries
        }
        best = max(doa.values())
        authors[path] = {author for author, value in doa.items() if value / best >= 0.75 and value >= 3.293}
    return authors


def test_truck_factor_equals_brute_force(workspace: Workspace) -> None:
    authors = brute_authors(history())
    files = set(authors)  # every file has positive net lines: added ≥ 1 and deleted ≤ 5 per change, checked below
    net = Counter()
    for _sha, _author, _at, changes in history():
        for path, plus, minus in changes:
            net[path] += plus - minus
    assert all(value > 0 for value in net.values())
    remaining = {author: {f for f in files if author in authors[f]} for author in AUTHORS}
    remaining = {author: owned for author, owned in remaining.items() if owned}
    removed = []
    while remaining and len(set().union(*remaining.values())) / len(files) >= 0.5:
        top = min(remaining, key=lambda author: (-len(remaining[author]), author))
        removed.append(top)
        del remaining[top]
    (row,) = workspace.sociotech_at(None).truck_factor(repo=REPO, by="repo").rows()
    assert (row["repo"], row["files"], row["truck_factor"], row["truck_authors"]) == (
        REPO,
        len(files),
        len(removed),
        removed,
    )


def org_batch() -> ImportBatch:
    """Two teams; ana and bo in team-api, cy in team-web; bo moves to team-web on 2024-01-10.

    Components: `api` (globs api/**) owned by team-api; CODEOWNERS gives web/ to @web-team and the rest to
    @core. eli and dee are nobody in the org.
    """
    batch = ImportBatch(source="org", kind="org", origin="test")
    batch.add(Group("org", "team-api", "API", "team"))
    batch.add(Group("org", "team-web", "Web", "team"))
    for person in ("ana", "bo", "cy"):
        batch.add(Person("org", person, person.title()))
    batch.add(Membership("org", "m1", "ana", "team-api"))
    batch.add(Membership("org", "m2", "bo", "team-api", valid_to=date(2024, 1, 10)))
    batch.add(Membership("org", "m3", "bo", "team-web", valid_from=date(2024, 1, 10)))
    batch.add(Membership("org", "m4", "cy", "team-web"))
    batch.add(Component("org", "api", "API", owner_id="team-api", path_globs=("api/**",)))
    return batch


def test_components_drift_and_team_communication(workspace: Workspace) -> None:
    workspace.store.write(org_batch())
    rules = ImportBatch(source="codeowners", kind="codeowners", origin="test")
    rules.add(OwnershipRule("codeowners", REPO, 1, "*", ("@core",)))
    rules.add(OwnershipRule("codeowners", REPO, 2, "web/", ("@web-team",)))
    workspace.store.write(rules)
    service = workspace.sociotech_at(datetime(2024, 3, 1, tzinfo=UTC))
    # Component level: api/* -> component api (catalog first), web/* -> rule "web/", others -> rule "*".
    ownership = {row["entity"]: row["revs"] for row in service.ownership(repo=REPO, level="component").rows()}
    expected: Counter[str] = Counter()
    for _sha, _author, _at, changes in history():
        for component in {
            ("api" if p.startswith("api/") else "web/" if p.startswith("web/") else "*") for p, _, _ in changes
        }:
            expected[component] += 1
    assert ownership == dict(expected)
    # Drift: per component, the team of each author on the commit day; bo counts for team-api before 01-10.
    team_of_day = {
        "ana": lambda at: "team-api",
        "bo": lambda at: "team-api" if at.date() < date(2024, 1, 10) else "team-web",
        "cy": lambda at: "team-web",
    }
    per_component: dict[str, Counter[str]] = defaultdict(Counter)
    for _sha, author, at, changes in history():
        if author not in team_of_day:
            continue
        for component in {
            ("api" if p.startswith("api/") else "web/" if p.startswith("web/") else "*") for p, _, _ in changes
        }:
            per_component[component][team_of_day[author](at)] += 1
    declared = {"api": ["team-api"], "web/": ["@web-team"], "*": ["@core"]}
    rows = {row["entity"]: row for row in service.drift(repo=REPO).rows()}
    for component, counts in per_component.items():
        top = min(counts, key=lambda team: (-counts[team], team))
        row = rows[component]
        assert row["top_team"] == top
        assert row["top_team_share"] == pytest.approx(counts[top] / sum(counts.values()))
        assert row["declared_owners"] == declared[component]
        assert row["drift"] is (top not in declared[component])
    assert rows["web/"]["drift"] is True  # @web-team is a CODEOWNERS handle, not the team that changes it
    # Team communication: teams of the commit day, over shared files.
    files_of: dict[str, set[str]] = defaultdict(set)
    for _sha, author, at, changes in history():
        if author in team_of_day:
            files_of[team_of_day[author](at)].update(p for p, _, _ in changes)
    got = {(r["author"], r["peer"]): r["shared"] for r in service.communication(repo=REPO, by="team").rows()}
    shared = len(files_of["team-api"] & files_of["team-web"])
    assert got == {("team-api", "team-web"): shared, ("team-web", "team-api"): shared}
    # Knowledge islands (file level, DOA authors): one author, or every author is no longer in the org.
    # dee and eli are no person of the org; ana, bo and cy are members on 2024-03-01.
    expected_islands = {}
    for path, known in brute_authors(history()).items():
        if len(known) == 1:
            expected_islands[path] = "single author"
        elif not known & {"ana", "bo", "cy"}:
            expected_islands[path] = "authors left"
    got_islands = {row["entity"]: row["reason"] for row in service.knowledge_islands(repo=REPO).rows()}
    assert got_islands == expected_islands


def test_knowledge_island_of_people_who_left(workspace: Workspace) -> None:
    # tools/gen.go: dee creates it, eli changes it 3 times. DOA dee = 3.293 + 1.098 − 0.321·ln(1+3) = 3.9460,
    # eli = 3.293 + 0.164·3 = 3.785 (ratio 0.959): both are authors, and neither is in the org.
    workspace.store.write(org_batch())
    batch = ImportBatch(source="git", kind="git", origin="test")
    for index, author in enumerate(("dee", "eli", "eli", "eli")):
        at = T0 + timedelta(days=100 + index)
        batch.add(Commit("git", f"tools{index}", REPO, (), author, at, at, "tools"))
        batch.add(ChangedFile("git", f"tools{index}", "tools/gen.go", 5, 1))
    workspace.store.write(batch)
    service = workspace.sociotech_at(datetime(2024, 6, 1, tzinfo=UTC))
    rows = {row["entity"]: row for row in service.knowledge_islands(repo=REPO).rows()}
    assert (rows["tools/gen.go"]["reason"], rows["tools/gen.go"]["authors"], rows["tools/gen.go"]["gone_authors"]) == (
        "authors left",
        2,
        2,
    )
    assert rows["api/a.go"]["reason"] == "single author"
    assert rows["api/a.go"]["sole_author"] == "ana"
