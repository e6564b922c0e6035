"""orgflow benchmarks: how long the store and the flow metrics take on large and real data.

Run all of them with ``python -m benchmarks`` from the project root, or one alone, e.g.
``python -m benchmarks.flow_1m --items 100000``. Each prints its figures (seconds, rows, ratios) and
writes them as JSON to ``benchmarks/out/<name>.json``. Nothing here asserts a timing: targets are
printed next to the figures, for a reader to judge on the machine at hand.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
"""The shared real-data pack (``../shared/data`` from the project root); never copied into the project."""
OUT_DIR = Path(__file__).resolve().parent / "out"
"""Where each benchmark writes ``<name>.json`` (git-ignored)."""

BENCHMARKS = (
    "jira_import",
    "import_speed",
    "serve_beside_import",
    "dora_otel",
    "sociotech_otel",
    "forecast_bench",
    "sync_bench",
    "simulate_engine",
    "jam_20k",
    "flow_1m",
)
"""Every benchmark module, in the order ``python -m benchmarks`` runs them (quickest first)."""
