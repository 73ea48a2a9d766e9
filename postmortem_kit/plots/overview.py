"""The incident at a glance: error ratio and request rate, impact, phases, changes, alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import blended_transform_factory

from postmortem_kit.plots import bins
from postmortem_kit.plots.markers import change_labels, classify_changes, draw_markers
from postmortem_kit.plots.style import (
    IMPACT_COLOR,
    PHASE_COLORS,
    PHASE_LABELS,
    RATIO_COLOR,
    REQUEST_COLOR,
    SERVICE_STYLES,
    draw_phase_lines,
    format_time_axis,
    new_axes,
    no_impact_note,
    note,
    phase_times,
    resolve_tz,
    shorten,
    side_note,
    stagger,
    time_limits,
    time_num,
    title_pad,
    to_num,
)
from postmortem_kit.timeline.model import Timeline
from postmortem_kit.timeline.rules import SLI, ErrorRatio, Latency, format_value

DEFAULT_TITLE = "Error ratio and traffic"  # a latency SLI's chart names its own
# Bins with fewer rows than this make a ratio that jumps between 0 and 100 %: widen them.
MIN_ROWS_PER_BIN = 20


def _series(events: pd.DataFrame | None, timeline: Timeline | None, width: pd.Timedelta | None,
            ) -> tuple[pd.DataFrame | None, str, str]:
    """Per-bin rate and ratio, what was counted ("requests") and the failure rule ("5xx").

    The timeline's own ``error_ratio`` wins when it has one: it is the series the phases
    were derived from, so the chart and the numbers in the report agree.
    """
    table = timeline.error_ratio if timeline is not None else None
    if timeline is not None and table is not None and len(table) and "ratio" in table:
        series = bins.from_error_ratio(table)
        sli = _shown_sli(timeline)
        what, rule = _basis(sli)
        # A metric's samples are averages already: merging bins would only blur them.
        if width is not None or series["count"].isna().all() or (
                sli is not None and sli.source == "metric"):
            return series, what, rule
        return bins.coarsen(series, MIN_ROWS_PER_BIN), what, rule
    if events is None or not len(events):
        return None, "", ""
    frame, what = bins.traffic(events)
    if not len(frame):
        return None, "", ""
    start, end = events["timestamp"].min(), events["timestamp"].max()
    width = width or _auto_width(frame, start, end)
    start = start.floor(width)
    _, rule = bins.failures(frame)
    return bins.rate_and_ratio(frame, start, end, width), what, rule


def _shown_sli(timeline: Timeline | None) -> SLI | None:
    """The SLI the chart draws: the first that shows impact, else the first tried."""
    if timeline is None:
        return None
    shown = timeline.shown
    if shown is not None:
        return shown.sli
    return timeline.sli[0] if timeline.sli else None


def _basis(sli: SLI | None) -> tuple[str, str]:
    """What the error ratio counts and its failure rule, short (typed, from the SLI)."""
    if sli is None or (isinstance(sli, ErrorRatio) and sli.source == "requests"):
        return "requests", "5xx"
    if sli.source == "logs":
        return "log lines", "errors"
    if sli.source == "metric":
        return "samples", f"metric {sli.metric}"
    return "requests", "failures"


def _latency_series(timeline: Timeline) -> tuple[pd.DataFrame, str] | None:
    """The shown latency SLI's per-bin quantile (``ratio`` holds it, in ms) and rate."""
    shown = timeline.shown
    if shown is None or not isinstance(shown.sli, Latency) or not len(shown.series):
        return None
    table = shown.series
    series = bins.from_error_ratio(table.assign(ratio=table["value"]))
    what = "samples" if shown.sli.source == "metric" else "requests"
    return series, what


def _threshold(timeline: Timeline | None) -> float | None:
    """The SLI's threshold (in its unit) the timeline measured the impact against."""
    if timeline is None:
        return None
    sli = _shown_sli(timeline)
    value = sli.threshold if sli is not None else None
    if value is None and timeline.baseline is not None:
        value = timeline.baseline.threshold
    return float(value) if value is not None and np.isfinite(value) else None


def _auto_width(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                ) -> pd.Timedelta:
    """The bin width from the span, widened while bins are too sparse for a ratio."""
    width = bins.choose_bin(start, end)
    for wider in [w for w in bins.NICE_BINS if w > width]:
        counts = bins.rate_and_ratio(frame, start.floor(width), end, width)["count"]
        if counts[counts > 0].mean() >= MIN_ROWS_PER_BIN or (end - start) / wider < 30:
            break
        width = wider
    return width


def _edges(series: pd.DataFrame) -> np.ndarray:
    width = series.index[1] - series.index[0] if len(series) > 1 else pd.Timedelta("1min")
    return to_num(series.index.append(pd.DatetimeIndex([series.index[-1] + width])))


