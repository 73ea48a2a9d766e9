"""One module per evidence format; importing this package registers them all.

The order is the order ``format="auto"`` reports what it tried.
"""

from postmortem_kit.ingest.formats import (  # noqa: F401  (imported to register)
    access,
    alertmanager,
    argocd,
    aws_lb,
    cloudwatch,
    cri,
    csv,
    deploys,
    docker,
    elasticsearch,
    envoy,
    gcp,
    grafana_csv,
    haproxy,
    journald,
    json_access,
    json_documents,
    jsonl,
    k8s_events,
    kibana,
    logfmt,
    loki,
    mongodb,
    opsgenie,
    otlp,
    pagerduty,
    prometheus_json,
    slack,
    syslog,
    text,
    uwsgi,
    w3c,
)
