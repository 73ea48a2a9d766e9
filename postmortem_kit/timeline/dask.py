"""``derive_timeline`` of a dask events frame: the heavy parts on the cluster, the rest here.

What :func:`~postmortem_kit.timeline.derive_timeline` reads of every row is computed by the
workers, partition by partition, with the pandas path's own functions, and only small
results come back:

- the files are read once; the request and log rows stay in the workers' memory narrowed
  to the columns the rules read (their messages only at error level), each partition
  packed (:class:`~postmortem_kit.timeline.packed.PackedFrame`: compressed, so that 100M
  events' rows fit in two workers) and unpacked by each pass; the other kinds (alerts,
  pages, deploys, changes, chat, metrics: a few thousand rows) come here whole;
- the analysis span: its quartiles found exactly by counting, in every sorted partition,
  the times below a few probe values (``np.searchsorted``), narrowing until one is left;
- per-bin SLI values: each partition's bins and values (``measure.binned_values``) tallied
  there (counts and failures per bin; for a latency, how many requests per bin and value),
  the tallies summed here, then :func:`~postmortem_kit.timeline.measure.measure_bins`;
- the rows the remaining rules read: the impact window's, the error rows of the
  signatures' windows, the sparse kinds and the last row: with those,
  :func:`~postmortem_kit.timeline.derive.assemble` gives the pandas path's timeline.

The rows come back in the pandas path's order (time, then file, then line in the file), so
"the first bad request" is the same row. One difference: ``tl.analysis_span.outside`` marks
only the rows left out (there is no one frame of every row to align it with).
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed

from postmortem_kit.errors import PostmortemKitError, PostmortemKitWarning
from postmortem_kit.timeline.clocks import (
    add_failure_tallies,
    failure_tally,
    offsets_from_tally,
)
from postmortem_kit.timeline.derive import (
    LEFT_OUT_OF,
    REQUIRED,
    _missing_all,
    assemble,
    check_sources,
    shift_sources,
    signature_baseline,
)
from postmortem_kit.timeline.impact import (
    USER_COLUMNS,
    WindowTally,
    add_tallies,
    window_tally,
)
from postmortem_kit.timeline.measure import (
    Measurement,
    binned_values,
    choose_slis,
    measure,
    measure_bins,
    select_rows,
)
from postmortem_kit.timeline.model import Timeline
from postmortem_kit.timeline.packed import PackedFrame
from postmortem_kit.timeline.ratio import RULE_COLUMNS, bin_index
from postmortem_kit.timeline.rules import SLI, Latency
from postmortem_kit.timeline.settings import TimelineSettings
from postmortem_kit.timeline.signatures import (
    add_signature_messages,
    compare_messages,
    signature_messages,
)
from postmortem_kit.timeline.span import (
    AnalysisSpan,
    _fit,
    _left_out_message,
    _micros,
    _ts,
    check_bins,
    fence_around,
    quartile_ranks,
)

BULK_KINDS = ("request", "log")  # the rows there are millions of; the others come here
# What the rules read of request and log rows (a user's failure rule: everything).
BULK_COLUMNS = ("timestamp", "source", "kind", "service", "level", "message", "line",
                *RULE_COLUMNS, *USER_COLUMNS, "path", "metric", "value")
ERROR_LEVELS = ("error", "critical")
_PART, _ROW, _ORIG = "__part", "__row", "__orig"  # the pandas path's order, kept
# what the default failure rules (5xx requests, error records) and the clock tally read
_FAILURE_COLUMNS = ("timestamp", "source", "kind", "level", "status")
_PROBES = 1024  # probe values per round of the quartile search


def derive_on_dask(events: dd.DataFrame, settings: TimelineSettings) -> Timeline:
    """``derive_timeline(events, settings)`` for a dask frame (module docstring)."""
    missing = [c for c in REQUIRED if c not in events.columns]
    if missing:
        raise PostmortemKitError(f"events frame lacks column(s) {missing}: pass what "
                                 "read_events returns")
    narrow = settings.failure is None and not any(isinstance(s, SLI) for s in settings.sli or ())
    columns = [c for c in events.columns if not narrow or c in BULK_COLUMNS]
    prepared = [dask.delayed(_prepare)(p, columns, i)
                for i, p in enumerate(events.to_delayed(optimize_graph=False))]
    from postmortem_kit.ingest.dask import persist_with

    # one read of the files for all, and for the load's rejected records
    done = persist_with(events, *prepared)
    small = dask.compute(*[dask.delayed(_brought)(p) for p in done])
    supported = pd.concat([s[0] for s in small], ignore_index=True)
    here = pd.concat([_other_rows(events._meta, {"number": 0}),
                      *(s[1] for s in small if s[1] is not None)], ignore_index=True)
    # handed over in a list _derive empties: no reference here keeps the rows on the
    # workers once clock offsets replace them with a shifted copy
    held = [Rows(list(dask.persist(*_nth(list(done), 0))),
                 _bulk_rows(events._meta, columns, {"number": 0}))]
    del done
    return _derive(events, held, _ordered(here), supported, settings)


@dataclass(frozen=True)
class Rows:
    """The request and log rows on the workers: a
    :class:`~postmortem_kit.timeline.packed.PackedFrame` per partition (delayed, persisted
    once computed) and an empty frame of their columns."""

    parts: list[Delayed]
    meta: pd.DataFrame

    def each(self, fn: Callable[..., Any], *args: Any, columns: list[str] | None = None,
             **kwargs: Any) -> list[Delayed]:
        """``fn(partition, *args, **kwargs)`` of every partition, unpacked where it is
        (only its ``columns``, when given: the others are not decompressed)."""
        return [dask.delayed(_unpacked)(fn, p, columns, *args, **kwargs) for p in self.parts]

    def present(self, columns: tuple[str, ...]) -> list[str]:
        """Those of ``columns`` the rows have."""
        return [c for c in columns if c in self.meta.columns]

    def persist(self) -> Rows:
        """The same rows, computed and kept on the workers."""
        return Rows(list(dask.persist(*self.parts)), self.meta)


def _unpacked(fn: Callable[..., Any], packed: PackedFrame, columns: list[str] | None,
              *args: Any, **kwargs: Any) -> Any:
    return fn(packed.frame(columns), *args, **kwargs)


def _prepare(part: pd.DataFrame, columns: list[str], number: int,
             ) -> tuple[PackedFrame, pd.DataFrame, pd.DataFrame | None]:
    """A partition made ready on its worker, in one task: its request and log rows (the
    ``columns`` the rules read) packed, the few of them ``choose_slis`` reads
    (:func:`_support_rows`), and its other rows, whole (None when it has none: most
    partitions, whose empty frame of every column costs more to make than the rest)."""
    bulk = _is_bulk(part)
    info = {"number": number}
    rows = _bulk_rows(part, columns, info, bulk)
    others = None if bulk.all() else _other_rows(part, info, bulk)
    return PackedFrame(rows), _support_rows(rows), others


def _derive(events: dd.DataFrame, held: list[Rows], others: pd.DataFrame,
            supported: pd.DataFrame, settings: TimelineSettings) -> Timeline:
    bulk = held.pop()
    freq = settings.freq
    span = _span(bulk, others, freq=freq, warn=True)
    offsets: Mapping[str, pd.Timedelta] = {}
    if settings.clock_offsets == "auto":
        if span is not None:
            # failures counted per source and bin on the workers: what comes here does
            # not grow with the rows
            fence = _fence_micros(span)
            # (a user's failure rule may read any column)
            reads = None if settings.failure else bulk.present(_FAILURE_COLUMNS)
            tallies = [failure_tally(others, fence=fence, freq=freq, failure=settings.failure),
                       *dask.compute(*bulk.each(failure_tally, fence=fence, freq=freq,
                                                failure=settings.failure, columns=reads))]
            offsets = offsets_from_tally(add_failure_tallies(tallies), freq=freq,
                                         reference=settings.reference_source)
            if offsets:
                bulk, others = _shifted(bulk, others, offsets)
                span = _refit(bulk, others, span)
    else:
        offsets = settings.clock_offsets or {}
        if offsets:
            sources = set(others["source"].dropna()).union(
                *dask.compute(*bulk.each(_sources)))
            check_sources(offsets, sorted(sources))
            bulk, others = _shifted(bulk, others, offsets)
        span = _span(bulk, others, freq=freq, warn=True)
    if span is None:
        return Timeline(phases=_missing_all("no events"), settings=settings)
    check_bins(span, freq)
    slis = choose_slis(pd.concat([supported, others]), wanted=settings.sli,
                       failure=settings.failure, slo_latency=settings.slo_latency,
                       quantile=settings.latency_quantile, factor=settings.latency_factor)
    # each pass unpacks every partition: from here on, two (the SLIs, then the window)
    measured, all_requests, last = _measure_all(slis, bulk, others, span, settings)
    last = max(t for t in [last, others["timestamp"].max()] if not pd.isna(t))
    found = [m for m in measured if m.found]
    start = min(m.window.episodes["start"].iloc[0] for m in found) if found else None
    end = max(m.window.episodes["end"].iloc[-1] for m in found) if found else None
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]] | None = None
    if start is not None and end is not None and settings.signatures:
        windows = {"baseline": signature_baseline(start, found[0].window, span),
                   "impact": (start, end)}
    # the window's tallies, the signatures' messages, the impact edges' rows and the last
    # row, in one pass
    closing = list(dask.persist(*bulk.each(_closing, [m.sli for m in found], start, end,
                                           last, windows)))
    # what comes here of each partition, in one task: its messages and picked rows
    brought = dask.compute(*[dask.delayed(_brought)(p) for p in closing])
    tally = None
    if start is not None and end is not None:
        tally = _window_tally(closing, others, start, end, [m.sli for m in found])
    del closing
    signatures = None
    if windows is not None:
        signatures = _signatures(events, [b[0] for b in brought], others, offsets,
                                 baseline=windows["baseline"], impact=windows["impact"])
    # the first and last bad row of each SLI (the impact edges' evidence) and the last
    # row; of a row twice, the first copy is kept
    picked = [b[1] for b in brought]
    every = _ordered(pd.concat([others, *picked], ignore_index=True)).drop_duplicates(
        subset=[_PART, _ROW], keep="first")
    return assemble(_bare(every), settings, span=span, offsets=offsets, measured=measured,
                    all_requests=all_requests, tally=tally, signatures=signatures)


# -- the rows, in the pandas path's order -------------------------------------------------

def _numbered(part: pd.DataFrame, partition_info: dict | None = None,
              rows: np.ndarray | None = None, columns: list[str] | None = None,
              ) -> pd.DataFrame:
    """``part`` (its ``rows``, its ``columns``, when given) with its partition number, row
    number and time before any correction: sorting on (time, original time, partition,
    row) gives the pandas path's order."""
    number = (partition_info or {}).get("number", 0)
    where = np.arange(len(part), dtype="int64") if rows is None else np.flatnonzero(rows)
    out = part if columns is None else part[columns]
    if len(where) < len(part):  # (every row kept: no copy of them)
        # taken, not sliced: a slice, even of no rows, keeps the whole partition alive
        out = out.iloc[where]
    out = out.reset_index(drop=True)
    out[_PART] = np.full(len(out), number, dtype="int32")
    out[_ROW] = where
    out[_ORIG] = out["timestamp"]
    return out


