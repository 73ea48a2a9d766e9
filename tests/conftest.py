"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Speed is measured by benchmarks/, never by tests: on a loaded CI machine hypothesis's
# per-example deadline (200 ms) fails a test for being slow, not for being wrong.
settings.register_profile("postmortem-kit", deadline=None)
settings.load_profile("postmortem-kit")

REPO = Path(__file__).resolve().parents[1]
# ../shared/ beside the repository holds the template and real sample logs; a user's clone
# does not have it, so tests that need it skip with a reason.
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def example_json() -> Path:
    return REPO / "data" / "example-postmortem.json"


@pytest.fixture(scope="session")
def template_md() -> str:
    """The postmortem template, as shipped in docs/ (kept identical to ../shared's copy)."""
    return (REPO / "docs" / "postmortem-template.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def dask_client():
    """A real distributed cluster: two worker processes of one thread, 1 GiB each (the CI
    machine has two cores), shared by every test of the dask engine."""
    import distributed  # (in the test extra: a missing install fails, never skips)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit="1GiB", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client
