"""Write the sample incident's evidence files and their ground truth (``truth.json``).

>>> truth = generate_incident("data/incident", seed=7, scale=1.0)  # doctest: +SKIP
>>> truth["phases"]["mitigated"]  # doctest: +SKIP
'2026-03-12T14:38:05Z'

The truth is known by construction: impact times and the rollback come from the scenario,
failed requests and affected users are counted from the arrays the access log is written
from, never by parsing the files back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from postmortem_kit.paths import data_dir
from postmortem_kit.sample import applogs, responders, syslog
from postmortem_kit.sample.metrics import Recorder, metrics_truth
from postmortem_kit.sample.scenario import BAD_VERSION, GOOD_VERSION, Scenario, iso, to_ms
from postmortem_kit.sample.traffic import Users, access_lines, make_requests, rng_for, write_lines

CHUNK_MS = 600_000  # ten minutes: bounded memory at any scale, same grid at every scale
DEFAULT_START = "2026-03-12T13:00:00Z"
# The evidence, in the order a report lists it; truth.json and README.md are not evidence.
EVIDENCE = ("app.jsonl", "access.log", "syslog.log", "alertmanager.jsonl", "pagerduty.json",
            "deploys.csv", "slack")
# The metrics-only evidence set: these, plus ``metrics.om`` backfilled into a Prometheus
# and read with read_prometheus (no logs at all).
RESPONSE_EVIDENCE = ("alertmanager.jsonl", "pagerduty.json", "deploys.csv", "slack")


def evidence_paths(folder: str | Path | None = None) -> list[Path]:
    """The evidence files (and the Slack folder) of a generated incident, for ``read_events``.

    Parameters
    ----------
    folder
        Where :func:`generate_incident` wrote; default: the bundled ``data/incident``.

    Examples
    --------
    >>> from postmortem_kit.ingest import read_events
    >>> events = read_events(evidence_paths(), year=2026)  # doctest: +SKIP
    """
    base = Path(folder) if folder is not None else data_dir() / "incident"
    return [base / name for name in EVIDENCE]


def response_paths(folder: str | Path | None = None) -> list[Path]:
    """The alerts, page, deploys and chat of a generated incident: with its metrics
    (``metrics.om``, through Prometheus) the metrics-only evidence set."""
    base = Path(folder) if folder is not None else data_dir() / "incident"
    return [base / name for name in RESPONSE_EVIDENCE]


def _merge(times: list[np.ndarray], lines: list[pa.Array]) -> pa.Array:
    """Lines of several generators in time order (stable: ties keep generator order)."""
    if not lines:
        return pa.array([], pa.string())
    t = np.concatenate([np.asarray(x, dtype=np.int64) for x in times])
    arrays: list[pa.Array] = []
    for x in lines:  # (at a large scale some come back chunked)
        x = x.cast(pa.string())
        arrays += x.chunks if isinstance(x, pa.ChunkedArray) else [x]
    return pa.concat_arrays(arrays).take(pa.array(np.argsort(t, kind="stable")))


def _in(t: int, t0: int, t1: int) -> bool:
    return t0 <= t < t1


def generate_incident(
    out_dir: str | Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    start: str = DEFAULT_START,
) -> dict[str, Any]:
    """Generate the checkout-outage sample incident into ``out_dir`` and return its truth.

    Parameters
    ----------
    out_dir
        Folder to write into (created). Existing files of the same names are replaced.
    seed
        Random seed: the same seed, scale and start give byte-identical files.
    scale
        Multiplies request volume (and host syslog noise); 1.0 gives about 13,000 requests
        and a few MB in all, 1000 about 13 million requests.
    start
        UTC start of the three hours of evidence; the incident keeps its place in them.

    Returns
    -------
    dict
        The ground truth, also written to ``out_dir/truth.json``: ``phases`` (started,
        detected, acknowledged, mitigated, resolved as UTC ISO 8601 text), the impact
        window, users affected and active, total and failed requests in the window, the
        first alert, the page and the rollback, and the line counts of each file.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = Path(out_dir)
    (out / "slack").mkdir(parents=True, exist_ok=True)
    scen = Scenario(to_ms(start))
    traffic = write_traffic(out, scen, seed=seed, scale=scale)
    counts = {**traffic.counts, **write_responders(out, scen)}
    truth = incident_truth(scen, traffic, seed=seed, scale=scale, counts=counts)
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


