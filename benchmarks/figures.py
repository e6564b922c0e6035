"""The figures of one benchmark run: labelled values with units, printed as a table and saved as JSON.

Every run also records where it ran (cores, load average, versions, the project's commit), because
timings from a shared 2-core machine mean little without it.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import OUT_DIR, PROJECT_ROOT

T = TypeVar("T")

Value = float | int | str | None


@dataclass(frozen=True)
class Figure:
    """One measured value: what it is, the value, its unit (s, rows, x, MB, ...) and a short note.

    Headline figures are the ones ``python -m benchmarks`` repeats in its closing table.
    """

    label: str
    value: Value
    unit: str = ""
    note: str = ""
    headline: bool = False


@dataclass
class Figures:
    """The figures of one benchmark, plus free-form details (comparisons, per-run timings)."""

    name: str
    title: str
    rows: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    environment: dict[str, Any] = field(default_factory=lambda: environment())

    def add(self, label: str, value: Value, unit: str = "", note: str = "", *, headline: bool = False) -> None:
        """Append one figure."""
        self.rows.append(Figure(label, value, unit, note, headline))

    def seconds(self, label: str, value: float, note: str = "", *, headline: bool = False) -> None:
        """Append a duration in seconds."""
        self.add(label, value, "s", note, headline=headline)

    def ratio(
        self, label: str, numerator: float, denominator: float, note: str = "", *, headline: bool = False
    ) -> None:
        """Append numerator / denominator as a ratio (n/a when the denominator is zero)."""
        self.add(label, numerator / denominator if denominator else None, "x", note, headline=headline)

    def skip(self, reason: str) -> None:
        """Mark the benchmark as skipped, with the reason shown instead of figures."""
        self.skipped = reason

    def as_json(self) -> dict[str, Any]:
        """The JSON document written to ``out/<name>.json``."""
        self.environment["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.environment["load_average_end"] = _load_average()
        return {
            "benchmark": self.name,
            "title": self.title,
            "skipped": self.skipped,
            "figures": [asdict(row) for row in self.rows],
            "details": self.details,
            "environment": self.environment,
        }

    def save(self, directory: Path = OUT_DIR) -> Path:
        """Write the figures to ``<directory>/<name>.json`` and return the path."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        path.write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n", encoding="utf-8")
        return path

    def render(self) -> str:
        """The figures as a plain-text table, headed by the title."""
        lines = [f"== {self.title}"]
        if self.skipped:
            lines.append(f"   skipped: {self.skipped}")
            return "\n".join(lines)
        lines.extend(render_rows([(row.label, row.value, row.unit, row.note) for row in self.rows]))
        return "\n".join(lines)


def render_rows(rows: list[tuple[str, Value, str, str]], *, indent: str = "   ") -> list[str]:
    """Aligned table lines: label, value, unit, note."""
    cells = [(label, format_value(value, unit), unit, note) for label, value, unit, note in rows]
    label_width = max((len(cell[0]) for cell in cells), default=0)
    value_width = max((len(cell[1]) for cell in cells), default=0)
    unit_width = max((len(cell[2]) for cell in cells), default=0)
    return [
        f"{indent}{label:<{label_width}}  {value:>{value_width}} {unit:<{unit_width}}  {note}".rstrip()
        for label, value, unit, note in cells
    ]


def format_value(value: Value, unit: str) -> str:
    """Seconds with 3 decimals, ratios with 2, counts with thousands separators."""
    if value is None:
        return "n/a"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if unit == "s":
        return f"{value:.3f}"
    if unit == "x":
        return f"{value:.2f}"
    if unit == "MB":
        return f"{value:,.0f}"
    if unit == "%":
        return f"{value:.1f}"
    return f"{value:,.4g}"


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """Call `call` and return its result with the wall-clock seconds it took."""
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process (or of its finished children) so far, in MB."""
    peak = resource.getrusage(who).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def environment() -> dict[str, Any]:
    """Where and with what a benchmark runs: machine, load, versions and the project's commit."""
    versions = {}
    for package in ("orgflow", "duckdb", "ibis-framework", "pyarrow", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": cores,
        "load_average_start": _load_average(),
        "versions": versions,
        "commit": _git(["rev-parse", "--short", "HEAD"]),
        "uncommitted_files": len((_git(["status", "--porcelain"]) or "").splitlines()),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _git(arguments: list[str]) -> str | None:
    """Output of a read-only git command in the project, or None without git."""
    try:
        completed = subprocess.run(
            ["git", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip()
