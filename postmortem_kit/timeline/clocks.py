"""Clock skew between evidence sources, estimated from the failures they both saw.

A load balancer whose clock runs four minutes fast moves the impact start four minutes
late and makes the alert look early. When two sources record the same failures (an access
log's 5xx and the application's error records), the lag that best lines up their
per-minute failure counts is the skew between their clocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from postmortem_kit.timeline.ratio import bin_edges
from postmortem_kit.timeline.rules import FailureRule, failed_rows
from postmortem_kit.timeline.span import (
    _NAT,
    AnalysisSpan,
    _micros,
    _micros_of,
    _ts,
    analysis_span,
    check_bins,
)

MIN_FAILURES = 10  # a source with fewer failures has no shape to line up
MIN_CORRELATION = 0.6
# The best lag must remove at least half of what no lag leaves unexplained (1 − corr), so
# noise that makes a neighbouring lag marginally better is not taken for skew.
MIN_GAIN_SHARE = 0.5


def pick_reference(events: pd.DataFrame) -> str | None:
    """The source to trust: the one with the most error-level log records.

    Application logs are written by hosts whose clocks are kept in sync with the deploy
    system and the alerting stack; request logs often come from edge appliances.
    """
    return _reference_of(error_records(events))


def error_records(events: pd.DataFrame) -> pd.Series:
    """Error-level log records per source, most first (what :func:`pick_reference` reads;
    counts of parts of the events add up)."""
    logs = events[(events["kind"] == "log") & (events["level"] >= "error").fillna(False)]
    return logs["source"].value_counts()


def _reference_of(counts: pd.Series) -> str | None:
    if not len(counts):
        return None
    return str(counts.index[0]) if counts.iloc[0] >= MIN_FAILURES else None


def estimate_clock_offsets(
    events: pd.DataFrame,
    *,
    reference: str | None = None,
    failure: FailureRule | None = None,
    freq: str | pd.Timedelta = "1min",
    max_lag: str | pd.Timedelta = "15min",
    span: AnalysisSpan | None = None,
) -> dict[str, pd.Timedelta]:
    """Per-source corrections (to add to that source's timestamps) relative to ``reference``.

    Only sources whose failures line up clearly better at some lag than at none are listed;
    an empty dict means no skew was found (or nothing to measure it with). Failures are
    counted over their analysis span, so one with a wrong year is left out instead of
    sizing the counts; ``span`` (``derive_timeline``'s span of all events) gives the fence
    to use instead of finding one and warning again.
    """
    reference = reference or pick_reference(events)
    if reference is None or not len(events):
        return {}
    failed = failed_rows(events, failure)
    rows = events[failed]
    if not len(rows):
        return {}
    freq = pd.Timedelta(freq)
    if span is None:
        span = analysis_span(rows, freq=freq, left_out_of="the clock-skew estimate")
    else:
        span = span.refit(rows)
        if span is not None:
            check_bins(span, freq)
    if span is None:
        return {}
    bins, _, _, nbins = bin_edges(rows["timestamp"], span, freq)
    keep = (bins >= 0) & (bins < nbins)
    bins = bins[keep]
    sources = rows["source"].to_numpy()[keep]
    counts = {str(source): np.bincount(bins[sources == source], minlength=nbins)
              for source in np.unique(sources)}
    return lagged_offsets(counts, reference=reference, freq=freq, max_lag=max_lag)


def lagged_offsets(counts: Mapping[str, np.ndarray], *, reference: str,
                   freq: pd.Timedelta, max_lag: str | pd.Timedelta = "15min",
                   ) -> dict[str, pd.Timedelta]:
    """The corrections from per-source failure counts per bin (the last step of
    :func:`estimate_clock_offsets`, however the counts were made).

    Parameters
    ----------
    counts
        Failures per bin of ``freq`` over the span, per source (sources in sorted order).
    reference
        The source the others are lined up with.
    freq, max_lag
        The bin width, and the largest skew looked for.
    """
    if reference not in counts or counts[reference].sum() < MIN_FAILURES:
        return {}
    ref = counts[reference].astype(float)
    reach = max(int(pd.Timedelta(max_lag) / freq), 1)
    offsets: dict[str, pd.Timedelta] = {}
    for source, tally in counts.items():
        if source == reference or tally.sum() < MIN_FAILURES:
            continue
        scores = {lag: _corr(ref, np.roll(tally.astype(float), -lag))
                  for lag in range(-reach, reach + 1)}
        best = max(scores, key=lambda lag: scores[lag])
        gain = scores[best] - scores[0]
        if best and scores[best] >= MIN_CORRELATION and gain >= MIN_GAIN_SHARE * (1 - scores[0]):
            offsets[source] = -best * freq
    return offsets


@dataclass
class FailureTally:
    """What :func:`estimate_clock_offsets` reads of a part of the events, in a form whose
    parts add up (:func:`add_failure_tallies`) and whose size does not grow with the rows:
    error-level records per source, failures per source and bin, the span's ends."""

    errors: pd.Series = field(default_factory=lambda: pd.Series([], dtype="int64"))
    # failures per (source, bin of freq counted from the epoch), rows without a time left out
    bins: pd.Series = field(default_factory=lambda: pd.Series([], dtype="int64"))
    low: int | None = None  # the first and last failure inside the fence (microseconds)
    high: int | None = None


def failure_tally(events: pd.DataFrame, *, fence: tuple[int, int], freq: pd.Timedelta,
                  failure: FailureRule | None = None) -> FailureTally:
    """The :class:`FailureTally` of ``events`` (any part of them: a cluster's partition).

    Parameters
    ----------
    events
        Events frame (``kind``, ``level``, ``source``, ``timestamp``, what ``failure`` reads).
    fence
        The analysis span's fence, in microseconds since the epoch.
    freq
        The bin width.
    failure
        The user's failure rule (default: 5xx requests), as in :func:`estimate_clock_offsets`.
    """
    failed = failed_rows(events, failure)
    micros = _micros(events["timestamp"])[failed]
    sources = events["source"].to_numpy()[failed]
    valid = micros != _NAT
    bins = pd.DataFrame({"source": sources[valid], "bin": micros[valid] // _micros_of(freq)})
    inside = micros[valid & (micros >= fence[0]) & (micros <= fence[1])]
    return FailureTally(errors=error_records(events), bins=bins.value_counts(sort=False),
                        low=int(inside.min()) if len(inside) else None,
                        high=int(inside.max()) if len(inside) else None)


def add_failure_tallies(tallies: list[FailureTally]) -> FailureTally:
    """The :class:`FailureTally` of the union of the parts ``tallies`` count."""
    errors = [t.errors for t in tallies if len(t.errors)]
    bins = [t.bins for t in tallies if len(t.bins)]
    lows = [t.low for t in tallies if t.low is not None]
    highs = [t.high for t in tallies if t.high is not None]
    return FailureTally(
        errors=pd.concat(errors).groupby(level=0, sort=False).sum().sort_values(
            ascending=False, kind="stable") if errors else FailureTally().errors,
        bins=pd.concat(bins).groupby(level=[0, 1]).sum() if bins else FailureTally().bins,
        low=min(lows) if lows else None, high=max(highs) if highs else None)


def offsets_from_tally(tally: FailureTally, *, freq: pd.Timedelta,
                       reference: str | None = None, max_lag: str | pd.Timedelta = "15min",
                       ) -> dict[str, pd.Timedelta]:
    """:func:`estimate_clock_offsets` (given the span) from the :class:`FailureTally` of
    every event."""
    reference = reference or _reference_of(tally.errors)
    if reference is None or tally.low is None or tally.high is None:
        return {}
    span = AnalysisSpan(_ts(tally.low), _ts(tally.high), (_ts(tally.low), _ts(tally.high)),
                        np.zeros(0, dtype=bool))
    check_bins(span, freq)
    width = _micros_of(freq)
    first, nbins = tally.low // width, span.bins(freq)
    counts: dict[str, np.ndarray] = {}
    for source, rows in tally.bins.groupby(level=0, sort=True):
        bins = rows.index.get_level_values(1).to_numpy(dtype="int64") - first
        keep = (bins >= 0) & (bins < nbins)
        counts[str(source)] = np.bincount(bins[keep], weights=rows.to_numpy()[keep],
                                          minlength=nbins).astype("int64")
    return lagged_offsets(counts, reference=reference, freq=freq, max_lag=max_lag)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