def _impact_spans(timeline: Timeline | None, phases: dict[str, pd.Timestamp],
                  xmax: float | None) -> list[tuple[float, float]]:
    """(start, width) in date numbers of each impact episode, else of started→resolved."""
    episodes = getattr(timeline, "episodes", None)
    spans = []
    if episodes is not None and len(episodes) and {"start", "end"} <= set(episodes.columns):
        ep = episodes.dropna(subset=["start"])
        starts = to_num(ep["start"])
        ends = to_num(ep["end"].where(ep["end"].notna(), ep["start"]))
        spans = [(a, b - a) for a, b in zip(starts, ends, strict=True) if b >= a]
    elif "started" in phases:
        a = time_num(phases["started"])
        b = time_num(phases["resolved"]) if "resolved" in phases else xmax
        if b is not None and b > a:
            spans = [(a, b - a)]
    return spans


def plot_overview(
    events: pd.DataFrame | None = None,
    timeline: Timeline | None = None,
    *,
    ax: Axes | None = None,
    by_service: bool = False,
    tz: str | dt.tzinfo | None = None,
    freq: str | pd.Timedelta | None = None,
    title: str | None = DEFAULT_TITLE,
    legend: bool = True,
) -> Axes:
    """The SLI and request rate over time, with the impact, phases, changes and alerts.

    The SLI the timeline found the impact in (left axis, black: the error ratio, or a
    latency quantile with its threshold in ms or s) is the story; the request rate (right
    axis, light blue) says whether traffic itself changed. The impact window (or each episode) is
    shaded, the phases are labelled vertical lines in their fixed colours, and deploys,
    rollbacks, config changes and alerts are markers in a strip along the top.

    Parameters
    ----------
    events
        The events frame (DESIGN.md §1). Requests give the rate and ratio (5xx share); with
        no requests, logs do (error and critical share). Deploys, changes and alerts give
        the markers.
    timeline
        A :class:`~postmortem_kit.timeline.model.Timeline`: its ``error_ratio`` is drawn
        when it has one, its phases and episodes always.
    ax
        Axes to draw on; a new figure when None.
    by_service
        Add one error-ratio line per service (the five with most failures; needs events).
    tz
        Display timezone of the time axis (a name such as ``"Europe/Berlin"``); when None,
        the timeline's ``settings.display_tz`` (UTC by default).
    freq
        Bin width (``"1min"``) of the rate and ratio computed from events; by default
        chosen from the span (a few hundred bins at most, widened while bins hold fewer
        than 20 rows, so a ratio is not all-or-nothing).
    title, legend
        Axes title (None for none) and whether to draw the legend below the axes.

    Returns
    -------
    Axes
        The error-ratio Axes; the request rate is on its twin (``ax.right_ax``).

    Examples
    --------
    >>> ax = plot_overview(events, tl, tz="Europe/Berlin")  # doctest: +SKIP
    >>> save_figure(ax.figure, "charts/overview")  # doctest: +SKIP
    """
    zone = resolve_tz(tz, timeline)
    events = bins.within_span(events)  # a row with a wrong year must not set the axis
    ax = new_axes(ax, (11, 4.6))
    width = pd.Timedelta(freq) if freq is not None else None
    phases = phase_times(timeline)
    sli = _shown_sli(timeline)
    latency = _latency_series(timeline) if isinstance(sli, Latency) and timeline else None
    series: pd.DataFrame | None
    if latency is not None:
        series, what = latency
        line_label = sli.label.removesuffix(" (requests)") if sli is not None else "latency"
        unit = "ms"
    else:
        series, what, rule = _series(events, timeline, width)
        line_label, unit = f"error ratio ({rule})", "ratio"
    groups = classify_changes(events) if events is not None else {}

    times: list[Any] = [list(phases.values())]
    if series is not None:
        times.append(series.index)
        times.append([series.index[-1] + (series.index[1] - series.index[0]
                                          if len(series) > 1 else pd.Timedelta("1min"))])
    times += [g["timestamp"] for g in groups.values()]
    limits = time_limits(*times, pad=0.01)
    format_time_axis(ax, zone)
    if limits is None:
        note(ax, "no events and no timeline: nothing to chart")
        ax.set_yticks([])
        return ax
    ax.set_xlim(*limits)

    right = ax.twinx()
    ax.right_ax = right  # type: ignore[attr-defined]  # pandas' name: callers find the twin
    # The ratio axes draws above its twin so the rate fill stays in the background.
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    handles: list[Any] = []
    peak = 0.0
    if series is not None:
        edges = _edges(series)
        centres = (edges[:-1] + edges[1:]) / 2
        ratio = series["ratio"].to_numpy(dtype=float)
        ax.plot(centres, ratio, color=RATIO_COLOR, lw=1.8, label=line_label, zorder=4)
        peak = float(np.nanmax(ratio)) if np.isfinite(ratio).any() else 0.0
        handles.append(Line2D([], [], color=RATIO_COLOR, lw=1.8, label=line_label))
        if what == "samples":  # a metric's scrape rate says nothing about traffic
            right.set_yticks([])
        else:
            right.stairs(series["rate"].to_numpy(), edges, fill=True, color=REQUEST_COLOR,
                         alpha=0.45, lw=0, label=f"{what} per second")
            right.set_ylim(0, max(float(np.nanmax(series["rate"])), 1e-9) * 1.9)
            right.set_ylabel(f"{what} per second", color="#3A7CA5")
            handles.append(Patch(color=REQUEST_COLOR, alpha=0.45, label=f"{what} per second"))
    else:
        note(ax, "no requests or logs in the evidence: no error ratio to chart", y=0.45)
        right.set_yticks([])

    if by_service and unit == "ratio":
        peak = max(peak, _draw_services(ax, events, series, handles))

    threshold = _threshold(timeline) if series is not None else None
    if threshold is not None:
        # The line the SLI had to cross: why the impact starts where it does.
        label = f"threshold {format_value(threshold, unit)}"
        ax.axhline(threshold, color="#555555", lw=0.9, ls=(0, (4, 3)), zorder=3, label=label)
        handles.append(Line2D([], [], color="#555555", lw=0.9, ls=(0, (4, 3)), label=label))
        peak = max(peak, threshold)

    spans = _impact_spans(timeline, phases, limits[1])
    if spans:
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        ax.broken_barh(spans, (0, 1), transform=trans, facecolors=IMPACT_COLOR, alpha=0.10,
                       lw=0, zorder=0, label="impact")
        handles.append(Patch(color=IMPACT_COLOR, alpha=0.2, label="impact"))

    if unit == "ms":
        # Headroom: the top 15 % of the axes is the marker strip.
        ax.set_ylim(0, max(peak, 1.0) / 0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v, "ms")
                                                   if v > 0 else "0"))
        ax.set_ylabel(sli.label if sli is not None else "latency")
    else:
        ax.set_ylim(0, max(peak, 0.01) / 0.8)
        # A ratio above 100 % means nothing: the headroom above it is for the markers only.
        ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= 1 + 1e-9])
        # Whole percents unless the whole range is a few percent (a quiet baseline's 0.4 %).
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if peak >= 0.04
                                                      else None))
        ax.set_ylabel("error ratio")
    ax.grid(axis="y", color="#DDDDDD", lw=0.6)
    ax.set_axisbelow(True)

    draw_markers(ax, groups)
    _label_changes(ax, groups)
    handles += [h for h in ax.collections
                if (label := str(h.get_label())) and not label.startswith("_")
                and label != "impact"]
    rows = draw_phase_lines(ax, phases)
    if (why := no_impact_note(timeline)) is not None:
        side_note(ax, why)
    handles += [Line2D([], [], color=PHASE_COLORS[p], lw=1.4, label=PHASE_LABELS[p])
                for p in phases]
    if title == DEFAULT_TITLE and unit == "ms":
        title = f"{line_label[:1].upper()}{line_label[1:]} and traffic"
    if title:
        ax.set_title(title, loc="left", pad=title_pad(rows), fontsize=11)
    if legend and handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=min(len(handles), 5), fontsize=8, frameon=False)
    return ax


