"""CODEOWNERS owners are what GitHub accepts (@user, @org/team, an e-mail); anything else, or a file
without one owned rule, stops the import naming file, line and owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources import codeowners
from orgflow.sources.codeowners import parse

NOT_AN_OWNER_HINT = "is this a CODEOWNERS file? Each line is a path pattern followed by its owners"


def _error(path: Path) -> tuple[str, str, str | None, str | None, str | None]:
    with pytest.raises(InputError) as caught:
        codeowners.load([path], config=Config(), options={"repo": "a/b"})
    error = caught.value
    return error.message, Path(error.file or "").name, error.record, error.field, error.hint


def test_the_kep_csv_is_refused_at_its_first_bad_owner(shared_data: Path) -> None:
    assert _error(shared_data / "kep" / "kubernetes-keps.csv") == (
        "not an owner ('Enhancement'): owners are @user, @org/team or an e-mail address",
        "kubernetes-keps.csv",
        "line 2",
        "owners",
        NOT_AN_OWNER_HINT,
    )


@pytest.mark.parametrize("owner", ["docs-team", "@", "@-x", "@org/", "@a/b/c", "ann@", "a@b", "@@x"])
def test_bad_owners(owner: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(f"* @core\n\n/docs/ @docs {owner} # why\n", repo="r", file="CODEOWNERS")
    error = caught.value
    assert (error.file, error.record, error.field) == ("CODEOWNERS", "line 3", "owners")
    assert error.message == f"not an owner ({owner!r}): owners are @user, @org/team or an e-mail address"


def test_good_owners() -> None:
    text = "* @octo-cat @acme/web_team-2 @u_x docs@acme.example first.last+tag@mail.acme.io\n/x/\n"
    rules = parse(text, repo="r")
    assert [rule.owners for rule in rules] == [
        ("@octo-cat", "@acme/web_team-2", "@u_x", "docs@acme.example", "first.last+tag@mail.acme.io"),
        (),
    ]


@pytest.mark.parametrize("text", ["# only comments\n\n", "/docs/\n/src/\n"])
def test_a_file_without_an_owned_rule(tmp_path: Path, text: str) -> None:
    path = tmp_path / "CODEOWNERS"
    path.write_text(text)
    assert _error(path) == (
        "no ownership rules: no line names a pattern and its owners",
        "CODEOWNERS",
        None,
        None,
        "a CODEOWNERS line is a path pattern followed by owners (@user, @org/team or an e-mail)",
    )


def test_the_real_codeowners_still_imports(shared_data: Path) -> None:
    batch = codeowners.load(
        [shared_data / "git" / "otel-collector.CODEOWNERS"], config=Config(), options={"repo": "a/b"}
    )
    assert batch.count(codeowners.OwnershipRule) == 107
