"""Reading a file's bytes, decompressed in bounded pieces: gzip, bz2, xz, zstd or plain.

- gzip, bz2, xz and zstd are recognised by their magic bytes, not by the file name;
- decompression runs in bounded pieces: sniffing a head decompresses about the head, and a
  file expanding more than ``max_ratio`` times (a decompression bomb) is stopped;
- a truncated or corrupt compressed file yields every byte decoded before the damage, and
  the damage itself is reported (``problem``) naming the compressed byte offset: never an
  exception, never silent, never "an empty file".
"""

from __future__ import annotations

import bz2
import lzma
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the standard library's module, backported
    from backports import zstd

GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
HEAD_BYTES = 64 * 1024
RAW_CHUNK = 1024 * 1024
_BZ2_FEED = 64 * 1024
# Decompressed bytes per decompressor call: large enough that the work stays in C, small
# enough that no single call can blow up in memory.
OUT_CHUNK = 2 * 1024 * 1024
# The decompression ratio is only judged past this much output: a small file that
# compresses very well (a few MB of one repeated line) is never refused.
RATIO_GRACE_BYTES = 8 * 1024 * 1024


def compression_of(path: Path) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"``, ``"zstd"`` or None, from the file's first bytes
    (not its extension)."""
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic.startswith(BZ2_MAGIC):
        return "bz2"
    if magic == XZ_MAGIC:
        return "xz"
    if magic.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


# The formats whose decompressors share bz2's interface (``decompress(data, max_length)``,
# ``needs_input``, ``eof``, ``unused_data``): a new decompressor and the error it raises.
_STREAMING: dict[str, tuple[Any, tuple[type[Exception], ...]]] = {
    "bz2": (bz2.BZ2Decompressor, (OSError, EOFError)),
    "xz": (lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ), (lzma.LZMAError, EOFError)),
    "zstd": (zstd.ZstdDecompressor, (zstd.ZstdError, EOFError)),
}


class Decompressed:
    """Iterate over the decompressed chunks of a file, in bounded pieces.

    Each chunk is at most ``out_chunk`` bytes, whatever the compression ratio, so reading
    the head of a file decompresses about the head, and a decompression bomb never sits
    in memory whole. When the data is corrupt, every byte decoded before the corruption is
    still yielded; ``problem`` then says what stopped the stream and at which compressed
    byte (also when it was cut short, or when it expands more than ``max_ratio`` times).
    """

    def __init__(self, raw: BinaryIO, compression: str | None, bar: Any = None, *,
                 out_chunk: int = OUT_CHUNK, max_ratio: float | None = None):
        self.raw = raw
        self.compression = compression
        self.bar = bar
        self.out_chunk = out_chunk
        self.max_ratio = max_ratio
        self.problem: str | None = None  # why the stream ended early, when it did
        self.produced = 0  # decompressed bytes yielded

    def __iter__(self) -> Iterator[bytes]:
        if self.compression is None:
            while chunk := self._read(RAW_CHUNK):
                yield chunk
        elif self.compression == "gzip":
            yield from self._gunzip()
        else:
            yield from self._unstream(self.compression)

    def _read(self, n: int) -> bytes:
        data = self.raw.read(n)
        if self.bar is not None:
            self.bar.update(len(data))
        return data

    def _after_padding(self, rest: bytes, n: int) -> bytes:
        """What follows the end of a compressed stream: the next stream (``cat a.gz b.gz``
        is one valid file) or b"" when only NUL padding is left."""
        if rest.strip(b"\x00"):
            return rest
        more = self._read(n)
        return more if more.strip(b"\x00") else b""

    def _too_big(self, produced: int, consumed: int) -> bool:
        """Count ``produced`` more bytes of output; whether the output so far exceeds
        ``max_ratio`` times the ``consumed`` compressed bytes it came from (judged once
        past ``RATIO_GRACE_BYTES``, so a small file compressing very well is never
        refused). Sets ``problem`` when it does."""
        self.produced += produced
        if (self.max_ratio is None or self.produced <= RATIO_GRACE_BYTES
                or self.produced <= self.max_ratio * consumed):
            return False
        self.problem = (
            f"stopped reading: {consumed:,} compressed bytes decompress to more than "
            f"{self.max_ratio:,g} times their size (a decompression bomb?); if the file is "
            "genuine, pass a larger max_ratio= (or None) to read_events"
        )
        return True

    def _gunzip(self) -> Iterator[bytes]:
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = b""
        pos = 0  # compressed bytes consumed before ``data``
        full = False  # the last call stopped at out_chunk: there may be more output
        while True:
            if not data and not full:
                data = self._read(RAW_CHUNK)
                if not data:
                    break
            before = dec.copy()  # to replay this input in small steps if it is corrupt
            try:
                out = dec.decompress(data, self.out_chunk)
            except zlib.error as exc:
                yield from self._salvage(before, data, pos, exc)
                return
            full = len(out) >= self.out_chunk
            if dec.eof:
                rest = dec.unused_data
                pos += len(data) - len(rest)
            else:
                pos += len(data) - len(dec.unconsumed_tail)
                data = dec.unconsumed_tail
            if out:
                yield out
                if self._too_big(len(out), pos):
                    return
            if dec.eof:
                data = self._after_padding(rest, RAW_CHUNK)
                if not data:
                    return
                pos += len(rest) if data is not rest else 0
                dec, full = zlib.decompressobj(16 + zlib.MAX_WBITS), False
        if tail := dec.flush():
            self.produced += len(tail)
            yield tail
        if not dec.eof:
            self.problem = f"truncated gzip file: the compressed data ends early at byte {pos:,}"

    def _salvage(self, dec: Any, data: bytes, pos: int, exc: zlib.error) -> Iterator[bytes]:
        """Replay ``data`` into ``dec`` (the state before the failing call) a few KB at a
        time, then byte by byte in the piece that fails: yield what decodes before the
        corruption and name the byte where zlib gave up."""
        i, step = 0, 4096
        while i < len(data):
            saved = dec.copy() if step > 1 else None
            try:
                # bounded: this input produced less than out_chunk before failing
                out = dec.decompress(data[i : i + step])
            except zlib.error as err:
                if saved is not None:
                    dec, step = saved, 1
                    continue
                exc = err
                break
            if out:
                self.produced += len(out)
                yield out
            i += step
        self.problem = f"corrupt gzip data at byte {pos + i:,} ({_zlib_reason(exc)})"

    def _unstream(self, name: str) -> Iterator[bytes]:
        """bz2, xz or zstd (:data:`_STREAMING`): one loop, the same guarantees."""
        new, failures = _STREAMING[name]
        dec = new()
        pos = 0  # compressed bytes read so far
        pending = b""  # the start of the next stream, after one ended
        while True:
            if pending:
                data, pending = pending, b""
            elif dec.needs_input:
                # small pieces: a corruption is then located to within BZ2_FEED bytes
                data = self._read(_BZ2_FEED)
                if not data:
                    break
                pos += len(data)
            else:
                data = b""  # more output from the input already given
            try:
                out = dec.decompress(data, self.out_chunk)
            except failures as exc:
                self.problem = f"corrupt {name} data at or before byte {pos:,} ({exc})"
                return
            if out:
                yield out
                if self._too_big(len(out), pos):
                    return
            if dec.eof:
                rest = dec.unused_data
                pending = self._after_padding(rest, _BZ2_FEED)
                if not pending:
                    return
                if pending is not rest:
                    pos += len(pending)
                dec = new()
        if not dec.eof:
            self.problem = (f"truncated {name} file: the compressed data ends early at byte "
                            f"{pos:,}")


def _zlib_reason(exc: zlib.error) -> str:
    """zlib's own words without the "Error -3 while decompressing data:" prefix."""
    return str(exc).rpartition(": ")[2] or str(exc)



