"""events.pm: registered by ``import postmortem_kit``; forwards to the plain functions."""

from __future__ import annotations

import subprocess
import sys

import pytest

import postmortem_kit.plots
from postmortem_kit import plots


def test_accessor_exists_after_importing_the_package_alone():
    code = ("import pandas as pd, postmortem_kit, sys; "
            "assert 'postmortem_kit.plots' not in sys.modules; "
            "print(type(pd.DataFrame().pm).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "PostmortemAccessor"


@pytest.mark.parametrize("name", ["plot_overview", "plot_timeline"])
def test_accessor_forwards_frame_timeline_and_options(monkeypatch, hour_incident, name):
    events, tl = hour_incident
    calls = []
    monkeypatch.setattr(plots, name, lambda *a, **kw: calls.append((a, kw)) or "axes")
    assert getattr(events.pm, name)(tl, tz="Europe/Berlin") == "axes"
    ((args, kwargs),) = calls
    assert args[0] is events and args[1] is tl
    assert kwargs == {"tz": "Europe/Berlin"}


def test_accessor_draws_the_same_chart_as_the_function(hour_incident):
    events, tl = hour_incident
    via_accessor = events.pm.plot_timeline(tl)
    direct = postmortem_kit.plots.plot_timeline(events, tl)
    assert [t.get_text() for t in via_accessor.texts] == [t.get_text() for t in direct.texts]
