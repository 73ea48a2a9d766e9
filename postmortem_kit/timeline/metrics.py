"""The phases and the metrics between them: the one place their names and definitions live.

DESIGN.md §2: TTD = detected − started, TTA = acknowledged − detected, TTM = mitigated −
started, TTR = duration = resolved − started. :data:`METRICS` drives
:func:`compute_metrics`, the vendor conventions and every printed definition.
"""

from __future__ import annotations

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


def phase_time(phases: pd.DataFrame, name: str) -> pd.Timestamp | None:
    """The time of phase ``name`` in a phases frame, or None when it is missing."""
    value = phases.at[name, "time"]
    return value if isinstance(value, pd.Timestamp) else None


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
