"""``cloudwatch`` and ``cloudwatch-insights``: AWS CloudWatch Logs exports.

- ``aws logs filter-log-events`` (or ``get-log-events``) saved as JSON: ``events[]`` with
  ``timestamp`` (when the event happened, epoch ms), ``ingestionTime`` (when CloudWatch
  received it; kept), ``message``, ``logStreamName``, ``eventId``; several pages may follow
  each other, one per line.
- A Logs Insights query's results downloaded as CSV: ``@timestamp`` (UTC, without a zone:
  read in ``tz=``), ``@message``, ``@logStream``, ``@log`` (``<account>:<log group>``: the log
  group is the service), plus the query's own fields.

A message that is an application's JSON log line is unpacked
(:func:`~postmortem_kit.ingest.records.embedded.unpack`): its level, message and service
fill the row's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.documents.csv_exports import read_frame
from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.records.embedded import unpack
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.schema import empty_events
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE, parse_timestamps


def sniff(path: Path, head: str) -> float:
    """0.97 for ``filter-log-events`` output (events with ``ingestionTime`` and a log
    stream)."""
    if re.search(r'"events"\s*:', head) and re.search(r'"ingestionTime"\s*:', head):
        return 0.97
    return 0.0


@register("cloudwatch", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read ``aws logs filter-log-events`` JSON (see the module docstring)."""
    df = load_records(path, ctx, at="events", times=("timestamp", "ingestionTime"), unit="ms")
    if "ingestionTime" in df:
        df["ingestionTime"] = _times(df["ingestionTime"], "UTC", "ms")
    return unpack(df)


def insights_sniff(path: Path, head: str) -> float:
    """0.97 for a Logs Insights CSV (a header with ``@timestamp`` and ``@message``)."""
    first = head.split("\n", 1)[0]
    return 0.97 if "@timestamp" in first and "@message" in first else 0.0


@register("cloudwatch-insights", sniff=insights_sniff, kind="log")
def load_insights(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Logs Insights results CSV (see the module docstring)."""
    df = read_frame(path, ctx)
    if not len(df) or "@timestamp" not in df:
        return empty_events() if not len(df) else _no_time(path, ctx, df, "@timestamp")
    df["timestamp"] = _times(df.pop("@timestamp"), ctx.tz)
    df = _reject_untimed(path, ctx, df, "@timestamp")
    if "@message" in df:
        df["message"] = df.pop("@message")
    if "@log" in df:
        df["service"] = df["@log"].str.replace(r"^\d+:", "", regex=True)
    return unpack(df)


def _times(values: pd.Series, tz: str, unit: str | None = None) -> pd.Series:
    parsed = parse_timestamps(pa.array(values, from_pandas=True), tz, unit=unit)
    return pd.Series(parsed.to_pandas(), index=values.index).astype(TIMESTAMP_DTYPE)


def _reject_untimed(path: Path, ctx: LoadContext, df: pd.DataFrame, name: str) -> pd.DataFrame:
    bad = df["timestamp"].isna()
    for line in df.loc[bad, "line"].tolist():
        ctx.rejects.add(str(path), line, f"no time in {name!r}")
    return df.loc[~bad].reset_index(drop=True)


def _no_time(path: Path, ctx: LoadContext, df: pd.DataFrame, name: str) -> pd.DataFrame:
    for line in df["line"].tolist():
        ctx.rejects.add(str(path), line, f"no {name} column")
    return empty_events()
