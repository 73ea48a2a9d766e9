"""``envoy``: Envoy's default access-log format (also Istio's and Contour's sidecars, which
add fields after it)::

    [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
    %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
    %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
    "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"

``START_TIME`` is when the request started (UTC, ms); ``DURATION`` its latency in ms;
``client`` the first ``X-Forwarded-For`` address. A TCP or failed stream logs ``"- - -"``
and status ``0``: kept, with method, path and status NA (``status_raw`` says ``0``).
``response_flags`` (``UF``, ``UH``, ``URX``...) says why Envoy failed a request.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, dash_na, split_request
from postmortem_kit.ingest.shapes import load_shape, share_matching

_Q = r'(?:[^"\\]|\\.)*'
PATTERN = (r'^\[(?P<time>\d{4}-\d\d-\d\dT[^\]]+)\] "(?P<request>' + _Q + r')" (?P<status>\d+) '
           r"(?P<response_flags>\S+) (?P<bytes_received>\d+) (?P<bytes_sent>\d+) "
           r"(?P<duration>\d+|-) (?P<upstream_service_time>\S+) "
           r'"(?P<x_forwarded_for>' + _Q + r')" "(?P<user_agent>' + _Q + r')" '
           r'"(?P<request_id>' + _Q + r')" "(?P<authority>' + _Q + r')" '
           r'"(?P<upstream_host>' + _Q + r')"(?P<tail>.*)$')


def sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines in Envoy's default format."""
    return round(0.97 * share_matching(head, PATTERN), 3)


def _columns(groups: pa.Table, ctx: LoadContext) -> pa.Table:
    return groups


@register("envoy", sniff=sniff, kind="request")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read an Envoy access log (see the module docstring)."""
    df = load_shape(path, ctx, PATTERN, _columns,
                    unmatched="not an Envoy access-log line (default format)",
                    bad_time="Envoy START_TIME is not RFC 3339")
    if not len(df):
        return df
    df = df.join(split_request(df["request"]))
    df["message"] = df.pop("request")
    df["status"] = pd.to_numeric(df["status"], errors="coerce").astype("Int64")
    for name in ("response_flags", "x_forwarded_for", "user_agent", "request_id",
                 "authority", "upstream_host"):
        df[name] = dash_na(df[name])
    df["latency_ms"] = pd.to_numeric(df.pop("duration"), errors="coerce")
    df["upstream_service_time"] = pd.to_numeric(df["upstream_service_time"], errors="coerce")
    for name in ("bytes_received", "bytes_sent"):
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
    df["client"] = df["x_forwarded_for"].str.split(",").str[0].str.strip()
    tail = df.pop("tail").str.strip()
    if tail.ne("").any():
        df["extra"] = tail.where(tail != "")
    return as_requests(df)
