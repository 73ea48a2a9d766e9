"""The :class:`Timeline`: the facts of an incident, each traceable to the evidence behind it.

Names and shapes are a contract (DESIGN.md §2); :func:`derive_timeline` builds it and
:meth:`Timeline.override` sets a phase by hand, with every metric following.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

PHASES = ("started", "detected", "acknowledged", "mitigated", "resolved")

# metric -> (later phase, earlier phase, definition as printed in every output)
METRICS: dict[str, tuple[str, str, str]] = {
    "ttd": ("detected", "started", "time to detect: detected − started"),
    "tta": ("acknowledged", "detected", "time to acknowledge: acknowledged − detected"),
    "ttm": ("mitigated", "started", "time to mitigate: mitigated − started"),
    "ttr": ("resolved", "started", "time to resolve: resolved − started"),
    "duration": ("resolved", "started", "duration: resolved − started"),
}

PHASE_COLUMNS = ("time", "source", "line", "rule", "note")
KEY_EVENT_COLUMNS = ("time", "event", "action_taken", "source", "kind", "why")
SIGNATURE_COLUMNS = ("signature_id", "template", "count_before", "count_during", "first_seen",
                     "example")


def empty_phases() -> pd.DataFrame:
    """A phases frame with every phase missing."""
    index = pd.Index(PHASES, name="phase")
    missing = [pd.NA] * len(PHASES)
    return pd.DataFrame(
        {
            "time": pd.Series([pd.NaT] * len(PHASES), index=index, dtype="datetime64[us, UTC]"),
            "source": pd.Series(missing, index=index, dtype="str"),
            "line": pd.Series(missing, index=index, dtype="Int64"),
            "rule": pd.Series(missing, index=index, dtype="str"),
            "note": pd.Series(missing, index=index, dtype="str"),
        },
        index=index,
    )


def compute_metrics(phases: pd.DataFrame) -> pd.DataFrame:
    """TTD, TTA, TTM, TTR and duration from the phase times (NaT where a phase is missing)."""
    times = phases["time"]
    values = [times[later] - times[earlier] for later, earlier, _ in METRICS.values()]
    index = pd.Index(list(METRICS), name="metric")
    return pd.DataFrame(
        {
            "value": pd.Series(values, index=index, dtype="timedelta64[us]"),
            "definition": pd.Series([d for _, _, d in METRICS.values()], index=index,
                                    dtype="str"),
        },
        index=index,
    )


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
        Indexed by bin start: ``requests``, ``failures``, ``ratio``.
    episodes
        Separate bursts of impact: ``start``, ``end``, ``peak_ratio``.
    conventions
        The same incident measured under other vendors' conventions, side by side.
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
    settings: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> pd.Timestamp | None:
        """The time of phase ``name``, or None when it is missing."""
        value = self.phases.at[name, "time"]
        return None if pd.isna(value) else value

    def override(self, note: str | None = None, **phases: Any) -> Timeline:
        """A copy with phases set by hand (``tl.override(detected="2026-03-14 13:10Z")``).

        The overridden phases get rule ``"manual"`` and ``note``; the metrics follow. A phase
        set to None becomes missing (for example, no acknowledgement happened).
        """
        unknown = set(phases) - set(PHASES)
        if unknown:
            raise ValueError(f"unknown phase(s) {sorted(unknown)}: expected some of {PHASES}")
        table = self.phases.copy()
        for name, value in phases.items():
            time = pd.NaT if value is None else pd.Timestamp(value)
            if time is not pd.NaT and time.tzinfo is None:
                raise ValueError(f"{name}: give a timezone-aware time (or a string ending in Z)")
            table.loc[name, "time"] = time
            table.loc[name, ["source", "line"]] = [pd.NA, pd.NA]
            table.loc[name, "rule"] = "manual"
            table.loc[name, "note"] = note if note is not None else "set by hand"
        return replace(self, phases=table, metrics=compute_metrics(table))
