"""What counts: the service level indicators, their bad-event tests, and what a rollback is.

One place for every rule that the timeline, the impact, the key events and the charts
share (STYLE.md, "One rule, one place"):

- :class:`ErrorRatio`: the share of bad events: 5xx requests, error-level log records, or
  the value of a ratio metric (a Prometheus query named ``error_ratio``);
- :class:`Latency`: the share of requests slower than a threshold (``slo_latency=``, or
  learnt from the baseline: its p99 times :data:`LEARNT_FACTOR`), from the access log's
  ``latency_ms`` or from a latency metric (``latency_p99``, in seconds as Prometheus
  writes it; ``latency_p99_ms`` in milliseconds);
- :class:`UserRule`: a rule of the user's, ``failure(requests) -> bool Series``;
- :func:`is_rollback`, and the chat phrases that declare an incident or announce a
  mitigation.

An SLI is a frozen dataclass carrying its ``label``, ``unit`` and ``threshold`` (in its
unit: a ratio, or milliseconds) and a vectorised :meth:`SLI.bad` test over the rows it
reads (:meth:`SLI.select`). :func:`supported_slis` lists the SLIs an events frame can
measure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

FailureRule = Callable[[pd.DataFrame], pd.Series]

# A p99 that quadruples is a latency incident by any standard; smaller factors flag the
# ordinary tail of a busy minute.
LEARNT_FACTOR = 4.0
LATENCY_METRIC = re.compile(r"^latency_p(?P<q>\d+)(?P<ms>_ms)?$")
RATIO_METRICS = ("error_ratio",)

ROLLBACK_WORDS = re.compile(r"\broll(?:ed|ing)?[\s_-]?back|\brevert", re.IGNORECASE)
# Chat that announces a mitigation; a fallback for ``mitigated`` and a key-event signal.
MITIGATION_WORDS = re.compile(
    r"\b(?:roll(?:ed|ing)?[ -]?back|reverted?|mitigat\w*|failover|failed over|"
    r"disabled? (?:the )?flag|scaled? (?:up|out)|restarted)\b", re.I)
# Chat that declares an incident: evidence of detection when no alert or page says so.
DECLARATION_WORDS = re.compile(
    r"\b(?:declar\w*|incident (?:channel|commander)|sev-? ?[0-4]|"
    r"i'?m (?:ic|incident commander)|taking (?:command|ic))\b", re.I)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype="str")
    return frame[column].astype("str").fillna("")


def is_rollback(changes: pd.DataFrame) -> np.ndarray:
    """Which rows of a deploy/change frame are rollbacks: ``change_type`` says so, or the
    message says "roll back" or "revert" (a deploy list often marks them only in text)."""
    ctype = _text(changes, "change_type").str.lower()
    said = _text(changes, "message").str.contains(ROLLBACK_WORDS)
    return ((ctype == "rollback") | said).to_numpy(dtype=bool, na_value=False)


def request_failed(rows: pd.DataFrame) -> np.ndarray:
    """A request fails when its status is 5xx."""
    if "status" not in rows:
        return np.zeros(len(rows), dtype=bool)
    column = rows["status"]
    if not pd.api.types.is_numeric_dtype(column.dtype):
        column = pd.to_numeric(column, errors="coerce")
    status = column.to_numpy(dtype="float64", na_value=np.nan)
    return np.nan_to_num(status, nan=0.0) >= 500


def log_failed(rows: pd.DataFrame) -> np.ndarray:
    """A log record counts as a failure at level error or critical."""
    return (rows["level"] >= "error").to_numpy(dtype=bool, na_value=False)


def failed_rows(events: pd.DataFrame, rule: FailureRule | None = None) -> np.ndarray:
    """Failed requests (``rule``, default 5xx) and error-level records, as a boolean mask."""
    mask = np.zeros(len(events), dtype=bool)
    kind = events["kind"]
    requests = (kind == "request").to_numpy(dtype=bool, na_value=False)
    if requests.any():
        # Only the columns the default rule reads: a copy of every column of most rows
        # would be the size of the events frame (a rule of the user's may read any).
        rows = events[requests] if rule else events.loc[
            requests, [c for c in ("status",) if c in events]]
        mask[requests] = np.asarray(rule(rows) if rule else request_failed(rows), dtype=bool)
    logs = (kind == "log").to_numpy(dtype=bool, na_value=False)
    if logs.any():
        mask[logs] = log_failed(events.loc[logs, ["level"]])
    return mask


def format_value(value: float | None, unit: str) -> str:
    """``value`` as a reader writes it in ``unit``: ``2.1%``, ``850 ms``, ``2.4 s``."""
    if value is None or not np.isfinite(value):
        return "—"
    if unit == "ratio":
        return f"{value:.1%}" if value >= 0.001 else f"{value:.2%}"
    if value >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:.3g} ms"


@dataclass(frozen=True)
class SLI:
    """A service level indicator: which rows it reads, what makes one bad, its threshold.

    Attributes
    ----------
    source
        ``"requests"``, ``"logs"`` or ``"metric"`` (samples of :attr:`metric`).
    metric
        The metric name (``kind == "metric"`` rows whose ``metric`` column says it).
    threshold
        In :attr:`unit`: the ratio above which a bin is impact (error ratio), or the
        latency above which a request is bad. None until measured.
    how
        How the threshold was set (``"slo_latency"``, ``"learnt: 4 x baseline p99"``...).
    """

    source: str = "requests"
    metric: str | None = None
    threshold: float | None = None
    how: str = ""

    name: ClassVar[str] = "sli"
    unit: ClassVar[str] = "ratio"

    @property
    def label(self) -> str:
        """What the SLI measures, for notes, legends and reports."""
        return self.name

    @property
    def rule(self) -> str:
        """What makes one row bad, in words."""
        return ""

    @property
    def counts(self) -> bool:
        """Whether bins count events (a Poisson test of significance applies) rather
        than average the samples of a metric."""
        return self.source != "metric"

    def select(self, events: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows this SLI reads."""
        kind = events["kind"]
        if self.source == "metric":
            if "metric" not in events:
                return np.zeros(len(events), dtype=bool)
            return ((kind == "metric") & (events["metric"] == self.metric)).to_numpy(
                dtype=bool, na_value=False)
        if self.source == "logs":
            return ((kind == "log") & events["level"].notna()).to_numpy(dtype=bool,
                                                                        na_value=False)
        return (kind == "request").to_numpy(dtype=bool, na_value=False)

    @property
    def columns(self) -> tuple[str, ...] | None:
        """The columns :meth:`bad` and :meth:`values` read (None: all of them)."""
        return ("timestamp", "kind", "level", "status", "latency_ms", "value", "metric")

    def values(self, rows: pd.DataFrame) -> np.ndarray:
        """Each row's value in :attr:`unit` (1.0 / 0.0 for a bad / good event)."""
        return self.bad(rows).astype("float64")

    def bad(self, rows: pd.DataFrame) -> np.ndarray:
        """Boolean per row of ``rows`` (rows :meth:`select` picked): is it a bad event."""
        raise NotImplementedError

    def describe(self, value: float | None) -> str:
        """``value`` in the SLI's unit, as text."""
        return format_value(value, self.unit)


