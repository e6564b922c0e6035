"""A browser tab for the dashboard's Chromium tests: it keeps console errors, page errors and requests."""

from __future__ import annotations

from typing import Any

from orgflow.web.browser import wait_for_charts


class Tab:
    """A page with its console errors, page errors and every request it made."""

    def __init__(self, browser: Any, base_url: str, *, width: int = 1440, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, path: str) -> Any:
        """Go to `path`, wait until the network is idle and every chart has drawn; returns the page."""
        self.page.goto(self.base_url + path, wait_until="networkidle")
        wait_for_charts(self.page)
        return self.page

    def external(self) -> list[str]:
        """Requests that left the app (the dashboard must work offline)."""
        return [url for url in self.requests if not url.startswith(self.base_url)]

    def close(self) -> None:
        self.context.close()


def chart_states(page: Any) -> list[dict[str, Any]]:
    """Each chart of the page: its key, drawing state, SVG count and number of drawn marks."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(chart => ({
            key: chart.dataset.chart,
            state: chart.dataset.state,
            svgs: chart.querySelectorAll('svg').length,
            marks: chart.querySelectorAll('g.role-mark path, g.role-mark line, g.role-mark rect').length,
        }))"""
    )
