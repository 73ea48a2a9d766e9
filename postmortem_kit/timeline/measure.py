"""Each SLI measured over the analysis span: its per-bin series, its threshold, its impact.

:func:`measure` bins the rows an SLI reads (over the :mod:`~postmortem_kit.timeline.span`,
like every binning) into ``requests`` (events, or metric samples), ``failures`` (bad
events, or the sum of a ratio metric's samples), ``ratio`` and ``value`` (the SLI in its
unit: the error ratio, or the bin's latency quantile in ms), learns a latency threshold
when none is given, and finds the impact window in the series
(:func:`~postmortem_kit.timeline.window.detect_window`). :func:`union` joins the episodes
of every SLI that found impact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from postmortem_kit.errors import PostmortemKitError
from postmortem_kit.timeline.ratio import bin_edges, bin_index
from postmortem_kit.timeline.rules import (
    SLI,
    ErrorRatio,
    FailureRule,
    Latency,
    UserRule,
    supported_slis,
)
from postmortem_kit.timeline.span import AnalysisSpan, check_bins
from postmortem_kit.timeline.window import ImpactWindow, WindowSettings, detect_window

SERIES_COLUMNS = ("requests", "failures", "ratio", "value")


@dataclass(frozen=True)
class Measurement:
    """One SLI as measured: the SLI with its threshold set, its series and its window."""

    sli: SLI
    series: pd.DataFrame  # index: bin start (UTC); requests, failures, ratio, value
    window: ImpactWindow

    @property
    def found(self) -> bool:
        """Whether this SLI shows impact."""
        return len(self.window.episodes) > 0


def rows_key(sli: SLI) -> tuple:
    """SLIs with equal keys read the same rows (:func:`select_rows`)."""
    return (sli.source, sli.metric, sli.columns)


def select_rows(sli: SLI, events: pd.DataFrame, within: np.ndarray | None = None,
                ) -> pd.DataFrame:
    """The rows ``sli`` reads (of those ``within`` marks, when given), narrowed to the
    columns it needs: a cheap filter on tens of millions of events."""
    cols = sli.columns
    keep = list(events.columns) if cols is None else \
        [c for c in (*cols, "source", "line") if c in events.columns]
    mask = sli.select(events)
    return events.loc[mask if within is None else mask & within, keep]


def measure(sli: SLI, events: pd.DataFrame, *, span: AnalysisSpan, freq: pd.Timedelta,
            window: WindowSettings, baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None,
            rows: pd.DataFrame | None = None) -> Measurement:
    """Measure ``sli`` on ``events`` over ``span`` in bins of ``freq`` (module docstring).

    ``rows``: what :func:`select_rows` gives for ``sli``, when the caller has it already
    (the error ratio and the latency of requests read the same rows).
    """
    check_bins(span, freq)
    rows = select_rows(sli, events) if rows is None else rows
    bins, values, nbins = binned_values(sli, rows, span, freq)
    samples = np.bincount(bins, minlength=nbins).astype("float64")
    value = _bin_value(sli, bins, values, samples, nbins)

    def failures_over(limit: float | None) -> np.ndarray:
        # 1.0 for a bad event, 0.0 for a good one; a ratio metric's samples summed
        weights = values if limit is None else (values > limit).astype("float64")
        return np.bincount(bins, weights=weights, minlength=nbins)

    return measure_bins(sli, index=bin_index(span, freq), samples=samples, value=value,
                        failures_over=failures_over, window=window, baseline=baseline)


def binned_values(sli: SLI, rows: pd.DataFrame, span: AnalysisSpan, freq: pd.Timedelta,
                  ) -> tuple[np.ndarray, np.ndarray, int]:
    """``(bins, values, nbins)``: the bin of each of ``rows`` inside the span and its value
    under ``sli`` (rows outside the span, or without a value, left out)."""
    bins, _, _, nbins = bin_edges(rows["timestamp"], span, freq)
    values = sli.values(rows)
    keep = (bins >= 0) & (bins < nbins) & ~np.isnan(values)
    return bins[keep], values[keep], nbins


def measure_bins(sli: SLI, *, index: pd.DatetimeIndex, samples: np.ndarray, value: np.ndarray,
                 failures_over: Callable[[float | None], np.ndarray], window: WindowSettings,
                 baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> Measurement:
    """The end of :func:`measure`, from per-bin numbers however they were counted (here, or
    per partition on a cluster): the threshold learnt, the series, the window.

    ``failures_over(limit)``: bad events per bin, a latency over ``limit`` (None: the
    other SLIs, whose values are 1.0 for a bad event, or a ratio metric's samples).
    """
    if isinstance(sli, Latency) and sli.threshold is None:
        sli = _learn(sli, value, index, baseline)
    if isinstance(sli, Latency):
        failures = failures_over(sli.threshold if sli.threshold is not None else np.inf)
    else:
        failures = failures_over(None)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(samples > 0, failures / np.maximum(samples, 1), np.nan)
    series = pd.DataFrame({"requests": samples.astype("int64"),
                           "failures": failures if not sli.counts else failures.astype("int64"),
                           "ratio": ratio, "value": value}, index=index)
    found = detect_window(series, window, baseline=baseline, counts=sli.counts)
    if isinstance(sli, ErrorRatio):
        sli = replace(sli, threshold=found.baseline.threshold, how=found.baseline.how)
    return Measurement(sli, series, found)


def _bin_value(sli: SLI, bins: np.ndarray, values: np.ndarray, samples: np.ndarray,
               nbins: int) -> np.ndarray:
    """The SLI's value per bin: a latency quantile of requests, else the samples' mean."""
    if isinstance(sli, Latency) and sli.source != "metric":
        return bin_quantile(bins, values, nbins, sli.quantile)
    sums = np.bincount(bins, weights=values, minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(samples > 0, sums / np.maximum(samples, 1), np.nan)


def bin_quantile(bins: np.ndarray, values: np.ndarray, nbins: int, q: float) -> np.ndarray:
    """The ``q`` quantile (nearest rank) of ``values`` in each bin; NaN for empty bins.

    Events come sorted by time, so each bin's values are one slice: a partial sort
    (``np.partition``) per bin is linear in the rows, where sorting them all is not.
    """
    out = np.full(nbins, np.nan)
    if not len(values):
        return out
    if len(bins) > 1 and not (bins[1:] >= bins[:-1]).all():
        order = np.argsort(bins, kind="stable")
        bins, values = bins[order], values[order]
    counts = np.bincount(bins, minlength=nbins)
    ends = np.cumsum(counts)
    for i in np.flatnonzero(counts):
        n = int(counts[i])
        k = max(int(np.ceil(q * n)) - 1, 0)
        out[i] = np.partition(values[ends[i] - n:ends[i]], k)[k]
    return out


def _learn(sli: Latency, value: np.ndarray, index: pd.DatetimeIndex,
           baseline: tuple[pd.Timestamp, pd.Timestamp] | None) -> Latency:
    """The latency threshold from the baseline: its median per-bin quantile × factor.

    The baseline is the given one or, as the window's first pass takes it, the first
    quarter of the evidence: the median over its bins shrugs off an incident in part of it.
    """
    if baseline is not None:
        mask = np.asarray((index >= pd.Timestamp(baseline[0]))
                          & (index < pd.Timestamp(baseline[1])))
        where = "the given baseline"
    else:
        mask = np.zeros(len(index), dtype=bool)
        mask[: max(len(index) // 4, min(30, len(index)))] = True
        where = "the first quarter of the evidence"
    picked = value[mask & np.isfinite(value)]
    if not len(picked):
        picked = value[np.isfinite(value)]
    if not len(picked):
        return replace(sli, how="no latencies to learn a threshold from")
    typical = float(np.median(picked))
    return replace(sli, threshold=typical * sli.factor,
                   how=f"learnt: {sli.factor:g} x the median per-bin "
                       f"{'value' if sli.source == 'metric' else f'p{_pct(sli.quantile)}'} "
                       f"of {where} ({sli.describe(typical)})")


def _pct(q: float) -> str:
    return f"{q * 100:g}"


def union(measurements: list[Measurement]) -> pd.DataFrame:
    """The episodes of every SLI that found impact, overlapping ones joined.

    Columns ``start``, ``end``, ``peak_ratio`` (of the error ratio, NaN when no error
    ratio shows impact there) and ``sli`` (the SLIs that show it, by label).
    """
    spans = []
    for m in measurements:
        for _, ep in m.window.episodes.iterrows():
            spans.append((ep["start"], ep["end"], m))
    spans.sort(key=lambda s: s[0])
    merged: list[list] = []
    for start, end, m in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(end, merged[-1][1])
            if m.sli.label not in merged[-1][2]:
                merged[-1][2].append(m.sli.label)
        else:
            merged.append([start, end, [m.sli.label]])
    rows = []
    for start, end, labels in merged:
        peaks = [m.series["ratio"][(m.series.index >= start) & (m.series.index < end)].max()
                 for m in measurements if (m.found and isinstance(m.sli, ErrorRatio))
                 or (m.found and m.sli.name == "rule")]
        peak = float(np.nanmax(peaks)) if peaks and np.isfinite(peaks).any() else np.nan
        rows.append((start, end, peak, ", ".join(labels)))
    frame = pd.DataFrame(rows, columns=["start", "end", "peak_ratio", "sli"])
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[us, UTC]")
    frame["sli"] = frame["sli"].astype("str")
    return frame


def choose_slis(events: pd.DataFrame, *, wanted: tuple[str | SLI, ...] | None,
                failure: FailureRule | None, slo_latency: pd.Timedelta | None,
                quantile: float, factor: float) -> list[SLI]:
    """The SLIs to measure: ``wanted`` (names or objects), or every one the evidence
    supports (:func:`~postmortem_kit.timeline.rules.supported_slis`). ``failure`` turns
    the requests' error ratio into that user rule; ``slo_latency`` sets latency thresholds.

    Raises PostmortemKitError when an SLI asked for by name (or a latency objective) has
    nothing to be measured on.
    """
    supported = supported_slis(events, quantile=quantile, factor=factor)
    if failure is not None:
        supported = [UserRule("requests", fn=failure)
                     if isinstance(s, ErrorRatio) and s.source == "requests" else s
                     for s in supported]
    if wanted is None:
        chosen = supported
    else:
        chosen = []
        for item in wanted:
            if isinstance(item, SLI):
                chosen.append(item)
                continue
            named = [s for s in supported
                     if s.name == item or (item == "error_ratio" and s.name == "rule")]
            if not named:
                raise PostmortemKitError(_unsupported(item))
            chosen += named
    if slo_latency is not None:
        if wanted is None and not any(isinstance(s, Latency) for s in chosen):
            raise PostmortemKitError(_unsupported("latency"))
        ms = slo_latency / pd.Timedelta(milliseconds=1)
        chosen = [replace(s, threshold=ms, how="slo_latency")
                  if isinstance(s, Latency) and s.threshold is None else s for s in chosen]
    return chosen


def _unsupported(name: str) -> str:
    if name == "latency":
        return ("a latency SLI needs request latencies (the latency_ms column: an access log "
                "with $request_time or %D) or a latency metric (a Prometheus query named "
                "latency_p99), and the evidence has neither")
    return ("an error-ratio SLI needs requests, leveled logs or a metric named error_ratio, "
            "and the evidence has none")
