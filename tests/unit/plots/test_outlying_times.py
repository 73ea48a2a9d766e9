"""A row at year 1 or 1970 neither sets a chart's time axis nor sizes its bins.

The charts leave it out by the timeline's rule (``timeline.span``), with a warning.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
import pytest

from postmortem_kit.errors import PostmortemKitWarning
from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline
from postmortem_kit.sample.suite import build
from postmortem_kit.timeline import derive_timeline
from tests.unit.timeline.outlying import EPOCH, GO_ZERO, bounded, with_rows_at

DAY = (pd.Timestamp("2026-05-04T00:00Z"), pd.Timestamp("2026-05-05T00:00Z"))


@pytest.fixture(scope="module")
def events():
    events = build("sample_like", 0).events
    events = with_rows_at(events, [GO_ZERO], kind="log", source="app")
    return with_rows_at(events, [EPOCH], kind="request", source="access")


@pytest.fixture(scope="module")
def timeline(events):
    with pytest.warns(PostmortemKitWarning), bounded(seconds=30, megabytes=500):
        return derive_timeline(events, signatures=False)


def _within_the_day(ax) -> None:
    lo, hi = (pd.Timestamp(mdates.num2date(x)) for x in ax.get_xlim())
    assert DAY[0] <= lo and hi <= DAY[1], f"x axis runs from {lo} to {hi}"


def _draw(plot, request, events, with_timeline: bool):
    """``plot(events, timeline)``: warned about, fast, small, and on the incident's day."""
    tl = request.getfixturevalue("timeline") if with_timeline else None
    with pytest.warns(PostmortemKitWarning, match="2 events lie .* left out of the chart"), \
            bounded(seconds=60, megabytes=300):
        ax = plot(events, tl)
    _within_the_day(ax)
    return ax


@pytest.mark.timeout(120)
@pytest.mark.parametrize("with_timeline", [False, True], ids=["events-only", "with-timeline"])
def test_overview_leaves_impossible_times_out(request, events, with_timeline):
    ax = _draw(plot_overview, request, events, with_timeline)
    (stairs,) = ax.right_ax.patches
    assert len(stairs.get_data().values) <= 360  # a few hundred bins, never centuries


@pytest.mark.timeout(120)
@pytest.mark.parametrize("with_timeline", [False, True], ids=["events-only", "with-timeline"])
def test_swimlanes_leave_impossible_times_out(request, events, with_timeline):
    _draw(plot_timeline, request, events, with_timeline)


@pytest.mark.timeout(120)
def test_phase_bars_of_such_a_timeline_stay_on_the_incident(timeline):
    with bounded(seconds=30, megabytes=200):
        ax = plot_phases(timeline)
    _within_the_day(ax)
