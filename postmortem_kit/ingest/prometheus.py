"""Prometheus as a live evidence source: ``query_range`` results as events.

:func:`read_prometheus` runs one ``query_range`` per PromQL query and returns ``metric``
events (``metric`` = the query's name, ``value``, the series' labels as ``labels.<name>``,
``service`` and ``host`` from the usual labels), plus ``alert`` events read from
``ALERTS{alertstate="firing"}``: a ``firing`` event where a run of samples starts and a
``resolved`` one a step after it ends (when it ends before the range does).

Name a query after the SLI it measures (``error_ratio``, ``latency_p99``: seconds, as
Prometheus measures; ``latency_p99_ms``: milliseconds) and ``derive_timeline`` uses it as
that SLI (:mod:`postmortem_kit.timeline.rules`).

:func:`matrix_events` turns a ``matrix`` (or ``vector``) result into events; the saved
JSON form (``formats/prometheus_json.py``) reads files through it too.
"""

from __future__ import annotations

import base64
import json
import math
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from postmortem_kit.errors import IngestError, IngestWarning, UsageError
from postmortem_kit.ingest.records.fields import HOST_LABELS, SERVICE_LABELS
from postmortem_kit.ingest.schema import concat_events, empty_events, finalize_events
from postmortem_kit.ingest.times import as_utc, parse_time

MAX_POINTS = 11_000  # Prometheus refuses a query_range returning more points per series
DEFAULT_STEP = pd.Timedelta("15s")
ALERTS_QUERY = 'ALERTS{alertstate="firing"}'


def read_prometheus(
    url: str,
    queries: Mapping[str, str],
    start: Any,
    end: Any,
    step: str | pd.Timedelta | None = None,
    *,
    token: str | None = None,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    alerts: bool = True,
    source: str = "prometheus",
    tz: str = "UTC",
) -> pd.DataFrame:
    """Run each PromQL query over ``[start, end]`` and return the results as events.

    Parameters
    ----------
    url
        The Prometheus server (or anything serving its HTTP API: Thanos, Mimir,
        VictoriaMetrics), e.g. ``"http://prometheus:9090"``.
    queries
        Name → PromQL. The name becomes the ``metric`` column; ``error_ratio`` and
        ``latency_p99`` (seconds) are taken by ``derive_timeline`` as those SLIs.
    start, end
        The range (strings or Timestamps; naive values are read in ``tz``).
    step
        Resolution (``"15s"``); default 15 s. Widened, with a note in
        ``attrs["notes"]``, when the range would need more than Prometheus' 11,000
        points per series.
    token, auth, headers
        A bearer token, or ``(user, password)`` for basic auth, and any other headers.
    timeout
        Seconds to wait for each answer.
    alerts
        Also read ``ALERTS{alertstate="firing"}`` into ``alert`` events.
    source
        The ``source`` column of every row.

    Returns
    -------
    pandas.DataFrame
        Events (DESIGN.md §1): ``kind`` ``metric`` rows with ``metric`` and ``value``
        (float64) and ``alert`` rows with ``alert`` and ``state``. A query that returns
        no series adds a note to ``attrs["notes"]`` and an
        :class:`~postmortem_kit.errors.IngestWarning`.

    Raises
    ------
    IngestError
        ``exit_code`` 2, naming the URL: the server cannot be reached or does not answer
        in time, refuses the credentials, or rejects a query (with Prometheus' own error
        text and the query's name).

    Examples
    --------
    >>> events = read_prometheus("http://prometheus:9090", {"error_ratio":
    ...     'sum(rate(http_requests_total{code=~"5.."}[1m]))'
    ...     ' / sum(rate(http_requests_total[1m]))'},
    ...     "2026-03-12 13:00Z", "2026-03-12 16:00Z")                    # doctest: +SKIP
    """
    lo, hi = _utc(start, tz, "start"), _utc(end, tz, "end")
    if not lo < hi:
        raise UsageError(f"read_prometheus: start ({lo}) must be before end ({hi})")
    notes: list[str] = []
    step_td = choose_step(lo, hi, step, notes)
    client = _Client(url.rstrip("/"), _headers(token, auth, headers), timeout)
    frames = []
    for name, query in queries.items():
        result = client.query_range(name, query, lo, hi, step_td)
        if not result:
            notes.append(f"query {name!r} returned no series between {lo} and {hi}")
            continue
        frames.append(matrix_events(result, name, step=step_td, end=hi, source=source))
    if alerts:
        result = client.query_range("ALERTS", ALERTS_QUERY, lo, hi, step_td)
        if result:
            frames.append(matrix_events(result, "ALERTS", step=step_td, end=hi, source=source))
    events = concat_events(frames) if frames else empty_events()
    events.attrs["notes"] = notes
    for note in notes:
        if "no series" in note:
            warnings.warn(f"{url}: {note}", IngestWarning, stacklevel=2)
    return events


