"""What if we change the organization? A discrete-event simulation of the delivery system.

- `network`: stations, teams, routes (the model); `distributions`: times by inverse CDF.
- `engine`: one replication (an event loop; `stationwise`: station by station, the same results
  faster, for networks without WIP limits and dependencies, with `paths` and `stationwise_loop`);
  `record`: what both draw and return; `trains`: release-train departures (freezes, batch limits);
  `streams`: keyed random streams (common numbers).
- `summary`, `replicate`: figures per replication, means, intervals, paired comparisons.
- `checks`: references, dependency cycles, saturated stations and trains.
- `history`, `calibrate`: a network fitted to the workspace's flow history (`calibrate_arrivals`:
  rates and weekly seasonality; `calibrate_capacity`: servers from the org model or the history;
  `calibrate_waits`: queues and release trains; `calibrate_links`: dependencies); `model_file`: its YAML.
- `scenario`, `scenario_changes`: changes to a network; `leverage`: each stage twice as fast;
  `backtest`: fit and backtests.
- `service`: `Workspace.simulate`, the entry point of the CLI and of the Python API.

Nothing here is imported by `orgflow` at start-up (numpy and the engine load on first use).
"""