def head_bytes(path: Path, nbytes: int = HEAD_BYTES) -> tuple[bytes, str | None]:
    """The first ``nbytes`` of the decompressed file, and why there are fewer when the
    compressed data is truncated or corrupt before them (else None).

    Decompression stops at about ``nbytes`` of output, however well the file compresses.
    """
    with open(path, "rb") as raw:
        stream = Decompressed(raw, compression_of(path), out_chunk=max(1, min(nbytes, OUT_CHUNK)))
        out = bytearray()
        for chunk in stream:
            out += chunk
            if len(out) >= nbytes:
                return bytes(out[:nbytes]), None
    return bytes(out), stream.problem


def read_head(path: Path, nbytes: int = HEAD_BYTES) -> str:
    """The first ``nbytes`` of the decompressed file, decoded leniently, for sniffing."""
    if path.is_dir():
        return ""
    data, _ = head_bytes(path, nbytes)
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")



class ByteStream:
    """The decompressed bytes of a file as a readable stream, for parsers that pull their
    input (``ijson``); bounded like :class:`Decompressed`, with a UTF-8 byte-order mark
    dropped. ``problem`` says why the bytes ended early, when they did (a truncated gzip).

    Use it as a context manager: it closes the file.
    """

    def __init__(self, path: Path, *, bar: Any = None, max_ratio: float | None = None):
        self._raw = open(path, "rb")
        self._source = Decompressed(self._raw, compression_of(path), bar, max_ratio=max_ratio)
        self._chunks = iter(self._source)
        self._buf = b""
        self._pos = 0  # bytes of ``_buf`` already read
        self._first = True

    @property
    def problem(self) -> str | None:
        return self._source.problem

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (maybe fewer; all that is left for a negative ``n``); b"" at
        the end."""
        if n < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while self._pos >= len(self._buf):
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            if self._first:
                chunk, self._first = chunk.removeprefix(b"\xef\xbb\xbf"), False
            self._buf, self._pos = chunk, 0
        out = self._buf[self._pos : self._pos + n]
        self._pos += len(out)
        return out

    def __enter__(self) -> ByteStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()
