"""JSON objects inside a message: the structured log line a platform stored as text.

CloudWatch Logs, Logs Insights and container runtimes keep an application's JSON log line
as the message (``{"level":"error","msg":"payment provider timed out"}``). :func:`unpack`
reads those messages (the rows whose message is a JSON object; others are left alone),
keeps their fields as ``payload.<name>`` (flattened with dots) and fills ``level``,
``service`` and ``trace_id`` from them where the row has none, and ``message`` from the
inner message (the raw line stays in ``payload_raw``).
"""

from __future__ import annotations

import json

import pandas as pd

from postmortem_kit.ingest.documents.items import flatten
from postmortem_kit.ingest.records.fields import resolve_fields

PREFIX = "payload."


def unpack(df: pd.DataFrame, column: str = "message") -> pd.DataFrame:
    """``df`` with the JSON objects of ``column`` unpacked (see the module docstring)."""
    if column not in df or not len(df):
        return df
    text = df[column].astype("str")
    candidates = text.str.startswith("{") & text.str.endswith("}")
    if not candidates.any():
        return df
    parsed: dict[object, dict] = {}
    for i, value in text[candidates].items():
        try:
            obj = json.loads(value)
        except ValueError:
            continue
        if isinstance(obj, dict):
            parsed[i] = flatten(obj)
    if not parsed:
        return df
    inner = pd.DataFrame.from_dict(parsed, orient="index").reindex(df.index)
    chosen = resolve_fields(inner.columns, {}, ["message", "level", "service", "trace_id"])
    raw = df[column]
    for field, name in chosen.items():
        values = inner[name].astype("str")
        if field == "message":
            df[column] = values.where(values.notna(), raw)
            df["payload_raw"] = raw.where(values.notna())
        elif field in df:
            df[field] = df[field].astype("str").where(df[field].notna(), values)
        else:
            df[field] = values
    for name in inner.columns:
        df[PREFIX + name] = inner[name]
    return df
