"""Stream a line-oriented file as blocks of strings, with line numbers.

The regex-based loaders (``access``, ``syslog``, ``text``) read a file in blocks of a few
megabytes so memory stays bounded on multi-gigabyte logs and ``start=`` / ``end=`` can
stop early. Each block becomes one column of lines (newlines and a trailing ``\\r``
removed) without a Python object per line: polars' multi-threaded CSV reader frames the
common block (one column, no quoting, no separator in the data), numpy the rest. A plain
file read whole may go through polars' streaming reader instead (``stream=``, and
:mod:`postmortem_kit.ingest.lines.match` for ``access`` and ``syslog``), which must hand
over to the blocks, or have the load start over, at the lines it gets wrong
(:class:`StreamFailed`). :class:`LineBlock` converts a block between polars and Arrow.

Bytes come from :mod:`postmortem_kit.ingest.files` (decompression, truncation, progress);
a line it would reject (NUL byte, invalid UTF-8) is rejected with its number and becomes
null in its block, so positions and line numbers stay aligned.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn, TypedDict, TypeVar, cast

import numpy as np
import polars as pl
import pyarrow as pa
from polars._typing import PolarsDataType

from postmortem_kit.ingest.files.blocks import Block, check_line, iter_blocks, progress_bar
from postmortem_kit.ingest.files.decompress import compression_of
from postmortem_kit.ingest.registry import LoadContext

T = TypeVar("T")
U = TypeVar("U")
# pyarrow.compute kernels release the GIL: a few threads over slices of a block scale
# the RE2 work almost linearly, and more than 4 rarely pays off for one file.
WORKERS = max(1, min(4, os.cpu_count() or 1))
# polars' CSV reader frames lines when this byte, its column separator, is not in the data.
SEPARATOR = b"\x1f"
# One column of text per line: no header, no quoting, no comments, every value a string.
class _CsvOptions(TypedDict):
    has_header: bool
    new_columns: list[str]
    schema: dict[str, PolarsDataType]
    separator: str
    quote_char: str | None
    comment_prefix: str | None
    raise_if_empty: bool


_AS_LINES = _CsvOptions(
    has_header=False, new_columns=["line"], schema={"line": pl.String},
    separator=SEPARATOR.decode(), quote_char=None, comment_prefix=None, raise_if_empty=False,
)


@dataclass(frozen=True)
class LineBlock:
    """Consecutive lines of one file: line ``i`` is line number ``first_line + i``.

    ``data`` is an Arrow string array or a polars Series, null where the line was
    rejected (a blank line is ``""``); :attr:`lines` and :attr:`series` give it in either
    form, converting once. ``found``: what a regex the reader was given captured in the
    lines (see :func:`iter_line_blocks`), a row per line.
    """

    data: pa.Array | pl.Series
    first_line: int
    found: pl.DataFrame | None = None

    @cached_property
    def lines(self) -> pa.Array:
        """The lines as an Arrow ``string`` or ``large_string`` array."""
        data = self.data
        return data.to_arrow() if isinstance(data, pl.Series) else data

    @cached_property
    def series(self) -> pl.Series:
        """The lines as a polars ``String`` Series."""
        data = self.data
        return data if isinstance(data, pl.Series) else pl.Series("line", data)

    def __len__(self) -> int:
        return len(self.data)

    def rejected(self) -> np.ndarray:
        """Whether each line is null (rejected by the reader), read from :attr:`data` as
        it is: no conversion of the lines."""
        data = self.data
        if isinstance(data, pl.Series):
            return (data.is_null().to_numpy() if data.null_count()
                    else np.zeros(len(data), dtype=bool))
        return data.is_null().to_numpy(zero_copy_only=False)

    def slice(self, start: int, stop: int | None = None) -> LineBlock:
        """The lines from position ``start`` to ``stop`` (default: the end), in the form
        they are held in (no conversion)."""
        n = None if stop is None else stop - start
        # (once converted to Arrow, slices of that: no second conversion)
        data = self.__dict__.get("lines", self.data)
        found = None if self.found is None else self.found.slice(start, n)
        return LineBlock(data.slice(start, n), self.first_line + start, found)


# Given the lines as a lazy frame (columns ``line`` and others to keep), the frame with
# columns of what is found in them added (see LineBlock.found)
Find = Callable[[pl.LazyFrame], pl.LazyFrame]


def iter_line_blocks(path: Path, ctx: LoadContext, *, stream: bool = False,
                     find: Find | None = None) -> Iterator[LineBlock]:
    """Yield the lines of ``path`` (plain, gzip or bz2) in blocks.

    Decompression, truncation, the progress bar, the byte-order mark and the block size
    come from :func:`postmortem_kit.ingest.files.blocks.iter_blocks`; a line with a NUL byte or
    invalid UTF-8 is rejected there with the reason of
    :func:`~postmortem_kit.ingest.files.blocks.check_line` and is null here.

    ``stream``: a plain file read whole is framed by polars' streaming reader instead
    (:func:`_streamed`: its own threads, the file mapped, no copy of each block through
    Python), up to a block with a line the blocks above must see (a NUL byte, a line over
    ``max_line_bytes``), from which they take over; the lines are the same. Raises
    :class:`StreamFailed` when polars refuses a line after blocks were handed out.
    ``find``, streaming: what to find in the lines in the same query, on polars' threads
    beside the reading (:attr:`LineBlock.found`; the blocks after a hand-over have none).
    """
    done = 0  # lines handed out by the streaming reader
    if stream and can_stream(path, ctx):
        handed = yield from until_hand_over(_streamed(path, ctx, find), path, len)
        if handed is None:
            return
        done = handed  # (the blocks below reject the line, or not, and go on)
    for raw in iter_blocks(path, ctx):
        if not raw.data or raw.first_line + raw.nlines - 1 <= done:
            continue
        block = _to_block(raw, path, ctx)
        if raw.first_line <= done:
            cut = done - raw.first_line + 1
            block = LineBlock(block.series.slice(cut), raw.first_line + cut)
        yield block


def head_lines(path: Path, ctx: LoadContext, n: int) -> LineBlock | None:
    """The first ``n`` lines of a plain file (or all, if fewer), framed as
    :func:`iter_line_blocks` frames them, from one read of at most :data:`HEAD_BYTES`: for a
    loader to set itself up while the file is read on other threads. None when that read
    cannot give them alike: ``n`` lines longer than it, or a line the blocks would reject."""
    with open(path, "rb") as f:
        data = f.read(HEAD_BYTES)
    whole = len(data) < HEAD_BYTES
    if not whole:
        data = data[: data.rfind(b"\n") + 1]
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not data or b"\x00" in data or SEPARATOR in data:
        return None
    series = _framed_by_polars(data)
    if series is None or len(series) != Block(1, data).nlines or (not whole and len(series) < n):
        return None
    limit = ctx.max_line_bytes
    if limit is not None and cast(int, series.str.len_bytes().max() or 0) > limit:
        return None
    return LineBlock(series.fill_null("") if series.null_count() else series, 1)


HEAD_BYTES = 1 << 20  # see head_lines


class HandOver(Exception):
    """A streaming reader stops here: the block path takes the rest of the file."""


class StreamFailed(Exception):
    """polars' streaming reader failed after blocks were handed out.

    What it hands out before it fails on a line (invalid UTF-8, the separator byte) may be
    out of order: the lines of later batches under earlier line numbers. The caller must
    start over without streaming, dropping what it made of those blocks.
    """


def until_hand_over(blocks: Iterator[T], path: Path, lines_in: Callable[[T], int],
                    ) -> Generator[T, None, int | None]:
    """Yield a streaming reader's ``blocks`` (of ``lines_in(block)`` lines each); return
    None when they were the whole file, else how many lines they handed out before the
    reader handed over to the block path (:class:`HandOver`, or polars refusing a line
    before any block).

    Raises
    ------
    StreamFailed
        polars refused a line after blocks were handed out.
    """
    done = 0
    try:
        for block in blocks:
            done += lines_in(block)
            yield block
        return None
    except pl.exceptions.PolarsError as exc:
        if done:
            raise StreamFailed(f"{path}: {exc}") from exc
    except HandOver:
        pass
    return done


def without_failed_stream(load: Callable[[bool], T], ctx: LoadContext) -> T:
    """``load(True)``: a load that may stream; or, when its stream fails after handing out
    blocks (:class:`StreamFailed`), ``load(False)``, the rejects of the first try dropped."""
    mark = len(ctx.rejects)
    try:
        return load(True)
    except StreamFailed:
        del ctx.rejects.items[mark:]
        return load(False)


def can_stream(path: Path, ctx: LoadContext) -> bool:
    """Whether polars' streaming reader may read ``path``: a plain file, read whole (a
    ``start=`` / ``end=`` load stops reading early), ending with a newline.

    (Of a last line without one, polars reads a line holding nothing but its separator
    byte as empty, without failing; and hands such a line out first when it fails on an
    earlier one.)
    """
    if ctx.start is not None or ctx.end is not None or compression_of(path) is not None:
        return False
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def hand_over(batches: Iterator[pl.DataFrame]) -> NoReturn:
    """Stop streaming at a line the block path must see; first read the rest of
    ``batches``, to raise polars' error if it refuses a later line (the batches handed out
    are right only if it does not: see :class:`StreamFailed`)."""
    for _ in batches:
        pass
    raise HandOver


STREAM_ROWS = 140_000  # lines per block of polars' streaming reader (about 16 MiB of text)
_NUL = "__nul"


def _streamed(path: Path, ctx: LoadContext, find: Find | None = None) -> Iterator[LineBlock]:
    line = pl.col("line")
    query = scan_lines(path).select(line, line.str.contains("\x00", literal=True).alias(_NUL))
    if find is not None:
        query = find(query)
    limit = ctx.max_line_bytes
    bar = progress_bar(path, ctx)
    first_line = 1
    try:
        batches = query.collect_batches(chunk_size=STREAM_ROWS)
        for batch in batches:
            series = batch.get_column("line")
            longest = cast(int, series.str.len_bytes().max() or 0)
            if batch.get_column(_NUL).any() or (limit is not None and longest > limit):
                hand_over(batches)
            if series.null_count():  # blank lines: "" as in the block path
                series = series.fill_null("")
            if bar is not None:
                bar.update(int(series.str.len_bytes().sum()) + len(series))
            # (a frame from its columns: no query, which would wait for polars' threads)
            found = None if find is None else pl.DataFrame(
                [c for c in batch.get_columns() if c.name not in ("line", _NUL)])
            yield LineBlock(series, first_line, found)
            first_line += len(series)
    finally:
        if bar is not None:
            bar.close()


def _to_block(block: Block, path: Path, ctx: LoadContext) -> LineBlock:
    data, line_no = block.data, block.first_line
    if b"\x00" not in data and SEPARATOR not in data:
        series = _framed_by_polars(data)
        # The reader strips \r\n like the path below and keeps blank lines (as null); the
        # count guards the alignment of line numbers against any other difference.
        if series is not None and len(series) == block.nlines:
            if series.null_count():
                series = series.fill_null("")
            return LineBlock(series, line_no)
    if not data.endswith(b"\n"):
        data += b"\n"
    if b"\r" in data:  # (one byte: a memchr; searching for b"\r\n" is ~20x slower)
        data = data.replace(b"\r\n", b"\n")  # a CRLF line end loses its \r too
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
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


def _framed_by_polars(data: bytes) -> pl.Series | None:
    """The lines of ``data`` read as a one-column CSV without quoting, or None when the
    reader refuses it (invalid UTF-8: the caller then finds the bad lines itself)."""
    try:
        return pl.read_csv(data, **_AS_LINES).get_column("line")
    except pl.exceptions.PolarsError:
        return None


def scan_lines(path: Path) -> pl.LazyFrame:
    """The lines of a plain file as a lazy one-column frame (``line``), for polars'
    streaming engine: a blank line is null; a line with invalid UTF-8 or the separator
    byte makes the query fail."""
    return pl.scan_csv(path, **_AS_LINES)


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


def map_ahead(func: Callable[[T], U], items: Iterator[T]) -> Iterator[U]:
    """``map(func, items)``, one item ahead: ``func`` of the next item (and drawing it
    from ``items``) runs on a worker thread while the caller works on the current one.

    Worth it when both sides spend their time in code that releases the GIL (polars
    queries, ``pyarrow.compute``, numpy): a block's reading and regex matching then
    overlap the previous block's assembly. Errors surface in item order.
    """
    def step() -> tuple[bool, U | None]:
        item = next(items, _END)
        return (False, None) if item is _END else (True, func(item))  # type: ignore[arg-type]

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(step)
        while True:
            more, value = pending.result()
            if not more:
                return
            pending = pool.submit(step)
            yield value  # type: ignore[misc]


_END = object()


def reject_positions(
    path: Path, ctx: LoadContext, block: LineBlock, positions: np.ndarray, reason: str
) -> None:
    """Reject the lines of ``block`` at ``positions`` (blank lines are skipped silently:
    they carry nothing to lose)."""
    if not len(positions):
        return
    texts = block.series.gather(positions).to_list()
    for pos, text in zip(positions.tolist(), texts, strict=True):
        if text is not None and text.strip():
            ctx.rejects.add(str(path), block.first_line + pos, reason, text)