def _bulk_rows(part: pd.DataFrame, columns: list[str], partition_info: dict | None = None,
               bulk: np.ndarray | None = None) -> pd.DataFrame:
    out = _numbered(part, partition_info, _is_bulk(part) if bulk is None else bulk, columns)
    if "message" in out and "level" in out:
        # only error messages are mined (the rare other case reads the files again)
        keep = out["level"].isin(ERROR_LEVELS).to_numpy(dtype=bool, na_value=False)
        out["message"] = out["message"].where(keep)
    return out


def _other_rows(part: pd.DataFrame, partition_info: dict | None = None,
                bulk: np.ndarray | None = None) -> pd.DataFrame:
    return _numbered(part, partition_info, ~(_is_bulk(part) if bulk is None else bulk))


def _is_bulk(part: pd.DataFrame) -> np.ndarray:
    return part["kind"].isin(BULK_KINDS).to_numpy(dtype=bool, na_value=False)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["timestamp", _ORIG, _PART, _ROW], kind="stable",
                             ignore_index=True)


def _bare(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[_PART, _ROW, _ORIG]).reset_index(drop=True)


def _gather(rows: Rows, pick: Callable[..., pd.DataFrame], *args: Any) -> pd.DataFrame:
    """The rows ``pick(partition, *args)`` keeps, from every partition (not sorted)."""
    parts = dask.compute(*rows.each(pick, *args))
    return pd.concat(parts, ignore_index=True) if parts else rows.meta


