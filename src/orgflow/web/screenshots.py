"""Screenshots of the dashboard for the docs: `python -m orgflow.web.screenshots` (`make screenshots`).

Serves the workspace on loopback, opens every page (the organization, a cluster, a team, the items page
with one item's timeline, delivery and a team's delivery, the org chart, the dependencies, forecasts and
insights) in headless Chromium at 1440×900 (desktop) and 390×844 (phone), and saves PNGs. A page that
scrolls sideways on the phone is reported on stderr.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from orgflow.query.window import Cut
from orgflow.views.filters import parse_now

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def _pages(team: str, group: str | None, item: str | None, query: str) -> dict[str, str]:
    joiner = "&" if query else "?"
    pages = {
        "organization": f"/{query}",
        **({"cluster": f"/groups/{group}{query}"} if group else {}),
        "team": f"/teams/{team}{query}",
        "items": f"/items{query}{joiner}team={team}&show=finished" + (f"&item={item}" if item else ""),
        "delivery": "/delivery",
        "delivery-team": f"/delivery/teams/{team}",
        "org-chart": "/org",
        "dependencies": "/dependencies",
        "forecasts": f"/forecasts?team={team}",
        "insights": "/insights",
    }
    return pages


def take(workspace: Path, out: Path, *, team: str, now: str | None, full_page: bool, prefix: str = "") -> list[Path]:
    """Save every page at every size into `out` (files named `prefix` + page + size); returns the files written."""
    from orgflow.flow.browse import org_tree
    from orgflow.web.app import create_app
    from orgflow.web.browser import chromium, serve_in_thread, wait_for_charts

    app = create_app(workspace, now=parse_now(now))
    hub = app.state.hub
    tree = hub.query("org_tree", org_tree)
    group = next((parent.group_id for parent in reversed(tree.ancestors(team)) if parent.kind == "cluster"), None)
    query = ""  # the app's fixed `now` applies to every page: no parameter needed
    # The team page's default window (docs/decisions/0007-default-window.md).
    window = hub.default_window(_cut(team), parse_now(now))
    found = hub.compute(
        "cycle_time",
        now=parse_now(now),
        cut=_cut(team),
        since=window.since.date(),
        until=(window.until - timedelta(days=1)).date(),
    ).rows()
    # An item of median cycle time: a typical timeline.
    ranked = sorted(found, key=lambda row: row["cycle_time_days"] or 0)
    item = ranked[len(ranked) // 2]["item_id"] if ranked else None
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with serve_in_thread(app) as base, chromium() as browser:
        for size_name, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            page = context.new_page()
            errors: list[str] = []
            page.on(
                "console",
                lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None,
            )
            for name, path in _pages(team, group, item, query).items():
                page.goto(base + path, wait_until="networkidle")
                wait_for_charts(page)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    print(f"{name} at {size_name} scrolls sideways by {overflow}px", file=sys.stderr)
                target = out / f"{prefix}{name}-{size_name}.png"
                page.screenshot(path=str(target))
                written.append(target)
                if full_page and size_name == "desktop":
                    whole = out / f"{prefix}{name}-{size_name}-full.png"
                    page.screenshot(path=str(whole), full_page=True)
                    written.append(whole)
            context.close()
            if errors:
                print(f"console errors at {size_name}: {errors}", file=sys.stderr)
    hub.close()
    return written


def _cut(team: str) -> Cut:
    return Cut(team=team)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orgflow.web.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("demo-workspace"))
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--team", default="merchant-portal", help="the team page and items to show")
    parser.add_argument("--now", help="the instant figures are computed as of (ISO 8601); default: now")
    parser.add_argument("--full-page", action="store_true", help="also capture whole desktop pages")
    parser.add_argument("--prefix", default="", help="the start of every file name (real- for the real-data workspace)")
    options = parser.parse_args(argv)
    pages = take(
        options.workspace,
        options.out,
        team=options.team,
        now=options.now,
        full_page=options.full_page,
        prefix=options.prefix,
    )
    for path in pages:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
