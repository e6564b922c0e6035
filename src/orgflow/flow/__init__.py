"""Flow metrics (docs/metrics.md): tables in, a table out, each function's docstring its definition;
`FlowService` binds them to a workspace."""