def _edge_rows(part: pd.DataFrame, slis: list[SLI], start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    """The first and the last bad row of each SLI in ``[start, end)`` (a partition's rows
    are in the pandas path's order)."""
    ts = part["timestamp"]
    within = ((ts >= start) & (ts < end)).to_numpy(dtype=bool, na_value=False)
    picks: set[Any] = set()
    for sli in slis:
        rows = select_rows(sli, part, within)
        bad = rows.index[np.asarray(sli.bad(rows), dtype=bool)]
        if len(bad):
            picks.update((bad[0], bad[-1]))
    return part.loc[sorted(picks)]


def _closing(part: pd.DataFrame, slis: list[SLI], start: pd.Timestamp | None,
             end: pd.Timestamp | None, last: pd.Timestamp,
             windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]] | None,
             ) -> tuple[Any, pd.DataFrame | None, pd.DataFrame]:
    """A partition's last pass, once the impact window is known: its window tally
    (:func:`_window_part`, when an SLI showed impact), its error messages in the
    signatures' ``windows`` (when asked for), its picked rows (:func:`_picked`)."""
    window = _window_part(part, start, end, slis) if slis and start is not None \
        and end is not None else None
    messages = signature_messages(part, levels=ERROR_LEVELS, order=_ORDER, **windows) \
        if windows is not None else None
    return window, messages, _picked(part, slis, start, end, last)