def choose_step(start: pd.Timestamp, end: pd.Timestamp, step: str | pd.Timedelta | None,
                notes: list[str] | None = None) -> pd.Timedelta:
    """``step`` (default 15 s), widened to whole seconds so ``[start, end]`` needs at most
    :data:`MAX_POINTS` points per series; a widened given step is noted in ``notes``."""
    wanted = DEFAULT_STEP if step is None else pd.Timedelta(step)
    if wanted <= pd.Timedelta(0):
        raise UsageError(f"read_prometheus: step={step!r} must be longer than zero")
    needed = pd.Timedelta(seconds=math.ceil((end - start).total_seconds() / (MAX_POINTS - 1)))
    if needed <= wanted:
        return wanted
    if step is not None and notes is not None:
        notes.append(f"step {wanted.total_seconds():g}s would need more than {MAX_POINTS:,} "
                     f"points per series from {start} to {end}: "
                     f"{needed.total_seconds():g}s used")
    return needed


class _Client:
    """``POST /api/v1/query_range`` with errors that name the server and the query."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float):
        self.url, self.headers, self.timeout = url, headers, timeout

    def query_range(self, name: str, query: str, start: pd.Timestamp, end: pd.Timestamp,
                    step: pd.Timedelta) -> list[dict[str, Any]]:
        body = urllib.parse.urlencode({
            "query": query, "start": _unix(start), "end": _unix(end),
            "step": f"{step.total_seconds():g}"}).encode()
        endpoint = f"{self.url}/api/v1/query_range"
        request = urllib.request.Request(endpoint, data=body, method="POST", headers={
            **self.headers, "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                payload = answer.read()
        except urllib.error.HTTPError as exc:
            raise self._refused(name, exc) from None
        except TimeoutError:
            raise IngestError(f"Prometheus did not answer within {self.timeout:g} s",
                              file=self.url, unusable=True) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IngestError(f"cannot reach Prometheus: {reason}", file=self.url,
                              unusable=True) from None
        doc = _json(payload)
        if not isinstance(doc, dict) or doc.get("status") != "success":
            error = doc.get("error") if isinstance(doc, dict) else None
            raise IngestError(f"query {name!r} failed: {error or 'not a Prometheus API answer'}",
                              file=self.url, unusable=True)
        data = doc.get("data") or {}
        result = data.get("result")
        if not isinstance(result, list):
            raise IngestError(f"query {name!r}: the answer holds no result list",
                              file=self.url, unusable=True)
        return result

    def _refused(self, name: str, exc: urllib.error.HTTPError) -> IngestError:
        doc = _json(exc.read() or b"")
        if isinstance(doc, dict) and doc.get("error"):
            kind = doc.get("errorType")
            text = f"{kind}: {doc['error']}" if kind else str(doc["error"])
            return IngestError(f"query {name!r} failed: {text}", file=self.url,
                               unusable=True)
        hint = " (check token= / auth=)" if exc.code in (401, 403) else ""
        return IngestError(f"query {name!r} refused: HTTP {exc.code} {exc.reason}{hint}",
                           file=self.url, unusable=True)


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None


def _headers(token: str | None, auth: tuple[str, str] | None,
             extra: Mapping[str, str] | None) -> dict[str, str]:
    if token is not None and auth is not None:
        raise UsageError("read_prometheus: give token= or auth=, not both")
    out = dict(extra or {})
    if token is not None:
        out["Authorization"] = f"Bearer {token}"
    elif auth is not None:
        pair = f"{auth[0]}:{auth[1]}".encode()
        out["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return out


def _utc(value: Any, tz: str, what: str) -> pd.Timestamp:
    """A time given as text, an epoch number (unit by magnitude) or a Timestamp, in UTC."""
    try:
        ts = parse_time(value, tz) if isinstance(value, int | float) else as_utc(value, tz)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"read_prometheus: {what}={value!r} is not a time: {exc}") from None
    if ts is None:
        raise UsageError(f"read_prometheus: {what}= is required (a time)")
    return ts


def _unix(ts: pd.Timestamp) -> str:
    return f"{(ts - pd.Timestamp(0, tz='UTC')) / pd.Timedelta(seconds=1):.3f}"


def matrix_events(result: list[dict[str, Any]], name: str, *,
                  step: pd.Timedelta | None = None, end: pd.Timestamp | None = None,
                  source: str = "prometheus") -> pd.DataFrame:
    """The series of a ``query_range`` (``matrix``) or ``query`` (``vector``) result as
    events: ``metric`` rows named ``name``, or ``alert`` rows when ``name`` (or a series'
    ``__name__``) is ``ALERTS``. ``step`` and ``end`` place the ``resolved`` events."""
    metric_rows, alert_rows = [], []
    for series in result:
        labels = {str(k): str(v) for k, v in (series.get("metric") or {}).items()}
        points = series.get("values") or ([series["value"]] if "value" in series else [])
        times = pd.to_datetime(np.array([float(p[0]) for p in points]), unit="s", utc=True)
        values = pd.to_numeric(pd.Series([p[1] for p in points], dtype="str"),
                               errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        if name == "ALERTS" or labels.get("__name__") == "ALERTS":
            alert_rows += _alert_runs(labels, times, step, end)
        else:
            metric_rows.append(_series_frame(name, labels, times, values))
    frames = [finalize_events(f, source=source, kind="metric") for f in metric_rows]
    if alert_rows:
        frames.append(finalize_events(pd.DataFrame(alert_rows), source=source, kind="alert"))
    return concat_events(frames) if frames else empty_events()


def _label_columns(labels: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {f"labels.{k}": v for k, v in labels.items() if k != "__name__"}
    out["service"] = next((labels[k] for k in SERVICE_LABELS if labels.get(k)), None)
    host = next((labels[k] for k in HOST_LABELS if labels.get(k)), None)
    # ``instance`` is host:port; a reader matches hosts without the port.
    out["host"] = host.rsplit(":", 1)[0] if host and host.count(":") == 1 else host
    return out


def _series_frame(name: str, labels: dict[str, str], times: pd.DatetimeIndex,
                  values: np.ndarray) -> pd.DataFrame:
    shown = ", ".join(f'{k}="{v}"' for k, v in labels.items() if k != "__name__")
    text = pd.Series(values).map(lambda v: f"{v:.6g}").to_numpy()
    frame = pd.DataFrame({"timestamp": times, "metric": name, "value": values,
                          "message": [f"{name}{{{shown}}} {t}" if shown else f"{name} {t}"
                                      for t in text]})
    for column, value in _label_columns(labels).items():
        frame[column] = value
    return frame


def _alert_runs(labels: dict[str, str], times: pd.DatetimeIndex, step: pd.Timedelta | None,
                end: pd.Timestamp | None) -> list[dict[str, Any]]:
    """A ``firing`` row where each run of samples starts; a ``resolved`` row one step after
    it ends, unless it runs to the end of the range (still firing then)."""
    if not len(times):
        return []
    times = times.sort_values()
    gaps = times[1:] - times[:-1]
    typical = step if step is not None else (gaps.min() if len(gaps) else pd.Timedelta("1min"))
    breaks = np.flatnonzero(np.asarray(gaps > typical * 1.5))
    starts = [0, *(breaks + 1)]
    stops = [*breaks, len(times) - 1]
    name = labels.get("alertname", "ALERTS")
    base = {"alert": name, "level": labels.get("severity"), "metric": "ALERTS",
            **_label_columns(labels)}
    rows = []
    for a, b in zip(starts, stops, strict=True):
        rows.append({**base, "timestamp": times[a], "state": "firing",
                     "message": f"{name} firing"})
        last = times[b]
        if end is None or last + typical <= end:
            rows.append({**base, "timestamp": last + typical, "state": "resolved",
                         "message": f"{name} resolved"})
    return rows
