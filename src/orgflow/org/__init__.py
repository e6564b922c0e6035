"""The organization as it was on any date, which team an item belongs to, and the team design checks
(docs/org.md); `OrgService` binds them to a workspace."""
