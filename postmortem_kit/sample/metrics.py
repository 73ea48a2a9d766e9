"""What Prometheus recorded of the sample incident, as an OpenMetrics file for backfilling.

``metrics.om`` holds, every 15 s over the three hours, what a scrape of the shop's edge
would have stored: ``http_requests_total{job, code}`` (requests served, by status code),
the latency histogram ``http_request_duration_seconds`` (buckets, sum, count) and the
alert rules' ``ALERTS{alertname, alertstate="firing", service, severity}`` series while
each alert fires. The counters are counted from the very requests the access log is
written from, so the metrics and the logs tell one story.

Load it into a Prometheus with ``promtool tsdb create-blocks-from openmetrics metrics.om
<storage.tsdb.path>`` and query it with
:func:`~postmortem_kit.ingest.prometheus.read_prometheus`, e.g. with :data:`QUERIES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from postmortem_kit.sample.responders import ALERTS, EVAL_MS
from postmortem_kit.sample.scenario import Scenario

SCRAPE_MS = 15_000
CODES = np.array([200, 201, 304, 402, 404, 500, 502, 503, 504])
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB = "shop"
# The queries an SRE would run on these metrics, named after the SLIs they measure.
QUERIES = {
    "error_ratio": 'sum(rate(http_requests_total{code=~"5.."}[1m]))'
                   " / sum(rate(http_requests_total[1m]))",
    "latency_p99": "histogram_quantile(0.99, sum by (le) "
                   "(rate(http_request_duration_seconds_bucket[1m])))",
}


class Recorder:
    """Per-scrape increments of the counters and the histogram, added chunk by chunk."""

    def __init__(self, scen: Scenario):
        self.scen = scen
        self.n = (scen.end - scen.start) // SCRAPE_MS + 1
        self.codes = np.zeros((self.n, len(CODES)), dtype=np.int64)
        self.buckets = np.zeros((self.n, len(BUCKETS) + 1), dtype=np.int64)
        self.seconds = np.zeros(self.n)

    def add(self, t_ms: np.ndarray, status: np.ndarray, latency_ms: np.ndarray) -> None:
        """Count requests completed at ``t_ms`` (a scrape at time T sees those up to T)."""
        scrape = np.minimum(-(-(np.asarray(t_ms) - self.scen.start) // SCRAPE_MS), self.n - 1)
        code = np.searchsorted(CODES, status)
        flat = scrape * len(CODES) + code
        self.codes += np.bincount(flat, minlength=self.codes.size).reshape(self.codes.shape)
        seconds = np.asarray(latency_ms, dtype="float64") / 1000.0
        bucket = np.searchsorted(np.array(BUCKETS), seconds, side="left")
        flat = scrape * (len(BUCKETS) + 1) + bucket
        self.buckets += np.bincount(flat, minlength=self.buckets.size).reshape(
            self.buckets.shape)
        self.seconds += np.bincount(scrape, weights=seconds, minlength=self.n)

    def write(self, path: Path) -> int:
        """Write ``metrics.om``; returns the number of samples."""
        stamps = [f"{(self.scen.start + k * SCRAPE_MS) // 1000}" for k in range(self.n)]
        codes = np.cumsum(self.codes, axis=0)
        buckets = np.cumsum(np.cumsum(self.buckets, axis=0), axis=1)  # cumulative in le too
        seconds = np.cumsum(self.seconds)
        lines = ["# TYPE http_requests counter",
                 "# HELP http_requests Requests served at the edge, by status code."]
        for k, ts in enumerate(stamps):
            lines += [f'http_requests_total{{job="{JOB}",code="{c}"}} {codes[k, i]} {ts}'
                      for i, c in enumerate(CODES)]
        lines += ["# TYPE http_request_duration_seconds histogram",
                  "# HELP http_request_duration_seconds Request latency at the edge."]
        les = [_le(b) for b in BUCKETS] + ["+Inf"]
        for k, ts in enumerate(stamps):
            lines += [f'http_request_duration_seconds_bucket{{job="{JOB}",le="{le}"}} '
                      f"{buckets[k, i]} {ts}" for i, le in enumerate(les)]
            lines.append(f'http_request_duration_seconds_count{{job="{JOB}"}} '
                         f"{buckets[k, -1]} {ts}")
            lines.append(f'http_request_duration_seconds_sum{{job="{JOB}"}} '
                         f"{seconds[k]:.3f} {ts}")
        lines += ["# TYPE ALERTS gauge",
                  "# HELP ALERTS Alerts firing, as the rule evaluator records them."]
        for series, times in _alert_series(self.scen):
            lines += [f"ALERTS{{{series}}} 1 {t // 1000}" for t in times]
        lines.append("# EOF")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return sum(1 for ln in lines if not ln.startswith("#"))


def _le(bound: float) -> str:
    return f"{bound:.3f}".rstrip("0").rstrip(".") if bound % 1 else f"{bound:.1f}"


def _alert_series(scen: Scenario) -> list[tuple[str, list[int]]]:
    """Each alert's labels and the scrape times at which it fires."""
    out: list[tuple[str, list[int]]] = []
    for name, service, severity, start, end, *_ in ALERTS:
        lo, hi = scen.at(*start, ms=EVAL_MS), scen.at(*end, ms=EVAL_MS)
        first = scen.start + -(-(lo - scen.start) // SCRAPE_MS) * SCRAPE_MS
        times = list(range(first, hi, SCRAPE_MS))
        labels = (f'alertname="{name}",alertstate="firing",service="{service}",'
                  f'severity="{severity}"')
        out.append((labels, times))
    return out


def metrics_truth(scen: Scenario, samples: int) -> dict[str, Any]:
    """What ``truth.json`` says of ``metrics.om``."""
    return {"file": "metrics.om", "samples": samples, "scrape_interval": "15s",
            "queries": QUERIES,
            "alerts": [name for name, *_ in ALERTS]}
