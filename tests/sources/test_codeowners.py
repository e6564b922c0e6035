"""CODEOWNERS: parsing in line order, GitHub's matching rules, last match wins (expected owners by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import OwnershipRule
from orgflow.sources import codeowners
from orgflow.sources.codeowners import matches, owners_of, parse
from orgflow.store import Store

APPROVERS = "@open-telemetry/collector-approvers"
RELEASES = "@open-telemetry/collector-releases-approvers"


@pytest.fixture
def otel_rules(shared_data: Path) -> list[OwnershipRule]:
    path = shared_data / "git" / "otel-collector.CODEOWNERS"
    batch = codeowners.load([path], config=Config(), options={"repo": "open-telemetry/opentelemetry-collector"})
    return batch.records[OwnershipRule]  # type: ignore[return-value]


def test_otel_file_loads_every_rule_in_line_order(otel_rules: list[OwnershipRule]) -> None:
    assert len(otel_rules) == 107  # non-comment, non-blank lines (grep -v '^#' | grep -cv '^$')
    first, builder, last = otel_rules[0], otel_rules[5], otel_rules[-1]
    assert (first.line, first.pattern, first.owners) == (12, "*", (APPROVERS,))
    assert (builder.line, builder.pattern) == (22, "cmd/builder/")
    assert builder.owners == (APPROVERS, "@dmathieu", "@braydonk", "@jmacd")
    assert (last.line, last.pattern) == (134, "reports/distributions/otlp.yaml")
    assert {rule.repo for rule in otel_rules} == {"open-telemetry/opentelemetry-collector"}
    assert [rule.line for rule in otel_rules] == sorted(rule.line for rule in otel_rules)


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", (APPROVERS,)),  # only "*"
        (".github/workflows/build.yml", (APPROVERS,)),
        (".github/workflows/prepare-release.yml", (APPROVERS, RELEASES)),
        (".github/workflows/scripts/release-create-tag.sh", (APPROVERS, RELEASES)),
        ("cmd/builder/internal/config.go", (APPROVERS, "@dmathieu", "@braydonk", "@jmacd")),
        ("cmd/mdatagen/main.go", (APPROVERS, "@dmitryax")),
        ("cmd/mdatagen/internal/samplereceiver/factory.go", (APPROVERS, "@dmitryax")),
        ("cmd/mdatagen/internal/sampleconnector/factory.go", (APPROVERS,)),  # later, more specific line
        ("pdata/pcommon/map.go", (APPROVERS, "@bogdandrutu", "@dmitryax")),
        ("pdata/pprofile/profiles.go", (APPROVERS, "@mx-psi", "@dmathieu")),
        ("pdata/xpdata/entity.go", (APPROVERS,)),
        ("exporter/exporterhelper/internal/retry.go", (APPROVERS, "@bogdandrutu", "@dmitryax")),
        ("exporter/exporterhelper/internal/queuebatch/batcher.go", (APPROVERS,)),
        ("docs/rfcs/env-vars.md", (APPROVERS, "@codeboten", "@bogdandrutu", "@dmitryax", "@mx-psi")),
        ("docs/security.md", (APPROVERS,)),
        ("scraper/xscraper/scraper.go", (APPROVERS, "@dmathieu", "@florianl")),
    ],
)  # fmt: skip
def test_otel_owners_of_paths(otel_rules: list[OwnershipRule], path: str, owners: tuple[str, ...]) -> None:
    assert owners_of(path, otel_rules) == owners


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.js", "app.js", True),
        ("*.js", "src/ui/app.js", True),
        ("*.js", "app.jsx", False),
        ("/build/logs/", "build/logs/today.log", True),
        ("/build/logs/", "build/logs/deep/today.log", True),
        ("/build/logs/", "src/build/logs/today.log", False),
        ("/build/logs/", "build/logs", False),  # a trailing slash matches only inside the directory
        ("docs/*", "docs/getting-started.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),
        ("apps/", "apps/web/index.html", True),
        ("apps/", "services/apps/web/index.html", True),  # no slash before the end: any depth
        ("/docs/", "docs/a.md", True),
        ("/docs/", "site/docs/a.md", False),
        ("/apps/github", "apps/github", True),
        ("/apps/github", "apps/github/ci.yml", True),
        ("/apps/github", "apps/githubx", False),
        ("**/logs", "logs/a.log", True),
        ("**/logs", "deep/down/logs/a.log", True),
        ("docs/**/x.md", "docs/x.md", True),
        ("docs/**/x.md", "docs/a/b/x.md", True),
        ("lib/**", "lib/a/b.py", True),
        ("lib/**", "lib", False),
        ("src/?.c", "src/a.c", True),
        ("src/?.c", "src/ab.c", False),
        ("README", "sub/README", True),
        ("a/b", "x/a/b", False),  # a middle slash anchors at the root
    ],
)
def test_github_matching_rules(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_last_match_wins_and_empty_owners_clear() -> None:
    rules = parse("* @all\n/apps/ @apps\n/apps/github\n", repo="r")
    assert [rule.owners for rule in rules] == [("@all",), ("@apps",), ()]
    assert owners_of("apps/github/ci.yml", rules) == ()
    assert owners_of("apps/web.py", rules) == ("@apps",)
    assert owners_of("main.py", rules) == ("@all",)
    assert owners_of("main.py", [("*", ["@x"]), ("*.py", ["@py"])]) == ("@py",)
    assert owners_of("main.py", []) == ()


def test_comments_escapes_and_inline_comments() -> None:
    text = "# comment\n\n\\#notes.md @a\nfile\\ name.txt @b  # inline comment\n  docs/  @c @d\n"
    rules = parse(text, repo="r")
    assert [(r.line, r.pattern, r.owners) for r in rules] == [
        (3, "#notes.md", ("@a",)),
        (4, "file name.txt", ("@b",)),
        (5, "docs/", ("@c", "@d")),
    ]


def test_bad_patterns_and_missing_repo(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        parse("* @a\n!keep.txt @b\n", repo="r", file="CODEOWNERS")
    assert (caught.value.record, caught.value.field) == ("line 2", "pattern")
    with pytest.raises(InputError, match="character ranges"):
        parse("[ab].txt @b\n", repo="r")
    path = tmp_path / "CODEOWNERS"
    path.write_text("* @a\n", encoding="utf-8")
    with pytest.raises(InputError, match="which repository"):
        codeowners.load([path], config=Config(), options={})


def test_reimport_is_idempotent(shared_data: Path) -> None:
    path = shared_data / "git" / "otel-collector.CODEOWNERS"
    store = Store.open(None)
    options = {"repo": "open-telemetry/opentelemetry-collector"}
    assert store.write(codeowners.load([path], config=Config(), options=options)).new == 107
    again = store.write(codeowners.load([path], config=Config(), options=options))
    assert (again.new, again.changed, again.unchanged) == (0, 0, 107)
