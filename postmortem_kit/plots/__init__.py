"""Charts of an incident for the investigation notebook and the report.

Every plot function takes ``ax=None`` (a new figure then), returns the Axes and never calls
``plt.show()``. The ``events.pm`` accessor (:mod:`postmortem_kit.accessor`) forwards here.
"""

from __future__ import annotations

from postmortem_kit.plots.overview import plot_overview
from postmortem_kit.plots.phases import plot_phases
from postmortem_kit.plots.save import save_figure
from postmortem_kit.plots.style import PHASE_COLORS
from postmortem_kit.plots.swimlanes import plot_timeline

__all__ = ["PHASE_COLORS", "plot_overview", "plot_phases", "plot_timeline", "save_figure"]
