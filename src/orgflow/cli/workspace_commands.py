"""Commands about the workspace itself: init, status, demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from orgflow.cli.context import open_from, require_workspace, state
from orgflow.cli.options import WorkspaceOption
from orgflow.cli.render import Format, console, render_table
from orgflow.errors import ConflictError

if TYPE_CHECKING:
    from rich.progress import Progress


def root(ctx: typer.Context, workspace: WorkspaceOption = None) -> None:
    """See how work flows through an engineering organization, from idea to production to operation."""
    state(ctx).workspace = workspace


def register(app: typer.Typer) -> None:
    """Add the workspace commands to the root app."""
    app.command()(init)
    app.command()(status)
    app.command()(refresh)
    app.command()(demo)


def init(ctx: typer.Context) -> None:
    """Create orgflow.yaml (a commented starter) and the store. Example: orgflow --workspace ws init"""
    from orgflow.workspace import init_workspace

    workspace = init_workspace(state(ctx).workspace)
    console.print(
        f"workspace ready in [bold]{escape(str(workspace.directory.resolve()))}[/bold]: "
        f"edit {workspace.config_path.name}, then `orgflow import jira|github|transitions PATH`"
    )
    workspace.close()


def status(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")] = Format.table,
) -> None:
    """What is loaded, date ranges, unmapped statuses, data-quality warnings and work no team owns.
    Example: orgflow status"""
    import json
    import sys

    require_workspace(ctx)  # said before Arrow loads
    import pyarrow as pa

    with open_from(ctx, read_only=True) as workspace:
        status = workspace.status
        sections, note, order = status.sections, status.ownership_note, status.attribution
        if fmt is Format.json:
            sys.stdout.write(json.dumps(status.as_json(), indent=1) + "\n")
            return
        console.print(f"workspace [bold]{escape(str(workspace.directory.resolve()))}[/bold]")
        if not status.without_items:
            render_table(sections["sources"], title="work items by source and project")
        tables = sections["tables"]
        # The rows of tables that hold any, as slices: a mask from Python or NumPy values would make pyarrow
        # load pandas (about 0.3 s).
        held = [tables.slice(index, 1) for index, rows in enumerate(tables["rows"].to_pylist()) if rows]
        counts = pa.concat_tables(held) if held else tables.slice(0, 0)
        if held:
            render_table(counts, title="rows per table")
        unmapped = sections["unmapped statuses"]
        if unmapped.num_rows:
            render_table(
                unmapped, title="unmapped statuses (counted in stage 'unmapped'; map them in orgflow.yaml)", limit=40
            )
        elif not status.without_items:
            console.print("every status is mapped to a stage")
        if sections["warnings"].num_rows:
            render_table(sections["warnings"], title="data-quality warnings")
        facts = sections["flow facts"].to_pylist()[0]
        if status.without_items:
            for line in status.without_items:
                console.print(escape(line))
        elif facts["state"] == "current":
            sizes = f"{facts['items']:,} items, {facts['transitions']:,} transitions"
            console.print(f"stored flow facts are current: {sizes}")
        else:
            console.print(
                f"stored flow facts are {'missing' if facts['state'] == 'none' else 'stale'} "
                "(the mapping or the data changed since they were built): flow figures are right but slower "
                "until `orgflow refresh`"
            )
        delivery = sections.get("delivery warnings")
        if delivery is not None and delivery.num_rows:
            render_table(delivery, title="delivery data-quality warnings (see `orgflow dora`)")
        unowned = sections.get("work no team of the org owns")
        if unowned is not None:
            title = "work no team of the org owns" if status.has_org else "teams from attribution (no org loaded)"
            render_table(unowned, title=title, limit=20)
        if note:
            console.print(escape(note))
        unattributed_rows = sections.get("unattributed")
        if unattributed_rows is not None and unattributed_rows.num_rows:
            render_table(unattributed_rows, title="not attributed to a team")
        by_rule = sections.get("work items attributed by rule")
        if by_rule is not None:
            # A plain line: a title this long would wrap above a two-column table.
            console.print(escape(f"work items attributed by rule (org.attribution: {', '.join(order)})"))
            render_table(by_rule)


def refresh(ctx: typer.Context) -> None:
    """Rebuild the stored flow facts, after editing the workflows in orgflow.yaml. Example: orgflow refresh

    Imports keep them current by themselves; after a change of the mapping, figures stay right without
    this, but each query then builds the facts again."""
    with open_from(ctx) as workspace, _progress() as progress:
        progress.add_task("building the flow facts", total=None)
        rebuilt = workspace.refresh_facts()
    console.print("flow facts rebuilt" if rebuilt else "flow facts were already current")


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same organization.")] = 7,
    items: Annotated[int, typer.Option(help="Number of work items.")] = 20_000,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing workspace there.")] = False,
) -> None:
    """Build the seeded demo organization into a fresh workspace. Example: orgflow --workspace demo demo"""
    from orgflow.demo import build_demo
    from orgflow.workspace import STORE_FILE, workspace_dir

    directory = workspace_dir(state(ctx).workspace)
    if (directory / STORE_FILE).exists():
        if not force:
            raise ConflictError(
                "a workspace already exists here",
                file=str(directory / STORE_FILE),
                hint="pass --force to replace it, or choose another --workspace",
            )
        (directory / STORE_FILE).unlink()
        wal = directory / f"{STORE_FILE}.wal"
        if wal.exists():
            wal.unlink()
        config = directory / "orgflow.yaml"
        if config.exists():
            config.unlink()
    with _progress() as progress:
        task = progress.add_task("building the demo organization", total=None)

        def on_progress(done: int, total: int | None, what: str) -> None:
            progress.update(task, completed=done, total=total, description=f"building {what}")

        summary = build_demo(directory, seed=seed, items=items, on_progress=on_progress)
    console.print(f"demo organization built in [bold]{escape(str(directory.resolve()))}[/bold]: {escape(str(summary))}")


def _progress() -> Progress:
    """The demo's progress bar (Rich's progress loads here, not with every command's start)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
