"""Flow metrics (METRICS.md §1-2): tables in, a table out, each function's docstring its definition;
`FlowService` binds them to a workspace."""
