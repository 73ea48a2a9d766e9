"""Binning on the analysis span, the error ratio per bin, and failures per service or path.

Binning is done on integer microseconds with ``numpy.bincount``, not ``resample``: it is
the hot path on tens of millions of events and needs no sort. The bins cover the
:func:`~postmortem_kit.timeline.span.analysis_span`, never simply the earliest to the latest
time, so one row with a wrong year cannot size the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from postmortem_kit.timeline.rules import FailureRule, log_failed, request_failed
from postmortem_kit.timeline.span import AnalysisSpan, analysis_span, check_bins


@dataclass(frozen=True)
class RatioSeries:
    """Per-bin counts of one signal, with what it was computed from."""

    frame: pd.DataFrame  # index: bin start (UTC); columns requests, failures, ratio
    basis: str  # "requests" or "logs"
    rule: str  # what counted as a failure, in words


RULE_COLUMNS = ("timestamp", "kind", "level", "status", "latency_ms")


def narrow_columns(events: pd.DataFrame, *extra: str) -> list[str]:
    """The columns the default failure rules read, plus ``extra``, that ``events`` has."""
    return [c for c in (*RULE_COLUMNS, *extra) if c in events.columns]


def bin_edges(times: pd.Series, span: AnalysisSpan, freq: pd.Timedelta
              ) -> tuple[np.ndarray, int, int, int]:
    """Bin numbers of ``times`` over ``span``: ``(bins, first, width, nbins)``.

    ``first`` is the first bin's start and ``width`` the bin width, in microseconds;
    ``nbins`` bins cover the span. A time outside the span (an outlier, NaT) gets a number
    outside ``[0, nbins)``: callers keep ``(bins >= 0) & (bins < nbins)``.
    """
    micros = pd.DatetimeIndex(times.astype("datetime64[us, UTC]")).asi8
    width = int(freq / pd.Timedelta(microseconds=1))
    first = span.origin(freq)
    with np.errstate(over="ignore"):  # NaT is the minimum int64: far out, as it should be
        bins = (micros - first) // width
    return bins, first, width, span.bins(freq)


def bin_index(span: AnalysisSpan, freq: pd.Timedelta) -> pd.DatetimeIndex:
    """The bin starts (UTC) covering ``span`` in bins of ``freq``."""
    width = int(freq / pd.Timedelta(microseconds=1))
    return _index(span.origin(freq), width, span.bins(freq))


def _index(first: int, width: int, nbins: int) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        (first + np.arange(nbins, dtype="int64") * width).astype("datetime64[us]"),
        name="bin").tz_localize("UTC")


def count_bins(bins: np.ndarray, failures: np.ndarray, first: int, width: int,
               nbins: int) -> pd.DataFrame:
    """Requests, failures and ratio per bin (bins with no traffic have ratio NaN)."""
    requests = np.bincount(bins, minlength=nbins)
    failed = np.bincount(bins, weights=failures.astype("float64"), minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(requests > 0, failed / np.maximum(requests, 1), np.nan)
    index = _index(first, width, nbins)
    return pd.DataFrame({"requests": requests.astype("int64"),
                         "failures": failed.astype("int64"), "ratio": ratio}, index=index)


def error_ratio(
    events: pd.DataFrame,
    *,
    freq: str | pd.Timedelta = "1min",
    failure: FailureRule | None = None,
    span: AnalysisSpan | None = None,
) -> RatioSeries:
    """Per-bin error ratio of the incident's main signal.

    Requests (``kind == "request"``) are the signal when there are any, a failure being a
    5xx unless ``failure`` says otherwise; otherwise log records, a failure being a record
    at level error or critical. ``span`` (an :class:`~postmortem_kit.timeline.span.
    AnalysisSpan`) fixes the bins to cover, so different signals line up; by default they
    cover the analysis span of the chosen records.
    """
    freq = pd.Timedelta(freq)
    kind = events["kind"]
    is_request = kind == "request"
    # The default rules need a few columns: taking only those keeps the row filter cheap
    # on tens of millions of events. A custom rule may look at anything.
    cols = list(events.columns) if failure is not None else narrow_columns(events)
    if is_request.any():
        rows, basis = events.loc[is_request, cols], "requests"
        rule = failure or request_failed
    else:
        rows = events.loc[(kind == "log") & events["level"].notna(), cols]
        basis, rule = "logs", failure or log_failed
    if span is None and len(rows):
        span = analysis_span(rows, freq=freq, left_out_of="the error-ratio bins")
    elif span is not None:
        check_bins(span, freq)
    if not len(rows) or span is None:
        empty = pd.DataFrame({"requests": pd.Series([], dtype="int64"),
                              "failures": pd.Series([], dtype="int64"),
                              "ratio": pd.Series([], dtype="float64")},
                             index=pd.DatetimeIndex([], tz="UTC", name="bin"))
        return RatioSeries(empty, "none", "no requests or leveled logs")
    failed = np.asarray(rule(rows), dtype=bool)
    bins, first, width, nbins = bin_edges(rows["timestamp"], span, freq)
    keep = (bins >= 0) & (bins < nbins)
    frame = count_bins(bins[keep], failed[keep], first, width, nbins)
    return RatioSeries(frame, basis, (rule.__doc__ or "custom rule").strip().split("\n")[0])


def ratio_by(events: pd.DataFrame, column: str, *, start: pd.Timestamp, end: pd.Timestamp,
             failure: FailureRule | None = None) -> pd.DataFrame:
    """Requests, failures and ratio per value of ``column`` (service, path) in [start, end]."""
    return ratio_table([ratio_tally(events, column, start=start, end=end, failure=failure)])


def ratio_tally(events: pd.DataFrame, column: str, *, start: pd.Timestamp, end: pd.Timestamp,
                failure: FailureRule | None = None) -> pd.DataFrame | None:
    """The requests in [start, end] and their failures per value of ``column``: columns
    ``size`` and ``sum``, indexed by the value; None when ``events`` lack ``column``.
    Tallies of parts of the events add up (:func:`ratio_table`)."""
    if column not in events:
        return None
    mask = ((events["kind"] == "request") & (events["timestamp"] >= start)
            & (events["timestamp"] <= end))
    cols = list(events.columns) if failure is not None else narrow_columns(events, column)
    rows = events.loc[mask, cols]
    failed = np.asarray((failure or request_failed)(rows), dtype=bool) if len(rows) else \
        np.zeros(0, dtype=bool)
    return pd.DataFrame({"key": rows[column].to_numpy(), "failed": failed}).groupby(
        "key", dropna=True)["failed"].agg(["size", "sum"])


def ratio_table(tallies: list[pd.DataFrame | None]) -> pd.DataFrame:
    """:func:`ratio_by`'s table from the tallies of parts of the events (None: the column
    was in none of them)."""
    found = [t for t in tallies if t is not None]
    if not found or not any(len(t) for t in found):
        return pd.DataFrame(columns=["requests", "failures", "ratio"])
    grouped = found[0] if len(found) == 1 else \
        pd.concat([t for t in found if len(t)]).groupby(level=0, sort=True).sum()
    out = pd.DataFrame({"requests": grouped["size"].astype("int64"),
                        "failures": grouped["sum"].astype("int64")})
    out["ratio"] = out["failures"] / out["requests"]
    return out.sort_values(["failures", "ratio"], ascending=False)
