"""Phase durations: TTD, TTA, TTM and TTR as bars on the incident's own clock."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from matplotlib.axes import Axes

from postmortem_kit.plots.style import (
    GREY,
    METRIC_PHASES,
    PHASE_COLORS,
    PHASE_LABELS,
    draw_phase_lines,
    format_time_axis,
    new_axes,
    no_impact_note,
    note,
    phase_times,
    resolve_tz,
    text_width,
    time_limits,
    time_num,
    title_pad,
)
from postmortem_kit.timeline.model import Timeline

METRIC_NAMES = {"ttd": "TTD  time to detect", "tta": "TTA  time to acknowledge",
                "ttm": "TTM  time to mitigate", "ttr": "TTR  time to resolve"}
BAR_FONTSIZE = 8.5


def format_duration(value: pd.Timedelta) -> str:
    """A duration as a reader says it: ``45s``, ``6m 17s``, ``2h 05m``, ``3d 4h``."""
    seconds = round(pd.Timedelta(value).total_seconds())
    sign, seconds = ("−", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m {secs:02d}s"
    else:
        text = f"{secs}s"
    return sign + text


def plot_phases(
    timeline: Timeline | None,
    *,
    ax: Axes | None = None,
    tz: str | dt.tzinfo | None = None,
    title: str | None = "How long each phase took",
) -> Axes:
    """TTD, TTA, TTM and TTR as horizontal bars on the time axis, durations written on them.

    TTD, TTM and TTR start at the impact start; TTA starts at detection (it is
    acknowledged − detected). Each bar has the colour of the phase that ends it, as in the
    other charts. A metric whose phases are missing gets no bar but a note saying which
    phase is missing.

    Parameters
    ----------
    timeline
        A :class:`~postmortem_kit.timeline.model.Timeline` (or None: an empty chart with a
        note).
    ax
        Axes to draw on; a new figure when None.
    tz
        Display timezone of the time axis; when None, the timeline's
        ``settings.display_tz`` (UTC by default).
    title
        Axes title, or None.

    Returns
    -------
    Axes
        One bar (a Rectangle in ``ax.patches`` whose ``get_gid()`` is ``"ttd"``, ``"tta"``,
        ``"ttm"`` or ``"ttr"``) per measurable metric, TTD at the top.

    Examples
    --------
    >>> ax = plot_phases(tl, tz="America/New_York")  # doctest: +SKIP
    """
    zone = resolve_tz(tz, timeline)
    ax = new_axes(ax, (9, 3.0))
    phases = phase_times(timeline)
    names = list(METRIC_PHASES)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([METRIC_NAMES[m] for m in names], fontsize=9)
    ax.set_ylim(len(names) - 0.4, -0.6)  # TTD on top, in reading order
    ax.tick_params(axis="y", length=0)
    format_time_axis(ax, zone)
    limits = time_limits(list(phases.values()), pad=0.06)
    if limits is None:
        why = no_impact_note(timeline) if timeline is not None else None
        note(ax, "no phase times: derive a timeline or set the phases by hand"
             + (f"\n({why})" if why else ""))
        return ax
    ax.set_xlim(*limits)
    ax.grid(axis="x", color="#E5E5E5", lw=0.6)
    ax.set_axisbelow(True)

    for row, metric in enumerate(names):
        first, last = METRIC_PHASES[metric]
        if first not in phases or last not in phases:
            missing = " and ".join(PHASE_LABELS[p] for p in (first, last) if p not in phases)
            ax.text(limits[0] + 0.01 * (limits[1] - limits[0]), row,
                    f"not measurable: {missing} missing", va="center", ha="left",
                    fontsize=8, color=GREY, style="italic")
            continue
        start, end = time_num(phases[first]), time_num(phases[last])
        duration = phases[last] - phases[first]
        (bar,) = ax.barh(row, end - start, left=start, height=0.6, color=PHASE_COLORS[last],
                         alpha=0.9, zorder=2).patches
        bar.set_gid(metric)  # names the bar for callers and as its id in the SVG
        _write_duration(ax, row, start, end, format_duration(duration))

    # Behind the bars: a line through a bar would strike out the duration written on it.
    rows = draw_phase_lines(ax, phases, zorder=1)
    if title:
        ax.set_title(title, loc="left", pad=title_pad(rows), fontsize=11)
    return ax


def _write_duration(ax: Axes, row: int, start: float, end: float, text: str) -> None:
    """Inside the bar in white when it fits, else just after it in black."""
    if text_width(ax, text + "  ", BAR_FONTSIZE) < abs(end - start):
        ax.text((start + end) / 2, row, text, ha="center", va="center", color="white",
                fontsize=BAR_FONTSIZE, fontweight="bold", zorder=4)
    else:
        ax.text(max(start, end), row, "  " + text, ha="left", va="center", color="black",
                fontsize=BAR_FONTSIZE, zorder=4)
