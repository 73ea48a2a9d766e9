"""Hand-built incidents for the chart tests: events frames and Timelines of known shape.

``derive_timeline`` is tested on its own; the charts are tested on timelines whose every
time is known here, so a failing assertion points at the chart, not at the derivation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import concat_events, finalize_events
from postmortem_kit.timeline.model import Timeline, compute_metrics, empty_phases


def timeline_for(phases: dict[str, str | pd.Timestamp | None], *,
                 key_events: pd.DataFrame | None = None,
                 error_ratio: pd.DataFrame | None = None,
                 episodes: list[tuple[str, str]] | None = None) -> Timeline:
    """A Timeline with the given phase times (None or absent: missing)."""
    table = empty_phases()
    for name, value in phases.items():
        if value is not None:
            table.loc[name, "time"] = pd.Timestamp(value)
            table.loc[name, "rule"] = "test"
    kw = {}
    if key_events is not None:
        kw["key_events"] = key_events
    if error_ratio is not None:
        kw["error_ratio"] = error_ratio
    if episodes is not None:
        kw["episodes"] = pd.DataFrame({
            "start": pd.to_datetime([a for a, _ in episodes], utc=True),
            "end": pd.to_datetime([b for _, b in episodes], utc=True),
            "peak_ratio": [0.5] * len(episodes)})
    return Timeline(phases=table, metrics=compute_metrics(table), **kw)


def requests(start: str, end: str, n: int, *, bad: tuple[str, str] | None = None,
             fail_share: float = 0.6, seed: int = 0, services: tuple[str, ...] = ("checkout",),
             ) -> pd.DataFrame:
    """``n`` requests spread evenly over [start, end); in ``bad`` a share of them fail."""
    rng = np.random.default_rng(seed)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    offsets = np.sort(rng.integers(0, int((t1 - t0) / pd.Timedelta(1, "us")), n))
    times = t0 + pd.to_timedelta(offsets, unit="us")
    status = np.full(n, 200, dtype=np.int16)
    if bad is not None:
        inside = (times >= pd.Timestamp(bad[0])) & (times < pd.Timestamp(bad[1]))
        status[inside & (rng.random(n) < fail_share)] = 503
    frame = pd.DataFrame({
        "timestamp": times, "message": "GET /api/checkout", "status": status,
        "service": np.array(services, dtype=object)[rng.integers(0, len(services), n)]})
    return finalize_events(frame, source="access", kind="request")


def few(kind: str, source: str, rows: list[tuple[str, str]], **columns: list) -> pd.DataFrame:
    """A small events frame of one kind: (time, message) pairs plus any columns."""
    frame = pd.DataFrame({"timestamp": [t for t, _ in rows], "message": [m for _, m in rows],
                          **columns})
    return finalize_events(frame, source=source, kind=kind)


def incident(start: str, impact: tuple[str, str], end: str, *, n_requests: int = 5000,
             phases: dict[str, str] | None = None, seed: int = 0,
             ) -> tuple[pd.DataFrame, Timeline]:
    """A small complete incident: traffic, a bad deploy, alerts, a page, a rollback."""
    t = {k: pd.Timestamp(v) for k, v in (phases or {}).items()}
    started, resolved = pd.Timestamp(impact[0]), pd.Timestamp(impact[1])
    t.setdefault("started", started)
    t.setdefault("resolved", resolved)
    span = resolved - started
    t.setdefault("detected", started + span * 0.2)
    t.setdefault("acknowledged", started + span * 0.3)
    t.setdefault("mitigated", started + span * 0.9)
    iso = {k: v.isoformat() for k, v in t.items()}
    deploy_at = (started - span * 0.1).isoformat()
    parts = [
        requests(start, end, n_requests, bad=impact, seed=seed,
                 services=("checkout", "payments", "cart")),
        few("deploy", "deploys", [(deploy_at, "checkout v2 multi-currency"),
                                  (iso["mitigated"], "Roll back checkout to v1")],
            service=["checkout", "checkout"], version=["v2", "v1"],
            change_type=["deploy", "rollback"]),
        few("alert", "alertmanager", [(iso["detected"], "HighErrorRate firing"),
                                      (resolved.isoformat(), "HighErrorRate resolved")],
            state=["firing", "resolved"], alert=["HighErrorRate"] * 2,
            level=["critical", "info"]),
        few("page", "pagerduty", [(iso["detected"], "Triggered"),
                                  (iso["acknowledged"], "Acknowledged by Dana")],
            state=["triggered", "acknowledged"]),
    ]
    events = concat_events(parts)
    keys = pd.DataFrame({
        "time": pd.to_datetime([deploy_at, iso["detected"], iso["acknowledged"],
                                iso["mitigated"]], utc=True),
        "event": ["checkout v2 deployed", "HighErrorRate firing", "Dana acknowledges",
                  "rollback to v1"],
        "action_taken": "", "source": ["deploys", "alertmanager", "pagerduty", "deploys"],
        "kind": ["deploy", "alert", "page", "deploy"], "why": ""})
    return events, timeline_for(iso, key_events=keys,
                                episodes=[(impact[0], impact[1])])
