"""xz and zstd evidence: read like gzip and bz2, with the same guarantees (damage kept to
what decoded before it, bombs refused, the name's suffix out of the source name)."""

from __future__ import annotations

import json
import lzma
import sys
import warnings

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

T0 = 1714557600  # 2024-05-01T10:00:00Z
KINDS = {"xz": (lzma.compress, ".xz"), "zstd": (zstd.compress, ".zst")}


def quiet(*args, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(*args, **kw)


def lines(n: int, start: int = 0) -> bytes:
    return b"".join(json.dumps({"ts": T0 + i, "msg": f"m{i}", "level": "info"}).encode()
                    + b"\n" for i in range(start, start + n))


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_compressed_file_reads_as_its_plain_twin(tmp_path, kind):
    compress, suffix = KINDS[kind]
    plain = tmp_path / "plain" / "app.jsonl"
    packed = tmp_path / "packed" / f"app.jsonl{suffix}"
    plain.parent.mkdir()
    packed.parent.mkdir()
    plain.write_bytes(lines(5000))
    # two streams back to back, as `cat a.zst b.zst` writes them
    packed.write_bytes(compress(lines(2000)) + compress(lines(3000, 2000)))
    expected, got = quiet(plain), quiet(packed)
    assert got.attrs["rejected"].empty
    assert list(got["source"].unique()) == ["app"]  # not "app.jsonl"
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_truncated_file_keeps_its_first_stream_and_says_where_it_ends(tmp_path, kind):
    compress, suffix = KINDS[kind]
    second = compress(lines(3000, 2000))
    blob = compress(lines(2000)) + second[: len(second) // 2]
    path = tmp_path / f"app.jsonl{suffix}"
    path.write_bytes(blob)
    ev = quiet(path, format="jsonl")
    assert list(ev["line"][:2000]) == list(range(1, 2001))
    reasons = list(ev.attrs["rejected"]["reason"])
    assert len(reasons) == 1
    assert reasons[0].startswith(
        f"truncated {kind} file: the compressed data ends early at byte {len(blob):,}")


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_decompression_bomb_is_refused(tmp_path, kind):
    compress, suffix = KINDS[kind]
    path = tmp_path / f"bomb.jsonl{suffix}"
    path.write_bytes(compress(b"\0" * 100_000_000))
    ev = quiet(path, format="jsonl")
    assert len(ev) == 0
    (reason,) = list(ev.attrs["rejected"]["reason"])
    assert "decompress to more than 1,000 times their size (a decompression bomb?)" in reason
