"""``w3c``: W3C extended log files (IIS, Oracle Web Cache, Azure and CDN logs).

Directives (``#Software:``, ``#Version:``, ``#Date:``) precede the ``#Fields:`` header, which
names the space-separated fields of the lines after it, until the next ``#Fields:`` (a
server restarted with another field list writes a new header mid-file). A value with
spaces is quoted, ``""`` inside it a quote; ``-`` is no value. ``date`` and ``time`` are UTC
(``date-local`` / ``time-local`` are read in ``tz=``); a file with ``time`` alone takes
its date from the last ``#Date:`` directive.

Request columns: ``c-ip`` client, ``cs-username`` (or ``c-auth-id``) user, ``cs-method``,
``cs-uri-stem`` (with ``?cs-uri-query``) or ``cs-uri`` the path, ``sc-status``,
``time-taken`` (ms, as IIS writes it; also ``TimeTakenMS``) the latency, ``s-sitename`` the
service, ``cs-host`` the host, ``cs(User-Agent)`` and ``cs(Referer)``; every other field is
kept under its own name. A line with fewer values than its header names is rejected;
values beyond them are kept in ``extra``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.columns import LineBlock, iter_line_blocks, reject_positions
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests
from postmortem_kit.ingest.schema import empty_events
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE, parse_timestamps

_VALUE = r'("(?:[^"]|"")*"|\S+)'
COLUMNS = {"c-ip": "client", "cs-username": "user", "c-auth-id": "user",
           "cs-method": "method", "sc-status": "status", "cs(user-agent)": "user_agent",
           "cs(referer)": "referer", "cs(referrer)": "referer", "s-sitename": "service",
           "cs-host": "host", "cs(host)": "host"}
LATENCY = ("time-taken", "timetakenms")


def sniff(path: Path, head: str) -> float:
    """0.98 when the head has a ``#Fields:`` header (0.9 without other directives)."""
    if not re.search(r"(?m)^#Fields:", head):
        return 0.0
    return 0.98 if re.search(r"(?m)^#(?:Version|Software|Date|Start-Date):", head) else 0.9


@dataclass
class _Header:
    """The ``#Fields:`` in force and where it was, and the last ``#Date:``."""

    names: list[str] = field(default_factory=list)
    line: int = 0
    date: str | None = None

    def regex(self) -> str:
        groups = r"\s+".join(f"(?P<g{i}>{_VALUE})" for i in range(len(self.names)))
        return r"^\s*" + groups + r"(?:\s+(?P<extra>.*?))?\s*$"


