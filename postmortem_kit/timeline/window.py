"""Impact window: when the error ratio leaves its baseline and when it is back for good.

1. **Baseline** — given, or automatic: a first pass takes the median and MAD of the first
   quarter of the evidence (people collect from before the incident; the median shrugs off
   the part that is not); later passes re-estimate them from the bins before the refined
   start of the first episode, until stable, so a slow burn cannot lift its own baseline.
2. **Threshold** — ``median + k·1.4826·MAD`` but at least ``median + min_excess``: an absolute
   floor so noise on a quiet, error-free service is not an incident. A bin is anomalous
   above it *and* when its failures are significant against the baseline rate:
   ``(f − n·p0) / sqrt(n·p0 + 1) ≥ z`` (a Poisson z-score; the +1 keeps an error-free
   baseline from making one failure significant) and at least ``min_failures``. Sparse
   series (few requests per bin) are judged on a centred rolling sum, so one failure in
   two requests is not 50%.
3. **Episodes** — anomalous bins, merged across gaps shorter than ``merge_gap``.
4. **Edges** — each episode's start and end are refined with a CUSUM of
   ``failures − requests·(p0 + (p1 − p0)/16)`` (``/4`` for the end), p0 the pooled baseline
   ratio and p1 the episode's: the start is where the sum turns upward, the end where it
   peaks. A step change
   is found to the bin, and a ramp where it first clearly exceeds the baseline rather than
   where it crosses the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class WindowSettings:
    k: float = 4.0  # MAD multiplier
    min_excess: float = 0.01  # ratio must exceed the baseline median by this much
    min_failures: int = 3  # per (smoothed) bin
    z: float = 4.0  # significance of a bin's failures against the baseline rate
    min_requests: int = 20  # below this median per bin, judge on a rolling sum
    merge_gap: pd.Timedelta = pd.Timedelta("10min")
    edge_search: pd.Timedelta = pd.Timedelta("60min")  # how far CUSUM looks past an episode
    # A metric has no counts to test a short excursion against (one slow request lifts a
    # p99 for a whole rate window): its anomalies must last this many bins, like an
    # alert's ``for: 3m``.
    metric_min_bins: int = 3


@dataclass(frozen=True)
class Baseline:
    median: float
    mad: float
    pooled: float  # failures / requests over the baseline bins
    threshold: float
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    how: str


@dataclass(frozen=True)
class ImpactWindow:
    baseline: Baseline
    episodes: pd.DataFrame  # start, end, peak_ratio, failures, requests
    anomalous: pd.Series  # bool per bin


def _smoothed(frame: pd.DataFrame, settings: WindowSettings) -> tuple[np.ndarray, np.ndarray]:
    req = frame["requests"].to_numpy(dtype="float64")
    fail = frame["failures"].to_numpy(dtype="float64")
    active = req[req > 0]
    typical = float(np.median(active)) if len(active) else 0.0
    if typical >= settings.min_requests or not len(active):
        return req, fail
    width = int(np.ceil(settings.min_requests / max(typical, 1e-9)))
    width = min(width | 1, 61)  # odd, centred, and never wider than an hour of 1-min bins
    kernel = np.ones(width)
    # A centred rolling sum as long as the series: numpy's mode="same" returns the kernel's
    # length instead when the series is shorter than the kernel (evidence within a few bins).
    half = width // 2

    def rolling(values: np.ndarray) -> np.ndarray:
        return np.convolve(values, kernel, mode="full")[half:half + len(values)]

    return rolling(req), rolling(fail)


def _baseline(ratio: np.ndarray, req: np.ndarray, fail: np.ndarray, index: pd.DatetimeIndex,
              mask: np.ndarray,
              settings: WindowSettings, how: str) -> Baseline:
    use = mask & (req > 0)
    if not use.any():
        use = req > 0
    values = ratio[use]
    median = float(np.median(values)) if len(values) else 0.0
    mad = float(np.median(np.abs(values - median))) if len(values) else 0.0
    pooled = float(fail[use].sum() / req[use].sum()) if use.any() else 0.0
    threshold = max(median + settings.k * 1.4826 * mad, median + settings.min_excess)
    picked = index[mask] if mask.any() else index
    return Baseline(median, mad, pooled, threshold, picked.min() if len(picked) else None,
                    picked.max() if len(picked) else None, how)


def detect_window(frame: pd.DataFrame, settings: WindowSettings | None = None,
                  baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None, *,
                  counts: bool = True) -> ImpactWindow:
    """Find the impact episodes in a per-bin ``requests``/``failures``/``ratio`` frame.

    ``counts`` False: the frame averages the samples of a metric (``failures`` is the sum
    of the samples' values) rather than counting events, so no bin is widened into a
    rolling sum and no Poisson test applies: a bin is anomalous above the threshold.
    """
    settings = settings or WindowSettings()
    if not counts:
        settings = replace(settings, min_failures=0, z=-np.inf, min_requests=0)
    index = pd.DatetimeIndex(frame.index)
    if not len(frame):
        empty = Baseline(0.0, 0.0, 0.0, settings.min_excess, None, None, "no data")
        return ImpactWindow(empty, _episodes_frame([]), pd.Series([], dtype=bool))
    req, fail = _smoothed(frame, settings)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(req > 0, fail / np.maximum(req, 1e-9), 0.0)

    raw_req = frame["requests"].to_numpy(dtype="float64")
    raw_fail = frame["failures"].to_numpy(dtype="float64")

    def find(base: Baseline) -> tuple[np.ndarray, list[tuple[int, int]]]:
        anomalous = _anomalous(ratio, req, fail, base, settings)
        if not counts:
            anomalous = _sustained(anomalous, settings.metric_min_bins)
        spans = _group(anomalous, index, settings.merge_gap)
        # Each episode's edges may move only into the quiet time before and after it.
        bounds = [(spans[i - 1][1] + 1 if i else 0,
                   spans[i + 1][0] - 1 if i + 1 < len(spans) else len(index) - 1)
                  for i in range(len(spans))]
        refined = [_refine(a, b, lo, hi, raw_req, raw_fail, base, index, settings,
                           shares=(1 / 16, 1 / 4) if counts else (1 / 2, 1 / 2))
                   for (a, b), (lo, hi) in zip(spans, bounds, strict=True)]
        return anomalous, _merge(refined)

    if baseline is not None:
        mask = (index >= pd.Timestamp(baseline[0])) & (index < pd.Timestamp(baseline[1]))
        base = _baseline(ratio, req, fail, index, np.asarray(mask), settings, "given")
        anomalous, spans = find(base)
    else:
        # Evidence is collected from before the incident, so its first quarter is mostly
        # normal operation; the median keeps the rest of it honest.
        first = np.zeros(len(index), bool)
        first[: max(len(index) // 4, min(30, len(index)))] = True
        base = _baseline(ratio, req, fail, index, first, settings,
                         "first quarter of the evidence (first pass)")
        anomalous, spans = find(base)
        cut = len(index)
        for _ in range(4):
            # A slow burn's early bins pollute a baseline that runs up to its first
            # anomalous bin: re-estimate from before the refined start until it is stable.
            if not spans or spans[0][0] - 5 >= cut or spans[0][0] - 5 < 10:
                break
            cut = spans[0][0] - 5
            mask = np.zeros(len(index), bool)
            mask[:cut] = True
            base = _baseline(ratio, req, fail, index, mask, settings, "bins before the impact")
            anomalous, spans = find(base)
    rows = []
    for a, b in spans:
        sl = slice(a, b + 1)
        r, f = raw_req[sl].sum(), raw_fail[sl].sum()
        peak = np.nanmax(frame["ratio"].to_numpy()[sl]) if b >= a else np.nan
        end = index[b] + _width(index) if b + 1 >= len(index) else index[b + 1]
        rows.append((index[a], end, float(peak), int(f), int(r)))
    return ImpactWindow(base, _episodes_frame(rows), pd.Series(anomalous, index=index))


def _width(index: pd.DatetimeIndex) -> pd.Timedelta:
    return index[1] - index[0] if len(index) > 1 else pd.Timedelta("1min")


def _anomalous(ratio, req, fail, base: Baseline, settings: WindowSettings) -> np.ndarray:
    expected = req * base.pooled
    z = (fail - expected) / np.sqrt(expected + 1)
    return (ratio > base.threshold) & (fail >= settings.min_failures) & (z >= settings.z)


def _sustained(anomalous: np.ndarray, min_bins: int) -> np.ndarray:
    """``anomalous`` without the runs shorter than ``min_bins`` bins."""
    if min_bins <= 1 or not anomalous.any():
        return anomalous
    edges = np.diff(np.concatenate([[0], anomalous.astype("int8"), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = np.zeros_like(anomalous)
    for a, b in zip(starts, ends, strict=True):
        if b - a >= min_bins:
            out[a:b] = True
    return out


def _group(anomalous: np.ndarray, index: pd.DatetimeIndex, gap: pd.Timedelta
           ) -> list[tuple[int, int]]:
    positions = np.flatnonzero(anomalous)
    if not len(positions):
        return []
    max_gap = max(int(gap / _width(index)), 1)
    spans, start, prev = [], positions[0], positions[0]
    for p in positions[1:]:
        if p - prev > max_gap:
            spans.append((int(start), int(prev)))
            start = p
        prev = p
    spans.append((int(start), int(prev)))
    return spans


def _refine(a: int, b: int, lo: int, hi: int, req, fail, base: Baseline,
            index: pd.DatetimeIndex, settings: WindowSettings,
            shares: tuple[float, float] = (1 / 16, 1 / 4)) -> tuple[int, int]:
    """Move an episode's edges to where the CUSUM turns (see the module docstring).

    ``shares``: how far between the baseline and the episode's level the start and the
    end CUSUMs count from. A metric's excursions are whole-bin jumps, not Poisson noise,
    so it uses the midpoint, where a jump before the onset cannot pull the start back.
    """
    reach = max(int(settings.edge_search / _width(index)), 1)
    p1 = fail[a:b + 1].sum() / max(req[a:b + 1].sum(), 1)
    lift = max(p1 - base.pooled, 0)
    # Onsets are often gradual (a slow burn), so the start uses a low level; recoveries
    # follow a change and are sharp, and a low level there would run on into noise.
    lo = max(a - reach, lo)
    excess = fail[lo:a + 1] - req[lo:a + 1] * (base.pooled + lift * shares[0])
    before = np.concatenate([[0.0], np.cumsum(excess)])
    start = lo + int(np.argmin(before[:-1]))
    hi = min(b + reach, hi)
    after = np.cumsum(fail[b:hi + 1] - req[b:hi + 1] * (base.pooled + lift * shares[1]))
    end = b + int(np.argmax(after))
    return min(start, a), max(end, b)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join episodes whose refined edges now touch or overlap."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _episodes_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["start", "end", "peak_ratio", "failures", "requests"])
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[us, UTC]")
    return frame
