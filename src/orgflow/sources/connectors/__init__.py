"""Live connectors: Jira, GitHub and GitLab pulled incrementally into the workspace (`sync.sync_all`)."""
