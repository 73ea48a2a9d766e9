"""Compressed evidence: damage keeps what decoded before it, bombs and endless lines stop."""

from __future__ import annotations

import bz2
import gzip
import json
import random
import time
import warnings
import zlib

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.files.decompress import HEAD_BYTES, read_head
from tests.memory import traced_peak

T0 = 1714557600  # 2024-05-01T10:00:00Z


def quiet(*args, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(*args, **kw)


def varied_lines(n: int) -> list[bytes]:
    """JSONL records with random tokens, so they compress only ~2x (a corrupted byte then
    sits in the middle of real data, not in a long back-reference)."""
    rng = random.Random(11)
    return [
        json.dumps({"ts": T0 + i, "msg": f"m{i}", "token": rng.randbytes(24).hex()}).encode()
        for i in range(n)
    ]


def zeros_gzip(total: int, member: int = 10_000_000) -> bytes:
    """A gzip file that decompresses to ``total`` NUL bytes (no newline), made of
    concatenated members so that building it stays fast."""
    one = gzip.compress(b"\0" * member, compresslevel=9, mtime=0)
    return one * (total // member)


def test_a_corrupt_gzip_keeps_every_line_decoded_before_the_corruption(tmp_path):
    lines = varied_lines(60_000)
    data = b"\n".join(lines) + b"\n"
    # A damaged byte that zlib notices where it is (most damage only shows at the final
    # checksum): at a deflate block boundary, 0xff announces a block type that does not
    # exist. The boundary is put in the middle of a line, 60% into the file.
    comp = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    split = int(len(data) * 0.6)
    head = comp.compress(data[:split]) + comp.flush(zlib.Z_FULL_FLUSH)
    blob = bytearray(head + comp.compress(data[split:]) + comp.flush())
    at = len(head)
    blob[at] = 0xFF
    path = tmp_path / "app.jsonl.gz"
    path.write_bytes(bytes(blob))

    # Independently: feed zlib the untouched part whole, then one byte at a time; what came
    # out before it gave up is everything that could be decoded, and that byte is where
    # the data is corrupt.
    dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray(dec.decompress(bytes(blob[:at])))
    failed_at = None
    for i in range(at, len(blob)):
        try:
            out += dec.decompress(blob[i : i + 1])
        except zlib.error:
            failed_at = i
            break
    assert failed_at == at  # the setup holds
    decoded = bytes(out).split(b"\n")[:-1]  # the complete lines
    intact = [i + 1 for i, raw in enumerate(decoded) if raw == lines[i]]
    assert len(intact) > 0.55 * len(lines)

    ev = quiet(path, format="jsonl")
    by_line = dict(zip(ev["line"], ev["message"], strict=True))
    assert all(by_line.get(n) == f"m{n - 1}" for n in intact)
    assert max(by_line) <= len(decoded)  # nothing invented after the corruption
    rej = ev.attrs["rejected"]
    damage = rej.loc[rej["reason"].str.startswith("corrupt gzip data")]
    assert len(damage) == 1
    assert f"corrupt gzip data at byte {failed_at:,} (" in damage["reason"].iloc[0]
    # the line the corruption cut is the one after the last complete line
    if out.endswith(b"\n"):
        assert pd.isna(damage["line"].iloc[0])
    else:
        assert damage["line"].iloc[0] == len(decoded) + 1


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress], ids=["gzip", "bz2"])
def test_a_small_truncated_file_is_truncated_at_its_byte_not_empty(tmp_path, compress):
    data = b"".join(json.dumps({"ts": T0 + i, "msg": f"m{i}"}).encode() + b"\n"
                    for i in range(50))
    kind = "gzip" if compress is gzip.compress else "bz2"
    for name in ("app.jsonl.gz", "evidence"):  # with and without a hint in the name
        path = tmp_path / name
        path.write_bytes(compress(data)[:20])
        ev = quiet(path)
        assert ev.attrs["notes"] == []
        (reason,) = list(ev.attrs["rejected"]["reason"])
        assert reason.startswith(
            f"truncated {kind} file: the compressed data ends early at byte 20")


def test_a_compressed_file_of_nothing_is_still_empty(tmp_path):
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "b.jsonl.bz2").write_bytes(bz2.compress(b""))
    (tmp_path / "c.jsonl").write_bytes(json.dumps({"ts": T0, "msg": "x"}).encode() + b"\n")
    ev = quiet(tmp_path)
    assert len(ev) == 1
    assert [n.split(": ", 1)[1] for n in ev.attrs["notes"]] == ["empty file, nothing to load"] * 2
    assert ev.attrs["rejected"].empty


