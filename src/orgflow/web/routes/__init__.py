"""One router per page group: organization, groups and teams, items, delivery, forecasts, simulation, metrics API."""
