"""The analysis span: the time range the evidence really covers, outlying timestamps left out.

Every per-bin array (the error ratio, the clock-skew counts, the charts' rates) is as long as
the span it covers. One row at Go's zero time (``0001-01-01``) or at the Unix epoch, from a
clock that was never set or a field left empty, would stretch per-minute bins across two
thousand years: 8 GiB of counters for one bad line. So the span is decided by the bulk of
the events, not by their extremes:

- the middle half of the times (first to third quartile) sets the scale, which stays
  right while up to a quarter of the rows are wrong;
- a time more than ``FENCE`` times that range (and at least ``MIN_MARGIN``) before the
  first quartile or after the third is an outlier, as is a missing time (NaT). Outliers
  stay in the frame, where a key event or a count may still use them, but are left out of
  every binning, and a warning names how many and the first few;
- a span that still needs more than ``MAX_BINS`` bins is refused with an error naming its
  first and last rows.

Binning code asks :func:`analysis_span` for the span instead of taking ``min()`` and
``max()`` of the times.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from postmortem_kit.errors import PostmortemKitError, PostmortemKitWarning

# A three-day slow burn inside a week of evidence has an interquartile range of days and
# keeps months of margin; a row decades away is out whatever the evidence looks like.
FENCE = 3.0
MIN_MARGIN = pd.Timedelta("30D")
# Per-bin arrays of this length cost a few MB each: about a year of one-minute bins.
MAX_BINS = 500_000
_EXAMPLES = 3


@dataclass(frozen=True)
class AnalysisSpan:
    """The time range binned, and which rows were left out of it.

    Attributes
    ----------
    start, end
        The first and last time kept (UTC).
    fence
        ``(lo, hi)``: a time outside is an outlier. Shifting the kept rows by less than
        ``MIN_MARGIN`` (a clock correction) keeps them inside; see :meth:`refit`.
    outside
        Per row of the frame it was computed on: True for an outlier or a missing time.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    fence: tuple[pd.Timestamp, pd.Timestamp]
    outside: np.ndarray

    @property
    def left_out(self) -> int:
        """How many rows are outside the span."""
        return int(self.outside.sum())

    def origin(self, freq: pd.Timedelta) -> int:
        """Start of the first bin, in microseconds since the epoch (a multiple of ``freq``)."""
        width = _micros_of(freq)
        return _us(self.start) // width * width

    def bins(self, freq: pd.Timedelta) -> int:
        """How many bins of ``freq``, from :meth:`origin`, the span needs."""
        width = _micros_of(freq)
        return int(_us(self.end) // width - _us(self.start) // width + 1)

    def refit(self, events: pd.DataFrame) -> AnalysisSpan | None:
        """The span of ``events`` (e.g. after clock corrections) with this span's fence.

        The fence is kept rather than recomputed, so the same rows stay out and no second
        warning is given.
        """
        low, high = self.fence
        return _fit(_micros(events["timestamp"]), (_us(low), _us(high)))


def analysis_span(events: pd.DataFrame, *, freq: str | pd.Timedelta | None = None,
                  left_out_of: str | None = "the time bins") -> AnalysisSpan | None:
    """The span to bin ``events`` over, outliers left out (see the module docstring).

    Parameters
    ----------
    events
        A frame with a ``timestamp`` column; ``source`` and ``line``, when present, name
        the rows in the warning and the error.
    freq
        The bin width about to be used: a span needing more than :data:`MAX_BINS` bins of
        it raises PostmortemKitError naming its first and last rows.
    left_out_of
        What the outliers are left out of, for the warning (None: no warning).

    Returns
    -------
    AnalysisSpan or None
        None when no row has a time.

    Examples
    --------
    >>> span = analysis_span(events, freq="1min")                     # doctest: +SKIP
    >>> span.start, span.end, span.left_out                           # doctest: +SKIP
    """
    micros = _micros(events["timestamp"])
    valid = micros != _NAT
    if not valid.any():
        return None
    fence = _fence(events["timestamp"], micros, valid)
    span = _fit(micros, fence)
    if span is None:  # cannot happen: the quartiles themselves are inside the fence
        return None
    if left_out_of is not None and span.left_out:
        warnings.warn(_left_out_message(events, span, left_out_of), PostmortemKitWarning,
                      stacklevel=2)
    if freq is not None:
        check_bins(span, pd.Timedelta(freq), events)
    return span


def check_bins(span: AnalysisSpan, freq: pd.Timedelta,
               events: pd.DataFrame | None = None) -> None:
    """Raise PostmortemKitError when ``span`` needs more than :data:`MAX_BINS` bins of ``freq``.

    ``events`` (the frame the span was computed on) lets the error name the rows at either
    end.
    """
    needed = span.bins(freq)
    if needed <= MAX_BINS:
        return
    first = last = None
    if events is not None:
        times = events["timestamp"]
        inside = ~span.outside
        first = _describe_rows(events, np.flatnonzero(inside & (times == span.start).to_numpy(
            dtype=bool, na_value=False))[:1])
        last = _describe_rows(events, np.flatnonzero(inside & (times == span.end).to_numpy(
            dtype=bool, na_value=False))[:1])
    raise PostmortemKitError(
        f"the events run from {first or _iso(span.start)} to {last or _iso(span.end)}: "
        f"{needed:,} bins of {_freq_text(freq)}, more than {MAX_BINS:,}. If those times are "
        "right, pass a wider freq= (e.g. '1h') or cut the events to the incident; if not, "
        "drop or fix the rows with wrong times")


# -- internals ------------------------------------------------------------------------------

_NAT = np.iinfo(np.int64).min


def _micros(times: pd.Series) -> np.ndarray:
    """Integer microseconds since the epoch (UTC); NaT as the minimum int64."""
    return np.asarray(pd.DatetimeIndex(times.astype("datetime64[us, UTC]")).asi8)


def _micros_of(delta: pd.Timedelta) -> int:
    return max(int(delta / pd.Timedelta(microseconds=1)), 1)


def _us(value: pd.Timestamp) -> int:
    # Not Timestamp.value: that is nanoseconds, which overflow before year 1678.
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    return int(stamp.to_datetime64().astype("datetime64[us]").astype(np.int64))


def _ts(micros: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(micros, "us")).tz_localize("UTC")


def _fence(times: pd.Series, micros: np.ndarray, valid: np.ndarray) -> tuple[int, int]:
    values = micros if valid.all() else micros[valid]
    lower, upper = quartile_ranks(len(values))
    if values is micros and times.is_monotonic_increasing:
        q1, q3 = int(values[lower]), int(values[upper])  # events frames come sorted
    else:
        part = np.partition(values, (lower, upper))
        q1, q3 = int(part[lower]), int(part[upper])
    return fence_around(q1, q3)


def quartile_ranks(n: int) -> tuple[int, int]:
    """The 0-based ranks of the first and third quartiles among ``n`` sorted times."""
    return (n - 1) // 4, (3 * (n - 1)) // 4


def fence_around(q1: int, q3: int) -> tuple[int, int]:
    """The fence (microseconds) around the quartiles ``q1`` and ``q3`` (module docstring)."""
    margin = max(int(FENCE * (q3 - q1)), _micros_of(MIN_MARGIN))
    # Clipped so that a fence beyond what datetime64 can hold stays a valid time.
    bound = np.iinfo(np.int64).max // 2
    return max(q1 - margin, -bound), min(q3 + margin, bound)


def _fit(micros: np.ndarray, fence: tuple[int, int]) -> AnalysisSpan | None:
    lo, hi = fence
    valid = micros != _NAT
    inside = valid & (micros >= lo) & (micros <= hi)
    if not inside.any():
        return None
    kept = micros[inside] if not inside.all() else micros
    return AnalysisSpan(_ts(int(kept.min())), _ts(int(kept.max())), (_ts(lo), _ts(hi)),
                        ~inside)


def _left_out_message(events: pd.DataFrame, span: AnalysisSpan, what: str) -> str:
    rows = np.flatnonzero(span.outside)
    times = events["timestamp"].iloc[rows]
    # The most distant first: those are the ones worth looking at.
    distance = (times - span.start).abs().to_numpy()
    order = rows[np.argsort(-np.nan_to_num(distance.astype("float64"), nan=np.inf),
                            kind="stable")][:_EXAMPLES]
    examples = _describe_rows(events, order)
    more = f" and {len(rows) - len(order):,} more" if len(rows) > len(order) else ""
    timeless = times.isna().any()
    noun = "event lies" if len(rows) == 1 else "events lie"
    return (f"{len(rows):,} {noun} far outside the rest of the evidence ({_iso(span.start)} "
            f"to {_iso(span.end)}){' or have no time,' if timeless else ''} and are left out "
            f"of {what}: {examples}"
            f"{more}. A clock that was never set (0001-01-01, 1970-01-01) or a wrong year? "
            "Fix or drop those rows.")


def _describe_rows(events: pd.DataFrame, rows: np.ndarray) -> str:
    parts = []
    for i in rows:
        row = events.iloc[int(i)]
        where = [str(row["source"])] if "source" in events and pd.notna(row["source"]) else []
        if "line" in events and pd.notna(row["line"]):
            where.append(f"line {int(row['line'])}")
        text = _iso(row["timestamp"])
        parts.append(f"{text} ({' '.join(where)})" if where else text)
    return ", ".join(parts)


def _iso(value: pd.Timestamp) -> str:
    if pd.isna(value):
        return "no time"
    # isoformat, not strftime: "%Y" writes year 1 as "1", and year 1 is what we warn about.
    return pd.Timestamp(value).tz_convert("UTC").isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _freq_text(freq: pd.Timedelta) -> str:
    """``1min``, ``90s``, ``1D``: as a user writes ``freq=``."""
    micros = _micros_of(freq)
    for unit, size in (("D", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000),
                       ("s", 1_000_000), ("ms", 1_000), ("us", 1)):
        if micros % size == 0:
            return f"{micros // size}{unit}"
    return str(freq)
