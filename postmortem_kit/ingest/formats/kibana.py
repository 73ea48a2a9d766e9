"""``kibana-csv``: Kibana Discover's CSV export ("Share → CSV report" / "Generate CSV").

The header names the document fields as Elastic Common Schema writes them (``@timestamp``,
``log.level``, ``service.name``, ``host.name``, ``message``, ``http.response.status_code``,
...); the times are in Kibana's display format (``dateFormat``, default
``May 1, 2024 @ 10:00:03.512``) and in the zone of the browser that made the report: read in
``tz=``. ISO times (a changed ``dateFormat``) are read too. ECS request fields give request
rows (:mod:`~postmortem_kit.ingest.records.ecs`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.csv_exports import read_frame
from postmortem_kit.ingest.records.ecs import apply_ecs
from postmortem_kit.ingest.records.fields import apply_fields, resolve_fields
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests
from postmortem_kit.ingest.schema import empty_events
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE, localize, to_utc

KIBANA_TIME = r"[A-Z][a-z]{2} \d{1,2}, \d{4} @ \d\d:\d\d:\d\d(?:\.\d+)?"
_FORMAT = "%b %d, %Y %H:%M:%S.%f"


def sniff(path: Path, head: str) -> float:
    """0.97 for a CSV whose header has ``@timestamp`` and whose rows have Kibana's times."""
    first, _, rest = head.partition("\n")
    if "@timestamp" in first and re.search(r'^"?' + KIBANA_TIME, rest, re.M):
        return 0.97
    return 0.0


def kibana_times(values: pd.Series, tz: str) -> pd.Series:
    """Kibana's display times (``May 1, 2024 @ 10:00:03.512``) or ISO 8601 text, as UTC
    (NaT where neither)."""
    text = values.astype("str").str.replace(" @ ", " ", regex=False)
    text = text.str.replace(r"(:\d\d)$", r"\1.0", regex=True)
    local = pd.to_datetime(text, format=_FORMAT, errors="coerce")
    out = localize(local, tz).astype(TIMESTAMP_DTYPE)
    iso = out.isna() & values.notna()
    if iso.any():
        try:
            out[iso] = to_utc(values[iso], tz)
        except ValueError:
            pass
    return out


@register("kibana-csv", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Kibana Discover CSV export (see the module docstring)."""
    df = read_frame(path, ctx)
    if not len(df):
        return empty_events()
    time = "@timestamp" if "@timestamp" in df else resolve_fields(
        df.columns, ctx.fields, ["timestamp"]).get("timestamp")
    if time is None:
        for line in df["line"].tolist():
            ctx.rejects.add(str(path), line, "no @timestamp column")
        return empty_events()
    df["timestamp"] = kibana_times(df.pop(time), ctx.tz)
    bad = df["timestamp"].isna()
    for line in df.loc[bad, "line"].tolist():
        ctx.rejects.add(str(path), line, f"{time!r} is not a time")
    df = df.loc[~bad].reset_index(drop=True)
    df = apply_fields(df, resolve_fields(df.columns, ctx.fields,
                                         ["level", "message", "service", "host", "trace_id"]))
    df = apply_ecs(df)
    if "status" in df:
        df = as_requests(df, where=pd.to_numeric(df["status"], errors="coerce").notna())
    return df
