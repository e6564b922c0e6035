"""The whole socio-technical set on the opentelemetry-collector history (8,527 commits), timed.

Imports ``../shared/data/git/otel-collector.*`` (numstat log and commits CSV) with `orgflow.sources.git.load`
and its CODEOWNERS with `orgflow.sources.codeowners.load` into a fresh workspace, then computes, with the
CODEOWNERS rules as the file → component mapping: coupling (file and component level), sum of coupling,
ownership and fragmentation, author communication, truck factor per repository, per CODEOWNERS rule and per
owner, knowledge islands, congruence and the dependency graph. Target: the set in 5 s or less.

    python -m benchmarks.sociotech_otel
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks.figures import Figures, timed

REPO = "open-telemetry/opentelemetry-collector"


def run(data: Path = SHARED_DATA) -> Figures:
    """Import the history, time each metric of the set and return the figures."""
    import orgflow
    from orgflow.sources import codeowners, git

    figures = Figures("sociotech_otel", "Socio-technical set on opentelemetry-collector (git + CODEOWNERS)")
    folder = data / "git"
    if not folder.is_dir():
        figures.skip(f"no real-data pack at {folder}")
        return figures
    with tempfile.TemporaryDirectory() as directory:
        workspace = orgflow.init(directory)
        config = workspace.config
        paths = [folder / "otel-collector.numstat.log.gz", folder / "otel-collector.commits.csv.gz"]
        batch, seconds = timed(lambda: git.load(paths, config=config, options={"repo": REPO}))
        workspace.store.write(batch)
        rules = codeowners.load([folder / "otel-collector.CODEOWNERS"], config=config, options={"repo": REPO})
        workspace.store.write(rules)
        figures.seconds("import (git export + CODEOWNERS)", seconds, "not part of the set")
        commits = workspace.store.connection.execute("SELECT count(*) FROM commits").fetchone()[0]
        files = workspace.store.connection.execute("SELECT count(*) FROM changed_files").fetchone()[0]
        figures.add("commits", commits, "rows")
        figures.add("changed files", files, "rows")

        service = workspace.sociotech_at(None)
        steps = {
            "coupling (file)": lambda: service.coupling(repo=REPO, level="file"),
            "coupling (component)": lambda: service.coupling(repo=REPO, level="component"),
            "sum of coupling (file)": lambda: service.sum_of_coupling(repo=REPO),
            "ownership (file)": lambda: service.ownership(repo=REPO),
            "ownership (owner)": lambda: service.ownership(repo=REPO, level="team"),
            "fragmentation (component)": lambda: service.fragmentation(repo=REPO, level="component"),
            "communication (author)": lambda: service.communication(repo=REPO),
            "truck factor (repo)": lambda: service.truck_factor(repo=REPO, by="repo"),
            "truck factor (component)": lambda: service.truck_factor(repo=REPO, by="component"),
            "truck factor (owner)": lambda: service.truck_factor(repo=REPO, by="team"),
            "knowledge islands (file)": lambda: service.knowledge_islands(repo=REPO),
            "congruence (component)": lambda: service.congruence(repo=REPO, level="component"),
            "dependency graph": lambda: service.dependency_edges(repo=REPO),
        }
        started = time.perf_counter()
        results = {}
        for label, step in steps.items():
            result, seconds = timed(step)
            results[label] = result
            figures.seconds(label, seconds, f"{result.params['rows']} rows")
        total = time.perf_counter() - started
        figures.seconds("whole socio-technical set", total, "target <= 5 s", headline=True)

        repo_tf = results["truck factor (repo)"].rows()[0]
        figures.add("truck factor of the repository", repo_tf["truck_factor"], "", f"{repo_tf['files']} live files")
        by_owner = sorted(results["truck factor (owner)"].rows(), key=lambda row: -int(row["files"]))
        for row in by_owner[:5]:
            figures.add(f"truck factor of {row['team']}", row["truck_factor"], "", f"{row['files']} files")
        top = results["coupling (file)"].rows()[:3]
        for row in top:
            figures.add(
                f"coupling {row['entity']} ~ {row['coupled']}", row["degree"], "%", f"{row['shared_revs']} shared"
            )
        owners = results["ownership (owner)"].rows()[:3]
        for row in owners:
            figures.add(f"main dev share of {row['entity']}", row["ownership"], "", f"{row['revs']} revisions")
        figures.details["truck_factor_by_owner"] = by_owner
        workspace.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    figures = run()
    print(figures.render())
    figures.save()


if __name__ == "__main__":
    main()
