"""The :class:`Timeline`: the facts of an incident, each traceable to the evidence behind it.

Names and shapes are a contract (DESIGN.md §2); :func:`derive_timeline` builds it and
:meth:`Timeline.override` sets a phase by hand, with everything derived from the phases
(metrics, the vendor conventions, the phase rows among the key events) following.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from postmortem_kit.timeline.conventions import PageTimes, conventions
from postmortem_kit.timeline.measure import Measurement
from postmortem_kit.timeline.metrics import (
    KEY_EVENT_COLUMNS,
    METRICS,
    PHASE_COLUMNS,
    PHASES,
    compute_metrics,
    empty_phases,
    phase_time,
)
from postmortem_kit.timeline.rules import SLI
from postmortem_kit.timeline.settings import TimelineSettings
from postmortem_kit.timeline.span import AnalysisSpan
from postmortem_kit.timeline.window import Baseline

__all__ = ["KEY_EVENT_COLUMNS", "METRICS", "PHASES", "PHASE_COLUMNS", "SIGNATURE_COLUMNS",
           "Timeline", "compute_metrics", "empty_phases"]

SIGNATURE_COLUMNS = ("signature_id", "template", "count_before", "count_during", "first_seen",
                     "example")


@dataclass(frozen=True)
class Timeline:
    """What :func:`derive_timeline` found.

    Attributes
    ----------
    phases
        Indexed by ``started``, ``detected``, ``acknowledged``, ``mitigated``, ``resolved``;
        columns ``time`` (UTC, NaT when missing), ``source``, ``line``, ``rule`` (or
        ``"manual"``), ``note`` (why, or why missing).
    metrics
        Indexed by ``ttd``, ``tta``, ``ttm``, ``ttr``, ``duration``; columns ``value``
        (Timedelta, NaT when a phase is missing) and ``definition``.
    impact
        ``users_affected``, ``users_active``, ``failed_requests``, ``total_requests``,
        ``peak_error_ratio`` and more.
    key_events
        Candidates for the report: ``time``, ``event``, ``action_taken``, ``source``,
        ``kind``, ``why``, ranked best first.
    signatures
        ``signature_id``, ``template``, ``count_before``, ``count_during``, ``first_seen``,
        ``example``: error signatures compared between baseline and impact.
    error_ratio
        Indexed by bin start: ``requests``, ``failures``, ``ratio`` of the error-ratio SLI
        (for a ratio metric, ``requests`` counts its samples); empty when none was measured.
    episodes
        Separate bursts of impact, the union over the SLIs that show impact: ``start``,
        ``end``, ``peak_ratio`` (of the error ratio), ``sli`` (which SLIs show it).
    conventions
        The same incident measured under other vendors' conventions, side by side.
    settings
        The :class:`TimelineSettings` it was derived with.
    sli
        The SLIs the impact window was found in (:mod:`~postmortem_kit.timeline.rules`
        objects with ``label``, ``unit``, ``threshold``, ``rule``), in the order tried;
        empty when none shows impact.
    measurements
        Every SLI tried, as measured: the SLI (threshold set), its per-bin ``series``
        (``requests``, ``failures``, ``ratio``, ``value`` in the SLI's unit) and its window.
    baseline
        The baseline the first SLI shown (``sli[0]``, else the first tried) was measured
        against (median, threshold, when, how found).
    clock_offsets
        The per-source clock corrections applied (given or estimated), by source.
    analysis_span
        The time range the bins cover and the outlying rows left out of them.
    pages
        When the page was created and resolved (what PagerDuty's conventions measure).
    """

    phases: pd.DataFrame = field(default_factory=empty_phases)
    metrics: pd.DataFrame = field(default_factory=lambda: compute_metrics(empty_phases()))
    impact: pd.Series = field(default_factory=lambda: pd.Series(dtype="object"))
    key_events: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(KEY_EVENT_COLUMNS)))
    signatures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SIGNATURE_COLUMNS)))
    error_ratio: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["requests", "failures", "ratio"]))
    episodes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["start", "end", "peak_ratio"]))
    conventions: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: TimelineSettings = field(default_factory=TimelineSettings)
    sli: tuple[SLI, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    baseline: Baseline | None = None
    clock_offsets: dict[str, pd.Timedelta] = field(default_factory=dict)
    analysis_span: AnalysisSpan | None = None
    pages: PageTimes = field(default_factory=PageTimes)

    @property
    def shown(self) -> Measurement | None:
        """The measurement charts draw: the first SLI that shows impact, else the first
        tried (None when no SLI could be measured)."""
        for m in self.measurements:
            if self.sli and m.sli == self.sli[0]:
                return m
        return self.measurements[0] if self.measurements else None

    def phase(self, name: str) -> pd.Timestamp | None:
        """The time of phase ``name``, or None when it is missing."""
        return phase_time(self.phases, name)

    def with_phases(self, phases: pd.DataFrame) -> Timeline:
        """A copy with ``phases`` and everything derived from them recomputed: metrics,
        conventions and the phase rows among the key events."""
        from postmortem_kit.timeline.key_events import with_phase_rows

        return replace(self, phases=phases, metrics=compute_metrics(phases),
                       conventions=conventions(phases, self.pages),
                       key_events=with_phase_rows(self.key_events, phases))

    def override(self, note: str | None = None, **phases: Any) -> Timeline:
        """A copy with phases set by hand (``tl.override(detected="2026-03-14 13:10Z")``).

        The overridden phases get rule ``"manual"`` and ``note``; every derived attribute
        follows (:meth:`with_phases`). A phase set to None becomes missing (for example,
        no acknowledgement happened).
        """
        unknown = set(phases) - set(PHASES)
        if unknown:
            raise ValueError(f"unknown phase(s) {sorted(unknown)}: expected some of {PHASES}")
        table = self.phases.copy()
        for name, value in phases.items():
            time = pd.NaT if value is None else pd.Timestamp(value)
            if isinstance(time, pd.Timestamp) and time.tzinfo is None:
                raise ValueError(f"{name}: give a timezone-aware time (or a string ending in Z)")
            table.loc[name, "time"] = time
            table.loc[name, ["source", "line"]] = [pd.NA, pd.NA]
            table.loc[name, "rule"] = "manual"
            table.loc[name, "note"] = note if note is not None else "set by hand"
        return self.with_phases(table)
