"""`orgflow import ...`: load saved exports into the workspace, one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from orgflow.cli.context import open_from
from orgflow.cli.render import console
from orgflow.errors import InputError

if TYPE_CHECKING:
    from orgflow.sources import ProgressCallback
    from orgflow.store import ImportCounts

app = typer.Typer(
    help="Load saved exports (Jira, GitHub, git, transitions, deployments, incidents, the org) into the workspace.",
    no_args_is_help=True,
)

PathsArgument = Annotated[list[Path], typer.Argument(help="Files or folders to import.")]
StrictOption = Annotated[bool, typer.Option("--strict-statuses", help="Fail on a status that no workflow stage lists.")]


def _run(ctx: typer.Context, kind: str, paths: list[Path], options: dict[str, Any]) -> None:
    with open_from(ctx) as workspace, _progress(kind) as on_progress:
        counts = workspace.import_files(kind, paths, options=options, on_progress=on_progress)
    _report(kind, counts)


@contextmanager
def _progress(kind: str) -> Iterator[ProgressCallback | None]:
    """A transient progress bar of the files read, told by the callback yielded; on a console that is not
    interactive (output to a file or a pipe) it would show nothing, so there is none (and Rich's
    progress module, some 10 ms of the start, is not loaded)."""
    if not console.is_interactive:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"reading {kind}", total=None)

        def on_progress(done: int, total: int | None, what: str) -> None:
            progress.update(task, completed=done, total=total, description=f"reading {escape(what)}")

        yield on_progress


def _report(kind: str, counts: ImportCounts) -> None:
    parts = [
        f"{table} {new} new, {changed} changed, {unchanged} unchanged"
        for table, (new, changed, unchanged) in counts.by_table.items()
    ]
    console.print(f"imported {kind}: " + "; ".join(parts))
    # Warnings quote the data (a group named "[/team]"): escaped, so Rich prints them as written.
    for warning in counts.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)


@app.command()
def jira(ctx: typer.Context, paths: PathsArgument, strict_statuses: StrictOption = False) -> None:
    """Jira REST issue JSON (.json, .jsonl, .gz, folders, search responses). Example: orgflow import jira export.json"""
    _run(ctx, "jira", paths, {"strict_statuses": strict_statuses})


@app.command()
def github(
    ctx: typer.Context,
    paths: PathsArgument,
    repo: Annotated[str | None, typer.Option(help="owner/name, if the issues do not say.")] = None,
    strict_statuses: StrictOption = False,
) -> None:
    """GitHub REST issues with their events or timeline. Example: orgflow import github issues.json --repo org/app"""
    options: dict[str, Any] = {"strict_statuses": strict_statuses}
    if repo:
        options["repo"] = repo
    _run(ctx, "github", paths, options)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise InputError(f"expected column=value, got {value!r}", field=option)
        key, _, right = value.partition("=")
        pairs[key.strip()] = right.strip()
    return pairs


@app.command()
def transitions(
    ctx: typer.Context,
    paths: PathsArgument,
    map_: Annotated[list[str], typer.Option("--map", help="Rename a CSV column: column=field.")] = [],  # noqa: B006
    where: Annotated[list[str], typer.Option(help="Keep rows where column=value.")] = [],  # noqa: B006
    project: Annotated[str | None, typer.Option(help="Project (team) when the CSV has no team column.")] = None,
    source: Annotated[str, typer.Option(help="Source name the items are stored under.")] = "csv",
    strict_statuses: StrictOption = False,
) -> None:
    """A CSV of status changes (item_id, timestamp, from_status, to_status [, team, type, created, title]).

    Example: orgflow import transitions kubernetes-kep-transitions.csv --source kep \\
      --map kep_id=item_id --map timestamp_iso=timestamp --map owning_sig=team \\
      --map from_value=from_status --map to_value=to_status --where field=status
    (the Kubernetes KEP transitions file, docs/import.md)
    """
    options: dict[str, Any] = {
        "map": _pairs(map_, "--map"),
        "where": _pairs(where, "--where"),
        "source": source,
        "strict_statuses": strict_statuses,
    }
    if project:
        options["project"] = project
    _run(ctx, "transitions", paths, options)


MapOption = Annotated[list[str], typer.Option("--map", help="Rename a column: column=field.")]


@app.command()
def deployments(
    ctx: typer.Context,
    paths: PathsArgument,
    map_: MapOption = [],  # noqa: B006
    source: Annotated[str, typer.Option(help="Source name the deployments are stored under.")] = "deployments",
) -> None:
    """A CSV of deployments (service, environment, revision, finished_at [, started_at, status, kind, id]).

    Example: orgflow import deployments deploys.csv
    """
    _run(ctx, "deployments", paths, {"map": _pairs(map_, "--map"), "source": source})


@app.command("github-delivery")
def github_delivery(
    ctx: typer.Context,
    paths: PathsArgument,
    repo: Annotated[str | None, typer.Option(help="owner/name, if the objects do not say.")] = None,
    service: Annotated[str | None, typer.Option(help="Service deployed (default: the repo name).")] = None,
    source: Annotated[str, typer.Option(help="Source name the records are stored under.")] = "github",
    assume_success: Annotated[
        bool, typer.Option(help="A deployment without statuses counts as a success at its creation.")
    ] = False,
    include_prereleases: Annotated[bool, typer.Option(help="Count prereleases as deployments.")] = False,
    environment: Annotated[str, typer.Option(help="Environment of releases.")] = "production",
) -> None:
    """GitHub REST deployments (with statuses), releases and pull requests (with reviews and commits).

    Example: orgflow import github-delivery pulls.json releases.json --repo open-telemetry/opentelemetry-collector
    """
    options: dict[str, Any] = {
        "source": source,
        "assume_success": assume_success,
        "include_prereleases": include_prereleases,
        "environment": environment,
    }
    if repo:
        options["repo"] = repo
    if service:
        options["service"] = service
    _run(ctx, "github-delivery", paths, options)


@app.command()
def incidents(
    ctx: typer.Context,
    paths: PathsArgument,
    map_: MapOption = [],  # noqa: B006
    source: Annotated[str | None, typer.Option(help="Source name (default incidents, or pagerduty).")] = None,
    service: Annotated[str | None, typer.Option(help="Service of incidents that name none.")] = None,
) -> None:
    """Incidents: a CSV or JSON (id, service, started_at, resolved_at, severity, title [, deployment_id, commit])
    or PagerDuty REST incidents. Example: orgflow import incidents public-postmortems.csv
    """
    options: dict[str, Any] = {"map": _pairs(map_, "--map")}
    if source:
        options["source"] = source
    if service:
        options["service"] = service
    _run(ctx, "incidents", paths, options)


@app.command()
def git(
    ctx: typer.Context,
    paths: PathsArgument,
    repo: Annotated[str, typer.Option(help="Repository name the commits are stored under (owner/name).")],
    deploy_tags: Annotated[
        str | None, typer.Option(help="Regex: matching tags are production deployments (needs --service).")
    ] = None,
    service: Annotated[str | None, typer.Option(help="Service the deployment tags deploy.")] = None,
    environment: Annotated[str, typer.Option(help="Environment of tag deployments.")] = "production",
    alias: Annotated[list[str], typer.Option(help="Author alias: name-or-email=canonical name.")] = [],  # noqa: B006
    source: Annotated[str, typer.Option(help="Source name the commits are stored under.")] = "git",
) -> None:
    """A git repository (read with git itself, bare or not) or a saved export (numstat log, commits and tags CSV).

    Example: orgflow import git ../otel-collector --repo open-telemetry/opentelemetry-collector
    --deploy-tags '^v[0-9]+[.][0-9]+[.][0-9]+$' --service otel-collector
    """
    options: dict[str, Any] = {
        "repo": repo,
        "source": source,
        "environment": environment,
        "aliases": _pairs(alias, "--alias"),
    }
    if deploy_tags:
        options["deploy_tags"] = deploy_tags
    if service:
        options["service"] = service
    from orgflow.sources import git as git_source
    from orgflow.sources import require_records

    with open_from(ctx) as workspace:
        batch = require_records(git_source.load(paths, config=workspace.config, options=options), paths)
        counts = workspace.write(batch)
    _report("git", counts)
    for line in git_source.summarize(batch).lines():
        console.print(escape(line), highlight=False)


@app.command()
def backstage(ctx: typer.Context, paths: PathsArgument) -> None:
    """Backstage catalog YAML (groups, users, components, APIs, systems).

    Example: orgflow import backstage catalog.yaml
    """
    _run(ctx, "backstage", paths, {})


@app.command()
def codeowners(
    ctx: typer.Context,
    paths: PathsArgument,
    repo: Annotated[str, typer.Option(help="Repository the file belongs to (owner/name).")],
) -> None:
    """A CODEOWNERS file: path patterns and their owners.

    Example: orgflow import codeowners CODEOWNERS --repo org/app
    """
    _run(ctx, "codeowners", paths, {"repo": repo})


@app.command()
def org(ctx: typer.Context, paths: PathsArgument) -> None:
    """The org file: YAML, or people.csv, groups.csv, memberships.csv... (docs/org.md).

    Example: orgflow import org org.yaml
    """
    _run(ctx, "org", paths, {})


@app.command()
def gitlab(
    ctx: typer.Context,
    paths: PathsArgument,
    project: Annotated[str | None, typer.Option(help="Project path, if the objects do not say.")] = None,
    source: Annotated[str, typer.Option(help="Source name the records are stored under.")] = "gitlab",
) -> None:
    """GitLab REST issues (with resource state and label events), merge requests and deployments.

    Example: orgflow import gitlab issues.json --project acme/shop
    """
    options: dict[str, Any] = {"source": source}
    if project:
        options["project"] = project
    _run(ctx, "gitlab", paths, options)
