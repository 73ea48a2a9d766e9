"""Assemble the events frame of a line-oriented file from its blocks.

The ``access`` and ``syslog`` loaders give :func:`load_matched` their line shapes and a
function that turns one shape's matches in one block into an Arrow table; it rejects
the lines no shape fits and those without a valid time, cuts each block to ``start=`` /
``end=`` (:func:`window`, which also says when the rest of the file can be skipped), and
collects the blocks into one pandas frame (:class:`EventBlocks`).
Arrow, not polars, for the work on each block: a polars query run beside the streaming
reader waits for polars' busy threads, an Arrow kernel does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.limits import describe, outside, show
from postmortem_kit.ingest.lines.columns import (
    LineBlock,
    reject_positions,
    without_failed_stream,
)
from postmortem_kit.ingest.lines.match import (
    Derive,
    MatchedBlock,
    Matches,
    iter_matched_blocks,
)
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import empty_events

# One line shape's matches in one block -> its rows as Arrow, in the order of the matches.
FrameOf = Callable[[Matches, LineBlock, str], pa.Table]


def load_matched(
    path: Path,
    ctx: LoadContext,
    *,
    choose: Callable[[pl.Series], list[str]],
    key: str,
    derive: Derive,
    frame: FrameOf,
    categories: Mapping[str, pd.CategoricalDtype],
    unmatched: str,
    bad_time: str,
) -> pd.DataFrame:
    """Load a line-oriented file whose lines one of a few regexes parses.

    Parameters
    ----------
    choose, key, derive
        See :func:`~postmortem_kit.ingest.lines.match.iter_matched_blocks`.
    frame
        A pattern's matches in a block (and the pattern) to the table of their rows,
        with a ``timestamp`` column (null where the time is not valid).
    categories
        See :class:`EventBlocks`.
    unmatched, bad_time
        The reasons given for the lines no pattern matched, and for those whose time is
        not valid.
    """
    return without_failed_stream(lambda stream: _load_blocks(
        iter_matched_blocks(path, ctx, choose, key, derive, stream=stream), path, ctx, frame,
        categories, unmatched, bad_time), ctx)


def _load_blocks(blocks: Iterator[MatchedBlock], path: Path, ctx: LoadContext,
                 frame: FrameOf, categories: Mapping[str, pd.CategoricalDtype],
                 unmatched: str, bad_time: str) -> pd.DataFrame:
    events = EventBlocks(categories)
    for block, patterns, matches, missed in blocks:
        reject_positions(path, ctx, block, missed, unmatched)
        parts = []
        for m in matches:
            table = frame(m, block, patterns[m.pattern]).append_column(
                "line", pa.array(m.positions + block.first_line))
            bad = table.column("timestamp").is_null()
            positions = m.positions
            if table.column("timestamp").null_count:
                bad = bad.to_numpy(zero_copy_only=False)
                reject_positions(path, ctx, block, positions[bad], bad_time)
                table = table.filter(pa.array(~bad))
                positions = positions[~bad]
            far = outside(table.column("timestamp"), ctx.valid_times)
            if far.any():
                reject_far(path, ctx, block, positions[far],
                           table.column("timestamp").filter(pa.array(far)))
                table = table.filter(pa.array(~far))
            if len(table):
                parts.append(table)
        if not parts:
            continue
        table, past_end = window(block_table(parts), ctx)
        events.add(table)
        if past_end:
            break  # streaming: the rest of the file is after the window
    return events.to_pandas()


def reject_far(path: Path, ctx: LoadContext, block: LineBlock, positions: np.ndarray,
               times: pa.ChunkedArray | pa.Array) -> None:
    """Reject the lines of ``block`` at ``positions`` whose ``times`` are implausible."""
    micros = pc.cast(times, pa.int64()).to_pylist()
    texts = block.series.gather(positions).to_list()
    for pos, us, text in zip(positions.tolist(), micros, texts, strict=True):
        ctx.rejects.add(str(path), block.first_line + pos,
                        describe(show(us), ctx.valid_times), text)


def window(table: pa.Table, ctx: LoadContext) -> tuple[pa.Table, bool]:
    """The rows of a block's ``table`` from ``ctx.start`` to ``ctx.end`` (inclusive).

    Returns
    -------
    table
        The rows in the window.
    past_end
        Every row is after ``ctx.end``: a log is written in time order, so the rest of
        the file can be left unread.
    """
    ts = table.column("timestamp")
    keep = None
    past_end = False
    if ctx.start is not None:
        keep = pc.greater_equal(ts, pa.scalar(ctx.start.to_pydatetime(), ts.type))
    if ctx.end is not None:
        before_end = pc.less_equal(ts, pa.scalar(ctx.end.to_pydatetime(), ts.type))
        past_end = len(ts) > 0 and not pc.any(before_end).as_py()
        keep = before_end if keep is None else pc.and_(keep, before_end)
    if keep is None or pc.all(keep).as_py():
        return table, past_end
    return table.filter(keep), past_end


class EventBlocks:
    """The blocks' tables, collected for one pandas frame at the end.

    The pandas frame is built once from all the tables, without the second copy of every
    string that a ``pd.concat`` of per-block frames would make. Blocks may differ in their
    optional columns (absent ones are null).

    Parameters
    ----------
    categories
        Columns that hold category codes (integers, null for none) and their dtype.
    """

    def __init__(self, categories: Mapping[str, pd.CategoricalDtype]):
        self.categories = dict(categories)
        self.tables: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        """Keep the rows of one block."""
        if len(table):
            self.tables.append(table)

    def to_pandas(self) -> pd.DataFrame:
        """All rows kept, in the order added, as one pandas frame."""
        if not self.tables:
            return empty_events()
        table = self.tables[0] if len(self.tables) == 1 else pa.concat_tables(
            self.tables, promote_options="permissive")
        codes = {name: table.column(name) for name in self.categories
                 if name in table.column_names}
        frame = table.drop_columns(list(codes)).to_pandas(types_mapper=_pandas_dtype)
        for name, column in codes.items():
            values = column.fill_null(-1).to_numpy()
            frame[name] = pd.Categorical.from_codes(values, dtype=self.categories[name])
        return frame


_STR = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype


def _pandas_dtype(typ: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return _STR if pa.types.is_string(typ) or pa.types.is_large_string(typ) else None


def block_table(parts: list[pa.Table]) -> pa.Table:
    """The tables of one block's line shapes as one, in line order."""
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="permissive").sort_by("line")


def drop_empty(table: pa.Table, names: tuple[str, ...]) -> pa.Table:
    """``table`` without those of ``names`` that are null on every row."""
    empty = [n for n in names if n in table.column_names
             and table.column(n).null_count == len(table)]
    return table.drop_columns(empty) if empty else table
