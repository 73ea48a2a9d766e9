"""Read the parts of fixed-width timestamps by position instead of by regex groups.

Most logs write every timestamp the same way (``2024-05-01 10:00:00,123``): the same width,
the same separators, each part at the same offset. Capturing each part as a regex group
costs the regex engine about as much as matching the rest of the line's header; reading
the digits at known offsets costs a few numpy operations per million lines. The offsets
come from a sample of the file's timestamps, parsed with the layout's timestamp regex.
The loader's regex then accepts only stamps that fit the template (:attr:`FixedStamp.regex`)
and leaves the others (another width, a zone on some lines) to the layout's wider regexes,
which capture their parts as groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

# Parts read as numbers (see timeparts). Names, AM/PM, zones and epochs take the regex.
_NUMERIC = frozenset({"Y", "y", "m", "d", "H", "M", "S", "f", "j"})
_ZERO = ord("0")
_META = set("\\.^$|?*+()[]{}")  # (escaped alike by Python, RE2 and Rust)


@dataclass(frozen=True)
class FixedStamp:
    """Where each part sits in a file's fixed-width timestamps.

    ``template``: one sample timestamp (ASCII); ``slots``: part name to ``(start, length)``
    in it. A timestamp fits when it has digits in the slots and the template's bytes
    elsewhere (:attr:`regex`).
    """

    template: bytes
    slots: dict[str, tuple[int, int]]

    @classmethod
    def from_sample(cls, stamps: list[str], stamp_rx: str) -> FixedStamp | None:
        """The template that every one of ``stamps`` fits, with the spans of the groups of
        ``stamp_rx`` (a :data:`~postmortem_kit.ingest.lines.stamps.STAMPS` regex); None when
        they differ in width, separators or spans, or a part is not a number."""
        try:
            rx = re.compile(stamp_rx)
        except re.error:  # (a construct only the Rust engine knows)
            return None
        if not stamps:
            return None
        first = rx.fullmatch(stamps[0]) if stamps[0].isascii() else None
        if first is None:
            return None
        template, regs = stamps[0], first.regs  # (every group's span: -1 where unset)
        for text in stamps[1:]:
            found = rx.fullmatch(text) if text.isascii() else None
            if found is None or found.regs != regs:
                return None
        spans = {k: first.span(k) for k, v in first.groupdict().items() if v is not None}
        if not spans or not spans.keys() <= _NUMERIC:
            return None
        stamp = cls(template.encode(), {k: (a, b - a) for k, (a, b) in spans.items()})
        rx = re.compile(stamp.regex)  # the separators must be the same in every sample stamp
        return stamp if all(rx.fullmatch(text) for text in stamps) else None

    @property
    def regex(self) -> str:
        """The template as a regex: a digit in each slot, the separators as they are. A
        line regex with this in its ``timestamp`` group only matches stamps
        :meth:`read` can read."""
        digit = self._digits()
        return "".join("[0-9]" if d else ("\\" + c if c in _META else c)
                       for c, d in zip(self.template.decode(), digit, strict=True))

    def in_line(self, line_rx: str) -> str:
        """``line_rx`` with its ``timestamp`` group taking only stamps that fit."""
        return _with_group(line_rx, "timestamp", self.regex)

    def _digits(self) -> np.ndarray:
        digit = np.zeros(len(self.template), dtype=bool)
        for start, length in self.slots.values():
            digit[start:start + length] = True
        return digit

    def read(self, stamps: pa.Array, out: dict[str, np.ndarray] | None = None
             ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The parts of ``stamps`` (an Arrow string array), and which ones were read.

        Every stamp of the template's width must match :attr:`regex` (the caller's regex
        made sure): no byte is checked again here.

        ``out``: buffers to write the parts into, kept by the caller from one call to the
        next (grown here as needed): the parts are then views of them, valid until the
        next call. A million-row array freshly allocated costs the page faults of its
        memory, more than the digits' arithmetic.

        Returns
        -------
        parts
            Part name to int64 values (``f`` in microseconds, as
            :func:`~postmortem_kit.ingest.lines.timeparts.part_expr` gives it); -1 (``f``:
            0) where a stamp was not read.
        read
            Whether each stamp was read: of the template's width (null stamps are not).
        """
        n, width = len(stamps), len(self.template)
        if not n:
            return {k: np.zeros(0, dtype=np.int64) for k in self.slots}, np.zeros(0, dtype=bool)
        stamps = stamps.cast(pa.large_string()) if pa.types.is_string(stamps.type) else stamps
        bufs = stamps.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int64)[stamps.offset:stamps.offset + n + 1]
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(
            0, dtype=np.uint8)
        fits = np.diff(offsets) == width
        if stamps.null_count:
            fits &= np.asarray(stamps.is_valid())
        if fits.all() and offsets[-1] - offsets[0] == n * width:  # one block of bytes
            rows = None
            matrix = data[offsets[0]:offsets[-1]].reshape(n, width)
        else:
            rows = np.flatnonzero(fits)
            matrix = data[offsets[rows][:, None] + np.arange(width)]
        parts = {}
        for name, (start, length) in self.slots.items():
            if name == "f":  # the first six digits, scaled to microseconds
                length = min(length, 6)
            # The bytes as they are, in place (a new array per digit cost more than the
            # arithmetic: each is memory the system must hand over), then the '0's of
            # all the digits taken off at once.
            number = _buffer(out, name, n) if rows is None else np.empty(len(rows),
                                                                          dtype=np.int64)
            number[:] = matrix[:, start]
            for k in range(start + 1, start + length):
                number *= 10
                number += matrix[:, k]
            number -= _ZERO * int("1" * length)
            if name == "f":
                number *= 10 ** (6 - length)
            if rows is None:
                parts[name] = number
            else:
                parts[name] = _buffer(out, name, n)
                parts[name].fill(0 if name == "f" else -1)
                parts[name][rows] = number
        return parts, fits


def _buffer(out: dict[str, np.ndarray] | None, name: str, n: int) -> np.ndarray:
    """``n`` int64 values to overwrite: of the buffer ``out[name]`` (grown if short), or new."""
    if out is None:
        return np.empty(n, dtype=np.int64)
    buf = out.get(name)
    if buf is None or len(buf) < n:
        buf = out[name] = np.empty(n, dtype=np.int64)
    return buf[:n]


def _with_group(rx: str, name: str, inner: str) -> str:
    """``rx`` with the pattern of its group ``name`` replaced by ``inner``."""
    start = rx.index("(?P<" + name + ">") + len(name) + 5
    depth, i, in_class = 1, start, False
    while depth:
        c = rx[i]
        if c == "\\":
            i += 1  # (an escaped character: never a bracket that counts)
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if rx[i + 1] == "]":  # (a "]" first in a class is a member)
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        i += 1
    return rx[:start] + inner + rx[i - 1:]
