"""A generated scenario suite with ground truth, for testing the timeline and the charts.

Each scenario is an events frame built directly (no files) from a per-minute failure
probability, plus the truth it was built from. Seeded: the same name and seed give the
same frame.

Scenarios: ``sample_like`` (a deploy, an alert, a page, a rollback), ``no_incident``,
``two_bursts``, ``detection_before_impact`` (a synthetic monitor fires first),
``no_alert_source`` (detection only from chat), ``slow_burn`` (a ramp that never crosses
5%), ``skewed_clock`` (the access log's clock runs 4 minutes fast), ``quiet_service``
(three requests a minute), ``short_blip`` (4 minutes) and ``long_burn`` (three days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import concat_events, finalize_events

T0 = pd.Timestamp("2026-05-04 09:00", tz="UTC")
SCENARIOS = ("sample_like", "no_incident", "two_bursts", "detection_before_impact",
             "no_alert_source", "slow_burn", "skewed_clock", "quiet_service", "short_blip",
             "long_burn")


@dataclass
class Scenario:
    name: str
    events: pd.DataFrame
    truth: dict[str, pd.Timestamp | None]
    users_affected: int | None = None
    options: dict = field(default_factory=dict)  # what derive_timeline should be told


def _minutes(m: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=m)


def _requests(rng: np.random.Generator, minutes: int, rate: float,
              p: Callable[[np.ndarray], np.ndarray], users: int, source: str = "access",
              skew: pd.Timedelta = pd.Timedelta(0)) -> tuple[pd.DataFrame, np.ndarray]:
    per_minute = rng.poisson(rate, minutes)
    minute = np.repeat(np.arange(minutes), per_minute)
    offset = rng.random(len(minute))
    at = minute + offset
    failed = rng.random(len(minute)) < p(at)
    user = rng.integers(0, users, len(minute))
    paths = np.where(rng.random(len(minute)) < 0.3, "/api/checkout", "/api/cart")
    ts = T0 + pd.to_timedelta(at * 60e6, unit="us") + skew
    frame = pd.DataFrame({
        "timestamp": ts, "kind": "request", "service": "api-gateway",
        "status": np.where(failed, 503, 200), "method": "POST", "path": paths,
        # failures time out after 3 s; successes take tens of milliseconds
        "latency_ms": np.where(failed, 3000.0, rng.lognormal(3.5, 0.5, len(minute))),
        "user": ("u" + pd.Series(user).astype("str").str.zfill(5)).to_numpy(),
        # as the access-log loader levels them: 5xx error, else info
        "level": np.where(failed, "error", "info"),
        "message": "POST " + paths + " HTTP/1.1",
        "line": np.arange(1, len(minute) + 1),
    })
    return finalize_events(frame, source=source), failed & True


def _point(kind: str, minute: float, message: str, source: str, **extra) -> pd.DataFrame:
    row = {"timestamp": [_minutes(minute)], "kind": [kind], "message": [message], "line": [1]}
    row.update({k: [v] for k, v in extra.items()})
    return finalize_events(pd.DataFrame(row), source=source)


def _alert(minute_fire: float, minute_resolve: float | None, name: str = "CheckoutErrorRate"):
    out = [_point("alert", minute_fire, f"{name}: 5xx ratio above 5%", "alertmanager",
                  alert=name, state="firing", level="critical")]
    if minute_resolve is not None:
        out.append(_point("alert", minute_resolve, f"{name}: resolved", "alertmanager",
                          alert=name, state="resolved", level="info"))
    return out


def _page(trigger: float, ack: float | None, resolve: float | None):
    out = [_point("page", trigger, "CheckoutErrorRate", "pagerduty", state="triggered")]
    if ack is not None:
        out.append(_point("page", ack, "CheckoutErrorRate", "pagerduty", state="acknowledged",
                          user="Priya Raman"))
    if resolve is not None:
        out.append(_point("page", resolve, "CheckoutErrorRate", "pagerduty", state="resolved"))
    return out


def _change(minute: float, change_type: str, version: str) -> pd.DataFrame:
    kind = "deploy" if change_type in ("deploy", "rollback") else "change"
    return _point(kind, minute, f"{change_type} checkout {version}", "deploys",
                  service="checkout", change_type=change_type, version=version, author="ci")


def _chat(minute: float, text: str, user: str = "lee") -> pd.DataFrame:
    return _point("chat", minute, text, "slack", user=user)


def _window(p0: float, p1: float, a: float, b: float):
    return lambda t: np.where((t >= a) & (t < b), p1, p0)


def _affected(requests: pd.DataFrame, failed: np.ndarray, a: float, b: float) -> int:
    ts = requests["timestamp"]
    inside = (ts >= _minutes(a)) & (ts < _minutes(b))
    return int(requests.loc[inside.to_numpy() & failed, "user"].nunique())


def build(name: str, seed: int = 0, scale: float = 1.0) -> Scenario:
    """Build scenario ``name`` (one of :data:`SCENARIOS`); ``scale`` multiplies the traffic."""
    rng = np.random.default_rng(seed)
    parts: list[pd.DataFrame] = []
    truth: dict[str, float | None] = dict.fromkeys(
        ("started", "detected", "acknowledged", "mitigated", "resolved"))
    minutes, rate, users, options = 180, 200.0, 2000, {}
    p0 = 0.002
    a, b = 60.0, 95.0
    if name == "sample_like":
        p = _window(p0, 0.3, a, b)
        parts += [_change(57, "deploy", "v2"), *_alert(65, 100), *_page(65.2, 68, 101),
                  _chat(66, "declaring an incident, I'm IC"), _change(88, "rollback", "v1")]
        truth.update(started=a, detected=65, acknowledged=68, mitigated=88, resolved=b)
    elif name == "no_incident":
        p = _window(p0, p0, 0, 0)
        parts += [_chat(30, "lunch?")]
    elif name == "two_bursts":
        p = lambda t: np.where(((t >= 60) & (t < 80)) | ((t >= 120) & (t < 135)), 0.25, p0)  # noqa: E731
        parts += [*_alert(63, 82), *_alert(122, 137), *_page(63.1, 66, 140),
                  _change(75, "rollback", "v1"), _change(130, "config", "pool-size=64")]
        truth.update(started=60, detected=63, acknowledged=66, mitigated=130, resolved=135)
        b = 135
    elif name == "detection_before_impact":
        p = _window(p0, 0.3, a, b)
        parts += [*_alert(58, 97, "SyntheticCheckoutProbe"), *_page(58.1, 61, 99),
                  _change(90, "rollback", "v1")]
        truth.update(started=a, detected=58, acknowledged=61, mitigated=90, resolved=b)
    elif name == "no_alert_source":
        p = _window(p0, 0.3, a, b)
        parts += [_chat(20, "morning all"), _chat(66, "checkout is throwing 500s for me",
                                                  user="support-anna"),
                  _change(85, "rollback", "v1"), _chat(96, "looks resolved now")]
        truth.update(started=a, detected=66, mitigated=85, resolved=b)
    elif name == "slow_burn":
        b = 122.0

        def p(t):
            ramp = p0 + (0.04 - p0) * np.clip((t - a) / (120 - a), 0, 1)
            return np.where((t >= a) & (t < b), ramp, p0)

        parts += [*_alert(110, 125, "CheckoutErrorBudgetBurn"), *_page(110.2, 113, 126),
                  _change(120, "rollback", "v1")]
        truth.update(started=a, detected=110, acknowledged=113, mitigated=120, resolved=b)
        options["tolerance"] = {"started": 10}  # a ramp's first minutes are noise-level
    elif name == "skewed_clock":
        p = _window(p0, 0.3, a, b)
        parts += [*_alert(65, 100), *_page(65.2, 68, 101), _change(88, "rollback", "v1")]
        truth.update(started=a, detected=65, acknowledged=68, mitigated=88, resolved=b)
        options["skew"] = pd.Timedelta("4min")
    elif name == "quiet_service":
        rate, users = 3.0, 40
        p = _window(0.0, 0.6, a, b)
        parts += [*_alert(70, 100), *_page(70.2, 72, 101), _change(90, "rollback", "v1")]
        truth.update(started=a, detected=70, acknowledged=72, mitigated=90, resolved=b)
        options["tolerance"] = {"started": 3, "resolved": 3}  # a request every 20 s
    elif name == "short_blip":
        a, b = 60.0, 64.0
        p = _window(p0, 0.5, a, b)
        parts += [*_alert(62, 66)]
        truth.update(started=a, detected=62, resolved=b)
    elif name == "long_burn":
        minutes, rate = 5 * 24 * 60, 20.0
        a, b = 24 * 60.0, 4 * 24 * 60.0
        p = _window(p0, 0.08, a, b)
        parts += [*_alert(a + 40, b + 5), *_page(a + 41, a + 60, b + 10),
                  _change(b - 30, "flag", "new-pricing=off")]
        truth.update(started=a, detected=a + 40, acknowledged=a + 60, mitigated=b - 30,
                     resolved=b)
    else:
        raise ValueError(f"unknown scenario {name!r}: expected one of {SCENARIOS}")
    skew = options.get("skew", pd.Timedelta(0))
    requests, failed = _requests(rng, minutes, rate * scale, p, users, skew=skew)
    if name == "skewed_clock":
        # The application log is on the true clock: its errors line up with the alert.
        app = requests.loc[failed, ["timestamp", "user"]].copy()
        app["timestamp"] = app["timestamp"] - skew
        app["message"] = "KeyError: 'currency' in PaymentRequest.build"
        app["level"], app["kind"], app["service"] = "error", "log", "checkout"
        parts.append(finalize_events(app, source="app"))
    events = concat_events([requests, *parts])
    true_requests = requests.assign(timestamp=requests["timestamp"] - skew)
    affected = _affected(true_requests, failed, a, b) if truth["started"] is not None else 0
    stamps = {k: (_minutes(v) if v is not None else None) for k, v in truth.items()}
    return Scenario(name, events, stamps, affected, options)
