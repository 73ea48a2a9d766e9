"""One module per evidence format; importing this package registers them all.

The order is the order ``format="auto"`` reports what it tried.
"""

from postmortem_kit.ingest.formats import (  # noqa: F401  (imported to register)
    access,
    alertmanager,
    cri,
    csv,
    deploys,
    docker,
    elasticsearch,
    gcp,
    grafana_csv,
    journald,
    json_documents,
    jsonl,
    k8s_events,
    logfmt,
    loki,
    otlp,
    pagerduty,
    prometheus_json,
    slack,
    syslog,
    text,
)
