"""docs/postmortem-template.md is the project's copy of the shared template."""

import pytest

from tests.conftest import REPO, SHARED


def test_docs_copy_matches_the_shared_template():
    shared = SHARED / "postmortem-template.md"
    if not shared.exists():
        pytest.skip(f"{shared} is only present in the development workspace")
    assert (REPO / "docs" / "postmortem-template.md").read_bytes() == shared.read_bytes()
