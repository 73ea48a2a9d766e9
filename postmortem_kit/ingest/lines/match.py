"""Match the lines of a file against a loader's regexes, block by block.

The ``access`` and ``syslog`` loaders describe their line shapes as regexes with named
groups; this module runs them over a file and hands back, block by block, which line
matched which shape with the captured groups, and which lines matched none. The regex
engine is polars' (Rust ``regex``): on anchored, one-pass patterns it extracts captures
several times faster than RE2 in ``pyarrow.compute``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from postmortem_kit.ingest.files.blocks import progress_bar
from postmortem_kit.ingest.files.decompress import read_head
from postmortem_kit.ingest.lines.columns import (
    WORKERS,
    LineBlock,
    can_stream,
    hand_over,
    iter_line_blocks,
    map_ahead,
    scan_lines,
    until_hand_over,
)
from postmortem_kit.ingest.registry import LoadContext

SAMPLE_LINES = 1000  # the first lines, from which a loader picks the order of its patterns
# Lines per block on the streaming path: large enough that the per-block work in Python
# is small, small enough that the caller's work on one block overlaps the next.
STREAM_ROWS = 200_000
_LINE = "__line"  # the line itself, beside the groups (no pattern has a group of that name)
_NUL = "__nul"  # whether the line holds a NUL byte


@dataclass(frozen=True)
class Matches:
    """The rows of a block one regex matched: their positions and captured groups."""

    pattern: int  # index in the list of patterns tried
    positions: np.ndarray  # positions in the block (add ``first_line`` for line numbers)
    groups: pl.DataFrame  # one column per named group; null where a group did not take part


MatchedBlock = tuple[LineBlock, list[str], list[Matches], np.ndarray]
# Given a pattern and its groups as a lazy frame, the loader's columns (typed values, NA
# for "-", ...); other columns must be kept. It runs where the matching runs: on all
# cores while streaming, so the caller has little left to do in Python.
Derive = Callable[[str, pl.LazyFrame], pl.LazyFrame]


def _no_derive(rx: str, groups: pl.LazyFrame) -> pl.LazyFrame:
    return groups


def dash_is_na(name: str) -> pl.Expr:
    """Column ``name`` with ``-`` (how access logs and syslog write "no value") as null."""
    col = pl.col(name)
    return pl.when(col == "-").then(None).otherwise(col).alias(name)


def match_first(
    lines: pl.Series,
    patterns: list[str],
    key: str,
    first: pl.DataFrame | None = None,
    derive: Derive = _no_derive,
) -> tuple[list[Matches], np.ndarray]:
    """Parse each line with the first of ``patterns`` that matches it.

    The first pattern runs over every line; each further pattern only over the lines
    still unmatched, so a file of one dialect pays for one regex pass. The regex engine is
    polars' (Rust ``regex``): on these anchored, unambiguous patterns its capture
    extraction is several times faster than RE2's in ``pyarrow.compute.extract_regex``.

    Parameters
    ----------
    lines
        The lines (null where already rejected).
    patterns
        Regexes with named groups.
    key
        A group every pattern has and that takes part in every match (so it is null
        exactly on the lines the pattern did not match).
    first
        The groups of ``patterns[0]`` over all ``lines`` (which then have no nulls), with
        ``derive`` applied, when they were already extracted.
    derive
        Columns to add to each pattern's groups (see :data:`Derive`); ``key`` must stay
        null exactly where the pattern did not match.

    Returns
    -------
    matches
        One :class:`Matches` per pattern that matched something, in pattern order.
    unmatched
        Positions of the non-null lines no pattern matched.
    """
    if lines.null_count():
        remaining = np.flatnonzero(lines.is_not_null().to_numpy())
        subset = lines.gather(remaining)
    else:
        remaining = np.arange(len(lines))
        subset = lines
    out: list[Matches] = []
    for i, rx in enumerate(patterns):
        if not len(remaining):
            break
        if i == 0 and first is not None:
            found, derived = first, True
        else:
            found, derived = extract_groups(subset, rx), False
        hit = found.get_column(key).is_not_null().to_numpy()
        if hit.all():
            out.append(Matches(i, remaining, found if derived else derive(
                rx, found.lazy()).collect()))
            return out, remaining[:0]
        if hit.any():
            found = found.filter(pl.Series(hit))
            out.append(Matches(i, remaining[hit], found if derived else derive(
                rx, found.lazy()).collect()))
        remaining = remaining[~hit]
        subset = subset.filter(pl.Series(~hit))
    return out, remaining


def iter_matched_blocks(
    path: Path,
    ctx: LoadContext,
    choose: Callable[[pl.Series], list[str]],
    key: str,
    derive: Derive = _no_derive,
    *,
    stream: bool = True,
) -> Iterator[MatchedBlock]:
    """The lines of ``path`` in blocks, each with :func:`match_first` already run.

    A plain file is read and matched with the first pattern by polars' streaming engine
    (:func:`_streamed`): reading, framing and the regex run on all cores while the caller
    works on the previous block. Compressed files and loads cut to a ``start=`` / ``end=``
    window (which stop reading early and hold one block at a time) go through
    :func:`~postmortem_kit.ingest.lines.columns.iter_line_blocks` (:func:`_blockwise`), and so
    does the rest of a file from a block with a line the streaming reader would keep though
    it must be rejected (a NUL byte), and a file whose lines it refuses (invalid UTF-8, the
    separator byte of :func:`~postmortem_kit.ingest.lines.columns.scan_lines`) before it
    handed out a block: so that line is rejected or framed like in any other file.

    Parameters
    ----------
    choose
        Given the first lines of the file, the patterns to try, in order.
    key, derive
        See :func:`match_first`.
    stream
        Whether to try polars' streaming engine first.

    Raises
    ------
    StreamFailed
        polars refused a line after blocks were handed out: start over with
        ``stream=False``.

    Yields
    ------
    block, patterns, matches, unmatched
        ``matches`` and ``unmatched`` as :func:`match_first` returns them for the block.
    """
    head = [line.removesuffix("\r") for line in read_head(path).split("\n")[:SAMPLE_LINES]]
    patterns = choose(pl.Series(head, dtype=pl.String))
    done = 0  # lines yielded so far
    if stream and can_stream(path, ctx):
        handed = yield from until_hand_over(_streamed(path, ctx, patterns, key, derive), path,
                                            lambda item: len(item[0]))
        if handed is None:
            return
        done = handed  # a line the block path must see: it rejects it (or not) and goes on
    yield from _blockwise(path, ctx, patterns, key, derive, skip=done)


def _streamed(
    path: Path, ctx: LoadContext, patterns: list[str], key: str, derive: Derive
) -> Iterator[MatchedBlock]:
    lines = pl.col("line")
    query = derive(patterns[0], scan_lines(path).select(
        lines.alias(_LINE), lines.str.contains("\x00", literal=True).alias(_NUL),
        lines.str.extract_groups(patterns[0]).alias("g"),
    ).unnest("g"))
    bar = progress_bar(path, ctx)
    first_line = 1
    try:
        batches = query.collect_batches(chunk_size=STREAM_ROWS)
        for batch in batches:
            if batch.get_column(_NUL).any():
                hand_over(batches)
            series = batch.get_column(_LINE)
            if series.null_count():  # blank lines: "" as in the block path
                series = series.fill_null("")
            block = LineBlock(series, first_line)
            first_line += len(block)
            # (a frame from its columns: no query, which would wait for polars' threads)
            groups = pl.DataFrame([c for c in batch.get_columns()
                                   if c.name not in (_LINE, _NUL)])
            matches, unmatched = match_first(series, patterns, key, groups, derive)
            if bar is not None:
                bar.update(int(series.str.len_bytes().sum()) + len(series))
            yield block, patterns, matches, unmatched
    finally:
        if bar is not None:
            bar.close()


def _blockwise(
    path: Path, ctx: LoadContext, patterns: list[str], key: str, derive: Derive, skip: int = 0
) -> Iterator[MatchedBlock]:
    """The block path, one block ahead: reading and regex matching of block ``i + 1``
    happen on a worker thread while the caller turns block ``i`` into a frame (both
    mostly outside the GIL). The first ``skip`` lines are left out."""

    def blocks() -> Iterator[LineBlock]:
        for block in iter_line_blocks(path, ctx):
            end = block.first_line + len(block) - 1
            if end <= skip:
                continue
            if block.first_line <= skip:
                cut = skip - block.first_line + 1
                block = LineBlock(block.series.slice(cut), block.first_line + cut)
            yield block

    def match(block: LineBlock) -> MatchedBlock:
        matches, unmatched = match_first(block.series, patterns, key, derive=derive)
        return block, patterns, matches, unmatched

    yield from map_ahead(match, blocks())


# A regex ending in this group takes the rest of the line as the message. The regex engine
# would step through every byte of it (about half the work on a typical line): instead the
# regex stops after the header, and the message is the line without the header.
REST_OF_LINE = "(?P<message>.*)$"
_HEAD = "__head"  # the header a regex matched (no pattern has a group of that name)
_GROUPS = "__groups"  # the groups, before they are columns of their own


def with_groups(frame: pl.LazyFrame, column: str, rx: str,
                typed: Callable[[str, pl.Expr], pl.Expr] | None = None,
                keep: tuple[str, ...] = ()) -> pl.LazyFrame:
    """The columns ``keep`` of ``frame``, then the named groups of ``rx`` in ``column``
    as columns (in the order of the groups).

    Same values as ``str.extract_groups(rx)`` unnested; a message that is the rest of the
    line (:data:`REST_OF_LINE`, after an ``^``-anchored header) is cut off the line rather
    than matched. (A line never holds a newline, so ``.*$`` matches whatever follows the
    header: the header matches the same with or without it.) ``typed``, given a group's
    name and its column, returns the column to keep instead.
    """
    line = pl.col(column)
    kept = [pl.col(k) for k in keep]
    if not (rx.startswith("^") and rx.endswith(REST_OF_LINE)):
        found = frame.select(*kept, line.str.extract_groups(rx).alias(_GROUPS)).unnest(_GROUPS)
    else:
        head = "^(?P<" + _HEAD + ">" + rx[1:-len(REST_OF_LINE)] + ")"
        found = frame.select(*kept, line.str.extract_groups(head).alias(_GROUPS),
                             *([] if column in keep else [line])).unnest(_GROUPS)
        found = found.with_columns(line.str.strip_prefix(pl.col(_HEAD)).alias("message"))
        found = found.drop(_HEAD, *([] if column in keep else [column]))
    if typed is None:
        return found
    # (a query step of its own: as part of the regex's step, polars would run the regex
    # again for a group that an expression reads twice)
    return found.select(*kept, *(typed(name, pl.col(name)).alias(name)
                                 for name in found.collect_schema().names()
                                 if name not in keep))


def extract_groups(lines: pl.Series, rx: str,
                   typed: Callable[[str, pl.Expr], pl.Expr] | None = None) -> pl.DataFrame:
    """``lines.str.extract_groups(rx)`` unnested (see :func:`with_groups`, which also says
    what ``typed`` does), on a few threads for large inputs.

    A lazy ``collect`` releases the GIL, so slices of one block run in parallel; polars
    runs this expression on one core by itself when the block is one chunk (numpy's
    framing makes one).
    """
    n = len(lines)
    parts = max(1, min(WORKERS, n // 25_000))

    def run(s: pl.Series) -> pl.DataFrame:
        return with_groups(pl.LazyFrame({"l": s}), "l", rx, typed).collect()

    if parts == 1:
        return run(lines)
    step = -(-n // parts)
    with ThreadPoolExecutor(parts) as pool:
        chunks = list(pool.map(run, [lines.slice(i, step) for i in range(0, n, step)]))
    return pl.concat(chunks, rechunk=False)  # a copy of every column would cost more
