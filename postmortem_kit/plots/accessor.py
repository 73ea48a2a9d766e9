"""``events.pm.plot_overview()`` and friends: the pandas accessor, which only forwards."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from postmortem_kit.plots.overview import plot_overview
from postmortem_kit.plots.swimlanes import plot_timeline


@pd.api.extensions.register_dataframe_accessor("pm")
class PostmortemAccessor:
    """Charts of an events frame: ``events.pm.plot_overview(tl)``.

    Registered when :mod:`postmortem_kit.plots` is imported. Every method forwards to the
    plain function of the same name with the frame as ``events``; the logic lives there.
    """

    def __init__(self, events: pd.DataFrame) -> None:
        self._events = events

    def plot_overview(self, timeline: Any = None, **kwargs: Any) -> Axes:
        """:func:`~postmortem_kit.plots.plot_overview` of this frame."""
        return plot_overview(self._events, timeline, **kwargs)

    def plot_timeline(self, timeline: Any = None, **kwargs: Any) -> Axes:
        """:func:`~postmortem_kit.plots.plot_timeline` of this frame."""
        return plot_timeline(self._events, timeline, **kwargs)
