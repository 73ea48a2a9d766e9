"""``zeek``: Zeek (formerly Bro) logs in their TSV layout: ``conn.log``, ``http.log``,
``dns.log``, ``ssl.log``, ...

Directives start with ``#``: ``#separator`` (written escaped, ``\\x09``), ``#set_separator``,
``#empty_field``, ``#unset_field``, ``#path`` (the log's name), ``#open``/``#close``,
``#fields`` (the names of the values on each line after it) and ``#types``. A log rotated
into the same file writes its directives again; each ``#fields`` holds until the next.

The time is ``ts`` (epoch seconds with microseconds); ``#unset_field`` (``-``) is no value
and ``#empty_field`` an empty one. The ``#path`` is the service (``conn``, ``http``). Rows of
a log with ``method`` and ``status_code`` (http) are requests (a log's own ``service``
field, conn.log's protocol, is kept as ``service_raw``): ``uri`` is the path and
``id.orig_h`` the client. A row's message is what the line says after its time.
A line with another number of values than ``#fields`` names is rejected.
"""

from __future__ import annotations

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

_REQUEST = {"method": "method", "uri": "path", "status_code": "status", "id.orig_h": "client",
            "username": "user", "host": "host"}


def sniff(path: Path, head: str) -> float:
    """0.98 when the head has Zeek's ``#separator`` and ``#fields`` directives."""
    if re.search(r"(?m)^#separator ", head) and re.search(r"(?m)^#fields\t", head):
        return 0.98
    return 0.0


@dataclass
class _Header:
    """The directives in force: separator, unset and empty markers, fields, log name."""

    separator: str = "\t"
    unset: str = "-"
    empty: str = "(empty)"
    path: str | None = None
    names: list[str] = field(default_factory=list)
    line: int = 0

    def read(self, text: str, number: int) -> None:
        """Take in one directive line (``number`` is its line in the file)."""
        if text.startswith("#separator "):
            escaped = text.removeprefix("#separator ")
            self.separator = escaped.encode().decode("unicode_escape") or "\t"
            return
        key, _, value = text[1:].partition(self.separator)
        if key == "unset_field":
            self.unset = value
        elif key == "empty_field":
            self.empty = value
        elif key == "path":
            self.path = value
        elif key == "fields":
            self.names = value.split(self.separator)
            self.line = number


@register("zeek", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Zeek TSV log (see the module docstring)."""
    header = _Header()
    frames = []
    for block in iter_line_blocks(path, ctx):
        frames += _block(path, ctx, block, header)
    if not frames:
        return empty_events()
    df = pd.concat(frames, ignore_index=True)
    if {"method", "status_code"} <= set(df.columns):
        for name, column in _REQUEST.items():
            if name in df and column not in df:
                df[column] = df[name]
        df["status"] = pd.to_numeric(df["status"], errors="coerce").astype("Int64")
        return as_requests(df, where=df["method"].notna())
    return df


def _block(path: Path, ctx: LoadContext, block: LineBlock, header: _Header) -> list[pd.DataFrame]:
    lines = block.series
    directive = lines.str.starts_with("#").fill_null(False).to_numpy()
    out = []
    start = 0
    for at in [*np.flatnonzero(directive).tolist(), len(lines)]:
        rows = np.arange(start, at)
        rows = rows[lines.gather(rows).is_not_null().to_numpy()] if len(rows) else rows
        if len(rows):
            frame = _segment(path, ctx, block, rows, header)
            if frame is not None:
                out.append(frame)
        if at < len(lines):
            header.read(lines[at], block.first_line + at)
        start = at + 1
    return out


def _segment(path: Path, ctx: LoadContext, block: LineBlock, rows: np.ndarray,
             header: _Header) -> pd.DataFrame | None:
    names = header.names
    if not names:
        reject_positions(path, ctx, block, rows, "no #fields directive before this line")
        return None
    parts = block.series.gather(rows).str.split(header.separator)
    ok = (parts.list.len() == len(names)).to_numpy()
    if not ok.all():
        reject_positions(path, ctx, block, rows[~ok], (
            f"expected {len(names)} values separated by {header.separator!r}, as the "
            f"#fields directive at line {header.line} names"))
    if not ok.any():
        return None
    parts = parts.filter(pl.Series(ok))
    kept = rows[ok]
    values = {}
    for i, name in enumerate(names):
        col = parts.list.get(i)
        values[name] = pl.select(pl.when(col == header.unset).then(None)
                                 .when(col == header.empty).then(pl.lit(""))
                                 .otherwise(col)).to_series()
    table = pl.DataFrame(values).to_arrow()
    time_name = "ts" if "ts" in names else names[0]
    seconds = pc.cast(table.column(time_name), pa.float64(), safe=False) \
        if _numeric(table.column(time_name)) else table.column(time_name)
    stamp = parse_timestamps(seconds, ctx.tz, unit="s" if seconds.type == pa.float64() else None)
    bad = pc.is_null(stamp).to_numpy(zero_copy_only=False)
    if bad.any():
        reject_positions(path, ctx, block, kept[bad],
                         f"{time_name!r} is not a time (Zeek writes epoch seconds)")
    df = table.drop_columns([time_name]).to_pandas(
        types_mapper=lambda t: pd.StringDtype(na_value=np.nan)
        if pa.types.is_string(t) or pa.types.is_large_string(t) else None)
    df["timestamp"] = pd.Series(stamp.to_pandas(), index=df.index).astype(TIMESTAMP_DTYPE)
    df["line"] = kept + block.first_line
    after_time = block.series.gather(kept).str.splitn(header.separator, 2).struct.field("field_1")
    df["message"] = pd.Series(after_time.to_list(), index=df.index, dtype="str")
    if header.path:
        if "service" in df:  # conn.log's own field (the protocol it found) is kept
            df = df.rename(columns={"service": "service_raw"})
        df["service"] = header.path
    return df.loc[~bad].reset_index(drop=True)


def _numeric(column: pa.ChunkedArray | pa.Array) -> bool:
    """Whether every value of a text column is a plain number (Zeek's ``time`` type)."""
    text = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    matches = pc.match_substring_regex(text, r"^-?\d+(?:\.\d+)?$")
    return bool(pc.all(pc.fill_null(matches, True)).as_py())
