"""``otlp``: OpenTelemetry logs in OTLP/JSON (the collector's ``file`` exporter, one
``ExportLogsServiceRequest`` per line, or one such document saved whole).

Each ``resourceLogs[].scopeLogs[].logRecords[]`` is a row, named by its JSON path. The
time is ``timeUnixNano`` (when the event happened; ``0`` or missing means unknown), else
``observedTimeUnixNano`` (when the collector saw it); both are nanoseconds. ``body`` is
the message; ``severityText``, else ``severityNumber`` (1-4 trace, 5-8 debug, 9-12 info,
13-16 warn, 17-20 error, 21-24 fatal) the level; ``traceId`` the trace. Attributes
(``[{"key", "value": {"stringValue": ...}}]``) become ``attributes.<key>``, the resource's
``resource.<key>`` (``service.name`` the service, ``host.name`` the host), the scope's
``scope.name`` and ``scope.version``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.registry import LoadContext, register

TIMES = ("timeUnixNano", "observedTimeUnixNano")
# severityNumber ranges (OTel logs data model) -> level
_SEVERITY = ((4, "debug"), (8, "debug"), (12, "info"), (16, "warning"), (20, "error"),
             (24, "critical"))


def sniff(path: Path, head: str) -> float:
    """0.98 for OTLP/JSON logs."""
    return 0.98 if re.search(r'"resourceLogs"\s*:', head) else 0.0


def any_value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain value (``{"intValue": "504"}`` -> 504)."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    (kind, inner), = value.items()
    if kind == "intValue":
        try:
            return int(inner)
        except (TypeError, ValueError):
            return inner
    if kind == "arrayValue":
        return [any_value(v) for v in (inner or {}).get("values", [])]
    if kind == "kvlistValue":
        return attributes((inner or {}).get("values", []))
    return inner


def attributes(pairs: Any) -> dict[str, Any]:
    """An OTLP attribute list as a mapping (dots in keys are kept: ``http.status_code``)."""
    if not isinstance(pairs, list):
        return {}
    return {p["key"]: any_value(p.get("value")) for p in pairs
            if isinstance(p, dict) and "key" in p}


def records(doc: Any) -> Iterator[tuple[str, Any]]:
    """The log records of one OTLP/JSON document, each with its resource and scope."""
    resource_logs = doc.get("resourceLogs") if isinstance(doc, dict) else None
    if not isinstance(resource_logs, list):
        yield "$", doc  # not OTLP: rejected as a record without a time
        return
    for i, rl in enumerate(resource_logs):
        resource = attributes(((rl or {}).get("resource") or {}).get("attributes"))
        for j, sl in enumerate((rl or {}).get("scopeLogs") or []):
            scope = (sl or {}).get("scope") or {}
            for k, rec in enumerate((sl or {}).get("logRecords") or []):
                where = f"resourceLogs[{i}].scopeLogs[{j}].logRecords[{k}]"
                if not isinstance(rec, dict):
                    yield where, rec
                    continue
                row = {key: value for key, value in rec.items()
                       if key not in ("attributes", "body")}
                if str(row.get("timeUnixNano", "0")) == "0":
                    row.pop("timeUnixNano", None)
                row["body"] = any_value(rec.get("body"))
                row["attributes"] = attributes(rec.get("attributes"))
                row["resource"] = resource
                row["scope"] = {k: v for k, v in scope.items() if k in ("name", "version")}
                yield where, row


@register("otlp", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read OTLP/JSON logs (see the module docstring)."""
    df = load_records(path, ctx, times=TIMES, unit="ns", items=records)
    if not len(df):
        return df
    if "body" in df:
        df["message"] = df["body"].astype("str")
    level = df["severityText"].astype("str") if "severityText" in df else None
    if "severityNumber" in df:
        number = pd.to_numeric(df["severityNumber"], errors="coerce").to_numpy("float64",
                                                                               na_value=np.nan)
        names = np.select([number <= top for top, _ in _SEVERITY],
                          [name for _, name in _SEVERITY], default="")
        by_number = pd.Series(names, index=df.index, dtype="str")
        by_number = by_number.where((by_number != "") & (number >= 1))
        level = by_number if level is None else level.fillna(by_number)
    if level is not None:
        df["level"] = level
    for column, name in (("service", "resource.service.name"), ("host", "resource.host.name")):
        if name in df:
            df[column] = df[name].astype("str")
    return df
