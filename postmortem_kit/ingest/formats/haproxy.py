"""``haproxy``: HAProxy logs, with ``option httplog`` request lines, as syslog writes them
(``May  1 10:00:06 lb-1 haproxy[815]: ...``) or as HAProxy writes them to stdout.

A request line (HAProxy's documented ``httplog`` format)::

    203.0.113.7:51234 [01/May/2024:10:00:03.512] http-in~ checkout/app2 0/0/1/3011/3012 503
    212 - - sH-- 12/12/4/2/1 0/0 {captured request headers} {response headers}
    "POST /api/pay?order=8812 HTTP/1.1"

Its time is the bracketed accept date (when the connection was accepted, with ms, in the
proxy's local time: read in ``tz=``), not the syslog header (when the line was written,
after the response). ``Ta`` (the last of the five timers, total active time in ms) is
the latency (``-1``: aborted, so NA); ``client``, ``frontend``, ``backend``, ``server``,
``termination_state`` and the captured headers are kept. Other HAProxy lines (a proxy
started, a server DOWN, an SSL handshake failure) are ``log`` rows at their syslog time
(its year taken from ``year=``, else from the request lines near it, else this year).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, dash_na, split_request
from postmortem_kit.ingest.shapes import load_shape, share_matching
from postmortem_kit.ingest.times import localize_arrow

HEADER = (r"^(?:<\d+>\d? ?)?(?:(?P<syslog_time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) "
          r"(?:(?P<syslog_host>[^\s:\[]+) )?(?P<program>[\w./-]+)(?:\[(?P<pid>\d+)\])?: )?"
          r"(?P<rest>.*)$")
_ACCEPT = (r"(?P<client>\S+):(?P<client_port>\d+) "
           r"\[(?P<accept>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d+)\] ")
HTTPLOG = (_ACCEPT + r"(?P<frontend>\S+) (?P<backend>[^\s/]+)/(?P<server>\S+) "
           r"(?P<TR>-?\d+)/(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tr>-?\d+)/\+?(?P<Ta>-?\d+) "
           r"(?P<status>-?\d+) \+?(?P<bytes_read>\d+) (?P<captured_request_cookie>\S+) "
           r"(?P<captured_response_cookie>\S+) (?P<termination_state>\S+) "
           r"(?P<actconn>\d+)/(?P<feconn>\d+)/(?P<beconn>\d+)/(?P<srv_conn>\d+)/"
           r"\+?(?P<retries>\d+) "
           r"(?P<srv_queue>\d+)/(?P<backend_queue>\d+) "
           r"(?:\{(?P<captured_request_headers>[^}]*)\} )?"
           r"(?:\{(?P<captured_response_headers>[^}]*)\} )?"
           r'"(?P<request>[^"]*)"?')
_OTHER = _ACCEPT + r"(?P<message>.*)"
_ACCEPT_FORMAT = "%d/%b/%Y:%H:%M:%S%.f"


def sniff(path: Path, head: str) -> float:
    """0.98 when many of the first lines are httplog request lines."""
    share = share_matching(head, HTTPLOG)
    return round(min(0.98, 0.6 + share), 3) if share >= 0.2 else 0.0


def _local(values: pl.Series, fmt: str, tz: str) -> pa.Array:
    parsed = values.str.strptime(pl.Datetime("us"), fmt, strict=False)
    return localize_arrow(parsed.to_arrow(), tz)


def _columns(groups: pa.Table, ctx: LoadContext) -> pa.Table:
    g = pl.from_arrow(groups)
    assert isinstance(g, pl.DataFrame)
    rest = g.get_column("rest")
    http = rest.str.extract_groups("^" + HTTPLOG).struct.unnest()
    other = rest.str.extract_groups("^" + _OTHER).struct.unnest()
    is_http = http.get_column("status").is_not_null()
    accept = http.get_column("accept").fill_null(other.get_column("accept"))
    year = accept.str.slice(7, 4)
    if ctx.year is not None:
        year = pl.Series([str(ctx.year)] * len(g), dtype=pl.String)
    else:
        year = year.fill_null(strategy="forward").fill_null(strategy="backward").fill_null(
            str(pd.Timestamp.now().year))
    syslog = g.get_column("syslog_time").str.replace_all("  ", " 0") + " " + year
    when = pl.DataFrame({"a": pl.Series(_local(accept, _ACCEPT_FORMAT, ctx.tz)),
                         "s": pl.Series(_local(syslog, "%b %d %H:%M:%S %Y", ctx.tz))})
    timestamp = when.select(pl.coalesce("a", "s")).to_series()
    message = pl.select(pl.when(is_http).then(http.get_column("request"))
                        .otherwise(other.get_column("message").fill_null(rest))).to_series()
    out = pl.concat([g.drop("rest"), http.drop(["accept", "request", "client",
                                                "client_port"])], how="horizontal")
    out = out.with_columns(
        client=http.get_column("client").fill_null(other.get_column("client")),
        request=http.get_column("request"), message=message, timestamp=timestamp)
    return out.to_arrow()


@register("haproxy", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read an HAProxy log (see the module docstring)."""
    df = load_shape(path, ctx, HEADER, _columns, key="rest",
                    unmatched="not an HAProxy log line",
                    bad_time="no accept date and no syslog time")
    if not len(df):
        return df
    rows = df["status"].notna() if "status" in df else pd.Series(False, index=df.index)
    parts = split_request(df.pop("request").where(rows))
    df = df.join(parts)
    df["status"] = pd.to_numeric(df["status"], errors="coerce").astype("Int64")
    ta = pd.to_numeric(df.pop("Ta"), errors="coerce")
    df["latency_ms"] = ta.where(ta >= 0).astype("float64")
    for name in ("TR", "Tw", "Tc", "Tr", "bytes_read", "actconn", "feconn", "beconn",
                 "srv_conn", "retries", "srv_queue", "backend_queue", "pid", "client_port"):
        if name in df:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
    for name in ("captured_request_cookie", "captured_response_cookie"):
        df[name] = dash_na(df[name])
    for name in ("captured_request_headers", "captured_response_headers"):
        df[name] = df[name].where(df[name] != "")
    df["service"] = df.pop("program")
    return as_requests(df, where=rows)


