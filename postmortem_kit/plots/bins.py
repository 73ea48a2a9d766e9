"""Aggregation behind the charts: events counted per time bin, never drawn row by row.

A million requests become a few hundred bins before matplotlib sees them, so the chart
costs the same for a four-minute blip and a three-day slow burn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.plots.style import utc_datetime64
from postmortem_kit.timeline.rules import log_failed, request_failed
from postmortem_kit.timeline.span import analysis_span

# Bin widths a reader recognises, smallest first.
NICE_BINS = tuple(pd.Timedelta(s) for s in (
    "1s", "2s", "5s", "10s", "15s", "30s", "1min", "2min", "5min", "10min", "15min", "30min",
    "1h", "2h", "3h", "6h", "12h", "1D"))
MAX_BINS = 360


def within_span(events: pd.DataFrame | None) -> pd.DataFrame | None:
    """``events`` without the rows outside their analysis span, with a warning naming them.

    A row at year 1 or 1970 would otherwise set the chart's time axis (and its bins) to
    centuries. The rule is the timeline's (:mod:`postmortem_kit.timeline.span`); charts bin
    at most daily, so only a span of more than ``MAX_BINS`` days is refused. Returns the
    frame itself, not a copy, when nothing is left out.
    """
    if events is None or not len(events) or "timestamp" not in events:
        return events
    span = analysis_span(events, freq=NICE_BINS[-1], left_out_of="the chart")
    if span is None:
        return events.iloc[:0]
    return events[~span.outside] if span.left_out else events


def choose_bin(start: pd.Timestamp, end: pd.Timestamp, max_bins: int = MAX_BINS,
               ) -> pd.Timedelta:
    """The smallest nice bin width that covers ``[start, end]`` in at most ``max_bins`` bins."""
    span = pd.Timedelta(end - start)
    for width in NICE_BINS:
        if span / width <= max_bins:
            return width
    return NICE_BINS[-1]


def _micros(values: pd.Series) -> np.ndarray:
    return utc_datetime64(values).astype(np.int64)


def bin_counts(times: pd.Series, start: pd.Timestamp, width: pd.Timedelta, n_bins: int,
               weights: np.ndarray | None = None) -> np.ndarray:
    """How many of ``times`` (or the sum of ``weights``) fall in each of ``n_bins`` bins."""
    us = _micros(times)
    origin = _micros(pd.Series([start]))[0]
    step = int(width / pd.Timedelta(1, "us"))
    idx = (us - origin) // step
    keep = (idx >= 0) & (idx < n_bins)
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    return np.bincount(idx[keep], weights=w, minlength=n_bins)[:n_bins].astype(float)


def bin_edges(start: pd.Timestamp, width: pd.Timedelta, n_bins: int) -> pd.DatetimeIndex:
    """The ``n_bins + 1`` edges of the bins (UTC)."""
    return pd.date_range(start, periods=n_bins + 1, freq=width, tz="UTC")


def failures(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Which rows count as failed, and how that was decided (for the axis label).

    The timeline's rules (:mod:`postmortem_kit.timeline.rules`): requests fail on a 5xx
    status, log records at level error or critical.
    """
    if "status" in frame and frame["status"].notna().any():
        return request_failed(frame), "5xx"
    if "level" in frame:
        return log_failed(frame), "errors"
    return np.zeros(len(frame), dtype=bool), "errors"


def kind_is(events: pd.DataFrame, *kinds: str) -> np.ndarray:
    """Boolean mask of rows of the given kinds (``isin`` on the categorical: no string copy)."""
    return events["kind"].isin(kinds).to_numpy(dtype=bool, na_value=False)


def traffic(events: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows whose rate and failure share the overview draws: requests, else logs."""
    requests = events[kind_is(events, "request")]
    if len(requests):
        return requests, "requests"
    return events[kind_is(events, "log")], "log lines"


def rate_and_ratio(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                   width: pd.Timedelta | None = None) -> pd.DataFrame:
    """Per-bin ``count``, ``failures``, ``rate`` (per second) and ``ratio`` of ``frame``.

    Indexed by bin start (UTC). ``ratio`` is NaN where a bin has no rows, so a gap in the
    evidence shows as a gap in the line instead of a fake zero.
    """
    width = width or choose_bin(start, end)
    n_bins = max(int(np.ceil((end - start) / width)), 1)
    failed, _ = failures(frame)
    counts = bin_counts(frame["timestamp"], start, width, n_bins)
    fails = bin_counts(frame["timestamp"], start, width, n_bins, weights=failed)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(counts > 0, fails / counts, np.nan)
    return pd.DataFrame(
        {"count": counts, "failures": fails, "rate": counts / width.total_seconds(),
         "ratio": ratio},
        index=bin_edges(start, width, n_bins)[:-1],
    )


def from_error_ratio(table: pd.DataFrame) -> pd.DataFrame:
    """A timeline's ``error_ratio`` table in the shape :func:`rate_and_ratio` returns."""
    index = pd.DatetimeIndex(table.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    width = pd.Timedelta(index[1] - index[0]) if len(index) > 1 else pd.Timedelta("1min")
    counts = pd.to_numeric(table.get("requests", pd.Series(np.nan, index=table.index)),
                           errors="coerce").to_numpy(dtype=float)
    fails = pd.to_numeric(table.get("failures", pd.Series(np.nan, index=table.index)),
                          errors="coerce").to_numpy(dtype=float)
    ratio = pd.to_numeric(table["ratio"], errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame({"count": counts, "failures": fails,
                         "rate": counts / width.total_seconds(), "ratio": ratio}, index=index)


def coarsen(series: pd.DataFrame, min_rows: int, min_bins: int = 30) -> pd.DataFrame:
    """Merge bins of a :func:`from_error_ratio` table while they are too sparse for a ratio.

    A quiet service with three requests a minute gives per-minute ratios of 0, 33, 67 or
    100 %: noise that hides the incident. Bins are summed (requests and failures, not
    ratios) into the next nice width until they hold ``min_rows`` on average, keeping at
    least ``min_bins`` bins.
    """
    if len(series) < 2:
        return series
    width = pd.Timedelta(series.index[1] - series.index[0])
    span = series.index[-1] - series.index[0] + width
    busy = series["count"][series["count"] > 0]
    target = width
    for wider in (w for w in NICE_BINS if w > width):
        mean = busy.mean() * (target / width) if len(busy) else 0
        if mean >= min_rows or span / wider < min_bins:
            break
        target = wider
    if target == width:
        return series
    sums = series[["count", "failures"]].resample(target).sum(min_count=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(sums["count"] > 0, sums["failures"] / sums["count"], np.nan)
    return pd.DataFrame({"count": sums["count"], "failures": sums["failures"],
                         "rate": sums["count"] / target.total_seconds(), "ratio": ratio},
                        index=sums.index)


def per_service_ratio(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                      width: pd.Timedelta, top: int = 5) -> dict[str, pd.Series]:
    """Failure ratio per bin for the ``top`` services with the most failures."""
    if "service" not in frame or not len(frame):
        return {}
    failed, _ = failures(frame)
    named = frame["service"].notna().to_numpy(dtype=bool)
    frame, failed = frame[named], failed[named]
    service = frame["service"].astype("str").to_numpy()
    totals = pd.Series(failed).groupby(service).sum().sort_values(ascending=False,
                                                                  kind="stable")
    out = {}
    for name in totals[totals > 0].index[:top]:
        rows = frame[service == name]
        out[str(name)] = rate_and_ratio(rows, start, end, width)["ratio"]
    return out
