"""Matching lines against a loader's patterns: the streaming path and the block path.

Whichever path reads a file, every line must come out once with its own number: matched
by the first pattern that fits it (with the same groups), left unmatched, or rejected
(NUL byte, invalid UTF-8). The reference is a plain reading of the bytes and Python's
``re`` on each line.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit.ingest.files import blocks
from postmortem_kit.ingest.lines import match
from postmortem_kit.ingest.lines.columns import StreamFailed
from postmortem_kit.ingest.lines.match import iter_matched_blocks
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from tests.unit.ingest.reference import PIECES, expected_lines

PATTERNS = [r"^(?P<word>[a-z]+) (?P<rest>.*)$", r"^(?P<rest>#.*)$"]


def expected_matches(data: bytes) -> tuple[dict[int, tuple[int, dict]], list[int], list[int]]:
    """Line number -> (pattern, groups) for matched lines; unmatched and rejected numbers."""
    texts, rejected = expected_lines(data)
    matched, unmatched = {}, []
    for number, text in enumerate(texts, start=1):
        if text is None:
            continue
        for i, rx in enumerate(PATTERNS):
            if m := re.match(rx, text):
                matched[number] = (i, m.groupdict())
                break
        else:
            unmatched.append(number)
    return matched, unmatched, rejected


def derive(rx: str, groups: pl.LazyFrame) -> pl.LazyFrame:
    return groups.with_columns(rest_bytes=pl.col("rest").str.len_bytes())


def run(path, stream: bool = True, **ctx_options
        ) -> tuple[dict[int, tuple[int, dict]], list[int], list[int]]:
    ctx = LoadContext(source="x", rejects=RejectLog(), progress=False, **ctx_options)
    matched, unmatched, expected_first = {}, [], 1
    for block, patterns, matches, missed in iter_matched_blocks(
        path, ctx, lambda _: PATTERNS, "rest", derive, stream=stream
    ):
        assert patterns == PATTERNS
        assert block.first_line == expected_first  # consecutive, nothing skipped twice
        expected_first += len(block)
        for m in matches:
            for pos, groups in zip(m.positions.tolist(), m.groups.to_dicts(), strict=True):
                # every pattern's rows carry the derived column, on either path
                assert groups["rest_bytes"] == len(groups["rest"].encode())
                groups = {k: v for k, v in groups.items() if k in ("word", "rest")}
                if m.pattern == 1:
                    groups.pop("word", None)
                matched[block.first_line + pos] = (m.pattern, groups)
        unmatched += [block.first_line + pos for pos in missed.tolist()]
    return matched, sorted(unmatched), [r.line for r in ctx.rejects.lines()]


# Half the files are clean (the streaming path reads them whole), half may hold bytes
# that send a file, or the rest of it, to the block path.
CLEAN = [p for p in PIECES if p not in (b"\x00", b"\xff", b"\xc3", b"\x1f")]
lines_st = st.sampled_from([CLEAN, PIECES]).flatmap(lambda pieces: st.lists(
    st.one_of(
        st.lists(st.sampled_from(pieces), max_size=5).map(b"".join),
        st.sampled_from([b"get /a b", b"# note", b"word rest of it", b"x y"]),
    ),
    max_size=60,
))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines_st, rows=st.sampled_from([1, 7, 200_000]), block_bytes=st.sampled_from(
    [16, 1 << 20]))
def test_both_paths_match_every_line_as_the_reference_does(
    tmp_path, monkeypatch, lines, rows, block_bytes
):
    monkeypatch.setattr(match, "STREAM_ROWS", rows)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "log"
    path.write_bytes(data)
    want = expected_matches(data)
    try:
        got = run(path)
    except StreamFailed:  # (the caller starts over, as load_matched does)
        got = run(path, stream=False)
    assert got == want
    with monkeypatch.context() as patch:  # (undone before the next example)
        patch.setattr(match, "can_stream", lambda *_: False)
        assert run(path) == want


def with_odd_line(tmp_path, odd: bytes, at: int):
    good = [f"line {i}".encode() for i in range(1, 300_001)]  # big enough to be streamed
    path = tmp_path / "log"
    path.write_bytes(b"\n".join([*good[:at - 1], odd, *good[at - 1:]]) + b"\n")
    return path


def test_a_nul_line_hands_over_to_the_block_path(tmp_path, monkeypatch):
    """polars reads a NUL byte as text: the stream hands over to the block path at the
    batch holding it (which rejects it), after the batches before it."""
    monkeypatch.setattr(match, "STREAM_ROWS", 1000)
    used = []
    real_blockwise = match._blockwise

    def blockwise(*args, **kwargs):
        used.append(kwargs.get("skip", 0))
        return real_blockwise(*args, **kwargs)

    monkeypatch.setattr(match, "_blockwise", blockwise)
    at = 250_001
    matched, unmatched, rejects = run(with_odd_line(tmp_path, b"nul \x00 byte", at))
    assert rejects == [at]
    assert len(matched) == 300_000 and max(matched) == 300_001
    assert unmatched == []
    assert matched[at + 1] == (0, {"word": "line", "rest": str(at)})
    assert used and 0 < used[0] < at  # streamed first, then resumed after what it gave


@pytest.mark.parametrize(
    ("odd", "rejected"),
    [(b"caf\xe9 au lait", True),  # invalid UTF-8: rejected
     (b"unit \x1fseparator", False)],  # the reader's separator byte: an ordinary line
)
def test_a_line_the_stream_fails_on_makes_the_caller_start_over(
    tmp_path, monkeypatch, odd, rejected
):
    """What polars' stream hands out before it fails may be out of order: no resuming
    after it, the caller starts over on the block path (``stream=False``)."""
    monkeypatch.setattr(match, "STREAM_ROWS", 1000)
    at = 250_001
    path = with_odd_line(tmp_path, odd, at)
    with pytest.raises(StreamFailed):
        run(path)
    matched, unmatched, rejects = run(path, stream=False)
    assert rejects == ([at] if rejected else [])
    assert len(matched) == 300_000 + (not rejected) and max(matched) == 300_001
    assert unmatched == []
    if not rejected:
        assert matched[at] == (0, {"word": "unit", "rest": "\x1fseparator"})
    assert matched[at + 1] == (0, {"word": "line", "rest": str(at)})


@pytest.mark.parametrize("data", [b"", b"\n", b"\n\n", b"only\n", b"a b"])
def test_tiny_files(tmp_path, data):
    path = tmp_path / "log"
    path.write_bytes(data)
    assert run(path) == expected_matches(data)
