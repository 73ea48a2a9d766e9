"""A generated scenario suite with ground truth, for testing the timeline and the charts.

Each scenario is an events frame built directly (no files) from a per-minute failure
probability, plus the truth it was built from. Seeded: the same name and seed give the
same frame.

Scenarios: ``sample_like`` (a deploy, an alert, a page, a rollback), ``no_incident``,
``two_bursts``, ``detection_before_impact`` (a synthetic monitor fires first),
``no_alert_source`` (detection only from chat), ``slow_burn`` (a ramp that never crosses
5%), ``skewed_clock`` (the access log's clock runs 4 minutes fast), ``quiet_service``
(three requests a minute), ``short_blip`` (4 minutes), ``long_burn`` (three days),
``latency_only`` (the payments API slows to 3-8 s for 40 minutes with no 5xx at all) and
``metrics_only`` (no logs or requests: Prometheus' ``error_ratio`` and ``latency_p99``
samples every 15 s, with the alerts, the page, the deploys and the chat).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import concat_events, finalize_events

T0 = pd.Timestamp("2026-05-04 09:00", tz="UTC")


@dataclass
class Scenario:
    name: str
    events: pd.DataFrame
    truth: dict[str, pd.Timestamp | None]
    users_affected: int | None = None  # None: the evidence has no users (metrics only)
    options: dict = field(default_factory=dict)  # what derive_timeline should be told


def _minutes(m: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=m)


def _requests(rng: np.random.Generator, minutes: int, rate: float,
              p: Callable[[np.ndarray], np.ndarray], users: int, source: str = "access",
              skew: pd.Timedelta = pd.Timedelta(0),
              slow: Callable[[np.ndarray], np.ndarray] | None = None,
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    per_minute = rng.poisson(rate, minutes)
    minute = np.repeat(np.arange(minutes), per_minute)
    offset = rng.random(len(minute))
    at = minute + offset
    failed = rng.random(len(minute)) < p(at)
    user = rng.integers(0, users, len(minute))
    paths = np.where(rng.random(len(minute)) < 0.3, "/api/checkout", "/api/cart")
    ts = T0 + pd.to_timedelta(at * 60e6, unit="us") + skew
    latency = np.where(failed, 3000.0, rng.lognormal(3.5, 0.5, len(minute)))
    slowed = np.zeros(len(minute), dtype=bool)
    if slow is not None:  # drawn last, so the other scenarios keep their numbers
        slowed = (rng.random(len(minute)) < slow(at)) & ~failed
        latency[slowed] = rng.uniform(3000.0, 8000.0, int(slowed.sum()))
    frame = pd.DataFrame({
        "timestamp": ts, "kind": "request", "service": "api-gateway",
        "status": np.where(failed, 503, 200), "method": "POST", "path": paths,
        # failures time out after 3 s; successes take tens of milliseconds
        "latency_ms": latency,
        "user": ("u" + pd.Series(user).astype("str").str.zfill(5)).to_numpy(),
        # as the access-log loader levels them: 5xx error, else info
        "level": np.where(failed, "error", "info"),
        "message": "POST " + paths + " HTTP/1.1",
        "line": np.arange(1, len(minute) + 1),
    })
    return finalize_events(frame, source=source), failed & True, slowed


def _point(kind: str, minute: float, message: str, source: str, **extra) -> pd.DataFrame:
    row = {"timestamp": [_minutes(minute)], "kind": [kind], "message": [message], "line": [1]}
    row.update({k: [v] for k, v in extra.items()})
    return finalize_events(pd.DataFrame(row), source=source)


def _alert(minute_fire: float, minute_resolve: float | None, name: str = "CheckoutErrorRate",
           what: str = "5xx ratio above 5%"):
    out = [_point("alert", minute_fire, f"{name}: {what}", "alertmanager",
                  alert=name, state="firing", level="critical")]
    if minute_resolve is not None:
        out.append(_point("alert", minute_resolve, f"{name}: resolved", "alertmanager",
                          alert=name, state="resolved", level="info"))
    return out


def _page(trigger: float, ack: float | None, resolve: float | None,
          title: str = "CheckoutErrorRate"):
    out = [_point("page", trigger, title, "pagerduty", state="triggered")]
    if ack is not None:
        out.append(_point("page", ack, title, "pagerduty", state="acknowledged",
                          user="Priya Raman"))
    if resolve is not None:
        out.append(_point("page", resolve, title, "pagerduty", state="resolved"))
    return out


def _change(minute: float, change_type: str, version: str, service: str = "checkout",
            ) -> pd.DataFrame:
    kind = "deploy" if change_type in ("deploy", "rollback") else "change"
    return _point(kind, minute, f"{change_type} {service} {version}", "deploys",
                  service=service, change_type=change_type, version=version, author="ci")


def _chat(minute: float, text: str, user: str = "lee") -> pd.DataFrame:
    return _point("chat", minute, text, "slack", user=user)


def _window(p0: float, p1: float, a: float, b: float):
    return lambda t: np.where((t >= a) & (t < b), p1, p0)


def _affected(requests: pd.DataFrame, failed: np.ndarray, a: float, b: float) -> int:
    ts = requests["timestamp"]
    inside = (ts >= _minutes(a)) & (ts < _minutes(b))
    return int(requests.loc[inside.to_numpy() & failed, "user"].nunique())


@dataclass
class Plan:
    """What a scenario's builder decides: traffic, failure probability, other evidence and
    truth (in minutes after :data:`T0`). :func:`build` turns it into events."""

    p: Callable[[np.ndarray], np.ndarray]
    parts: list[pd.DataFrame] = field(default_factory=list)
    truth: dict[str, float | None] = field(default_factory=dict)
    impact: tuple[float, float] = (60.0, 95.0)  # [a, b): where users count as affected
    minutes: int = 180
    rate: float = 200.0
    users: int = 2000
    options: dict = field(default_factory=dict)
    slow: Callable[[np.ndarray], np.ndarray] | None = None  # share of 3-8 s successes
    evidence: str = "requests"  # or "metrics": the requests become Prometheus samples


P0 = 0.002  # background failure probability
A, B = 60.0, 95.0  # the usual impact window, in minutes
_BUILDERS: dict[str, Callable[[], Plan]] = {}


def scenario(name: str) -> Callable[[Callable[[], Plan]], Callable[[], Plan]]:
    """Register a scenario builder under ``name`` (its order is :data:`SCENARIOS`' order)."""
    def register(fn: Callable[[], Plan]) -> Callable[[], Plan]:
        _BUILDERS[name] = fn
        return fn
    return register


@scenario("sample_like")
def _sample_like() -> Plan:
    return Plan(_window(P0, 0.3, A, B),
                [_change(57, "deploy", "v2"), *_alert(65, 100), *_page(65.2, 68, 101),
                 _chat(66, "declaring an incident, I'm IC"), _change(88, "rollback", "v1")],
                dict(started=A, detected=65, acknowledged=68, mitigated=88, resolved=B))


@scenario("no_incident")
def _no_incident() -> Plan:
    return Plan(_window(P0, P0, 0, 0), [_chat(30, "lunch?")])


@scenario("two_bursts")
def _two_bursts() -> Plan:
    def p(t):
        return np.where(((t >= 60) & (t < 80)) | ((t >= 120) & (t < 135)), 0.25, P0)

    return Plan(p, [*_alert(63, 82), *_alert(122, 137), *_page(63.1, 66, 140),
                    _change(75, "rollback", "v1"), _change(130, "config", "pool-size=64")],
                dict(started=60, detected=63, acknowledged=66, mitigated=130, resolved=135),
                impact=(A, 135))


@scenario("detection_before_impact")
def _detection_before_impact() -> Plan:
    return Plan(_window(P0, 0.3, A, B),
                [*_alert(58, 97, "SyntheticCheckoutProbe"), *_page(58.1, 61, 99),
                 _change(90, "rollback", "v1")],
                dict(started=A, detected=58, acknowledged=61, mitigated=90, resolved=B))


@scenario("no_alert_source")
def _no_alert_source() -> Plan:
    return Plan(_window(P0, 0.3, A, B),
                [_chat(20, "morning all"),
                 _chat(66, "checkout is throwing 500s for me", user="support-anna"),
                 _change(85, "rollback", "v1"), _chat(96, "looks resolved now")],
                dict(started=A, detected=66, mitigated=85, resolved=B))


@scenario("slow_burn")
def _slow_burn() -> Plan:
    end = 122.0

    def p(t):
        ramp = P0 + (0.04 - P0) * np.clip((t - A) / (120 - A), 0, 1)
        return np.where((t >= A) & (t < end), ramp, P0)

    return Plan(p, [*_alert(110, 125, "CheckoutErrorBudgetBurn"), *_page(110.2, 113, 126),
                    _change(120, "rollback", "v1")],
                dict(started=A, detected=110, acknowledged=113, mitigated=120, resolved=end),
                impact=(A, end),
                options={"tolerance": {"started": 10}})  # a ramp's first minutes are noise


@scenario("skewed_clock")
def _skewed_clock() -> Plan:
    return Plan(_window(P0, 0.3, A, B),
                [*_alert(65, 100), *_page(65.2, 68, 101), _change(88, "rollback", "v1")],
                dict(started=A, detected=65, acknowledged=68, mitigated=88, resolved=B),
                options={"skew": pd.Timedelta("4min"), "app_log_on_true_clock": True})


@scenario("quiet_service")
def _quiet_service() -> Plan:
    return Plan(_window(0.0, 0.6, A, B),
                [*_alert(70, 100), *_page(70.2, 72, 101), _change(90, "rollback", "v1")],
                dict(started=A, detected=70, acknowledged=72, mitigated=90, resolved=B),
                rate=3.0, users=40,
                options={"tolerance": {"started": 3, "resolved": 3}})  # a request every 20 s


@scenario("short_blip")
def _short_blip() -> Plan:
    return Plan(_window(P0, 0.5, 60, 64), [*_alert(62, 66)],
                dict(started=60, detected=62, resolved=64), impact=(60, 64))


@scenario("long_burn")
def _long_burn() -> Plan:
    a, b = 24 * 60.0, 4 * 24 * 60.0
    return Plan(_window(P0, 0.08, a, b),
                [*_alert(a + 40, b + 5), *_page(a + 41, a + 60, b + 10),
                 _change(b - 30, "flag", "new-pricing=off")],
                dict(started=a, detected=a + 40, acknowledged=a + 60, mitigated=b - 30,
                     resolved=b),
                impact=(a, b), minutes=5 * 24 * 60, rate=20.0)


@scenario("latency_only")
def _latency_only() -> Plan:
    a, b = 60.0, 100.0
    return Plan(_window(0.0, 0.0, 0, 0),
                [_change(57, "deploy", "v3", service="payments"),
                 *_alert(64, 104, "PaymentsHighLatency", what="p99 latency above 2s"),
                 *_page(64.2, 67, 105, "PaymentsHighLatency"),
                 _chat(66, "declaring an incident: payments is crawling, I'm IC"),
                 _change(95, "rollback", "v2", service="payments")],
                dict(started=a, detected=64, acknowledged=67, mitigated=95, resolved=b),
                impact=(a, b), slow=_window(0.0, 0.6, a, b))


@scenario("metrics_only")
def _metrics_only() -> Plan:
    plan = _sample_like()
    plan.evidence = "metrics"
    return plan


SCENARIOS = tuple(_BUILDERS)


def build(name: str, seed: int = 0, scale: float = 1.0) -> Scenario:
    """Build scenario ``name`` (one of :data:`SCENARIOS`); ``scale`` multiplies the traffic."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown scenario {name!r}: expected one of {SCENARIOS}")
    rng = np.random.default_rng(seed)
    plan = _BUILDERS[name]()
    truth = dict.fromkeys(("started", "detected", "acknowledged", "mitigated", "resolved"))
    truth.update(plan.truth)
    parts = list(plan.parts)
    skew = plan.options.get("skew", pd.Timedelta(0))
    requests, failed, slowed = _requests(rng, plan.minutes, plan.rate * scale, plan.p,
                                         plan.users, skew=skew, slow=plan.slow)
    if plan.options.get("app_log_on_true_clock"):
        # The application log is on the true clock: its errors line up with the alert.
        app = requests.loc[failed, ["timestamp", "user"]].copy()
        app["timestamp"] = app["timestamp"] - skew
        app["message"] = "KeyError: 'currency' in PaymentRequest.build"
        app["level"], app["kind"], app["service"] = "error", "log", "checkout"
        parts.append(finalize_events(app, source="app"))
    true_requests = requests.assign(timestamp=requests["timestamp"] - skew)
    affected: int | None = (_affected(true_requests, failed | slowed, *plan.impact)
                            if truth["started"] is not None else 0)
    if plan.evidence == "metrics":
        requests, affected = metric_samples(requests, plan.minutes), None
    events = concat_events([requests, *parts])
    stamps = {k: (_minutes(v) if v is not None else None) for k, v in truth.items()}
    options = {k: v for k, v in plan.options.items() if k != "app_log_on_true_clock"}
    return Scenario(name, events, stamps, affected, options)


SCRAPE = pd.Timedelta("15s")
RATE_WINDOW = pd.Timedelta("1min")


def metric_samples(requests: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """What Prometheus would have recorded of ``requests`` every 15 s: ``error_ratio`` (the
    5xx share over the last minute, as ``rate(...[1m])`` divides) and ``latency_p99`` (in
    seconds, over the same minute), as :func:`~postmortem_kit.ingest.prometheus.
    read_prometheus` returns query results."""
    times = requests["timestamp"].to_numpy()
    failed = (requests["status"] >= 500).to_numpy(dtype=bool)
    latency = requests["latency_ms"].to_numpy(dtype="float64")
    order = np.argsort(times, kind="stable")
    times, failed, latency = times[order], failed[order], latency[order]
    at = pd.date_range(T0 + RATE_WINDOW, T0 + pd.Timedelta(minutes=minutes), freq=SCRAPE)
    hi = np.searchsorted(times, at.to_numpy(), side="right")
    lo = np.searchsorted(times, (at - RATE_WINDOW).to_numpy(), side="right")
    cum = np.concatenate([[0], np.cumsum(failed)])
    n = hi - lo
    ratio = np.where(n > 0, (cum[hi] - cum[lo]) / np.maximum(n, 1), np.nan)
    p99 = np.array([np.quantile(latency[a:b], 0.99) / 1000 if b > a else np.nan
                    for a, b in zip(lo, hi, strict=True)])
    frames = []
    for name, values in (("error_ratio", ratio), ("latency_p99", p99)):
        frames.append(finalize_events(pd.DataFrame({
            "timestamp": at, "kind": "metric", "metric": name, "value": values,
            "service": "api-gateway", "labels.job": "api-gateway",
            "message": [f"{name} {v:.6g}" for v in values]}), source="prometheus"))
    return concat_events(frames)
