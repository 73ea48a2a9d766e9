"""``uwsgi``: uWSGI's default request log lines::

    [pid: 812|app: 0|req: 1/2] 203.0.113.7 (alice) {40 vars in 812 bytes}
    [Wed May  1 10:00:03 2024] POST /api/pay => generated 98 bytes in 3012 msecs
    (HTTP/2.0 503) 3 headers in 120 bytes (1 switches on core 1)

The bracketed time is when the request started, in the server's local time (read in
``tz=``); the latency is written in ``msecs`` or ``micros``; ``(user)`` is the remote user.
Other lines (the start-up banner, worker messages) are rejected as not request lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, dash_na
from postmortem_kit.ingest.shapes import load_shape, share_matching
from postmortem_kit.ingest.times import localize_arrow

PATTERN = (r"^\[pid: (?P<pid>\d+)\|app: (?P<app>-?\d+)\|req: (?P<req>-?\d+/\d+)\] "
           r"(?P<client>\S+) \((?P<user>[^)]*)\) \{(?P<vars>\d+) vars in (?P<vars_bytes>\d+) "
           r"bytes\} \[(?P<time>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})\] "
           r"(?P<method>\S+) (?P<path>.*?) => generated (?P<bytes>\d+) bytes in "
           r"(?P<latency>\d+) (?P<unit>msecs|micros) \((?P<protocol>\S+) (?P<status>\d+)\)"
           r"(?P<tail>.*)$")


def sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines that are uWSGI request lines."""
    return round(0.97 * share_matching(head, PATTERN), 3)


def _columns(groups: pa.Table, ctx: LoadContext) -> pa.Table:
    time = pl.from_arrow(groups.column("time"))
    assert isinstance(time, pl.Series)
    local = time.str.replace_all("  ", " 0").str.strptime(
        pl.Datetime("us"), "%a %b %d %H:%M:%S %Y", strict=False)
    return groups.append_column("timestamp", localize_arrow(local.to_arrow(), ctx.tz))


@register("uwsgi", sniff=sniff, kind="request")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read uWSGI request lines (see the module docstring)."""
    df = load_shape(path, ctx, PATTERN, _columns, unmatched="not a uwsgi request line",
                    bad_time="uwsgi time is not like 'Wed May  1 10:00:03 2024'")
    if not len(df):
        return df
    scale = df.pop("unit").map({"msecs": 1.0, "micros": 0.001})
    df["latency_ms"] = pd.to_numeric(df.pop("latency"), errors="coerce") * scale
    df["status"] = pd.to_numeric(df["status"], errors="coerce").astype("Int64")
    df["user"] = dash_na(df["user"])
    df["message"] = df["method"] + " " + df["path"]
    for name in ("pid", "bytes", "vars", "vars_bytes"):
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
    df["tail"] = df["tail"].str.strip()
    return as_requests(df.rename(columns={"tail": "extra"}))
