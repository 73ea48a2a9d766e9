"""A block of lines with what the text loader's regexes captured in them.

The capture runs a block ahead of the assembly (:func:`~postmortem_kit.ingest.lines.columns.
map_ahead`), each line on its own; the assembly then cuts and joins these blocks where
records cross block boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Extracted:
    """Consecutive lines and what the regexes capture in them."""

    raw: pa.Array  # the lines as read (rejected lines quote them)
    lines: pa.Array  # as matched: ANSI codes removed
    parts: pa.StructArray  # null where no regex matched
    first_line: int  # line number of ``lines[0]``

    def slice(self, start: int, stop: int | None = None) -> Extracted:
        """The lines from position ``start`` to ``stop`` (default: the end)."""
        n = None if stop is None else stop - start
        return Extracted(self.raw.slice(start, n), self.lines.slice(start, n),
                         self.parts.slice(start, n), self.first_line + start)

    def joined(self, after: Extracted) -> Extracted:
        """These lines followed by those of ``after`` (a copy of both: keep them short)."""

        def cat(a: pa.Array, b: pa.Array) -> pa.Array:
            return pa.concat_arrays([a, b.cast(a.type)])

        return Extracted(cat(self.raw, after.raw), cat(self.lines, after.lines),
                         concat_parts(self.parts, after.parts), self.first_line)


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
