"""The socio-technical set on the opentelemetry-collector history (../shared/data/git) against an independent
reading of the numstat log with plain Python loops."""

from __future__ import annotations

import gzip
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.sociotech.coupling import CouplingThresholds
from orgflow.sources import codeowners, git
from orgflow.workspace import Workspace

REPO = "otel"


def read_log(path: Path) -> list[tuple[str, str, datetime, list[tuple[str, int | None, int | None]]]]:
    """(sha, author, author time, [(path, added, deleted)]) per commit with files, straight from the log."""
    commits = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("--") and "\t" not in line:
                sha, authored, author = line[2:].split("--")[:3]
                commits.append((sha, author, datetime.fromisoformat(authored), []))
            elif "\t" in line:
                added, deleted, name = line.split("\t", 2)
                commits[-1][3].append(
                    (name, None if added == "-" else int(added), None if deleted == "-" else int(deleted))
                )
    return [commit for commit in commits if commit[3]]


SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def otel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, list]]:
    """One import for the module (the `shared_data` fixture is per test; this one reads the same folder)."""
    folder = SHARED_DATA / "git"
    if not folder.is_dir():
        pytest.skip("the shared real-data pack is not beside the project")
    workspace = orgflow.init(tmp_path_factory.mktemp("otel"))
    log = folder / "otel-collector.numstat.log.gz"
    workspace.store.write(git.load([log], config=workspace.config, options={"repo": REPO}))
    rules = codeowners.load([folder / "otel-collector.CODEOWNERS"], config=workspace.config, options={"repo": REPO})
    workspace.store.write(rules)
    yield workspace, read_log(log)
    workspace.close()


def test_coupling_on_real_history(otel: tuple[Workspace, list]) -> None:
    workspace, commits = otel
    limits = CouplingThresholds()
    sets = [sorted({name for name, _, _ in files}) for _, _, _, files in commits]
    sets = [entities for entities in sets if len(entities) <= limits.max_changeset_size]
    revs = Counter(entity for entities in sets for entity in entities)
    shared = Counter((a, b) for entities in sets for i, a in enumerate(entities) for b in entities[i + 1 :])
    expected = {}
    for (a, b), count in shared.items():
        total = revs[a] + revs[b]
        if (
            total >= 2 * limits.min_revs
            and count >= limits.min_shared_revs
            and 200 * count >= limits.min_degree * total
        ):
            expected[(a, b)] = (200 * count // total, count)
    got = {
        (row["entity"], row["coupled"]): (row["degree"], row["shared_revs"])
        for row in workspace.sociotech_at(None).coupling(repo=REPO).rows()
    }
    assert got == expected
    assert len(got) > 1000


def test_truck_factor_on_real_history(otel: tuple[Workspace, list]) -> None:
    workspace, commits = otel
    history: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    net: Counter[str] = Counter()
    binary: set[str] = set()
    for sha, author, authored, files in commits:
        for name, added, deleted in files:
            history[name].append((authored, sha, author))
            if added is None:
                binary.add(name)
            else:
                net[name] += added - (deleted or 0)
    live = {name for name in history if name not in binary and net[name] > 0}
    authors_of: dict[str, set[str]] = {}
    for name in live:
        ordered = sorted(set(history[name]))
        creator = ordered[0][2]
        deliveries = Counter(author for _, _, author in ordered)
        deliveries[creator] -= 1
        total = sum(deliveries.values())
        doa = {
            a: 3.293 + 1.098 * (a == creator) + 0.164 * n - 0.321 * math.log(1 + total - n)
            for a, n in deliveries.items()
        }
        best = max(doa.values())
        authors_of[name] = {a for a, value in doa.items() if value / best >= 0.75 and value >= 3.293}
    owned: dict[str, set[str]] = defaultdict(set)
    for name, authors in authors_of.items():
        for author in authors:
            owned[author].add(name)
    removed = []
    while owned and len(set().union(*owned.values())) / len(live) >= 0.5:
        top = min(owned, key=lambda author: (-len(owned[author]), author))
        removed.append(top)
        del owned[top]
    service = workspace.sociotech_at(None)
    (row,) = service.truck_factor(repo=REPO, by="repo").rows()
    assert (row["files"], row["truck_factor"], row["truck_authors"]) == (len(live), len(removed), removed)
    # Per CODEOWNERS owner: every owner gets a truck factor; the catch-all approvers own every live file.
    by_owner = {r["team"]: r for r in service.truck_factor(repo=REPO, by="team").rows()}
    assert by_owner["@open-telemetry/collector-approvers"]["files"] == len(live)
    assert all(r["truck_factor"] >= 0 and r["files"] > 0 for r in by_owner.values())
    ownership = {r["entity"]: r for r in service.ownership(repo=REPO, level="team").rows()}
    assert set(ownership) == set(by_owner) | {o for o in ownership if o not in by_owner}
    assert all(0 < r["ownership"] <= 1 for r in ownership.values())
