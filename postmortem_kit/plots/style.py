"""The look shared by every chart: palette, time axis, phase markers and label placement.

One colour per phase, the same in every chart, taken from the Okabe-Ito palette (safe for
the common forms of colour blindness). The interval that ends at a phase is tinted with that
phase's colour, so "time to detect" is orange in the overview, the swimlanes and the phase
bars alike.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from postmortem_kit.errors import UsageError
from postmortem_kit.timeline.model import Timeline

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#8C8C8C"

PHASE_COLORS: dict[str, str] = {
    "started": OKABE_ITO["vermillion"],
    "detected": OKABE_ITO["orange"],
    "acknowledged": OKABE_ITO["reddish_purple"],
    "mitigated": OKABE_ITO["blue"],
    "resolved": OKABE_ITO["bluish_green"],
}
# A metric is drawn in the colour of the phase that ends it.
METRIC_PHASES: dict[str, tuple[str, str]] = {
    "ttd": ("started", "detected"),
    "tta": ("detected", "acknowledged"),
    "ttm": ("started", "mitigated"),
    "ttr": ("started", "resolved"),
}
IMPACT_COLOR = PHASE_COLORS["started"]
REQUEST_COLOR = OKABE_ITO["sky_blue"]
RATIO_COLOR = OKABE_ITO["black"]
ERROR_COLOR = OKABE_ITO["vermillion"]
# Per-service lines: the palette minus black (the overall ratio) and yellow (unreadable on
# white), told apart by line style as well as colour.
SERVICE_STYLES: tuple[tuple[str, str], ...] = (
    (OKABE_ITO["blue"], "--"), (OKABE_ITO["orange"], "-."), (OKABE_ITO["bluish_green"], ":"),
    (OKABE_ITO["reddish_purple"], "--"), (OKABE_ITO["sky_blue"], "-."),
)

PHASE_ORDER = ("started", "detected", "acknowledged", "mitigated", "resolved")
PHASE_LABELS = {"started": "impact start", "detected": "detected",
                "acknowledged": "acknowledged", "mitigated": "mitigated",
                "resolved": "resolved"}
PHASE_ROW_PT = 12  # height of one row of phase labels above the axes, in points
NOTE_STYLE: dict[str, Any] = {"ha": "center", "va": "center", "color": GREY,
                              "fontsize": 9, "style": "italic"}


def resolve_tz(tz: str | dt.tzinfo | None, timeline: Timeline | None = None) -> dt.tzinfo:
    """The display zone: a name (``"Europe/Berlin"``), a tzinfo, or None for the
    timeline's ``settings.display_tz`` (UTC without a timeline).

    Raises
    ------
    UsageError
        For a zone name that does not exist.
    """
    if tz is None:
        tz = timeline.settings.display_tz if timeline is not None else "UTC"
    if isinstance(tz, str):
        if tz.upper() in ("UTC", "Z"):
            return dt.UTC
        try:
            return ZoneInfo(tz)
        except (ValueError, OSError, LookupError) as exc:
            raise UsageError(f"tz={tz!r}: not a time zone name (e.g. 'Europe/Berlin')") from exc
    return tz


def tz_name(tz: dt.tzinfo) -> str:
    """A short name for the axis label (``UTC``, ``Europe/Berlin``)."""
    return getattr(tz, "key", None) or str(tz)


def utc_datetime64(values: Any) -> np.ndarray:
    """Times as a naive ``datetime64[us]`` numpy array in UTC (naive input is taken as UTC).

    Going through numpy avoids pandas' object arrays of Timestamps, which cost seconds on a
    million rows.
    """
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy().astype("datetime64[us]")


def to_num(values: Any) -> np.ndarray:
    """Times as matplotlib date numbers (what ``ax.axvline`` and friends take)."""
    return mdates.date2num(utc_datetime64(values))


def time_num(value: Any) -> float:
    """One time as a matplotlib date number."""
    return float(to_num([value])[0])


def format_time_axis(ax: Axes, tz: dt.tzinfo, *, label: bool = True) -> None:
    """Ticks that suit the span, in ``tz``: the date once (in the offset), then HH:MM.

    ``AutoDateLocator`` picks seconds for a blip and days for a slow burn;
    ``ConciseDateFormatter`` writes the date only where it changes.
    """
    locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=9)
    formatter = mdates.ConciseDateFormatter(
        locator, tz=tz,
        formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%H:%M:%S"],
        zero_formats=["", "%Y", "%b", "%d %b", "%H:%M", "%H:%M"],
        offset_formats=["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)
    if label:
        ax.set_xlabel(f"time ({tz_name(tz)})")


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the Axes of a new figure laid out with constrained layout."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def note(ax: Axes, text: str, x: float = 0.5, y: float = 0.5, **kw: Any) -> None:
    """A grey italic note in axes coordinates: how an empty chart says why it is empty."""
    ax.text(x, y, text, transform=ax.transAxes, **{**NOTE_STYLE, **kw})


def phase_times(timeline: Timeline | None) -> dict[str, pd.Timestamp]:
    """The phases a timeline has a time for, in phase order (missing ones left out)."""
    if timeline is None:
        return {}
    out = {}
    for name in PHASE_ORDER:
        if name in timeline.phases.index and (time := timeline.phase(name)) is not None:
            out[name] = time
    return out


def no_impact_note(timeline: Timeline | None) -> str | None:
    """Why a timeline has no impact start (its own note), or None when it has one."""
    if timeline is None or "started" in phase_times(timeline):
        return None
    table = timeline.phases
    text = table.at["started", "note"] if "started" in table.index else None
    return shorten(text, 110) if isinstance(text, str) and text else "no impact start"


def side_note(ax: Axes, text: str) -> None:
    """A grey note at the top right, above the axes (where "no incident" is said)."""
    ax.set_title(text, loc="right", fontsize=7.5, color=GREY, style="italic")


def shade_phase_spans(ax: Axes, phases: dict[str, pd.Timestamp], *, alpha: float = 0.10,
                      ) -> list[Any]:
    """Tint each interval that ends at a phase with that phase's colour.

    From the impact start, each present phase closes the interval opened by the previous
    present one: started→detected is orange (the time to detect), and so on.
    """
    spans = []
    names = list(phases)
    for before, after in itertools.pairwise(names):
        if phases[after] <= phases[before]:
            continue
        spans.append(ax.axvspan(time_num(phases[before]), time_num(phases[after]),
                                color=PHASE_COLORS[after], alpha=alpha, lw=0, zorder=0))
    return spans


def draw_phase_lines(ax: Axes, phases: dict[str, pd.Timestamp], *, labels: bool = True,
                     fontsize: float = 8.5, zorder: float = 3) -> int:
    """Labelled vertical lines at the phases; labels sit above the axes, staggered.

    Returns the number of label rows used, so a caller can pad its title above them
    (:func:`title_pad`).
    """
    if not phases:
        return 0
    xs = [time_num(t) for t in phases.values()]
    for name, x in zip(phases, xs, strict=True):
        ax.axvline(x, color=PHASE_COLORS[name], lw=1.4, ls="-", zorder=zorder,
                   label=f"_phase {name}")
    if not labels:
        return 0
    texts = [PHASE_LABELS[n] for n in phases]
    rows = stagger(ax, xs, texts, fontsize=fontsize, max_rows=len(texts), align="center")
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for name, x, text, row in zip(phases, xs, texts, rows, strict=True):
        # Offsets in points, not axes fractions: the title pad (points) can then clear them
        # whatever the axes height.
        ax.annotate(text, (x, 1.0), xycoords=trans, xytext=(0, 3 + PHASE_ROW_PT * row),
                    textcoords="offset points", ha="center", va="bottom", fontsize=fontsize,
                    color=PHASE_COLORS[name], fontweight="bold", annotation_clip=False)
    return max(rows) + 1


def title_pad(rows: int) -> float:
    """Title padding (points) that clears ``rows`` rows of phase labels."""
    return 6 + PHASE_ROW_PT * rows


def text_width(ax: Axes, text: str, fontsize: float) -> float:
    """Approximate width of ``text`` in data units of the x axis.

    An estimate (0.6 em per character) rather than a renderer measurement: the layout
    engine resizes the axes after drawing, so an exact pixel width now would be wrong later
    anyway, and the estimate keeps the chart deterministic.
    """
    fig = ax.get_figure()
    assert isinstance(fig, Figure)  # an Axes on screen belongs to one
    width_px = max(ax.get_position().width * fig.get_figwidth() * fig.dpi, 1.0)
    text_px = 0.6 * fontsize * len(text) * fig.dpi / 72
    lo, hi = ax.get_xlim()
    return (hi - lo) * text_px / width_px


def stagger(ax: Axes, xs: Sequence[float], texts: Sequence[str], *, fontsize: float,
            max_rows: int, align: str | Sequence[str] = "left", gap_chars: float = 1.5,
            sides: list[str] | None = None) -> list[int]:
    """Rows for labels at ``xs`` so no two labels in a row overlap; -1 when none is free.

    Labels are placed in the order given (put the most important first): each takes the
    lowest row where it fits. ``align`` (one for all, or one per label) says where a label
    sits relative to its x: ``"left"`` means the text starts at x, ``"auto"`` tries left
    then right. The side each label got is appended to ``sides`` when given.
    """
    aligns = [align] * len(xs) if isinstance(align, str) else list(align)
    chosen = sides if sides is not None else []
    occupied: list[list[tuple[float, float]]] = [[] for _ in range(max_rows)]
    gap = text_width(ax, "x" * int(gap_chars * 2), fontsize) / 2
    rows = []
    for x, text, where in zip(xs, texts, aligns, strict=True):
        w = text_width(ax, text, fontsize)
        spans = {"left": (x, x + w), "right": (x - w, x), "center": (x - w / 2, x + w / 2)}
        # "auto" tries the text after its point, then before it, in each row in turn.
        tries = ["left", "right"] if where == "auto" else [where]
        row = -1
        for r, taken in enumerate(occupied):
            for side in tries:
                lo, hi = spans[side]
                if all(hi + gap <= a or lo >= b + gap for a, b in taken):
                    taken.append((lo, hi))
                    row = r
                    chosen.append(side)
                    break
            if row >= 0:
                break
        if row < 0:
            chosen.append(tries[0])
        rows.append(row)
    return rows


def shorten(text: Any, limit: int = 34) -> str:
    """One line of at most ``limit`` characters, with an ellipsis when cut.

    A long "Headline: details" keeps its headline ("Page triggered: Triggered through
    the API." becomes "Page triggered"): a whole phrase reads better than a cut one.
    """
    s = " ".join(str(text).split())
    if len(s) <= limit:
        return s
    head = s.split(": ", 1)[0]
    if 8 <= len(head) <= limit and head != s:
        return head
    return s[: limit - 1].rstrip() + "…"


def time_limits(*groups: Iterable[Any], pad: float = 0.03) -> tuple[float, float] | None:
    """Date-number limits covering every time given, padded; None when there is none."""
    # Series and arrays convert in one vectorised call; iterating a million rows does not.
    nums = [to_num(g if isinstance(g, pd.Series | pd.Index | np.ndarray) else list(g))
            for g in groups]
    nums = [n[np.isfinite(n)] for n in nums if len(n)]
    nums = [n for n in nums if len(n)]
    if not nums:
        return None
    lo = min(float(n.min()) for n in nums)
    hi = max(float(n.max()) for n in nums)
    span = hi - lo if hi > lo else 1 / 1440  # one minute around a single instant
    return lo - pad * span, hi + pad * span
