"""One router per page group: organization, groups and teams, items, and the metrics API."""