def _brought(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """What comes here of a partition's result on the workers: every item but the first,
    which stays there (of :func:`_prepare`, the packed rows; of :func:`_closing`, the
    window tally)."""
    return items[1:]


def _nth(parts: list[Delayed], i: int) -> list[Delayed]:
    """The ``i``-th item of each of ``parts`` (tuples on the workers), still there."""
    return [dask.delayed(operator.itemgetter(i))(p) for p in parts]


# -- the error signatures, their messages tallied per partition ----------------------------

_ORDER = (_ORIG, _PART, _ROW)  # after the time: the pandas path's order


def _signatures(events: dd.DataFrame, messages: list[pd.DataFrame | None],
                others: pd.DataFrame,
                offsets: Mapping[str, pd.Timedelta], *, baseline: tuple[pd.Timestamp,
                pd.Timestamp], impact: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """``compare_signatures`` of every row: each partition's distinct error messages
    counted there (``messages``: each a
    :func:`~postmortem_kit.timeline.signatures.signature_messages` table), the tables
    added and mined here (mining reads distinct messages only)."""
    windows = {"baseline": baseline, "impact": impact}
    levels: tuple[str, ...] | str = ERROR_LEVELS
    tables = [signature_messages(others, levels=ERROR_LEVELS, order=_ORDER, **windows),
              *(m for m in messages if m is not None)]
    table = add_signature_messages(tables, order=_ORDER)
    if not len(table):
        # no error message in either window: every message is mined, and the request
        # and log rows kept here have theirs only at error level: read them again
        full = events.map_partitions(_numbered, meta=_numbered(events._meta, {"number": 0}))
        levels = "all"
        tables = [signature_messages(others, levels=None, order=_ORDER, **windows),
                  *dask.compute(*[dask.delayed(_messages)(p, windows, None, offsets, True)
                                  for p in full.to_delayed()])]
        table = add_signature_messages(tables, order=_ORDER)
    return compare_messages(table, baseline=baseline, impact=impact, levels=levels,
                            order=_ORDER)


def _messages(part: pd.DataFrame, windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
              levels: tuple[str, ...] | None, offsets: Mapping[str, pd.Timedelta],
              bulk_only: bool = False) -> pd.DataFrame:
    if bulk_only:  # (the sparse kinds are counted from the client's copy)
        part = part.loc[part["kind"].isin(BULK_KINDS).to_numpy(dtype=bool, na_value=False)]
    part = shift_sources(part, offsets) if offsets else part
    return signature_messages(part, levels=levels, order=_ORDER, **windows)


# -- the impact window, tallied per partition ----------------------------------------------

_USER_BUCKETS = 16  # distinct users are counted per bucket of identities, on the workers


def _window_tally(parts: list[Delayed], others: pd.DataFrame, start: pd.Timestamp,
                  end: pd.Timestamp, slis: list[SLI]) -> WindowTally:
    """The impact window's :class:`~postmortem_kit.timeline.impact.WindowTally`: counts
    and per-service and per-path tallies summed here; the distinct users counted on the
    workers, each worker taking the identities of a bucket (by hash) from every
    partition (``parts``: each partition's :func:`_closing`, whose first item is its
    :func:`_window_part`, on the workers), so no list of users comes here."""
    here = window_tally(_bare(others), start, end, slis)
    # the per-service and per-path tallies added on the workers, a few partitions at a
    # time: one tally comes here, not one per partition
    (counts,) = dask.compute(_tree(add_tallies, [
        dask.delayed(_window_counts)(parts[i:i + _FAN_IN])
        for i in range(0, len(parts), _FAN_IN)]))
    users = dask.compute(*[dask.delayed(_distinct_in_bucket)(
        b, list(parts), _buckets(here.active)[b], _buckets(here.affected)[b])
        for b in range(_USER_BUCKETS)])
    del parts
    total = add_tallies([here.counts(), counts])
    return replace(total, users_active=sum(u[0] for u in users),
                   users_affected=sum(u[1] for u in users))


_FAN_IN = 16  # parts a task adds up at a time


def _window_counts(closings: list[tuple[Any, ...]]) -> WindowTally:
    """The window's counts of a few partitions (:func:`_closing` results), added."""
    return add_tallies([c[0][0] for c in closings])


def _tree(add: Callable[[list[Any]], Any], parts: list[Any]) -> Any:
    """``add(parts)`` as a tree of tasks of :data:`_FAN_IN` parts each (a delayed)."""
    while len(parts) > 1:
        parts = [dask.delayed(add)(parts[i:i + _FAN_IN])
                 for i in range(0, len(parts), _FAN_IN)]
    return parts[0] if parts else dask.delayed(add)([])


def _window_part(part: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                 slis: list[SLI]) -> tuple[WindowTally, list[pd.Series], list[pd.Series]]:
    tally = window_tally(part, start, end, slis)
    return tally.counts(), _buckets(tally.active), _buckets(tally.affected)


def _buckets(identities: pd.Series) -> list[pd.Series]:
    """``identities`` split by hash into :data:`_USER_BUCKETS` (the same identity lands in
    the same bucket in every process: ``hash_pandas_object`` is not salted)."""
    if not len(identities):
        return [identities] * _USER_BUCKETS
    which = pd.util.hash_pandas_object(identities, index=False).to_numpy() % _USER_BUCKETS
    return [identities[which == b] for b in range(_USER_BUCKETS)]


def _distinct_in_bucket(bucket: int, parts: list[tuple[Any, ...]], active: pd.Series,
                        affected: pd.Series) -> tuple[int, int]:
    """Distinct active and affected identities of one bucket, over every partition
    (``parts``: their :func:`_closing` results)."""
    def distinct(identities: list[pd.Series]) -> int:
        full = [i for i in identities if len(i)]
        return int(pd.concat(full, ignore_index=True).nunique()) if full else 0

    return (distinct([p[0][1][bucket] for p in parts] + [active]),
            distinct([p[0][2][bucket] for p in parts] + [affected]))


def _picked(part: pd.DataFrame, slis: list[SLI], start: pd.Timestamp | None,
            end: pd.Timestamp | None, last: pd.Timestamp) -> pd.DataFrame:
    """The SLIs' edge rows (:func:`_edge_rows`, when an SLI showed impact), then the
    partition's first row at the last time."""
    picks = [_edge_rows(part, slis, start, end)] if slis and start is not None \
        and end is not None else []
    return pd.concat([*picks, _at_last(part, last)])


def _at_last(part: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    return part.loc[(part["timestamp"] == when).to_numpy(dtype=bool, na_value=False)].head(1)


def _support_rows(part: pd.DataFrame) -> pd.DataFrame:
    """A few rows that tell ``supported_slis`` what ``part`` supports: its first request,
    its first request with a latency, its first log with a level."""
    kind = part["kind"]
    picks = [(kind == "request")]
    if "latency_ms" in part:
        picks.append((kind == "request") & part["latency_ms"].notna())
    picks.append((kind == "log") & part["level"].notna())
    rows = [part.loc[m.to_numpy(dtype=bool, na_value=False)].head(1) for m in picks]
    return pd.concat(rows)


def _requests_inside(part: pd.DataFrame, fence: tuple[pd.Timestamp, pd.Timestamp]) -> int:
    micros = _micros(part["timestamp"])
    low, high = _micros(pd.Series(list(fence)))
    inside = (micros >= low) & (micros <= high)
    return int(((part["kind"] == "request").to_numpy(dtype=bool, na_value=False)
                & inside).sum())


def _sources(part: pd.DataFrame) -> set[str]:
    return set(part["source"].dropna())


def _shifted(bulk: Rows, others: pd.DataFrame, offsets: Mapping[str, pd.Timedelta],
             ) -> tuple[Rows, pd.DataFrame]:
    shifted = dask.persist(*bulk.each(_shift_packed, offsets))
    return Rows(list(shifted), bulk.meta), _ordered(shift_sources(others, offsets))


def _shift_packed(part: pd.DataFrame, offsets: Mapping[str, pd.Timedelta]) -> PackedFrame:
    return PackedFrame(_ordered(shift_sources(part, offsets)))


# -- the analysis span ----------------------------------------------------------------------

def _sorted_micros(part: pd.DataFrame) -> np.ndarray:
    micros = _micros(part["timestamp"])
    return np.sort(micros[micros != np.iinfo(np.int64).min])


def _span(bulk: Rows, others: pd.DataFrame, *, freq: pd.Timedelta,
          warn: bool) -> AnalysisSpan | None:
    """``analysis_span`` of all the rows (the quartiles exact), warning as it warns."""
    arrays = _micro_arrays(bulk, others)
    ends = dask.compute(*[dask.delayed(_ends)(a) for a in arrays])
    n = int(sum(e[0] for e in ends))
    if not n:
        return None
    q1, q3 = _kths(arrays, list(quartile_ranks(n)), min(e[1] for e in ends if e[0]),
                   max(e[2] for e in ends if e[0]))
    fence = fence_around(q1, q3)
    span = _fit_all(arrays, fence, _nats(bulk, others, n))
    if span is not None and warn and span.left_out:
        out = _gather(bulk, _outside, fence)
        out = _ordered(pd.concat([out, _outside(others, fence)], ignore_index=True))
        shown = AnalysisSpan(span.start, span.end, span.fence, np.ones(len(out), dtype=bool))
        warnings.warn(_left_out_message(_bare(out), shown, LEFT_OUT_OF), PostmortemKitWarning,
                      stacklevel=4)
    return span


def _ends(a: np.ndarray) -> tuple[int, int, int]:
    """How many times a sorted array holds, its first and its last (0, 0, 0 if none)."""
    return (len(a), int(a[0]), int(a[-1])) if len(a) else (0, 0, 0)


def _count_le(a: np.ndarray, probes: np.ndarray) -> np.ndarray:
    return np.searchsorted(a, probes, side="right")


def _kths(arrays: list[Any], ranks: list[int], low: int, high: int) -> list[int]:
    """The ``ranks``-th smallest (0-based) of all the sorted arrays, exactly: each round
    counts, per array, the values at or below a few probes in each rank's gap, and keeps
    the gap the rank falls in (the ranks narrowed together: one count per array and
    round)."""
    gaps = [(low, high) for _ in ranks]
    while any(lo < hi for lo, hi in gaps):
        narrowing = [k for k, (lo, hi) in enumerate(gaps) if lo < hi]
        probes = []
        for k in narrowing:
            lo, hi = gaps[k]
            p = np.unique(np.linspace(lo, hi, _PROBES, dtype=np.float64).astype(np.int64))
            probes.append(p[(p >= lo) & (p <= hi)])
        counts = np.sum(dask.compute(*[dask.delayed(_count_le)(a, np.concatenate(probes))
                                       for a in arrays]), axis=0)
        ends = np.cumsum([0, *(len(p) for p in probes)])
        for k, p, a, b in zip(narrowing, probes, ends[:-1], ends[1:], strict=True):
            # the first probe with more than the rank at or below it
            i = int(np.searchsorted(counts[a:b], ranks[k] + 1))
            gaps[k] = (int(p[i - 1]) + 1 if i > 0 else gaps[k][0], int(p[i]))
    return [lo for lo, _ in gaps]


def _micro_arrays(bulk: Rows, others: pd.DataFrame) -> list[Any]:
    """Each partition's valid times as sorted microseconds, kept on the workers."""
    arrays = list(dask.persist(*bulk.each(_sorted_micros, columns=["timestamp"])))
    return [*arrays, dask.delayed(_sorted_micros(others))]


def _nats(bulk: Rows, others: pd.DataFrame, timed: int) -> int:
    """Rows without a time (outside every span): all the rows less the ``timed`` ones
    (the packed partitions know their length: nothing is unpacked)."""
    rows = dask.compute(*[dask.delayed(operator.attrgetter("rows"))(p) for p in bulk.parts])
    return int(sum(rows)) + len(others) - timed


def _fit_all(arrays: list[Any], fence: tuple[int, int], nats: int) -> AnalysisSpan | None:
    fits = [f for f in dask.compute(*[dask.delayed(_fit_ends)(a, fence) for a in arrays])
            if f is not None]
    if not fits:
        return None
    left_out = sum(f[2] for f in fits) + nats
    return AnalysisSpan(min(f[0] for f in fits), max(f[1] for f in fits),
                        (_ts(fence[0]), _ts(fence[1])), np.ones(left_out, dtype=bool))


def _fit_ends(micros: np.ndarray, fence: tuple[int, int],
              ) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """A partition's span (start, end, rows left out): its rows' flags stay there."""
    fit = _fit(micros, fence)
    return None if fit is None else (fit.start, fit.end, fit.left_out)


def _refit(bulk: Rows, others: pd.DataFrame, span: AnalysisSpan) -> AnalysisSpan | None:
    arrays = _micro_arrays(bulk, others)
    timed = sum(dask.compute(*[dask.delayed(len)(a) for a in arrays]))
    return _fit_all(arrays, _fence_micros(span), _nats(bulk, others, int(timed)))


def _fence_micros(span: AnalysisSpan) -> tuple[int, int]:
    fence = _micros(pd.Series(list(span.fence)))
    return int(fence[0]), int(fence[1])


def _outside(part: pd.DataFrame, fence: tuple[int, int]) -> pd.DataFrame:
    micros = _micros(part["timestamp"])
    inside = (micros != np.iinfo(np.int64).min) & (micros >= fence[0]) & (micros <= fence[1])
    return part.loc[~inside]


# -- the SLIs, tallied per partition --------------------------------------------------------

def _measure_all(slis: list[SLI], bulk: Rows, others: pd.DataFrame, span: AnalysisSpan,
                 settings: TimelineSettings,
                 ) -> tuple[list[Measurement], int, pd.Timestamp | None]:
    """Every SLI measured, the requests inside the span's fence and the rows' last time,
    in one pass over the rows: each partition's tallies of every SLI (:func:`_tally`) and
    its facts, kept on the workers (a latency's (bin, value, count) tables stay there)."""
    on_rows = [s for s in slis if s.source != "metric"]  # metric samples are here already
    # what the SLIs read: their columns, and what SLI.select picks rows by (an SLI that
    # picks them its own way, or a user's rule, may read anything)
    reads: list[str] | None = ["timestamp", "kind"]
    for sli in on_rows:
        if sli.columns is None or type(sli).select is not SLI.select or reads is None:
            reads = None
            continue
        reads += [c for c in bulk.present((*sli.columns, "kind", "level", "metric",
                                           "source", "line")) if c not in reads]
    parts = list(dask.persist(*bulk.each(_tallies, on_rows, span, settings.freq,
                                         columns=reads)))
    # what comes here of each partition, in one task: its facts and each SLI's counts
    facts = dask.compute(*[dask.delayed(_facts)(p) for p in parts])
    last = max((f[1] for f in facts if not pd.isna(f[1])), default=None)
    measured = [measure(sli, _bare(others), span=span, freq=settings.freq,
                        window=settings.window, baseline=settings.baseline)
                if sli.source == "metric" else
                _measure(sli, [f[2][on_rows.index(sli)] for f in facts], parts,
                         on_rows.index(sli), span, settings)
                for sli in slis]
    del parts
    return measured, int(sum(f[0] for f in facts)), last


def _tallies(part: pd.DataFrame, slis: list[SLI], span: AnalysisSpan, freq: pd.Timedelta,
             ) -> tuple[int, pd.Timestamp, list[Any]]:
    """A partition's requests inside the span's fence, its last time, and its
    :func:`_tally` of each of ``slis``."""
    return (_requests_inside(part, span.fence), part["timestamp"].max(),
            [_tally(part, sli, span, freq, isinstance(sli, Latency)) for sli in slis])


def _facts(tallies: tuple[int, pd.Timestamp, list[Any]],
           ) -> tuple[int, pd.Timestamp, list[tuple[np.ndarray, np.ndarray]]]:
    """Of a partition's :func:`_tallies`, what comes here: its requests inside the fence,
    its last time, each SLI's counts and sums per bin."""
    return tallies[0], tallies[1], [(t[0], t[1]) for t in tallies[2]]


def _measure(sli: SLI, counts: list[tuple[np.ndarray, np.ndarray]], parts: list[Delayed],
             i: int, span: AnalysisSpan, settings: TimelineSettings) -> Measurement:
    """``sli`` measured from each partition's counts and sums per bin (``counts``, here)
    and, for a latency, its (bin, value, count) tables: the ``i``-th :func:`_tally` of
    each of ``parts`` (:func:`_tallies`, on the workers)."""
    freq = settings.freq
    nbins = span.bins(freq)
    samples = np.sum([c[0] for c in counts], axis=0, dtype="int64") if counts else \
        np.zeros(nbins, dtype="int64")
    sums = np.sum([c[1] for c in counts], axis=0, dtype="float64") if counts else \
        np.zeros(nbins, dtype="float64")
    if isinstance(sli, Latency):
        # each bin's values gathered on one worker (bins split by number, as the users
        # are by hash), its exact quantile taken there: per-bin numbers come here
        tables = dask.persist(*[dask.delayed(_bin_table)(b, parts, i)
                                for b in range(_BIN_BUCKETS)])
        value = _combined(dask.compute(*[dask.delayed(_quantile)(t, nbins, sli.quantile)
                                         for t in tables]))

        def failures_over(limit: float | None) -> np.ndarray:
            return np.sum(dask.compute(*[dask.delayed(_over)(t, limit, nbins)
                                         for t in tables]), axis=0)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(samples > 0, sums / np.maximum(samples, 1), np.nan)

        def failures_over(limit: float | None) -> np.ndarray:
            return sums

    return measure_bins(sli, index=bin_index(span, freq), samples=samples.astype("float64"),
                        value=value, failures_over=failures_over, window=settings.window,
                        baseline=settings.baseline)


_BIN_BUCKETS = 16  # a latency's bins are split among this many tasks, each taking every
# partition's (bin, value, count) rows of its bins


def _tally(part: pd.DataFrame, sli: SLI, span: AnalysisSpan, freq: pd.Timedelta,
           spread: bool) -> tuple[np.ndarray, np.ndarray, list[pd.DataFrame] | None]:
    """One partition's requests per bin, the sum of their values per bin (whole numbers:
    1.0 per bad event) and, for a latency, how many requests per bin and value, split into
    :data:`_BIN_BUCKETS` tables by bin number."""
    bins, values, nbins = binned_values(sli, select_rows(sli, part), span, freq)
    count = np.bincount(bins, minlength=nbins)
    total = np.bincount(bins, weights=values, minlength=nbins)
    if not spread:
        return count, total, None
    pairs = pd.DataFrame({"bin": bins, "value": values}).value_counts(sort=False)
    table = pairs.rename("count").reset_index()
    which = table["bin"].to_numpy() % _BIN_BUCKETS
    return count, total, [table[which == b] for b in range(_BIN_BUCKETS)]


def _bin_table(bucket: int, parts: list[tuple[int, pd.Timestamp, list[Any]]], i: int,
               ) -> pd.DataFrame:
    """The (bin, value, count) table of one bucket's bins, over every partition (the
    ``i``-th SLI's :func:`_tally` of each of ``parts``), sorted by bin then value."""
    tallies = [p[2][i] for p in parts]
    pairs = [t[2][bucket] for t in tallies if t[2] is not None and len(t[2][bucket])]
    if not pairs:
        return pd.DataFrame({"bin": pd.Series([], dtype="int64"),
                             "value": pd.Series([], dtype="float64"),
                             "count": pd.Series([], dtype="int64")})
    return pd.concat(pairs, ignore_index=True).groupby(["bin", "value"], sort=True)[
        "count"].sum().reset_index()


def _over(table: pd.DataFrame, limit: float | None, nbins: int) -> np.ndarray:
    """Per bin, how many of ``table``'s requests are slower than ``limit``."""
    over = table.loc[table["value"] > limit]
    return np.bincount(over["bin"].to_numpy(), weights=over["count"].to_numpy(
        dtype="float64"), minlength=nbins)


def _combined(parts: tuple[np.ndarray, ...]) -> np.ndarray:
    """The per-bin arrays of disjoint sets of bins (NaN elsewhere), as one."""
    out = np.full(len(parts[0]), np.nan)
    for part in parts:
        known = ~np.isnan(part)
        out[known] = part[known]
    return out


def _quantile(table: pd.DataFrame, nbins: int, q: float) -> np.ndarray:
    """Per bin, the nearest-rank ``q`` quantile (as ``measure.bin_quantile`` takes it) of
    the values counted in ``table`` (bin, value, count; sorted by bin then value); NaN for
    the bins it does not hold."""
    out = np.full(nbins, np.nan)
    if not len(table):
        return out
    bins = table["bin"].to_numpy()
    values = table["value"].to_numpy()
    running = table.groupby("bin", sort=False)["count"].cumsum().to_numpy()
    n = table.groupby("bin", sort=False)["count"].transform("sum").to_numpy()
    k = np.maximum(np.ceil(q * n).astype("int64") - 1, 0)
    # the first value of each bin whose running count passes rank k
    hit = running > k
    first = pd.Series(hit).groupby(bins).idxmax().to_numpy()
    out[bins[first]] = values[first]
    return out
