"""A seeded, realistic sample incident (a checkout outage after a bad deploy) with its truth.

``generate_incident(out_dir, seed=7, scale=1.0)`` writes the evidence files that
``read_events`` loads (app JSON logs, nginx access log, syslog, Alertmanager webhooks,
PagerDuty log entries, a deploy list, a Slack export), what Prometheus scraped
(``metrics.om``, OpenMetrics for ``promtool``) and ``truth.json``;
``evidence_paths(folder)`` lists the evidence for ``read_events``; ``response_paths(folder)``
the alerts, page, deploys and chat that, with ``metrics.om`` backfilled into Prometheus,
are the metrics-only evidence set. The bundled copy in
``data/incident/`` is its default output; benchmarks call it with a large ``scale``.
"""

from postmortem_kit.sample.incident import evidence_paths, generate_incident, response_paths

__all__ = ["evidence_paths", "generate_incident", "response_paths"]