@dataclass
class Traffic:
    """What :func:`write_traffic` wrote and counted inside the impact window."""

    counts: dict[str, int] = field(default_factory=dict)  # lines (samples) per file
    total: int = 0
    failed: int = 0
    affected: list[np.ndarray] = field(default_factory=list)  # user ids, per chunk
    active: list[np.ndarray] = field(default_factory=list)
    slowest_success: int = 0  # ms, of a request in the impact window that did not fail
    slow_failures: int = 0  # failed requests in the window slower than 2 s


def write_traffic(out: Path, scen: Scenario, *, seed: int, scale: float) -> Traffic:
    """Write ``access.log``, ``app.jsonl`` and ``syslog.log`` ten minutes at a time (memory
    bounded at any scale) and count the impact window's requests and users as written."""
    users = Users.make(max(200, int(3000 * scale)))
    app_fixed = applogs.fixed_lines(scen)
    sys_fixed = syslog.fixed_lines(scen)
    hosts = applogs.Hosts(scen)
    traffic = Traffic(counts=dict.fromkeys(("app.jsonl", "access.log", "syslog.log"), 0))
    counts = traffic.counts
    recorder = Recorder(scen)
    with (open(out / "access.log", "wb") as f_access, open(out / "app.jsonl", "wb") as f_app,
          open(out / "syslog.log", "wb") as f_sys):
        for k, t0 in enumerate(range(scen.start, scen.end, CHUNK_MS)):
            t1 = min(t0 + CHUNK_MS, scen.end)
            req = make_requests(rng_for(seed, 1, k), t0, t1, scen, scale, len(users.ids))
            counts["access.log"] += write_lines(f_access, access_lines(req, users))
            recorder.add(req.t, req.status, req.latency)
            _count_impact(traffic, req, scen)

            times, lines = applogs.request_lines(rng_for(seed, 2, k), req, users.ids, hosts)
            bt, bl = applogs.background_lines(rng_for(seed, 3, k), t0, t1, scen, hosts)
            app_rows = [r for r in app_fixed if _in(r[0], t0, t1)]
            if app_rows:
                at, lv, sv, ho, text = zip(*app_rows, strict=True)
                times.append(np.array(at))
                lines.append(applogs.line_array(
                    np.array(at), pa.array(lv), pa.array(sv), pa.array(ho),
                    pa.array([applogs.jstr(m) for m in text]), ""))
            counts["app.jsonl"] += write_lines(f_app, _merge(times + bt, lines + bl))

            nt, *cols = syslog.noise(rng_for(seed, 4, k), t0, t1, scale)
            sys_t, sys_l = [nt], [syslog.lines(nt, *cols)]
            sys_rows = [r for r in sys_fixed if _in(r[0], t0, t1)]
            if sys_rows:
                ft, pri, host, tag, pid, msg = (list(c) for c in zip(*sys_rows, strict=True))
                sys_t.append(np.array(ft))
                sys_l.append(syslog.lines(np.array(ft), np.array(pri), pa.array(host),
                                          pa.array(tag), np.array(pid), pa.array(msg)))
            counts["syslog.log"] += write_lines(f_sys, _merge(sys_t, sys_l))
    counts["metrics.om"] = recorder.write(out / "metrics.om")
    return traffic


def _count_impact(traffic: Traffic, req: Any, scen: Scenario) -> None:
    win = scen.in_impact(req.t)
    fail = win & (req.status >= 500)
    traffic.total += int(win.sum())
    traffic.failed += int(fail.sum())
    traffic.affected.append(np.unique(req.user[fail & (req.user >= 0)]))
    traffic.active.append(np.unique(req.user[win & (req.user >= 0)]))
    ok = win & (req.status < 500)
    if ok.any():
        traffic.slowest_success = max(traffic.slowest_success, int(req.latency[ok].max()))
    traffic.slow_failures += int((fail & (req.latency > 2000)).sum())


