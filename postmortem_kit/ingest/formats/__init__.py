"""One module per evidence format; importing this package registers them all.

The order is the order ``format="auto"`` reports what it tried.
"""

from postmortem_kit.ingest.formats import (  # noqa: F401  (imported to register)
    access,
    alertmanager,
    csv,
    deploys,
    grafana_csv,
    jsonl,
    k8s_events,
    logfmt,
    pagerduty,
    prometheus_json,
    slack,
    syslog,
    text,
)
