"""Line formats one regex describes (CRI, Loki's default output, proxies' access logs).

A thin layer over :func:`postmortem_kit.ingest.lines.events.load_matched`: the file is read
in blocks, each line matched by the format's regex on all cores (polars), the lines it does
not fit rejected with the format's reason, and the captured groups handed, block by block
and as Arrow, to the format's ``columns`` function. The ``time`` group is read by
:func:`postmortem_kit.ingest.times.parse_timestamps` (ISO 8601 with any offset, epochs)
unless ``columns`` sets ``timestamp`` itself; a line whose time cannot be read is rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.lines.columns import LineBlock
from postmortem_kit.ingest.lines.events import load_matched
from postmortem_kit.ingest.lines.match import Matches
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.times import parse_timestamps

# The captured groups of one block (strings, null where a group took no part) -> the rows.
Columns = Callable[[pa.Table, LoadContext], pa.Table]


def load_shape(path: Path, ctx: LoadContext, pattern: str, columns: Columns, *,
               unmatched: str, bad_time: str, key: str = "time") -> pd.DataFrame:
    """The rows of a file whose lines ``pattern`` (named groups, one of them ``key``) parses.

    Parameters
    ----------
    columns
        The groups of a block (one Arrow table) to its rows; a ``timestamp`` column it does
        not set is parsed from the ``time`` group.
    unmatched, bad_time
        Reasons for the lines ``pattern`` does not fit and those whose time is not valid.
    """

    def frame(m: Matches, block: LineBlock, rx: str) -> pa.Table:
        table = columns(m.groups.to_arrow(), ctx)
        if "timestamp" not in table.column_names:
            table = table.append_column("timestamp", parse_timestamps(
                table.column("time"), ctx.tz))
        return table.drop_columns([c for c in ("time",) if c in table.column_names])

    return load_matched(path, ctx, choose=lambda lines: [pattern], key=key,
                        derive=lambda rx, groups: groups, frame=frame, categories={},
                        unmatched=unmatched, bad_time=bad_time)


def share_matching(head: str, pattern: str, lines: int = 200) -> float:
    """The share (0..1) of the first non-blank lines of ``head`` that ``pattern`` fits
    (the last line is left out when the head may have cut it)."""
    texts = [ln for ln in head.splitlines()[:lines] if ln.strip()]
    if len(texts) > 1 and len(head) >= 60_000:
        texts = texts[:-1]
    if not texts:
        return 0.0
    return int(pl.Series(texts, dtype=pl.String).str.contains(pattern).sum()) / len(texts)
