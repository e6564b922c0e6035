"""A Backstage catalog given to `import org` is named as one, with the command that reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources import org_file

EXPECTED = (
    "this is a Backstage catalog (apiVersion: backstage.io/...), not an org file",
    "import it with `orgflow import backstage`",
)


def _error(path: Path) -> tuple[str, str | None, str | None]:
    with pytest.raises(InputError) as caught:
        org_file.load([path], config=Config(), options={})
    return caught.value.message, caught.value.hint, caught.value.file


def test_the_real_multi_document_catalog(shared_data: Path) -> None:
    path = shared_data / "backstage" / "acme-catalog.yaml"
    assert _error(path) == (*EXPECTED, str(path))


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n",
        "# catalog\n---\napiVersion: 'backstage.io/v1beta1'\nkind: User\n---\napiVersion: backstage.io/v1alpha1\n",
    ],
)
def test_single_and_multi_document_catalogs(tmp_path: Path, text: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    assert _error(path) == (*EXPECTED, str(path))


def test_an_org_file_whose_comment_names_backstage_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        "groups:\n  - {id: core, name: Core, kind: cluster}\n# apiVersion: backstage.io/v1alpha1 in a comment\n"
    )
    batch = org_file.load([path], config=Config(), options={})
    assert sum(len(records) for records in batch.records.values()) == 1
