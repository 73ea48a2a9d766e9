"""Chart tests draw with the Agg backend and close every figure they open."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from tests.unit.plots.incidents import incident


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch: pytest.MonkeyPatch):
    # A plot function that calls plt.show() would block a script and print nothing in a
    # report: make it fail loudly instead.
    def no_show(*args, **kwargs):
        raise AssertionError("plot functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def hour_incident():
    """Two hours of traffic with a 37-minute outage (the sample incident's shape)."""
    return incident("2026-03-12T13:30Z", ("2026-03-12T14:03:00Z", "2026-03-12T14:40:00Z"),
                    "2026-03-12T15:30Z", n_requests=8000,
                    phases={"detected": "2026-03-12T14:09:17Z",
                            "acknowledged": "2026-03-12T14:13:41Z",
                            "mitigated": "2026-03-12T14:38:05Z"})


@pytest.fixture(scope="session")
def blip():
    """A four-minute blip inside twenty minutes of evidence."""
    return incident("2026-05-02T09:50Z", ("2026-05-02T10:00:00Z", "2026-05-02T10:04:00Z"),
                    "2026-05-02T10:10Z", n_requests=20000)


@pytest.fixture(scope="session")
def slow_burn():
    """A three-day slow burn inside five days of evidence."""
    return incident("2026-05-01T00:00Z", ("2026-05-02T06:00Z", "2026-05-05T06:00Z"),
                    "2026-05-06T00:00Z", n_requests=50000,
                    phases={"detected": "2026-05-03T14:00Z",
                            "acknowledged": "2026-05-03T14:20Z",
                            "mitigated": "2026-05-04T22:00Z"})