def write_responders(out: Path, scen: Scenario) -> dict[str, int]:
    """Write what people and tools recorded (alerts, the page, deploys, the Slack channel);
    returns the number of records per file."""
    counts: dict[str, int] = {}
    notes = responders.alert_notifications(scen)
    with open(out / "alertmanager.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for _, payload in notes:
            fh.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")
    counts["alertmanager.jsonl"] = len(notes)
    pd_doc = responders.pagerduty_log_entries(scen)
    (out / "pagerduty.json").write_text(json.dumps(pd_doc, indent=2) + "\n", encoding="utf-8")
    counts["pagerduty.json"] = len(pd_doc["log_entries"])
    deploys = responders.deploys_csv(scen)
    (out / "deploys.csv").write_text(deploys, encoding="utf-8", newline="")
    counts["deploys.csv"] = deploys.count("\n") - 1
    msgs = responders.slack_messages(scen)
    days: dict[str, list[dict[str, Any]]] = {}
    for m in msgs:  # one file per UTC day, as Slack's export splits a channel
        days.setdefault(iso(int(m["ts"].split(".")[0]) * 1000)[:10], []).append(m)
    for day, day_msgs in days.items():
        (out / "slack" / f"{day}.json").write_text(
            json.dumps(day_msgs, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    counts["slack"] = len(msgs)
    return counts


def incident_truth(scen: Scenario, traffic: Traffic, *, seed: int, scale: float,
                   counts: dict[str, int]) -> dict[str, Any]:
    """The ground truth, known by construction (see the module docstring)."""
    alert_name, alert_t = responders.first_alert_firing(scen)
    page = responders.page_times(scen)
    users_affected = np.unique(np.concatenate(traffic.affected)) if traffic.affected \
        else np.empty(0)
    users_active = np.unique(np.concatenate(traffic.active)) if traffic.active \
        else np.empty(0)
    return {
        "generator": "postmortem_kit.sample.generate_incident",
        "seed": seed,
        "scale": scale,
        "evidence_start": iso(scen.start),
        "evidence_end": iso(scen.end),
        "phases": {
            "started": iso(scen.impact_start),
            "detected": iso(alert_t),
            "acknowledged": iso(page["acknowledged"]),
            "mitigated": iso(scen.rollback),
            "resolved": iso(scen.impact_end),
        },
        "impact_start": iso(scen.impact_start),
        "impact_end": iso(scen.impact_end),
        "first_alert": {"alert": alert_name, "firing": iso(alert_t)},
        "page": {"triggered": iso(page["triggered"]), "acknowledged": iso(page["acknowledged"]),
                 "acknowledged_by": "Dana Whitfield", "resolved": iso(page["resolved"])},
        "bad_deploy": {"time": iso(scen.bad_deploy), "service": "checkout",
                       "version": BAD_VERSION},
        "mitigation": {"time": iso(scen.rollback), "service": "checkout",
                       "version": GOOD_VERSION, "change_type": "rollback"},
        "last_alert_resolved": iso(responders.last_alert_resolved(scen)),
        "users_affected": len(users_affected),
        "users_active": len(users_active),
        "total_requests": traffic.total,
        "failed_requests": traffic.failed,
        "failure_rule": "status >= 500 in [impact_start, impact_end)",
        # Users affected under a latency SLI too: no request in the window that succeeded
        # is slower than this, so any latency threshold above it finds the same users.
        "latency": {"slowest_success_in_impact_ms": traffic.slowest_success,
                    "failures_slower_than_2s": traffic.slow_failures},
        "metrics": metrics_truth(scen, counts.get("metrics.om", 0)),
        "new_error_signatures": [
            "unhandled exception in POST /api/checkout: KeyError: 'currency'",
            "payments call failed after 3 retries: 503 Service Unavailable",
            "java.lang.NullPointerException: Cannot invoke \"String.toUpperCase()\" because "
            "\"currency\" is null",
            "HikariPool-1 - Connection is not available, request timed out after 3000ms.",
        ],
        "files": counts,
    }