@dataclass(frozen=True)
class ErrorRatio(SLI):
    """The share of bad events: 5xx requests, error-level log records, or a ratio metric."""

    name: ClassVar[str] = "error_ratio"
    unit: ClassVar[str] = "ratio"

    @property
    def label(self) -> str:
        if self.source == "metric":
            return f"error ratio (metric {self.metric})"
        return "error ratio (error logs / logs)" if self.source == "logs" else \
            "error ratio (5xx / requests)"

    @property
    def rule(self) -> str:
        if self.source == "metric":
            return "ratio above the impact threshold"
        return "level error or critical" if self.source == "logs" else "status >= 500"

    def values(self, rows: pd.DataFrame) -> np.ndarray:
        if self.source == "metric":
            return pd.to_numeric(rows["value"], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan)
        return self.bad(rows).astype("float64")

    def bad(self, rows: pd.DataFrame) -> np.ndarray:
        if self.source == "metric":
            if self.threshold is None:
                return np.zeros(len(rows), dtype=bool)
            return np.nan_to_num(self.values(rows), nan=0.0) > self.threshold
        return log_failed(rows) if self.source == "logs" else request_failed(rows)


@dataclass(frozen=True)
class Latency(SLI):
    """The share of requests (or metric samples) slower than :attr:`threshold` ms.

    ``quantile`` is the one drawn and learnt from: without ``slo_latency=``, the threshold
    is the baseline's median per-bin ``quantile`` times ``factor``.
    """

    quantile: float = 0.99
    factor: float = LEARNT_FACTOR

    name: ClassVar[str] = "latency"
    unit: ClassVar[str] = "ms"

    @property
    def label(self) -> str:
        if self.source == "metric":
            return f"latency (metric {self.metric})"
        return f"p{_percent(self.quantile)} latency (requests)"

    @property
    def rule(self) -> str:
        return f"slower than {self.describe(self.threshold)}" if self.threshold is not None \
            else "slower than the latency threshold"

    def values(self, rows: pd.DataFrame) -> np.ndarray:
        column = "value" if self.source == "metric" else "latency_ms"
        if column not in rows:
            return np.full(len(rows), np.nan)
        raw = rows[column]
        if not pd.api.types.is_numeric_dtype(raw.dtype):
            raw = pd.to_numeric(raw, errors="coerce")
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        if self.source == "metric" and not (self.metric or "").endswith("_ms"):
            values = values * 1000.0  # Prometheus' base unit is the second
        return values

    def bad(self, rows: pd.DataFrame) -> np.ndarray:
        if self.threshold is None:
            return np.zeros(len(rows), dtype=bool)
        return np.nan_to_num(self.values(rows), nan=0.0) > self.threshold


