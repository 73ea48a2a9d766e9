"""Reading chart artists back in the units the tests reason in (UTC times)."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest


def num(t) -> float:
    """A time as a matplotlib date number (what artists store as x)."""
    return float(mdates.date2num(pd.Timestamp(t).tz_convert("UTC").tz_localize(None)))


def at(value):
    """Equal to date number(s) within a tenth of a second: pytest's default relative
    tolerance on numbers near 20,000 days would be half an hour."""
    return pytest.approx(value, rel=0, abs=1e-6)


def xs(collection) -> list[float]:
    """x positions of a scatter's points."""
    return np.asarray(collection.get_offsets())[:, 0].tolist()


def phase_lines(ax) -> dict[str, float]:
    """Vertical phase lines by phase name, with their x position."""
    return {line.get_label().removeprefix("_phase "): float(line.get_xdata()[0])
            for line in ax.lines if line.get_label().startswith("_phase ")}


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def no_overlaps(ax, artists) -> bool:
    """Whether the drawn extents of ``artists`` are pairwise disjoint."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in artists]
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
