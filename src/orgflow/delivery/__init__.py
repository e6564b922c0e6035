"""Delivery: DORA's five metrics (docs/dora.md) and pull-request flow, from deployments, incidents,
commits and pull requests; `DeliveryService` binds them to a workspace."""
