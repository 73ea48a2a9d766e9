"""Event swimlanes: one lane per kind or source, key events labelled, phases behind.

Lanes with few events show each one as a tick (one scatter per lane, coloured by level);
busy lanes (requests, logs) show a density profile (one filled curve per lane, errors in
vermillion on top). Neither grows with the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from postmortem_kit.plots import bins
from postmortem_kit.plots.style import (
    ERROR_COLOR,
    GREY,
    OKABE_ITO,
    PHASE_COLORS,
    PHASE_LABELS,
    draw_phase_lines,
    format_time_axis,
    new_axes,
    no_impact_note,
    note,
    phase_times,
    resolve_tz,
    shade_phase_spans,
    shorten,
    side_note,
    stagger,
    time_limits,
    title_pad,
    to_num,
)
from postmortem_kit.timeline.model import Timeline

# Lanes a responder reads first come first; bulk evidence last.
KIND_ORDER = ("alert", "page", "deploy", "change", "chat", "note", "metric", "log", "request")
KIND_COLORS = {
    "alert": OKABE_ITO["vermillion"], "page": OKABE_ITO["reddish_purple"],
    "deploy": OKABE_ITO["black"], "change": "#555555", "chat": OKABE_ITO["blue"],
    "note": GREY, "metric": OKABE_ITO["bluish_green"], "log": "#555555",
    "request": OKABE_ITO["sky_blue"],
}
LEVEL_COLORS = {"error": ERROR_COLOR, "critical": ERROR_COLOR, "warning": OKABE_ITO["orange"]}
LANE_HEIGHT = 0.8
LABEL_ROW = 0.42  # height of one key-event label row, in lanes
LABEL_FONTSIZE = 7.5


def _lanes(events: pd.DataFrame, lanes: str) -> tuple[np.ndarray, list[str]]:
    """Lane code per row and the lane names, via factorize (a categorical costs nothing)."""
    if lanes not in ("kind", "source"):
        raise ValueError(f"lanes must be 'kind' or 'source', not {lanes!r}")
    codes, uniques = pd.factorize(events[lanes], use_na_sentinel=False)
    names = ["(unknown)" if pd.isna(u) else str(u) for u in uniques]
    return np.asarray(codes), names


def _lane_order(events: pd.DataFrame, codes: np.ndarray, names: list[str], lanes: str,
                include: list[str] | None) -> list[str]:
    """Lanes top to bottom: by kind priority (a source ranks by its commonest kind)."""
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    if lanes == "kind" or not names:
        lane_kind = {n: n for n in names}
    else:
        kind_codes, kinds = pd.factorize(events["kind"], use_na_sentinel=False)
        table = np.bincount(codes * len(kinds) + kind_codes,
                            minlength=len(names) * len(kinds)).reshape(len(names), len(kinds))
        lane_kind = {n: str(kinds[table[i].argmax()]) for i, n in enumerate(names)}
    order = sorted(names, key=lambda k: (rank.get(lane_kind[k], len(rank)), k))
    for extra in include or []:
        if extra not in order:
            order.append(extra)
    return order


def _lane_color(events: pd.DataFrame, rows: np.ndarray, lanes: str, key: str) -> str:
    kind = key if lanes == "kind" else str(events["kind"].iloc[rows[0]])
    return KIND_COLORS.get(kind, "#555555")


def plot_timeline(
    events: pd.DataFrame | None,
    timeline: Timeline | None = None,
    *,
    ax: Axes | None = None,
    lanes: str = "kind",
    include: list[str] | None = None,
    tz: str | dt.tzinfo | None = None,
    max_labels: int = 12,
    label_rows: int = 6,
    dense: int = 400,
    title: str | None = "What happened, source by source",
) -> Axes:
    """Swimlanes of the evidence with the key events labelled and the phases shaded.

    Parameters
    ----------
    events
        The events frame (DESIGN.md §1); None or empty gives empty lanes with a note.
    timeline
        Its phases are shaded and marked, its ``key_events`` (ranked best first) marked
        on their lanes and the first ``max_labels`` labelled above the lanes.
    ax
        Axes to draw on; a new figure when None.
    lanes
        ``"kind"`` (alerts, pages, deploys, chat, logs, ...) or ``"source"`` (one per file).
    include
        Lanes to show even without events (an expected source that is missing says so).
    tz
        Display timezone of the time axis; when None, the timeline's
        ``settings.display_tz`` (UTC by default).
    max_labels, label_rows
        At most this many key-event labels, in at most this many staggered rows; the rest
        keep their marker and are counted in a note.
    dense
        A lane with more events than this is drawn as a density profile, not as ticks.
    title
        Axes title, or None.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = plot_timeline(events, tl, lanes="source")  # doctest: +SKIP
    """
    zone = resolve_tz(tz, timeline)
    events = bins.within_span(events)  # a row with a wrong year must not set the axis
    if events is None:
        events = pd.DataFrame({"timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
                               "kind": pd.Series([], dtype="str"),
                               "source": pd.Series([], dtype="str")})
    codes, names = _lanes(events, lanes)
    order = _lane_order(events, codes, names, lanes, include)
    if not order:
        order = ["(no events)"]
    n = len(order)
    ax = new_axes(ax, (11, 1.4 + 0.55 * n + 0.3 * label_rows))
    phases = phase_times(timeline)
    key_events = _key_events(timeline)

    limits = time_limits(events["timestamp"], list(phases.values()), key_events["time"])
    format_time_axis(ax, zone)
    ys = {key: n - 1 - i for i, key in enumerate(order)}
    top = n - 0.5 + LABEL_ROW * (label_rows + 0.5) if len(key_events) else n - 0.5
    ax.set_ylim(-0.6, top)
    ax.set_yticks([ys[k] for k in order])
    counts = dict(zip(names, np.bincount(codes, minlength=len(names)).tolist(), strict=True))
    ax.set_yticklabels([f"{k}  ({counts.get(k, 0):,})" for k in order], fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.hlines([y - 0.5 for y in ys.values()], 0, 1, transform=ax.get_yaxis_transform(),
              color="#E0E0E0", lw=0.6, zorder=1)
    if limits is None:
        for key in order:
            note(ax, "no events", y=(ys[key] + 0.6) / (top + 0.6))
        return ax
    ax.set_xlim(*limits)

    shade_phase_spans(ax, phases)
    x_all = to_num(events["timestamp"])
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(names) + 1))
    groups = {n: by_code[bounds[i]:bounds[i + 1]] for i, n in enumerate(names)}
    for key in order:
        rows = groups.get(key)
        if rows is None or not len(rows):
            ax.text(limits[0] + 0.01 * (limits[1] - limits[0]), ys[key], "no events",
                    va="center", ha="left", fontsize=8, color=GREY, style="italic")
            continue
        color = _lane_color(events, rows, lanes, key)
        if len(rows) > dense:
            _density(ax, events.iloc[rows], ys[key], limits, color)
        else:
            _ticks(ax, events, rows, x_all[rows], ys[key], color)

    # Behind the ticks: an alert firing at the detection time must stay visible.
    rows_used = draw_phase_lines(ax, phases, zorder=2.5)
    if (why := no_impact_note(timeline)) is not None:
        side_note(ax, why)
    used = _annotate(ax, key_events, ys, lanes, max_labels, label_rows, n)
    # The label band is as tall as the rows the labels took, not as many as were allowed.
    ax.set_ylim(-0.6, n - 0.5 + (LABEL_ROW * (used + 0.3) if used else 0))
    handles = [Line2D([], [], marker="|", ls="", ms=9, mew=1.6, color=ERROR_COLOR,
                      label="error / critical"),
               Line2D([], [], marker="|", ls="", ms=9, mew=1.6, color=OKABE_ITO["orange"],
                      label="warning")]
    if len(key_events):
        handles.append(Line2D([], [], marker="o", ls="", ms=6, mfc="none", mec="black",
                              label="key event"))
    handles += [Line2D([], [], color=PHASE_COLORS[p], lw=6, alpha=0.35,
                       label=f"until {PHASE_LABELS[p]}") for p in list(phases)[1:]]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14 - 0.02 * n / 4),
              ncol=min(len(handles), 7), fontsize=8, frameon=False)
    if title:
        ax.set_title(title, loc="left", pad=title_pad(rows_used), fontsize=11)
    return ax


def _key_events(timeline: Timeline | None) -> pd.DataFrame:
    table = getattr(timeline, "key_events", None)
    if table is None or not len(table) or "time" not in table:
        return pd.DataFrame({"time": pd.Series([], dtype="datetime64[us, UTC]")})
    table = table[table["time"].notna()].copy()
    table.attrs = {}
    return table.reset_index(drop=True)


def _ticks(ax: Axes, events: pd.DataFrame, rows: np.ndarray, x: np.ndarray, y: float,
           color: str) -> None:
    """One vertical tick per event, one scatter for the lane, coloured by level."""
    colors = np.full(len(rows), color, dtype=object)
    if "level" in events:
        level = events["level"].iloc[rows].astype("str").to_numpy(dtype=object,
                                                                   na_value="")
        for name, c in LEVEL_COLORS.items():
            colors[level == name] = c
    ax.scatter(x, np.full(len(x), y), marker="|", s=260, linewidths=1.6, c=list(colors),
               zorder=4)


def _density(ax: Axes, frame: pd.DataFrame, y: float, limits: tuple[float, float],
             color: str) -> None:
    """Events per bin as a filled profile within the lane; failures overlaid in vermillion."""
    start, end = (pd.Timestamp(mdates.num2date(v)).tz_convert("UTC") for v in limits)
    width = bins.choose_bin(start, end, max_bins=240)
    series = bins.rate_and_ratio(frame, start.floor(width), end, width)
    edges = to_num(series.index.append(pd.DatetimeIndex([series.index[-1] + width])))
    x = np.repeat(edges, 2)[1:-1]  # step outline: each bin's value held across the bin
    scale = LANE_HEIGHT / max(float(series["count"].max()), 1.0)
    base = y - LANE_HEIGHT / 2
    ax.fill_between(x, base, base + np.repeat(series["count"].to_numpy(), 2) * scale,
                    color=color, alpha=0.35, lw=0, zorder=2)
    if series["failures"].any():
        ax.fill_between(x, base, base + np.repeat(series["failures"].to_numpy(), 2) * scale,
                        color=ERROR_COLOR, alpha=0.9, lw=0, zorder=2)


def _annotate(ax: Axes, key_events: pd.DataFrame, ys: Mapping[str, float], lanes: str,
              max_labels: int, label_rows: int, n: int) -> int:
    """Mark every key event on its lane; label the best ``max_labels`` above the lanes.

    Returns the number of label rows used.
    """
    if not len(key_events):
        return 0
    x = to_num(key_events["time"])
    lane = key_events.get(lanes, pd.Series("", index=key_events.index)).astype(
        "str").fillna("").to_numpy(dtype=object, na_value="")
    # Events whose lane is not drawn (a phase boundary) sit on the label band's floor.
    y = np.array([ys.get(k, n - 0.5) for k in lane], dtype=float)
    # Hollow, so the event's own tick (its level colour) shows through the ring.
    ax.scatter(x, y, s=40, marker="o", facecolors="none", edgecolors="black",
               linewidths=1.1, zorder=6)
    text_col = "event" if "event" in key_events else key_events.columns[-1]
    picked = key_events.head(max_labels)
    texts = [shorten(t, 30) for t in picked[text_col].astype("str").fillna("")]
    xs = list(x[: len(picked)])
    aligns: list[str] = []
    rows = stagger(ax, xs, texts, fontsize=LABEL_FONTSIZE, max_rows=label_rows, align="auto",
                   sides=aligns)
    segments = []
    for xi, yi, text, row, where in zip(xs, y, texts, rows, aligns, strict=False):
        if row < 0:
            continue
        ly = n - 0.5 + LABEL_ROW * (row + 0.6)
        ax.text(xi, ly, text, ha=where, va="center", fontsize=LABEL_FONTSIZE, zorder=7,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                      "alpha": 0.85})
        segments.append([(xi, yi), (xi, ly)])
    ax.add_collection(LineCollection(segments, colors="#777777", linewidths=0.6,
                                     linestyles=":", zorder=5))
    unlabelled = len(key_events) - sum(r >= 0 for r in rows)
    if unlabelled:
        side_note(ax, f"{unlabelled:,} more key events marked, not labelled")
    return max(rows) + 1 if rows else 0
