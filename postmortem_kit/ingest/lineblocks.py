"""Stream a line-oriented file as blocks of Arrow strings, with line numbers.

The regex-based loaders (``access``, ``syslog``, ``text``) read a file in blocks of a few
megabytes so memory stays bounded on multi-gigabyte logs and ``start=`` / ``end=`` can
stop early. Each block becomes one ``pyarrow.StringArray`` of lines (newlines and a
trailing ``\\r`` removed) built from the raw bytes without a Python object per line,
which is what lets the vectorised RE2 kernels of ``pyarrow.compute`` do the real work.

Bytes come from :mod:`postmortem_kit.ingest.files` (decompression, truncation, progress);
a line it would reject (NUL byte, invalid UTF-8) is rejected with its number and becomes
null in its block, so positions and line numbers stay aligned.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.files import check_line, iter_blocks
from postmortem_kit.ingest.registry import LoadContext

# pyarrow.compute kernels release the GIL: a few threads over slices of a block scale
# the RE2 work almost linearly, and more than 4 rarely pays off for one file.
WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class LineBlock:
    """Consecutive lines of one file: ``lines[i]`` is line number ``first_line + i``."""

    lines: pa.Array  # string or large_string; null where the line was rejected
    first_line: int


def iter_line_blocks(path: Path, ctx: LoadContext) -> Iterator[LineBlock]:
    """Yield the lines of ``path`` (plain, gzip or bz2) in blocks of Arrow strings.

    Decompression, truncation, the progress bar and the block size come from
    :func:`postmortem_kit.ingest.files.iter_blocks`; a line with a NUL byte or invalid
    UTF-8 is rejected there with the reason of :func:`~postmortem_kit.ingest.files.check_line`
    and is null here.
    """
    first = True
    for block in iter_blocks(path, ctx):
        data = block.data
        if first:
            data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
            first = False
        if data:
            yield _to_block(data, block.first_line, path, ctx)


def _to_block(data: bytes, line_no: int, path: Path, ctx: LoadContext) -> LineBlock:
    if not data.endswith(b"\n"):
        data += b"\n"
    if b"\r" in data:  # (one byte: a memchr; searching for b"\r\n" is ~20x slower)
        data = data.replace(b"\r\n", b"\n")  # a CRLF line end loses its \r too
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    # bytes.replace runs at memory speed: far cheaper than a boolean mask over the block
    body = np.frombuffer(data.replace(b"\n", b""), dtype=np.uint8)
    # line i ends where its newline was, minus the i newlines removed before it
    offsets = np.concatenate([[0], newlines - np.arange(len(newlines))])
    large = len(body) >= 2**31
    offsets = offsets.astype(np.int64 if large else np.int32)
    typ = pa.large_string() if large else pa.string()
    if b"\x00" not in data:
        lines = pa.Array.from_buffers(
            typ, len(newlines), [None, pa.py_buffer(offsets), pa.py_buffer(body)]
        )
        try:
            lines.validate(full=True)  # checks UTF-8 in C++, far faster than decoding
            return LineBlock(lines, line_no)
        except pa.ArrowInvalid:
            pass  # some line is not UTF-8: find which, line by line (rare)
    texts: list[str | None] = []
    buf = body.tobytes()
    for i in range(len(newlines)):
        piece = buf[offsets[i] : offsets[i + 1]]
        text, problem = check_line(piece)
        if problem is not None:
            ctx.rejects.add(str(path), line_no + i, problem, piece)
        texts.append(text)
    return LineBlock(pa.array(texts, type=typ), line_no)


def parallel_map(func: Callable[[pa.Array], Any], arr: pa.Array, min_rows: int = 50_000) -> list:
    """Apply ``func`` to consecutive slices of ``arr`` on a few threads, in order.

    ``func`` should spend its time in ``pyarrow.compute`` kernels, which release the GIL.
    """
    n = len(arr)
    parts = max(1, min(WORKERS, n // min_rows))
    if parts == 1:
        return [func(arr)]
    step = -(-n // parts)
    slices = [arr.slice(i, step) for i in range(0, n, step)]
    with ThreadPoolExecutor(parts) as pool:
        return list(pool.map(func, slices))


@dataclass(frozen=True)
class Matches:
    """The rows of a block one regex matched: their positions and captured groups."""

    pattern: int  # index in the list of patterns tried
    positions: np.ndarray  # positions in the block (add ``first_line`` for line numbers)
    groups: pl.DataFrame  # one column per named group; null where a group did not take part


def match_first(
    lines: pa.Array, patterns: list[str], key: str
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

    Returns
    -------
    matches
        One :class:`Matches` per pattern that matched something, in pattern order.
    unmatched
        Positions of the non-null lines no pattern matched.
    """
    remaining = np.flatnonzero(lines.is_valid().to_numpy(zero_copy_only=False))
    subset = pl.from_arrow(lines if len(remaining) == len(lines) else lines.take(remaining))
    out: list[Matches] = []
    for i, rx in enumerate(patterns):
        if not len(remaining):
            break
        found = _extract(subset, rx)
        hit = found.get_column(key).is_not_null().to_numpy()
        if hit.all():
            out.append(Matches(i, remaining, found))
            return out, remaining[:0]
        if hit.any():
            out.append(Matches(i, remaining[hit], found.filter(pl.Series(hit))))
        remaining = remaining[~hit]
        subset = subset.filter(pl.Series(~hit))
    return out, remaining


