"""Read the parts of fixed-width timestamps by position instead of by regex groups.

Most logs write every timestamp the same way (``2024-05-01 10:00:00,123``): the same width,
the same separators, each part at the same offset. Capturing each part as a regex group
costs the regex engine about as much as matching the rest of the line's header; reading
the digits at known offsets costs a few numpy operations per million lines. The offsets
come from a sample of the file's timestamps, parsed with the layout's timestamp regex;
a timestamp that does not fit that template exactly (another width, another separator, a
non-digit where a part was) is left to the regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

# Parts read as numbers (see timeparts). Names, AM/PM, zones and epochs take the regex.
_NUMERIC = frozenset({"Y", "y", "m", "d", "H", "M", "S", "f", "j"})
_ZERO = ord("0")


@dataclass(frozen=True)
class FixedStamp:
    """Where each part sits in a file's fixed-width timestamps.

    ``template``: one sample timestamp (ASCII); ``slots``: part name to ``(start, length)``
    in it. A timestamp (which the layout's regex matched) fits when it has the template's
    width and digits exactly where the template has them.
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
        template, spans = None, None
        for text in stamps:
            found = rx.fullmatch(text) if text.isascii() else None
            if found is None:
                return None
            got = {k: found.span(k) for k, v in found.groupdict().items() if v is not None}
            if template is None:
                template, spans = text, got
            elif got != spans or len(text) != len(template):
                return None
        assert template is not None and spans is not None
        if not spans or not spans.keys() <= _NUMERIC:
            return None
        digits = np.zeros(len(template), dtype=bool)
        for start, end in spans.values():
            digits[start:end] = True
        fixed = ~digits
        for text in stamps:  # the separators must be the same in every sample stamp
            if any(a != b for a, b, f in zip(text, template, fixed, strict=True) if f):
                return None
        return cls(template.encode(), {k: (a, b - a) for k, (a, b) in spans.items()})

    def read(self, stamps: pa.Array) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The parts of ``stamps`` (an Arrow string array), and which ones fit.

        Returns
        -------
        parts
            Part name to int64 values (``f`` in microseconds, as
            :func:`~postmortem_kit.ingest.lines.timeparts.part_expr` gives it); -1 (``f``:
            0) where a stamp does not fit.
        fits
            Whether each stamp fits the template (null stamps do not).
        """
        n, width = len(stamps), len(self.template)
        fits = np.zeros(n, dtype=bool)
        parts = {k: np.full(n, 0 if k == "f" else -1, dtype=np.int64) for k in self.slots}
        if not n:
            return parts, fits
        stamps = stamps.cast(pa.large_string()) if pa.types.is_string(stamps.type) else stamps
        bufs = stamps.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int64)[stamps.offset:stamps.offset + n + 1]
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(
            0, dtype=np.uint8)
        rows = np.diff(offsets) == width
        if stamps.null_count:
            rows &= np.asarray(stamps.is_valid())
        if rows.all() and offsets[-1] - offsets[0] == n * width:  # one block of bytes
            matrix = data[offsets[0]:offsets[-1]].reshape(n, width)
            where = None
        else:
            where = np.flatnonzero(rows)
            matrix = data[offsets[where][:, None] + np.arange(width)]
        digit = np.zeros(width, dtype=bool)
        for start, length in self.slots.values():
            digit[start:start + length] = True
        values = matrix - np.uint8(_ZERO)  # a digit's value (other bytes wrap above 9)
        # Digits exactly where the template has them: the regex that matched the stamp
        # then split it at the same places (its separators are no digits).
        ok = ((values <= 9) == digit).all(axis=1)
        for name, (start, length) in self.slots.items():
            if name == "f":  # the first six digits, scaled to microseconds
                length = min(length, 6)
            number = values[:, start].astype(np.int64)
            for k in range(start + 1, start + length):
                number = number * 10 + values[:, k]
            if name == "f":
                number *= 10 ** (6 - length)
            number = np.where(ok, number, parts[name][0])
            if where is None:
                parts[name] = number
            else:
                parts[name][where] = number
        if where is None:
            fits = ok
        else:
            fits[where] = ok
        return parts, fits
