"""Flow metrics: tables in, a table out, each function's docstring its definition (METRICS.md §1-2)."""
