"""``gcp``: Google Cloud Logging exports (``gcloud logging read --format=json``, the
console's "Download JSON", a sink's files): a JSON array of LogEntry objects, newest first.

The time is ``timestamp`` (when the event happened; ``receiveTimestamp`` stays a column).
``message``: ``textPayload``, else ``jsonPayload.message`` (or another usual name), else
the audit log's ``protoPayload.methodName``. ``severity`` gives the level (``DEFAULT``, "no
severity", leaves it NA, with ``level_raw``). ``resource.labels`` give the service
(``service_name``, ``container_name``, ``function_name``, ``module_id``; else the resource
type) and the host (``pod_name``, ``instance_id``, ``node_name``). An entry with an
``httpRequest`` is a request: ``status``, ``method``, ``path`` (of ``requestUrl``, query
included), ``latency_ms`` (from ``"3.012s"``), ``client`` (``remoteIp``). ``trace`` gives
``trace_id`` (the id at the end of ``projects/<p>/traces/<id>``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.records.fields import first_present
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, seconds_text_ms

TIMES = ("timestamp", "receiveTimestamp")
SERVICE = ("resource.labels.service_name", "resource.labels.container_name",
           "resource.labels.function_name", "resource.labels.module_id",
           "resource.labels.job", "resource.type")
HOST = ("resource.labels.pod_name", "resource.labels.instance_id",
        "resource.labels.node_name", "labels.compute.googleapis.com/resource_name")
REQUEST = {"status": "httpRequest.status", "method": "httpRequest.requestMethod",
           "client": "httpRequest.remoteIp", "user_agent": "httpRequest.userAgent",
           "url": "httpRequest.requestUrl"}


def sniff(path: Path, head: str) -> float:
    """0.97 when the head has LogEntry's own fields."""
    keys = ("logName", "insertId", "receiveTimestamp", "resource")
    found = sum(bool(re.search(rf'"{k}"\s*:', head)) for k in keys)
    return 0.97 if found >= 3 and re.search(r'"(?:text|json|proto)Payload"\s*:|"httpRequest"',
                                            head) else 0.0


@register("gcp", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Cloud Logging JSON export (see the module docstring)."""
    df = load_records(path, ctx, times=TIMES)
    if not len(df):
        return df
    if "textPayload" in df:
        text = df["textPayload"].astype("str").str.rstrip("\n")
        df["message"] = text if "message" not in df else text.fillna(df["message"].astype("str"))
    if "protoPayload.methodName" in df:
        method = df["protoPayload.methodName"].astype("str")
        df["message"] = method if "message" not in df else df["message"].astype("str").fillna(
            method)
    for column, names in (("service", SERVICE), ("host", HOST)):
        found = first_present(df, names)
        if found is not None:
            df[column] = found if column not in df else found.fillna(df[column].astype("str"))
    if "trace_id" in df:
        df["trace_id"] = df["trace_id"].astype("str").str.replace(r"^projects/[^/]+/traces/",
                                                                  "", regex=True)
    if "httpRequest.status" in df or "httpRequest.requestMethod" in df:
        df = _requests(df)
    return df


def _requests(df: pd.DataFrame) -> pd.DataFrame:
    for column, name in REQUEST.items():
        if name in df:
            df[column] = df[name]
    if "url" in df:
        url = df["url"].astype("str")
        df["path"] = url.str.replace(r"^[a-zA-Z][\w+.-]*://[^/?#]*", "", regex=True)
    if "httpRequest.latency" in df:
        df["latency_ms"] = seconds_text_ms(df["httpRequest.latency"])
    rows = df["status"].notna() if "status" in df else df["method"].notna()
    described = (df["method"].astype("str") + " " + df["url"].astype("str") + " "
                 + df["status"].astype("Int64").astype("str")) if {
        "method", "url", "status"} <= set(df.columns) else None
    if described is not None:
        message = df["message"].astype("str") if "message" in df else pd.Series(
            pd.NA, index=df.index, dtype="str")
        df["message"] = message.where(message.notna() | ~rows, described)
    return as_requests(df, where=rows)
