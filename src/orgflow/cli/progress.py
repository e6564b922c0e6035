"""A progress bar on stderr for the long commands (the simulation's replications).

Stderr, so JSON and CSV on stdout stay clean; drawn on a terminal only, silent otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

from orgflow.cli.render import error_console

Update = Callable[[int, int, str], None]
"""``update(done, total, what)``: `done` of `total` steps, now at `what`."""


@contextmanager
def progress_bar(console: Console | None = None) -> Iterator[Update | None]:
    """A progress callback drawing a bar on `console` (default: stderr), or None when that is no terminal."""
    console = console or error_console
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("simulating", total=1)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=max(total, 1), description=f"simulating: {what}")

        yield update
