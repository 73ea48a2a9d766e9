"""``derive_timeline``: from an events frame to the incident's facts, with their evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from postmortem_kit.errors import PostmortemKitError
from postmortem_kit.ingest.stack import sort_rows
from postmortem_kit.timeline import phases as rules
from postmortem_kit.timeline.clocks import estimate_clock_offsets
from postmortem_kit.timeline.conventions import PageTimes, conventions
from postmortem_kit.timeline.impact import WindowTally, measure_impact
from postmortem_kit.timeline.key_events import candidates
from postmortem_kit.timeline.measure import (
    Measurement,
    choose_slis,
    measure,
    rows_key,
    select_rows,
    union,
)
from postmortem_kit.timeline.metrics import PHASES, compute_metrics, empty_phases, phase_time
from postmortem_kit.timeline.model import Timeline
from postmortem_kit.timeline.rules import ErrorRatio, UserRule
from postmortem_kit.timeline.settings import TimelineSettings
from postmortem_kit.timeline.span import AnalysisSpan, analysis_span
from postmortem_kit.timeline.window import ImpactWindow

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["TimelineSettings", "derive_timeline"]

REQUIRED = ("timestamp", "kind", "message")
LEFT_OUT_OF = "the time bins"


def _is_dask(events: object) -> bool:
    """A dask DataFrame, told without importing dask (an optional dependency)."""
    return type(events).__module__.startswith("dask.")


def derive_timeline(
    events: pd.DataFrame | dd.DataFrame,
    settings: TimelineSettings | None = None,
    **overrides: Any,
) -> Timeline:
    """Derive the incident's timeline from an events frame (DESIGN.md §1 schema).

    Parameters
    ----------
    events
        What :func:`~postmortem_kit.read_events` returns: a pandas frame, or the dask frame
        of ``engine="dask"``, whose heavy parts (the per-bin SLI counts, the impact
        window's users and failures, the rows the signatures and key events read) are then
        computed by the cluster (:mod:`postmortem_kit.timeline.dask`), with the same result.
    settings
        Every knob at once (:class:`~postmortem_kit.timeline.TimelineSettings`); default:
        the defaults of DESIGN.md §2.
    **overrides
        Any setting by name, applied on top of ``settings``: ``freq="30s"``,
        ``baseline=(start, end)``, ``sli=("latency",)``, ``slo_latency="2s"``,
        ``failure=rule``,
        ``min_excess=0.02``, ``merge_gap="5min"``, ``slo=0.9995``, ``slo_window="28D"``,
        ``clock_offsets={"access": "-3min"}`` (or ``"auto"``, the default, or None),
        ``reference_source="app"``, ``signatures=False``, ``display_tz="Europe/Berlin"``.
        See :class:`~postmortem_kit.timeline.TimelineSettings` for what each means.

    Returns
    -------
    Timeline
        Phases with provenance, metrics, impact, key-event candidates, signatures and the
        error-ratio series. The impact window is the union of the windows of every SLI
        that shows impact (``tl.sli``); the notes of ``started`` and ``resolved`` say which
        SLI proved them. Alerts, pages, acknowledgements, rollbacks and declarations in
        chat give their phases even when no SLI shows impact ("no impact found in ...").
        A phase without evidence is missing (NaT) and its note says why.
        ``tl.settings`` is the settings used.

    Raises
    ------
    UsageError
        For an unknown setting or a value that cannot be used, naming it.

    Warns
    -----
    PostmortemKitWarning
        When rows lie far outside the bulk of the events (a clock never set: year 1, 1970;
        a wrong year): they are left out of the time bins, named in the warning and counted
        in ``tl.analysis_span`` (:mod:`postmortem_kit.timeline.span`). A span that would
        still need more than 500,000 bins raises PostmortemKitError.

    Examples
    --------
    >>> tl = derive_timeline(events, freq="30s")                      # doctest: +SKIP
    >>> tl.metrics.loc["ttd", "value"]                                # doctest: +SKIP
    """
    settings = (settings or TimelineSettings()).with_overrides(**overrides)
    if not isinstance(events, pd.DataFrame):
        if not _is_dask(events):
            raise PostmortemKitError(f"events must be a pandas or dask DataFrame (what "
                                     f"read_events returns), not {type(events).__name__}")
        from postmortem_kit.timeline.dask import derive_on_dask

        return derive_on_dask(events, settings)
    missing = [c for c in REQUIRED if c not in events]
    if missing:
        raise PostmortemKitError(f"events frame lacks column(s) {missing}: pass what "
                                 "read_events returns")
    failure = settings.failure
    offsets: Mapping[str, pd.Timedelta] = {}
    # Bins cover the bulk of the events: a row with a wrong year (a clock never set) is
    # left out of them, with a warning, instead of stretching them over centuries.
    if settings.clock_offsets == "auto":
        span = analysis_span(events, freq=settings.freq, left_out_of=LEFT_OUT_OF)
        if span is not None:
            offsets = estimate_clock_offsets(
                events, reference=settings.reference_source, failure=failure,
                freq=settings.freq, span=span)
            events = _apply_offsets(events, offsets)
            # Estimated corrections are minutes; the fence is a month from the bulk: the
            # same rows stay out, and are not warned about twice.
            span = span.refit(events)
    else:
        offsets = settings.clock_offsets or {}
        events = _apply_offsets(events, offsets)
        span = analysis_span(events, freq=settings.freq, left_out_of=LEFT_OUT_OF)
    if span is None:
        return Timeline(phases=_missing_all("no events"), settings=settings)
    slis = choose_slis(events, wanted=settings.sli, failure=failure,
                       slo_latency=settings.slo_latency, quantile=settings.latency_quantile,
                       factor=settings.latency_factor)
    rows: dict[tuple, pd.DataFrame] = {}  # the requests' error ratio and latency share them
    measured = []
    for sli in slis:
        key = rows_key(sli)
        if key not in rows:
            rows[key] = select_rows(sli, events)
        measured.append(measure(sli, events, span=span, freq=settings.freq,
                                window=settings.window, baseline=settings.baseline,
                                rows=rows[key]))
    del rows
    return assemble(events, settings, span=span, offsets=offsets, measured=measured)


def assemble(events: pd.DataFrame, settings: TimelineSettings, *, span: AnalysisSpan,
             offsets: Mapping[str, pd.Timedelta], measured: list[Measurement],
             all_requests: int | None = None, tally: WindowTally | None = None,
             signatures: pd.DataFrame | None = None) -> Timeline:
    """The timeline from the measured SLIs: phases, impact, signatures, key events.

    ``events`` is the whole frame, or (on a cluster) every row these rules read: the
    sparse kinds, the first and last bad row of each SLI in the impact window, the error
    rows of the signatures' windows, and the last row; ``all_requests`` then counts the
    requests inside ``span`` and ``tally`` is the impact window's
    :class:`~postmortem_kit.timeline.impact.WindowTally` and ``signatures`` the error
    signatures' comparison.
    """
    found = [m for m in measured if m.found]
    episodes = union(found)
    table = empty_phases()
    lookback = settings.detection_lookback
    if found:
        start, end = episodes["start"].iloc[0], episodes["end"].iloc[-1]
        first = min(found, key=lambda m: m.window.episodes["start"].iloc[0])
        last = max(found, key=lambda m: m.window.episodes["end"].iloc[-1])
        _put(table, "started", _edge_marker(events, first, start, end, first=True))
        _put(table, "resolved", _edge_marker(events, last, start, end, first=False))
        det = rules.detected(events, start, end, lookback)
        what = " / ".join(m.sli.label for m in found) + (" return" if len(found) > 1
                                                          else " returns")
        mit = rules.mitigated(events, start, end, episodes["start"].iloc[-1], what=what)
    elif not measured:
        # Nothing to measure an SLI on (alerts, pages, chat only): the alerts say it all.
        _put(table, "started", rules.started_from_alerts(events))
        start = phase_time(table, "started")
        _put(table, "resolved", rules.resolved_from_alerts(events, start))
        end = phase_time(table, "resolved")
        det = rules.detected(events, start, end, lookback)
        mit = rules.mitigated(events, start, end, None, what="the alerts resolve")
    else:
        # No SLI shows impact, but people responded: their evidence still gives phases.
        why = "no impact found in " + "; ".join(
            f"{m.sli.label} (threshold {m.sli.describe(m.sli.threshold)})" for m in measured)
        start = end = None
        _put(table, "started", rules.Marker.missing(
            "first interval where an SLI leaves its baseline", why))
        det = rules.detected_by_response(events, lookback)
        resolved = rules.resolved_from_alerts(events, det.time, why) if det.time is not None \
            else rules.Marker.missing("last alert resolved", why)
        _put(table, "resolved", resolved)
        mit = rules.mitigated(events, det.time, resolved.time or _last(events), None,
                              rule="fallback: the last rollback (else change) after detection "
                                   "(no SLI shows impact)")
    _put(table, "detected", det)
    _put(table, "acknowledged", rules.acknowledged(events, det.time))
    _put(table, "mitigated", mit)

    shown = next((m for m in measured if m.found), measured[0] if measured else None)
    sig = (signatures if signatures is not None else _signatures(
        events, start, end, shown.window, span)
        if settings.signatures and start is not None and shown is not None else None)
    peak = float(episodes["peak_ratio"].max()) if len(episodes) else None
    pages = PageTimes.from_events(events)
    ratio = next((m for m in measured if isinstance(m.sli, ErrorRatio | UserRule)), None)
    tl = Timeline(
        phases=table,
        metrics=compute_metrics(table),
        impact=measure_impact(events, start, end, slis=[m.sli for m in found],
                              peak_ratio=None if peak is None or peak != peak else peak,
                              slo=settings.slo, slo_window=settings.slo_window, span=span,
                              all_requests=all_requests, tally=tally),
        **({"error_ratio": ratio.series[["requests", "failures", "ratio"]]}
           if ratio is not None else {}),
        episodes=episodes,
        conventions=conventions(table, pages),
        settings=settings,
        sli=tuple(m.sli for m in found),
        measurements=tuple(measured),
        baseline=shown.window.baseline if shown is not None else None,
        clock_offsets=dict(offsets),
        analysis_span=span,
        pages=pages,
        **({"signatures": sig} if sig is not None else {}),
    )
    keys = candidates(events, table, tl.signatures, lookback=settings.key_event_lookback)
    return replace(tl, key_events=keys)


def _last(events: pd.DataFrame) -> pd.Timestamp:
    return events["timestamp"].max()


def _apply_offsets(events: pd.DataFrame, offsets: Mapping[str, pd.Timedelta],
                   ) -> pd.DataFrame:
    if not offsets:
        return events
    check_sources(offsets, events["source"].unique())
    # (not sort_values: its copy would give every mostly-empty column a buffer per row)
    return sort_rows(shift_sources(events, offsets), "timestamp")


def check_sources(offsets: Mapping[str, pd.Timedelta], sources: Any) -> None:
    """Raise PostmortemKitError when ``clock_offsets`` names a source the events lack."""
    for source in offsets:
        if source not in set(sources):
            raise PostmortemKitError(f"clock_offsets: no source named {source!r} in the "
                                     f"events (sources: {sorted(sources)})")


def shift_sources(events: pd.DataFrame, offsets: Mapping[str, pd.Timedelta]) -> pd.DataFrame:
    """A copy of ``events`` with each source's times moved by its offset (not re-sorted)."""
    events = events.copy()
    for source, offset in offsets.items():
        mask = events["source"] == source
        events.loc[mask, "timestamp"] = events.loc[mask, "timestamp"] + pd.Timedelta(offset)
    return events


def _missing_all(why: str) -> pd.DataFrame:
    table = empty_phases()
    for phase in PHASES:
        table.loc[phase, "note"] = why
    return table


def _put(table: pd.DataFrame, phase: str, marker: rules.Marker) -> None:
    table.loc[phase, "time"] = marker.time if marker.time is not None else pd.NaT
    table.loc[phase, "source"] = marker.source if marker.source is not None else pd.NA
    table.loc[phase, "line"] = marker.line if marker.line is not None else pd.NA
    table.loc[phase, "rule"] = marker.rule
    table.loc[phase, "note"] = marker.note


def _edge_marker(events: pd.DataFrame, m: Measurement, start: pd.Timestamp,
                 end: pd.Timestamp, *, first: bool) -> rules.Marker:
    """The impact edge at bin precision, with the bad row of ``m``'s SLI that proves it."""
    times = events["timestamp"]
    rows = select_rows(m.sli, events, ((times >= start) & (times < end)).to_numpy(
        dtype=bool, na_value=False))
    bad = rows[m.sli.bad(rows)]
    limit = f" (threshold {m.sli.describe(m.sli.threshold)})"
    if first:
        rule = "first interval where an SLI leaves its baseline or breaks its objective"
        row = bad.iloc[0] if len(bad) else None
        note = f"{m.sli.label} leaves its baseline{limit}"
        time = start
    else:
        rule = "the SLIs back at baseline and held"
        row = bad.iloc[-1] if len(bad) else None
        note = (f"{m.sli.label} back at baseline{limit}; the last bad event in the impact "
                "window as evidence")
        time = end
    source = None if row is None else str(row["source"])
    line = None if row is None or pd.isna(row.get("line")) else int(row["line"])
    return rules.Marker(time, rule, note, source, line)


def _signatures(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None,
                window: ImpactWindow, span: AnalysisSpan) -> pd.DataFrame:
    from postmortem_kit.timeline.signatures import compare_signatures

    baseline = signature_baseline(start, window, span)
    return compare_signatures(events, baseline=baseline, impact=(start, end))


def signature_baseline(start: pd.Timestamp, window: ImpactWindow, span: AnalysisSpan,
                       ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window whose error messages the impact's are compared with: the SLI's baseline,
    cut at the impact's start."""
    base = window.baseline
    before_start = base.start if base.start is not None else span.start
    before_end = min(start, base.end) if base.end is not None else start
    if before_end <= before_start:
        before_end = start
    return before_start, before_end

