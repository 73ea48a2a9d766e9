"""events.pm: the accessor forwards to the plain functions and adds nothing."""

from __future__ import annotations

import pytest

import postmortem_kit.plots  # registers the accessor
from postmortem_kit.plots import accessor


@pytest.mark.parametrize("name", ["plot_overview", "plot_timeline"])
def test_accessor_forwards_frame_timeline_and_options(monkeypatch, hour_incident, name):
    events, tl = hour_incident
    calls = []
    monkeypatch.setattr(accessor, name, lambda *a, **kw: calls.append((a, kw)) or "axes")
    assert getattr(events.pm, name)(tl, tz="Europe/Berlin") == "axes"
    ((args, kwargs),) = calls
    assert args[0] is events and args[1] is tl
    assert kwargs == {"tz": "Europe/Berlin"}


def test_accessor_draws_the_same_chart_as_the_function(hour_incident):
    events, tl = hour_incident
    via_accessor = events.pm.plot_timeline(tl)
    direct = postmortem_kit.plots.plot_timeline(events, tl)
    assert [t.get_text() for t in via_accessor.texts] == [t.get_text() for t in direct.texts]
