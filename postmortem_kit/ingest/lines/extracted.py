"""A block of lines with what the text loader's regexes captured in them.

The capture runs a block ahead of the assembly (:func:`~postmortem_kit.ingest.lines.columns.
map_ahead`), each line on its own; the assembly then cuts and joins these blocks where
records cross block boundaries. The lines stay as the reader framed them (a polars
Series, when it streamed) until something needs them as Arrow: a block whose every line
starts a record, matched on polars' side, never does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.columns import LineBlock


@dataclass(frozen=True)
class Extracted:
    """Consecutive lines and what the regexes capture in them."""

    source: LineBlock  # the lines as read (rejected lines quote them)
    cleaned: pa.Array | None  # the lines as matched, when ANSI codes were removed
    parts: pa.StructArray  # null where no regex matched

    @property
    def first_line(self) -> int:
        """Line number of the first line."""
        return self.source.first_line

    @property
    def raw(self) -> pa.Array:
        """The lines as read, as Arrow strings (converted on first use)."""
        return self.source.lines

    @property
    def lines(self) -> pa.Array:
        """The lines as matched (ANSI codes removed), as Arrow strings."""
        return self.cleaned if self.cleaned is not None else self.source.lines

    def rejected(self) -> np.ndarray:
        """Whether each line is null: rejected by the reader (NUL byte, invalid UTF-8)."""
        return self.source.rejected()

    def __len__(self) -> int:
        return len(self.parts)

    def slice(self, start: int, stop: int | None = None) -> Extracted:
        """The lines from position ``start`` to ``stop`` (default: the end)."""
        n = None if stop is None else stop - start
        return Extracted(self.source.slice(start, stop),
                         None if self.cleaned is None else self.cleaned.slice(start, n),
                         self.parts.slice(start, n))

    def joined(self, after: Extracted) -> Extracted:
        """These lines followed by those of ``after`` (a copy of both: keep them short)."""

        def cat(a: pa.Array, b: pa.Array) -> pa.Array:
            return pa.concat_arrays([a, b.cast(a.type)])

        cleaned = None
        if self.cleaned is not None or after.cleaned is not None:
            cleaned = cat(self.lines, after.lines)
        return Extracted(LineBlock(cat(self.raw, after.raw), self.first_line), cleaned,
                         concat_parts(self.parts, after.parts))


def concat_parts(a: pa.StructArray, b: pa.StructArray) -> pa.StructArray:
    """``a`` then ``b``; fields are the union (a regex tried on some lines only may
    capture groups the others lack), null where absent."""
    if a.type == b.type:
        return pa.concat_arrays([a, b])
    types = {f.name: f.type for f in b.type} | {f.name: f.type for f in a.type}

    def field(arr: pa.StructArray, name: str) -> pa.Array:
        i = arr.type.get_field_index(name)
        return arr.field(i).cast(types[name]) if i >= 0 else pa.nulls(len(arr), types[name])

    return pa.StructArray.from_arrays(
        [pa.concat_arrays([field(a, n), field(b, n)]) for n in types], names=list(types),
        mask=pc.invert(pa.concat_arrays([a.is_valid(), b.is_valid()])))


def merge_parts(strict: pa.StructArray, loose: pa.StructArray,
                use_loose: pa.Array) -> pa.StructArray:
    """Row-wise: ``loose`` where ``use_loose``, else ``strict``; fields are the union."""
    names = list(dict.fromkeys([f.name for f in strict.type] + [f.name for f in loose.type]))
    cols = []
    for name in names:
        a = strict.field(name) if strict.type.get_field_index(name) >= 0 else None
        b = loose.field(name) if loose.type.get_field_index(name) >= 0 else None
        # a field one regex lacks: nulls of the other's type (a timestamp part is a number)
        if a is None:
            assert b is not None
            a = pa.nulls(len(strict), b.type)
        elif b is None:
            b = pa.nulls(len(strict), a.type)
        cols.append(pc.if_else(use_loose, b, pc.if_else(strict.is_valid(), a, None)))
    mask = pc.invert(pc.or_(strict.is_valid(), use_loose))
    return pa.StructArray.from_arrays(cols, names=names, mask=mask)