def test_a_truncated_bz2_keeps_the_lines_of_its_complete_blocks(tmp_path):
    lines = varied_lines(20_000)
    # two streams: the first whole, the second cut in its middle
    first, second = b"\n".join(lines[:10_000]) + b"\n", b"\n".join(lines[10_000:]) + b"\n"
    cut = bz2.compress(second)
    blob = bz2.compress(first) + cut[: len(cut) // 2]
    path = tmp_path / "app.jsonl.bz2"
    path.write_bytes(blob)
    ev = quiet(path, format="jsonl")
    assert list(ev["line"][:10_000]) == list(range(1, 10_001))
    (reason,) = list(ev.attrs["rejected"]["reason"])
    assert reason.startswith(
        f"truncated bz2 file: the compressed data ends early at byte {len(blob):,}")


def test_reading_the_head_of_a_gzip_bomb_decompresses_about_the_head(tmp_path):
    path = tmp_path / "bomb.gz"
    path.write_bytes(zeros_gzip(200_000_000))
    head, peak = traced_peak(read_head, path)
    assert head == "\0" * HEAD_BYTES
    assert peak < 8_000_000  # (decompressing it all took 200 MB, then twice that)


@pytest.mark.parametrize("kind", ["gzip", "bz2"])
def test_a_decompression_bomb_is_refused_quickly_with_how_to_allow_it(tmp_path, kind):
    path = tmp_path / "bomb.jsonl.gz"
    if kind == "gzip":
        path.write_bytes(zeros_gzip(400_000_000))  # 389 KB
    else:
        path.write_bytes(bz2.compress(b"\0" * 100_000_000))  # 113 bytes
    started = time.perf_counter()
    ev, peak = traced_peak(quiet, path, format="jsonl")
    assert time.perf_counter() - started < 5
    assert peak < 100_000_000
    assert len(ev) == 0
    (reason,) = list(ev.attrs["rejected"]["reason"])
    assert "decompress to more than 1,000 times their size (a decompression bomb?)" in reason
    assert "pass a larger max_ratio= (or None) to read_events" in reason
    with pytest.raises(IngestError, match=r"bomb\.jsonl\.gz.*decompression bomb"):
        read_events(path, format="jsonl", errors="raise")


def test_max_ratio_none_reads_a_file_that_compresses_very_well(tmp_path):
    path = tmp_path / "same.jsonl.gz"
    line = json.dumps({"ts": T0, "msg": "heartbeat ok"}).encode() + b"\n"
    path.write_bytes(gzip.compress(line * 300_000, compresslevel=9))
    assert len(quiet(path, format="jsonl", max_ratio=100)) < 300_000
    assert len(quiet(path, format="jsonl", max_ratio=None)) == 300_000


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, bz2.compress],
                         ids=["plain", "gzip", "bz2"])
def test_a_line_over_max_line_bytes_is_rejected_and_the_next_keep_their_numbers(
        tmp_path, compress):
    good = [json.dumps({"ts": T0 + i, "msg": f"m{i}"}).encode() for i in range(6)]
    long = json.dumps({"ts": T0, "msg": "x" * 5000}).encode()
    data = b"\n".join([*good[:3], long, *good[3:], long]) + b"\n" + good[0]
    path = tmp_path / "app.jsonl"
    path.write_bytes(compress(data))
    ev = quiet(path, format="jsonl", max_line_bytes=1000)
    assert sorted(ev["line"]) == [1, 2, 3, 5, 6, 7, 9]
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [4, 8]
    assert set(rej["reason"]) == {
        "line longer than 1,000 bytes: not loaded (raise the limit with max_line_bytes=)"}


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress], ids=["plain", "gzip"])
def test_a_line_that_never_ends_stops_at_max_line_bytes(tmp_path, compress):
    good = json.dumps({"ts": T0, "msg": "before"}).encode() + b"\n"
    path = tmp_path / "app.jsonl"
    path.write_bytes(compress(good + b"y" * 60_000_000))
    ev, peak = traced_peak(quiet, path, format="jsonl", max_line_bytes=1_000_000,
                           max_ratio=None)
    assert peak < 45_000_000  # a block (16 MiB) and the limit, not the 60 MB line
    assert list(ev["message"]) == ["before"]
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [2]
    assert rej["reason"][0].startswith("line longer than 1,000,000 bytes")