def _draw_services(ax: Axes, events: pd.DataFrame | None, series: pd.DataFrame | None,
                   handles: list[Any]) -> float:
    """One dashed error-ratio line per service; returns the highest ratio drawn."""
    if events is None or series is None or not len(events):
        note(ax, "per-service breakdown needs the events frame", y=0.35)
        return 0.0
    frame, what = bins.traffic(events)
    if "service" not in frame or frame["service"].isna().all():
        # Access logs rarely name the service; the application logs do.
        frame, what = events[bins.kind_is(events, "log")], "logs"
    width = series.index[1] - series.index[0] if len(series) > 1 else pd.Timedelta("1min")
    end = series.index[-1] + width
    per = bins.per_service_ratio(frame, series.index[0], end, width)
    peak = 0.0
    edges = _edges(series)
    centres = (edges[:-1] + edges[1:]) / 2
    for (name, ratio), (color, style) in zip(per.items(), SERVICE_STYLES, strict=False):
        values = ratio.to_numpy(dtype=float)
        label = name if what == "requests" else f"{name} ({what})"
        ax.plot(centres[: len(values)], values, color=color, ls=style, lw=1.2, label=label,
                zorder=3)
        handles.append(Line2D([], [], color=color, ls=style, lw=1.2, label=label))
        if np.isfinite(values).any():
            peak = max(peak, float(np.nanmax(values)))
    return peak


def _label_changes(ax: Axes, groups: dict[str, pd.DataFrame], fontsize: float = 7.5) -> None:
    """Name the deploys and rollbacks beside their markers, staggered so none overlap."""
    labels = change_labels(groups)
    if not labels:
        return
    xs = [time_num(t) for t, _ in labels]
    texts = [shorten(t, 26) for _, t in labels]
    # One row only: a second would run into the alert markers below it.
    rows = stagger(ax, xs, texts, fontsize=fontsize, max_rows=1)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for x, text, row in zip(xs, texts, rows, strict=True):
        if row < 0:
            continue
        ax.annotate(text, (x, 0.955), xycoords=trans, xytext=(6, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=fontsize,
                    color="#333333", annotation_clip=False)
