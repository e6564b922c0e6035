"""The organization as it was on any date, which team an item belongs to, and the team design checks
(METRICS.md §4); `OrgService` binds them to a workspace."""
