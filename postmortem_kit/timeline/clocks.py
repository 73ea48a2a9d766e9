"""Clock skew between evidence sources, estimated from the failures they both saw.

A load balancer whose clock runs four minutes fast moves the impact start four minutes
late and makes the alert look early. When two sources record the same failures (an access
log's 5xx and the application's error records), the lag that best lines up their
per-minute failure counts is the skew between their clocks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.timeline.ratio import bin_edges
from postmortem_kit.timeline.rules import FailureRule, failed_rows
from postmortem_kit.timeline.span import AnalysisSpan, analysis_span, check_bins

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
    logs = events[(events["kind"] == "log") & (events["level"] >= "error").fillna(False)]
    if not len(logs):
        return None
    counts = logs["source"].value_counts()
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
    ref = np.bincount(bins[sources == reference], minlength=nbins).astype(float)
    if ref.sum() < MIN_FAILURES:
        return {}
    reach = max(int(pd.Timedelta(max_lag) / freq), 1)
    offsets: dict[str, pd.Timedelta] = {}
    for source in np.unique(sources):
        if source == reference:
            continue
        counts = np.bincount(bins[sources == source], minlength=nbins).astype(float)
        if counts.sum() < MIN_FAILURES:
            continue
        scores = {lag: _corr(ref, np.roll(counts, -lag)) for lag in range(-reach, reach + 1)}
        best = max(scores, key=lambda lag: scores[lag])
        gain = scores[best] - scores[0]
        if best and scores[best] >= MIN_CORRELATION and gain >= MIN_GAIN_SHARE * (1 - scores[0]):
            offsets[str(source)] = -best * freq
    return offsets


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
