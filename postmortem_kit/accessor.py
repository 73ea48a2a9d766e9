"""``events.pm``: the pandas accessor of an events frame, which only forwards.

Registered by ``import postmortem_kit`` (a frame read with ``pd.read_parquet`` has it too,
before any plotting module is imported). It imports pandas alone: the plots it forwards to
are imported when a method is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from postmortem_kit.timeline import Timeline


@pd.api.extensions.register_dataframe_accessor("pm")
class PostmortemAccessor:
    """Charts of an events frame: ``events.pm.plot_overview(tl)``.

    Every method forwards to the plain function of the same name in
    :mod:`postmortem_kit.plots` with the frame as ``events``; the logic lives there.
    """

    def __init__(self, events: pd.DataFrame) -> None:
        self._events = events

    def plot_overview(self, timeline: Timeline | None = None, **kwargs: Any) -> Axes:
        """:func:`~postmortem_kit.plots.plot_overview` of this frame."""
        from postmortem_kit import plots

        return plots.plot_overview(self._events, timeline, **kwargs)

    def plot_timeline(self, timeline: Timeline | None = None, **kwargs: Any) -> Axes:
        """:func:`~postmortem_kit.plots.plot_timeline` of this frame."""
        from postmortem_kit import plots

        return plots.plot_timeline(self._events, timeline, **kwargs)
