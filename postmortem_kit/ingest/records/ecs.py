"""Elastic Common Schema fields onto the events frame's request columns.

Elasticsearch documents, Kibana exports and ECS loggers name a request's parts
``http.response.status_code``, ``http.request.method``, ``url.path`` (or ``url.original``),
``event.duration`` (nanoseconds), ``source.ip`` / ``client.ip``, ``user.name``,
``trace.id``. :func:`apply_ecs` fills the schema's columns from them where the frame does not
have its own, and marks rows with an HTTP status as ``kind="request"``.
"""

from __future__ import annotations

import pandas as pd

# schema column -> ECS fields, most specific first
ECS_FIELDS: dict[str, tuple[str, ...]] = {
    "status": ("http.response.status_code",),
    "method": ("http.request.method",),
    "path": ("url.path", "url.original"),
    "client": ("source.ip", "client.ip", "source.address", "client.address"),
    "user": ("user.name", "user.id"),
    "trace_id": ("trace.id",),
    "host": ("host.name", "host.hostname"),
    "service": ("service.name",),
}
_NS_PER_MS = 1_000_000


def apply_ecs(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the schema's request columns filled from its ECS fields (see the module
    docstring); ``latency_ms`` from ``event.duration``; ``kind`` is ``request`` where a
    row has an HTTP status and ``log`` elsewhere."""
    for col, names in ECS_FIELDS.items():
        for name in names:
            if name not in df:
                continue
            if col not in df:
                df[col] = df[name]
            else:
                df[col] = df[col].where(df[col].notna(), df[name])
    if "event.duration" in df and "latency_ms" not in df:
        df["latency_ms"] = pd.to_numeric(df["event.duration"], errors="coerce") / _NS_PER_MS
    if "status" in df:
        status = pd.to_numeric(df["status"], errors="coerce")
        df["kind"] = pd.Series("log", index=df.index).where(status.isna(), "request")
    return df
