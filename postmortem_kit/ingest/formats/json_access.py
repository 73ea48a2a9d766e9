"""Access logs that proxies write as JSON lines: ``traefik``, ``caddy``, ``cloudflare``.

Each is read as JSON lines (:class:`~postmortem_kit.ingest.records.json_lines.JsonLines`),
its fields mapped onto the request columns, its time made the request's start:

- **Traefik** (``accessLog.format: json``): ``StartUTC`` (``time`` is when the line was
  written, at the end; kept), ``Duration`` in ns, ``DownstreamStatus``, ``RequestMethod``,
  ``RequestPath``, ``ClientHost``, ``ClientUsername``, ``ServiceName`` as the service.
  Traefik's own ``level`` is kept as ``log_level``: the status gives the request's.
- **Caddy** (``log`` with the JSON encoder): ``ts`` is when the request ended, so the start
  is ``ts - duration`` (seconds; ``end_time`` keeps ``ts``); the request is nested:
  ``request.method``, ``request.uri``, ``request.client_ip`` (else ``remote_ip``),
  ``request.host``; ``user_id``; ``status``. Caddy's other log lines stay ``log`` rows.
- **Cloudflare Logpush** (HTTP requests dataset): ``EdgeStartTimestamp`` (Unix ns by
  default; seconds or RFC 3339 with the job's ``timestamp_format``), latency
  ``EdgeEndTimestamp - EdgeStartTimestamp``, ``EdgeResponseStatus``, ``ClientRequestMethod``,
  ``ClientRequestURI``, ``ClientIP``, ``ClientRequestHost``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.records.fields import first_present
from postmortem_kit.ingest.records.json_lines import head_share, read_json_lines
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, dash_na
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE, parse_timestamps


def _take(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    for column, name in columns.items():
        if name in df:
            df[column] = df[name]
    return df


# -- Traefik ------------------------------------------------------------------------------
def traefik_sniff(path: Path, head: str) -> float:
    """0.97 when most first lines are Traefik access-log records."""
    share = head_share(head, lambda o: "StartUTC" in o and "DownstreamStatus" in o)
    return 0.97 if share >= 0.5 else 0.0


@register("traefik", sniff=traefik_sniff, kind="request")
def load_traefik(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Traefik JSON access log (see the module docstring)."""
    df = read_json_lines(path, ctx, ("StartUTC", "StartLocal", "time"))
    if not len(df):
        return df
    if "level" in df:
        df = df.rename(columns={"level": "log_level"})
    df = _take(df, {"status": "DownstreamStatus", "method": "RequestMethod",
                    "path": "RequestPath", "client": "ClientHost", "service": "ServiceName",
                    "host": "RequestHost"})
    if "ClientUsername" in df:
        df["user"] = dash_na(df["ClientUsername"])
    if "Duration" in df:
        df["latency_ms"] = pd.to_numeric(df["Duration"], errors="coerce") / 1e6
    if "message" in df and "method" in df:
        df["message"] = df["method"].astype("str") + " " + df["path"].astype("str")
    return as_requests(df, where=df["status"].notna() if "status" in df else None)


# -- Caddy --------------------------------------------------------------------------------
def caddy_sniff(path: Path, head: str) -> float:
    """0.97 when the first lines are Caddy's JSON logs with access records."""
    caddy = head_share(head, lambda o: "logger" in o and "ts" in o and "msg" in o)
    access = head_share(head, lambda o: isinstance(o.get("request"), dict) and "status" in o)
    return 0.97 if caddy >= 0.5 and access > 0 else 0.0


@register("caddy", sniff=caddy_sniff, kind="log")
def load_caddy(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Caddy JSON log (see the module docstring)."""
    df = read_json_lines(path, ctx, ("ts",))
    if not len(df) or "status" not in df:
        return df
    rows = pd.to_numeric(df["status"], errors="coerce").notna()
    df = _take(df, {"method": "request.method", "path": "request.uri",
                    "host": "request.host"})
    client = first_present(df, ("request.client_ip", "request.remote_ip"))
    if client is not None:
        df["client"] = dash_na(client)
    if "user" in df:  # (user_id, found under its usual name)
        df["user"] = dash_na(df["user"])
    if "duration" in df:
        seconds = pd.to_numeric(df["duration"], errors="coerce")
        df["latency_ms"] = seconds * 1000.0
        took = pd.to_timedelta((seconds.fillna(0) * 1e6).round(), unit="us").where(
            rows, pd.Timedelta(0))
        df["end_time"] = df["timestamp"].where(rows)
        df["timestamp"] = (df["timestamp"] - took).astype(TIMESTAMP_DTYPE)
    if "message" in df and "method" in df:
        request = df["method"].astype("str") + " " + df["path"].astype("str")
        df["message"] = request.where(rows, df["message"])
    return as_requests(df, where=rows)


# -- Cloudflare ---------------------------------------------------------------------------
def cloudflare_sniff(path: Path, head: str) -> float:
    """0.97 when most first lines are Cloudflare Logpush HTTP request records."""
    share = head_share(head, lambda o: "EdgeStartTimestamp" in o and (
        "ClientRequestURI" in o or "EdgeResponseStatus" in o or "RayID" in o))
    return 0.97 if share >= 0.5 else 0.0


@register("cloudflare", sniff=cloudflare_sniff, kind="request")
def load_cloudflare(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read Cloudflare Logpush HTTP requests (see the module docstring)."""
    df = read_json_lines(path, ctx, ("EdgeStartTimestamp", "EdgeEndTimestamp"))
    if not len(df):
        return df
    df = _take(df, {"status": "EdgeResponseStatus", "method": "ClientRequestMethod",
                    "path": "ClientRequestURI", "client": "ClientIP",
                    "host": "ClientRequestHost", "user_agent": "ClientRequestUserAgent"})
    if "EdgeEndTimestamp" in df:
        raw = df["EdgeEndTimestamp"]
        end = pd.Series(parse_timestamps(pa.array(raw, from_pandas=True), ctx.tz).to_pandas(),
                        index=df.index).astype(TIMESTAMP_DTYPE)
        df["EdgeEndTimestamp"] = end
        df["latency_ms"] = (end - df["timestamp"]).dt.total_seconds() * 1000.0
    if "method" in df:
        df["message"] = df["method"].astype("str") + " " + df["path"].astype("str")
    return as_requests(df, where=df["status"].notna() if "status" in df else None)
