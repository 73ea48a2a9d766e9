"""Line framing: every line of a file comes out once, as written, with its number.

The blocks are framed by polars' CSV reader when it can and by numpy otherwise; both
must agree with the plain reading of the bytes below (split on ``\\n``, one ``\\r`` before
it dropped, a line with a NUL byte or invalid UTF-8 rejected), whatever the bytes and
wherever the block boundaries fall.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit.ingest.files import blocks
from postmortem_kit.ingest.lines import columns
from postmortem_kit.ingest.lines.columns import LineBlock, StreamFailed, iter_line_blocks
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from tests.unit.ingest.reference import PIECES, expected_lines


def read_lines(path, block_bytes: int, monkeypatch, stream: bool = False, rows: int = 1,
               **ctx_options) -> tuple[list[str | None], list[int]]:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(columns, "STREAM_ROWS", rows)
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False, **ctx_options)
    texts: list[str | None] = []
    for block in iter_line_blocks(path, ctx, stream=stream):
        assert block.first_line == len(texts) + 1  # blocks are consecutive
        texts.extend(block.series.to_list())
    return texts, [r.line for r in ctx.rejects.lines()]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map(b"".join), max_size=40),
    final_newline=st.booleans(),
    block_bytes=st.sampled_from([1, 16, 64, 1 << 20]),
    stream=st.booleans(),
    rows=st.sampled_from([1, 3, 140_000]),
)
def test_every_line_is_framed_as_written(tmp_path, monkeypatch, lines, final_newline,
                                         block_bytes, stream, rows):
    """By either reader, wherever its blocks end; polars' streaming one hands over to the
    blocks at a NUL byte, or fails (a caller then starts over without it)."""
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    path = tmp_path / "log"
    path.write_bytes(data)
    try:
        got = read_lines(path, block_bytes, monkeypatch, stream, rows)
    except StreamFailed:
        got = read_lines(path, block_bytes, monkeypatch)
    assert got == expected_lines(data)


def test_the_streaming_reader_drops_the_byte_order_mark_and_crs(tmp_path, monkeypatch):
    path = tmp_path / "log"
    path.write_bytes(b"\xef\xbb\xbffirst\r\nsecond\r\n\nlast")
    assert read_lines(path, 1 << 20, monkeypatch, stream=True, rows=2) == (
        ["first", "second", "", "last"], [])


def test_a_line_over_the_limit_is_rejected_when_streaming_too(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "STREAM_ROWS", 1)
    path = tmp_path / "log"
    path.write_bytes(b"short\n" + b"x" * 100 + b"\nafter\n")
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False, max_line_bytes=50)
    numbered = {block.first_line + i: text for block in iter_line_blocks(path, ctx, stream=True)
                for i, text in enumerate(block.series.to_list())}
    assert numbered == {1: "short", 3: "after"}  # (the neighbours keep their numbers)
    (reject,) = ctx.rejects.lines()
    assert reject.line == 2 and "longer than 50 bytes" in reject.reason


def test_clean_blocks_are_framed_by_polars_and_blank_lines_are_empty(tmp_path, monkeypatch):
    path = tmp_path / "log"
    path.write_bytes(b"first\r\n\nthird, \"quoted\n")
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False)
    (block,) = iter_line_blocks(path, ctx)
    assert isinstance(block.data, pl.Series)  # the fast path was taken
    assert block.series.to_list() == ["first", "", 'third, "quoted']
    assert block.lines.to_pylist() == ["first", "", 'third, "quoted']


def test_a_block_with_a_bad_line_falls_back_and_keeps_the_others(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"one\ncaf\xe9\nthree\n")
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False)
    (block,) = iter_line_blocks(path, ctx)
    assert block.series.to_list() == ["one", None, "three"]
    (reject,) = ctx.rejects.lines()
    assert reject.line == 2 and "UTF-8" in reject.reason


def test_a_block_converts_between_arrow_and_polars():
    block = LineBlock(pl.Series(["a", None]), 5)
    assert block.lines.to_pylist() == ["a", None]
    assert len(block) == 2


def test_a_block_is_cut_and_tells_its_rejected_lines_alike_in_either_form():
    """The text loader cuts blocks and reads their rejected (null) lines without
    converting them; once converted to Arrow, a cut keeps that form."""
    values = ["a", None, "", "d"]
    for data in (pl.Series("line", values, dtype=pl.String), pa.array(values, pa.large_string())):
        block = LineBlock(data, 10)
        assert block.rejected().tolist() == [False, True, False, False]
        cut = block.slice(1, 3)
        assert (cut.first_line, cut.lines.to_pylist()) == (11, [None, ""])
        assert cut.rejected().tolist() == [True, False]
        assert (block.slice(2).first_line, block.slice(2).series.to_list()) == (12, ["", "d"])
    streamed = LineBlock(pl.Series("line", values, dtype=pl.String), 1)
    assert isinstance(streamed.slice(1).data, pl.Series)  # (not converted: no copy)
    streamed.lines  # noqa: B018 (converted once)
    assert isinstance(streamed.slice(1).data, pa.Array)  # (no second conversion)


def test_head_lines_are_the_first_lines_as_the_blocks_frame_them(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "HEAD_BYTES", 64)
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False)
    path = tmp_path / "log"
    path.write_bytes(b"\xef\xbb\xbfone\r\n\ntwo \"q\", x\nthree\n" + b"four five six seven\n" * 9)
    head = columns.head_lines(path, ctx, 4)
    assert head is not None and head.first_line == 1
    whole = [t for b in iter_line_blocks(path, ctx) for t in b.series.to_list()]
    assert head.series.to_list() == whole[:len(head)]
    assert whole[:5] == ["one", "", 'two "q", x', "three", "four five six seven"]
    assert len(head) == 5  # (the lines whole in the first 64 bytes)
    assert columns.head_lines(path, ctx, 40) is None  # (40 lines are not in 64 bytes)
    small = tmp_path / "small"
    small.write_bytes(b"a\nb")
    assert columns.head_lines(small, ctx, 1000).series.to_list() == ["a", "b"]  # the whole file
    for odd in (b"n\x00l\n", b"caf\xe9\n", b"a\x1fb\n"):  # lines the blocks reject, or frame apart
        path.write_bytes(b"fine\n" + odd + b"fine\n")
        assert columns.head_lines(path, ctx, 2) is None
    assert not ctx.rejects.lines().frame.shape[0]  # (it rejects nothing itself)


def test_a_last_line_of_the_separator_byte_alone_is_read_as_written(tmp_path, monkeypatch):
    """polars reads such a line, without a newline after it, as empty without failing."""
    path = tmp_path / "log"
    path.write_bytes(b"\n\x1f")
    assert read_lines(path, 1 << 20, monkeypatch, stream=True, rows=1) == (["", "\x1f"], [])


def test_what_the_streaming_reader_finds_stays_beside_its_lines(tmp_path, monkeypatch):
    """``find`` runs in the reader's query: each streamed block carries a row per line
    (also when cut), and the blocks after a hand-over to the block path carry none."""
    monkeypatch.setattr(columns, "STREAM_ROWS", 2)
    path = tmp_path / "log"
    path.write_bytes(b"a1\nb22\n\nc333\nd\x00\ne55555\n")
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False)

    def digits(lines: pl.LazyFrame) -> pl.LazyFrame:
        return lines.with_columns(pl.col("line").str.extract(r"(\d+)").alias("n"))

    got = list(iter_line_blocks(path, ctx, stream=True, find=digits))
    streamed = [b for b in got if b.found is not None]
    assert [b.first_line for b in streamed] == [1, 3]  # (the NUL line's batch hands over)
    for block in streamed:
        texts = block.series.to_list()
        found = block.found.get_column("n").to_list()
        assert found == [t[1:] or None for t in texts]
        cut = block.slice(1)
        assert cut.found is not None and cut.found.get_column("n").to_list() == found[1:]
    after = [b for b in got if b.first_line >= 5]
    assert after and all(b.found is None for b in after)
    assert [r.line for r in ctx.rejects.lines()] == [5]
