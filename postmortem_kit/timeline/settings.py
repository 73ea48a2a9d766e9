"""Every knob of :func:`~postmortem_kit.timeline.derive_timeline`, as one typed object.

``derive_timeline(events, settings=None, **overrides)`` builds a :class:`TimelineSettings`
from the defaults, the given settings and the keyword overrides (:meth:`TimelineSettings.
with_overrides`), checks it once, and records it on the Timeline it produced. Values are
stored in their final types (a ``"1min"`` string becomes a Timedelta), so what a Timeline
says it was derived with is exactly what was used.

>>> s = TimelineSettings().with_overrides(freq="30s", min_excess=0.02)
>>> s.freq, s.window.min_excess
(Timedelta('0 days 00:00:30'), 0.02)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from postmortem_kit.errors import UsageError
from postmortem_kit.timeline.rules import LEARNT_FACTOR, SLI, FailureRule
from postmortem_kit.timeline.window import WindowSettings

ClockOffsets = Mapping[str, pd.Timedelta] | Literal["auto"] | None
SLI_NAMES = ("error_ratio", "latency")


@dataclass(frozen=True)
class TimelineSettings:
    """What :func:`~postmortem_kit.timeline.derive_timeline` is told; defaults in DESIGN §2.

    Attributes
    ----------
    freq
        Bin width of the error-ratio series.
    baseline
        ``(start, end)`` of normal operation (UTC); None finds it automatically.
    sli
        The SLIs to find the impact in: names (``"error_ratio"``, ``"latency"``) or
        :mod:`~postmortem_kit.timeline.rules` objects; None (default): every SLI the
        evidence supports (error ratio of requests or logs, request latency, metrics named
        ``error_ratio`` / ``latency_pNN``). The impact window is their union.
    failure
        What counts as a failed request: ``failure(requests) -> bool Series``; None: 5xx.
        Given, it is the error-ratio SLI (the latency SLI is still measured unless ``sli``
        leaves it out).
    slo_latency
        A request (or a latency metric's sample) is bad when slower than this (``"2s"``);
        None: learnt from the baseline, ``latency_factor`` times its median per-bin
        ``latency_quantile``.
    latency_quantile, latency_factor
        The latency quantile drawn and learnt from (0.99), and the factor on it (4).
    window
        How the impact window is found (:class:`~postmortem_kit.timeline.window.
        WindowSettings`: ``min_excess``, ``merge_gap``, ``k``, ``z``, ...).
    detection_lookback
        How long before the impact start an alert or page still counts as detecting it.
    key_event_lookback
        How far before the impact start key-event candidates are looked for.
    slo, slo_window
        The SLO whose error budget the impact is measured against.
    clock_offsets
        Per-source corrections added to that source's timestamps, ``"auto"`` to estimate
        them from failures two sources both saw, or None to trust every clock.
    reference_source
        The source whose clock ``"auto"`` trusts (default: most error-level log records).
    signatures
        Mine error signatures (the slowest step on very large inputs).
    display_tz
        Zone that charts and printed timelines show times in (the timeline stays UTC).
    """

    freq: pd.Timedelta = pd.Timedelta("1min")
    baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None
    sli: tuple[str | SLI, ...] | None = None
    failure: FailureRule | None = None
    slo_latency: pd.Timedelta | None = None
    latency_quantile: float = 0.99
    latency_factor: float = LEARNT_FACTOR
    window: WindowSettings = field(default_factory=WindowSettings)
    detection_lookback: pd.Timedelta = pd.Timedelta("15min")
    key_event_lookback: pd.Timedelta = pd.Timedelta("30min")
    slo: float = 0.999
    slo_window: pd.Timedelta = pd.Timedelta("30D")
    clock_offsets: ClockOffsets = "auto"
    reference_source: str | None = None
    signatures: bool = True
    display_tz: str = "UTC"

    def __post_init__(self) -> None:
        self._check()

    def with_overrides(self, **overrides: Any) -> TimelineSettings:
        """A copy with ``overrides`` applied, each converted and checked.

        Any field name is accepted, and so are the fields of ``window`` (``min_excess``,
        ``merge_gap``, ...), which are set on a copy of it.

        Raises
        ------
        UsageError
            For an unknown name or a value that cannot be used (a zero ``freq``, a baseline
            that ends before it starts, an unknown zone...), naming the setting.
        """
        own = {f.name for f in dataclasses.fields(self)}
        window_fields = {f.name for f in dataclasses.fields(WindowSettings)}
        mine: dict[str, Any] = {}
        window: dict[str, Any] = {}
        for name, value in overrides.items():
            if name in own:
                mine[name] = _convert(name, value)
            elif name in window_fields:
                window[name] = _convert(name, value)
            else:
                known = ", ".join(sorted(own | window_fields))
                raise UsageError(f"derive_timeline: unknown setting {name!r} (known: {known})")
        if window:
            mine["window"] = dataclasses.replace(mine.get("window", self.window), **window)
        return dataclasses.replace(self, **mine)

    def _check(self) -> None:
        if self.freq <= pd.Timedelta(0):
            raise UsageError(f"freq={self.freq}: must be longer than zero")
        if self.baseline is not None and (len(self.baseline) != 2
                                          or not self.baseline[0] < self.baseline[1]):
            raise UsageError(f"baseline={self.baseline}: expected (start, end) with start "
                             "before end")
        if self.slo_latency is not None and not self.slo_latency > pd.Timedelta(0):
            raise UsageError(f"slo_latency={self.slo_latency}: must be longer than zero")
        if not 0 < self.latency_quantile < 1:
            raise UsageError(f"latency_quantile={self.latency_quantile}: expected a fraction "
                             "such as 0.99")
        if not self.latency_factor > 0:
            raise UsageError(f"latency_factor={self.latency_factor}: must be more than zero")
        for item in self.sli or ():
            if not isinstance(item, SLI) and item not in SLI_NAMES:
                raise UsageError(f"sli={item!r}: expected one of {', '.join(SLI_NAMES)} or "
                                 "an SLI object (postmortem_kit.timeline.rules)")
        if not 0 < self.slo < 1:
            raise UsageError(f"slo={self.slo}: expected a fraction such as 0.999")
        for name in ("detection_lookback", "key_event_lookback", "slo_window"):
            if getattr(self, name) < pd.Timedelta(0):
                raise UsageError(f"{name}={getattr(self, name)}: must not be negative")
        if isinstance(self.clock_offsets, str) and self.clock_offsets != "auto":
            raise UsageError(f"clock_offsets={self.clock_offsets!r}: expected 'auto', a dict "
                             "of source -> offset, or None")


def _convert(name: str, value: Any) -> Any:
    """``value`` in the type the setting ``name`` stores, or a UsageError naming it."""
    try:
        if name in ("freq", "detection_lookback", "key_event_lookback", "slo_window",
                    "merge_gap", "edge_search"):
            return pd.Timedelta(value)
        if name == "baseline":
            return None if value is None else tuple(_utc(v) for v in value)
        if name == "clock_offsets" and isinstance(value, Mapping):
            return {str(k): pd.Timedelta(v) for k, v in value.items()}
        if name == "display_tz":
            ZoneInfo(str(value))
            return str(value)
        if name == "slo_latency" and value is not None:
            if isinstance(value, int | float):
                raise UsageError(f"slo_latency={value!r}: give a duration such as '2s' or "
                                 "'850ms' (a bare number has no unit)")
            return pd.Timedelta(value)
        if name in ("latency_quantile", "latency_factor"):
            return float(value)
        if name == "sli" and value is not None:
            return (value,) if isinstance(value, str | SLI) else tuple(value)
    except (ValueError, TypeError, OSError, LookupError) as exc:
        raise UsageError(f"{name}={value!r}: {exc}") from exc
    return value


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
