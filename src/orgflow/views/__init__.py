"""What the dashboard's flow pages and the static report show, as views both render.

- `filters`: the window and cut of a page (`Filters`), read from and written back to a URL.
- `context`: where figures come from and links go (`Context`, `Hub`, `Paths`) and a chart (`Chart`).
- `hub`: the workspace behind the pages, with prepared services and kept results (`MetricsHub`);
  `lanes`: its extra connections, so flow figures of concurrent requests run at once.
- `cards`: a team's or group's headline figures with trends and the window rules' flags.
- `organization`: the org's, clusters' and teams' cards and the stage map (the organization page).
- `flow`: a cluster's or a team's page (card, teams' cards, flow charts); `summary`: its figures table.
- `formatting` and `templates/`: the filters and templates the web and the report share.

A view asks the hub for figures and `orgflow.charts` for specs, and only picks, orders and links
them; `Paths` says where a card or a chart mark links (pages and the items table on the web,
anchors in the report).
"""