def iter_matched_blocks(
    path: Path,
    ctx: LoadContext,
    choose: Callable[[pa.Array], list[str]],
    key: str,
) -> Iterator[tuple[LineBlock, list[str], list[Matches], np.ndarray]]:
    """The blocks of ``path`` with :func:`match_first` already run, one block ahead.

    Reading and regex matching of block ``i + 1`` happen on a worker thread while the
    caller turns block ``i`` into a frame (both mostly outside the GIL).

    Parameters
    ----------
    choose
        Given the first lines of the file, the patterns to try, in order.
    key
        See :func:`match_first`.

    Yields
    ------
    block, patterns, matches, unmatched
    """
    blocks = iter_line_blocks(path, ctx)
    patterns: list[str] = []

    def step() -> tuple[LineBlock, list[str], list[Matches], np.ndarray] | None:
        block = next(blocks, None)
        if block is None:
            return None
        if not patterns:
            patterns.extend(choose(block.lines.slice(0, 1000)))
        matches, unmatched = match_first(block.lines, patterns, key)
        return block, patterns, matches, unmatched

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(step)
        while (item := pending.result()) is not None:
            pending = pool.submit(step)
            yield item


def _extract(lines: pl.Series, rx: str) -> pl.DataFrame:
    """``lines.str.extract_groups(rx)`` unnested, on a few threads for large inputs.

    A lazy ``collect`` releases the GIL, so slices of one block run in parallel; polars
    runs this expression on one core by itself.
    """
    n = len(lines)
    parts = max(1, min(WORKERS, n // 100_000))

    def run(s: pl.Series) -> pl.DataFrame:
        return pl.LazyFrame({"l": s}).select(pl.col("l").str.extract_groups(rx)).unnest(
            "l").collect()

    if parts == 1:
        return run(lines)
    step = -(-n // parts)
    with ThreadPoolExecutor(parts) as pool:
        chunks = list(pool.map(run, [lines.slice(i, step) for i in range(0, n, step)]))
    return pl.concat(chunks, rechunk=False)  # a copy of every column would cost more


def reject_positions(
    path: Path, ctx: LoadContext, block: LineBlock, positions: np.ndarray, reason: str
) -> None:
    """Reject the lines of ``block`` at ``positions`` (blank lines are skipped silently:
    they carry nothing to lose)."""
    if not len(positions):
        return
    texts = block.lines.take(pa.array(positions)).to_pylist()
    for pos, text in zip(positions.tolist(), texts, strict=True):
        if text is not None and text.strip():
            ctx.rejects.add(str(path), block.first_line + pos, reason, text)
