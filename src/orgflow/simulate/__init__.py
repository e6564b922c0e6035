"""What if we change the organization? A discrete-event simulation of the delivery system.

- `network`: stations, teams, routes (the model); `distributions`: times by inverse CDF.
- `engine`: one replication (an event loop; `stationwise`: station by station, the same results
  faster, for networks without WIP limits and dependencies); `record`: what both draw and return;
  `streams`: keyed random streams (common numbers).
- `summary`, `replicate`: figures per replication, means, intervals, paired comparisons.
- `checks`: references, dependency cycles, saturated stations.
- `history`, `calibrate`: a network fitted to the workspace's flow history; `model_file`: its YAML.
- `scenario`: changes to a network; `leverage`: each stage twice as fast; `backtest`: fit and backtests.
- `service`: `Workspace.simulate`, the entry point of the CLI and of the Python API.

Nothing here is imported by `orgflow` at start-up (numpy and the engine load on first use).
"""
