"""`orgflow report`: one self-contained HTML file that opens offline and shows the pages' numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orgflow.demo import DEFAULT_END, build_demo
from orgflow.web.app import create_app


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report-demo")
    build_demo(directory, seed=7, items=2_000)
    return directory


@pytest.fixture(scope="module")
def report(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report, written by the real command line."""
    output = tmp_path_factory.mktemp("report") / "flow.html"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from orgflow.cli import main; main()",
            "--workspace",
            str(demo_dir),
            "report",
            "-o",
            str(output),
            "--now",
            DEFAULT_END.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "report written to" in done.stdout
    return output.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(demo_dir: Path) -> TestClient:
    app = create_app(demo_dir, now=DEFAULT_END)
    return TestClient(app)


class _Figures(HTMLParser):
    """Card figures per section: {(section, card): {figure: value}}."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[tuple[str, str], dict[str, str]] = {}
        self.section = ""
        self._cards: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if "data-page" in values:
            self.section = values["data-page"]
        if tag == "article" and "data-card" in values:
            self._cards.append(values["data-card"])
        elif tag == "a" and "data-figure" in values and self._cards:
            key = (self.section, self._cards[-1])
            self.figures.setdefault(key, {})[values["data-figure"]] = values["data-value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._cards:
            self._cards.pop()


def figures(html: str, section: str = "") -> dict[tuple[str, str], dict[str, str]]:
    parser = _Figures()
    parser.section = section
    parser.feed(html)
    return parser.figures


def test_report_is_self_contained(report: str) -> None:
    assert report.startswith("<!doctype html>")
    assert not re.search(r"https?://", report), re.findall(r".{40}https?://.{40}", report)[:3]
    assert "<script" not in report
    assert "<link" not in report and 'src="' not in report
    assert "<style>" in report


def test_report_has_every_section_with_svg_charts(report: str) -> None:
    for section in ("organization", "group-payments", "group-logistics", "group-platform-cluster", "team-checkout"):
        assert f'data-page="{section}"' in report
    assert 'data-page="team-shipping"' not in report  # split before the window, idle in it
    assert report.count("<svg") >= 1 + 3 * 8 + 13 * 6
    assert 'class="mark-area role-mark' in report and 'class="mark-symbol role-mark' in report


def test_report_shows_the_same_numbers_as_the_pages(report: str, client: TestClient) -> None:
    in_report = figures(report)
    organization = figures(client.get("/").text, "organization")
    for key, values in organization.items():
        assert in_report[key] == values, key
    assert len(organization) >= 15
    for team in ("checkout", "merchant-portal", "tracking"):
        page = figures(client.get(f"/teams/{team}").text, f"team-{team}")
        assert in_report[(f"team-{team}", team)] == page[(f"team-{team}", team)]
    cluster = figures(client.get("/groups/payments").text, "group-payments")
    assert in_report[("group-payments", "payments")] == cluster[("group-payments", "payments")]


def test_report_opens_offline_in_chromium(report: str, tmp_path: Path) -> None:
    from orgflow.web.browser import chromium, chromium_path

    if chromium_path() is None:
        pytest.skip("no chromium here (make install installs it)")
    path = tmp_path / "flow.html"
    path.write_text(report, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on(
            "request", lambda request: problems.append(request.url) if not request.url.startswith("file:") else None
        )
        page.goto(path.as_uri(), wait_until="load")
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('.chart.svg svg'))"
            ".filter(s => s.getBoundingClientRect().width > 100).length"
        )
        assert drawn >= 100
        assert problems == []


def test_report_has_the_teams_outside_the_org(tmp_path: Path, shared_data: Path) -> None:
    """The real Jira export with an org file that owns AMQ only: ZOOKEEPER is a team outside the org, in the
    report as on the organization page, with the note that says how to map it and its own section."""
    import orgflow
    from orgflow.report.document import build_report

    workspace = orgflow.init(tmp_path / "ws")
    org = tmp_path / "org.yaml"
    org.write_text(
        "groups:\n"
        "  - {id: apache, name: Apache, kind: org}\n"
        "  - {id: messaging, name: Messaging, kind: cluster, parent: apache}\n"
        "  - {id: AMQ, name: ActiveMQ, kind: team, type: stream-aligned, parent: messaging}\n",
        encoding="utf-8",
    )
    try:
        workspace.import_files("jira", [shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"])
        workspace.import_files("org", [org])
    finally:
        workspace.close()
    html = build_report(tmp_path / "ws", tmp_path / "report.html", window="all").read_text(encoding="utf-8")
    outside = html[html.index('data-cluster="outside-org"') :]
    outside = outside[: outside.index("</section>")]
    assert "<h2>Outside the org</h2>" in outside
    assert 'data-card="ZOOKEEPER"' in outside and 'data-card="AMQ"' not in outside
    assert "data-ownership-note" in outside and "ZOOKEEPER" in outside
    assert 'id="team-ZOOKEEPER"' in html and 'href="#team-ZOOKEEPER"' in html