@register("w3c", sniff=sniff, kind="request")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a W3C extended log file (see the module docstring)."""
    header = _Header()
    frames: list[pd.DataFrame] = []
    for block in iter_line_blocks(path, ctx):
        frames += _block(path, ctx, block, header)
    if not frames:
        return empty_events()
    return _requests(pd.concat(frames, ignore_index=True))


def _block(path: Path, ctx: LoadContext, block: LineBlock, header: _Header) -> list[pd.DataFrame]:
    lines = block.series
    directive = lines.str.starts_with("#").fill_null(False).to_numpy()
    starts = np.flatnonzero(lines.str.starts_with("#Fields:").fill_null(False).to_numpy())
    dates = set(np.flatnonzero(lines.str.starts_with("#Date:").fill_null(False).to_numpy())
                .tolist())
    out = []
    bounds = [0, *starts.tolist(), len(lines)]
    for a, b in itertools.pairwise(bounds):
        if a in set(starts.tolist()):
            header.names = lines[a].removeprefix("#Fields:").split()
            header.line = block.first_line + a
        for d in sorted(x for x in dates if x < b and (x >= a or a == 0)):
            header.date = lines[d].removeprefix("#Date:").strip()[:10]
        rows = np.flatnonzero(~directive[a:b]) + a
        if not len(rows):
            continue
        if not header.names:
            reject_positions(path, ctx, block, rows, "no #Fields: header before this line")
            continue
        frame = _segment(path, ctx, block, rows, header)
        if frame is not None:
            out.append(frame)
    return out


def _segment(path: Path, ctx: LoadContext, block: LineBlock, rows: np.ndarray,
             header: _Header) -> pd.DataFrame | None:
    names = header.names
    groups = block.series.gather(rows).str.extract_groups(header.regex()).struct.unnest()
    ok = groups.get_column("g0").is_not_null().to_numpy()
    if not ok.all():
        reject_positions(path, ctx, block, rows[~ok], (
            f"expected {len(names)} fields ({' '.join(names[:8])}"
            f"{' ...' if len(names) > 8 else ''}) as the #Fields: header at line "
            f"{header.line} says"))
    if not ok.any():
        return None
    groups = groups.filter(pl.Series(ok))
    values = {}
    for i, name in enumerate(names):
        col = groups.get_column(f"g{i}")
        quoted = col.str.starts_with('"') & col.str.ends_with('"') & (col.str.len_chars() > 1)
        text = pl.select(pl.when(quoted).then(col.str.slice(1, col.str.len_chars() - 2)
                                              .str.replace_all('""', '"', literal=True))
                         .otherwise(col)).to_series()
        text = pl.select(pl.when(text == "-").then(None).otherwise(text)).to_series()
        values[name] = text
    table = pl.DataFrame(values).to_arrow()
    lower = {n.lower(): n for n in names}
    stamp = _times(table, lower, header, ctx)
    bad = pc.is_null(stamp).to_numpy(zero_copy_only=False)
    kept = rows[ok]
    if bad.any():
        reject_positions(path, ctx, block, kept[bad], "W3C date and time are missing or "
                         "not YYYY-MM-DD HH:MM:SS")
    df = table.to_pandas(types_mapper=lambda t: pd.StringDtype(na_value=np.nan)
                         if pa.types.is_string(t) or pa.types.is_large_string(t) else None)
    df["timestamp"] = pd.Series(stamp.to_pandas(), index=df.index).astype(TIMESTAMP_DTYPE)
    df["line"] = kept + block.first_line
    extra = groups.get_column("extra").to_pandas()
    if extra.notna().any():
        df["extra"] = extra.astype("str")
    return df.loc[~bad].reset_index(drop=True)


def _times(table: pa.Table, lower: dict[str, str], header: _Header,
           ctx: LoadContext) -> pa.Array:
    for date, time, tz in (("date", "time", "UTC"), ("date-local", "time-local", ctx.tz)):
        if time not in lower:
            continue
        t = table.column(lower[time]).cast(pa.string())
        d = table.column(lower[date]).cast(pa.string()) if date in lower else pa.array(
            [header.date] * len(table), pa.string())
        text = pc.binary_join_element_wise(d, t, pa.scalar("T"))
        return parse_timestamps(text, tz)
    return pa.nulls(len(table), pa.timestamp("us", tz="UTC"))


def _requests(df: pd.DataFrame) -> pd.DataFrame:
    lower = {c.lower(): c for c in df.columns}
    for name, column in COLUMNS.items():
        if name in lower and column not in df:
            df[column] = df[lower[name]]
    if "cs-uri-stem" in lower:
        stem = df[lower["cs-uri-stem"]]
        query = df[lower["cs-uri-query"]] if "cs-uri-query" in lower else None
        df["path"] = stem if query is None else stem.where(query.isna(), stem + "?" + query)
    elif "cs-uri" in lower:
        df["path"] = df[lower["cs-uri"]]
    for name in LATENCY:
        if name in lower:
            df["latency_ms"] = pd.to_numeric(df[lower[name]], errors="coerce")
            break
    if "status" in df:
        df["status"] = pd.to_numeric(df["status"], errors="coerce").astype("Int64")
    if "method" in df and "path" in df:
        df["message"] = df["method"].astype("str") + " " + df["path"].astype("str")
    return as_requests(df)
