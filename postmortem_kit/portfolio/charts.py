"""The portfolio's charts, drawn with matplotlib as SVG text for inlining in its page.

Byte-stable: the SVG carries no date (``metadata={"Date": None}``), its ids come from a
fixed hash salt, and text stays text (``svg.fonttype = "none"``, escaped by matplotlib). The
ids are prefixed per chart, so several charts can share one HTML page.

Each ``plot_*`` function takes the :func:`~postmortem_kit.portfolio.read.read_postmortems`
table and returns a :class:`~matplotlib.figure.Figure` (not pyplot: no global state).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

_RC: dict[str, Any] = {"svg.hashsalt": "postmortem-kit", "svg.fonttype": "none", "font.size": 9,
       "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False}
_STATED, _TIMELINE, _MEDIAN = "#0969da", "#bc4c00", "#1f2328"
STATUS_ORDER = ("open", "in progress", "done", "won't do", "long-term")
_STATUS_COLORS = {"open": "#bc4c00", "in progress": "#9a6700", "done": "#1a7f37",
                  "won't do": "#8c959f", "long-term": "#0969da"}


def _minutes(series: pd.Series) -> pd.Series:
    return series.dt.total_seconds() / 60


def plot_ttd_ttr(table: pd.DataFrame) -> Figure:
    """TTD and TTR of every incident over time, as stated and as its timeline says, with
    the median per quarter (of the stated figure, else the timeline's)."""
    fig = Figure(figsize=(9, 5.2))
    axes = fig.subplots(2, 1, sharex=True)
    for ax, metric, name in zip(axes, ("ttd", "ttr"), ("Time to detect", "Time to resolve"),
                                strict=True):
        stated = _minutes(table[f"{metric}_stated"])
        timeline = _minutes(table[f"{metric}_timeline"])
        ax.plot(table["date"], stated, "o", color=_STATED, label="stated", ms=5)
        ax.plot(table["date"], timeline, "D", mfc="none", color=_TIMELINE,
                label="from its timeline", ms=5)
        best = stated.fillna(timeline)
        quarters = best.groupby(table["date"].dt.to_period("Q")).median().dropna()
        if len(quarters):
            periods = pd.PeriodIndex(quarters.index)
            starts, ends = periods.to_timestamp(), (periods + 1).to_timestamp()
            for (start, end, value) in zip(starts, ends, quarters.to_numpy(), strict=True):
                ax.hlines(value, start, end, color=_MEDIAN, lw=1.5)
            ax.plot([], [], color=_MEDIAN, lw=1.5, label="median per quarter")
        values = pd.concat([stated, timeline]).dropna()
        if len(values) and values.min() > 0 and values.max() / values.min() > 100:
            ax.set_yscale("log")
        ax.set_ylabel(f"{name}\n(minutes)")
        ax.grid(axis="y", color="#d1d9e0", lw=0.6)
        if not len(values):
            ax.text(0.5, 0.5, "no figures", transform=ax.transAxes, ha="center",
                    color="#59636e")
    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _label(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plot_by_group(table: pd.DataFrame) -> Figure:
    """Incidents per category (which recur) and per severity, with the median TTR of each
    (stated, else from the timeline)."""
    fig = Figure(figsize=(9, 3.6))
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": (3, 2)})
    ttr = _minutes(table["ttr_stated"]).fillna(_minutes(table["ttr_timeline"]))
    for ax, column, name in zip(axes, ("category", "severity"), ("category", "severity"),
                                strict=True):
        groups = table[column].replace("", f"(no {name})")
        counts = groups.value_counts().sort_index(kind="stable")
        # categories: the most frequent on top; severities: P0 on top
        counts = (counts.sort_values(kind="stable") if column == "category"
                  else counts.sort_index(ascending=False, kind="stable"))
        medians = ttr.groupby(groups).median()
        positions = np.arange(len(counts))
        ax.barh(positions, counts.to_numpy(), color="#0969da" if column == "category"
                else "#bc4c00")
        # user text: "$5 and $6" is not mathtext
        ax.set_yticks(positions, [_label(str(label)) for label in counts.index],
                      parse_math=False)
        ax.set_xlabel("incidents")
        ax.set_title(f"By {name}", loc="left", fontsize=10)
        for y, (label, count) in enumerate(counts.items()):
            median = medians.get(label)
            note = f"{count} · TTR {median:.0f} min" if median is not None and \
                pd.notna(median) else f"{count}"
            ax.text(count, y, f"  {note}", va="center", fontsize=8, color="#1f2328",
                    parse_math=False)
        ax.set_xlim(0, max(1, counts.max() if len(counts) else 1) * 2.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def plot_action_items(items: pd.DataFrame) -> Figure:
    """Action items by status, the overdue ones marked."""
    fig = Figure(figsize=(9, 2.6))
    ax = fig.subplots()
    counts = [int((items["status"] == s).sum()) for s in STATUS_ORDER]
    overdue = [int(((items["status"] == s) & items["overdue"]).sum()) for s in STATUS_ORDER]
    positions = np.arange(len(STATUS_ORDER))
    ax.barh(positions, counts, color=[_STATUS_COLORS[s] for s in STATUS_ORDER])
    ax.barh(positions, overdue, color="none", edgecolor="#a40e26", hatch="///", lw=1,
            label="overdue")
    ax.set_yticks(positions, list(STATUS_ORDER))
    ax.invert_yaxis()
    for y, (count, late) in enumerate(zip(counts, overdue, strict=True)):
        ax.text(count, y, f"  {count}" + (f" ({late} overdue)" if late else ""),
                va="center", fontsize=8)
    ax.set_xlim(0, max(1, max(counts)) * 1.3)
    ax.set_xlabel("action items")
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), frameon=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def to_svg(fig: Figure, prefix: str) -> str:
    """``fig`` as an inline ``<svg>`` element: no XML prolog, ids prefixed with ``prefix``."""
    buffer = io.StringIO()
    with mpl.rc_context(cast(Any, _RC)):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)


def draw(plot: Callable[[pd.DataFrame], Figure], data: pd.DataFrame, prefix: str) -> str:
    """Draw ``plot(data)`` under the portfolio's style and return it as inline SVG."""
    with mpl.rc_context(cast(Any, _RC)):
        fig = plot(data)
        return to_svg(fig, prefix)
