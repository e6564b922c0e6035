"""Delivery: DORA's five metrics (METRICS.md §3) and pull-request flow, from deployments, incidents,
commits and pull requests; `DeliveryService` binds them to a workspace."""