@dataclass(frozen=True)
class UserRule(SLI):
    """A failure rule of the user's: ``rule(requests) -> bool Series``."""

    fn: FailureRule | None = None

    name: ClassVar[str] = "rule"
    unit: ClassVar[str] = "ratio"

    @property
    def label(self) -> str:
        return f"error ratio ({self.rule})"

    @property
    def rule(self) -> str:
        doc = (getattr(self.fn, "__doc__", None) or "custom rule").strip()
        return doc.split("\n")[0] or "custom rule"

    @property
    def columns(self) -> tuple[str, ...] | None:
        return None  # a user's rule may look at anything

    def bad(self, rows: pd.DataFrame) -> np.ndarray:
        if self.fn is None:
            return np.zeros(len(rows), dtype=bool)
        return np.asarray(self.fn(rows), dtype=bool)


def _percent(q: float) -> str:
    return f"{q * 100:g}".replace(".", "")


def latency_metric_quantile(name: str) -> float | None:
    """The quantile a latency metric's name says (``latency_p99`` → 0.99), else None."""
    match = LATENCY_METRIC.match(name)
    if match is None:
        return None
    digits = match["q"]
    return int(digits) / 10 ** len(digits)


def supported_slis(events: pd.DataFrame, *, latency: bool = True,
                   quantile: float = 0.99, factor: float = LEARNT_FACTOR) -> list[SLI]:
    """Every SLI the evidence in ``events`` can measure, error ratios first.

    Requests give the error ratio (5xx) and, when they have latencies, the latency; with
    no requests, leveled logs give the error ratio. Metric rows named ``error_ratio`` or
    ``latency_pNN`` (as :func:`~postmortem_kit.ingest.prometheus.read_prometheus` names
    its queries) give those SLIs too.
    """
    out: list[SLI] = []
    kind = events["kind"]
    requests = (kind == "request").to_numpy(dtype=bool, na_value=False)
    if requests.any():
        out.append(ErrorRatio("requests"))
        if latency and "latency_ms" in events and events.loc[requests, "latency_ms"].notna().any():
            out.append(Latency("requests", quantile=quantile, factor=factor))
    elif ((kind == "log") & events["level"].notna()).any():
        out.append(ErrorRatio("logs"))
    if "metric" in events:
        names = events.loc[(kind == "metric").to_numpy(dtype=bool, na_value=False), "metric"]
        for name in sorted(str(n) for n in names.dropna().unique()):
            if name in RATIO_METRICS:
                out.append(ErrorRatio("metric", metric=name))
            elif latency and (q := latency_metric_quantile(name)) is not None:
                out.append(Latency("metric", metric=name, quantile=q, factor=factor))
    out.sort(key=lambda s: s.name != "error_ratio")  # stable: error ratios first
    return out
