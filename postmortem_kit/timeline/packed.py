"""Frames held compressed on a cluster's workers between passes over them.

The dask timeline keeps the request and log rows the rules read on the workers and passes
over them about eight times. As pandas columns they take ~28 MiB per 250,000 events: at
100M events, 11 GiB, more than two 3 GB workers hold. Dask spilled them to disk, and since
each pass reads every partition back, evicting the others, the workers wrote 158 GiB and
read 146 GiB back for those 11 GiB (benchmarks/README.md, "Scale"). As Arrow IPC with zstd
they take a sixth to a seventh of that (33.7 → 4.7 MiB for a shard of the sample's access
log) and fit; a pass unpacks one partition at a time (~0.05 s per 250,000 rows), and only
the columns it reads (zstd compresses each column apart: the times alone unpack in a
tenth of that).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


class PackedFrame:
    """A pandas frame held as zstd-compressed Arrow IPC bytes.

    ``frame()`` gives it back with the same columns, dtypes and values (the index is not
    kept: it is a fresh ``RangeIndex``). Its ``sys.getsizeof`` is the compressed size, which
    is what dask's memory accounting reads. The dtypes are kept beside the data: Arrow
    gives an empty categorical column no categories back.

    Parameters
    ----------
    frame
        The frame to hold.
    """

    __slots__ = ("_data", "_dtypes", "rows")

    def __init__(self, frame: pd.DataFrame) -> None:
        # one record batch: a loader's string columns come in a chunk per block read, and
        # written as they are each chunk is a batch of its own, slower to pack and unpack
        # (a 250,000-row partition in 40 batches: 0.13 s to pack, 0.06 s in one)
        table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema, options=_OPTIONS) as writer:
            writer.write_table(table)
        self._data: bytes = sink.getvalue().to_pybytes()
        self._dtypes = frame.dtypes
        self.rows = len(frame)

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The frame, unpacked (a new one on each call): all its columns, or ``columns``
        only (in the frame's order; only those are decompressed)."""
        fields = list(self._dtypes.index)
        if columns is not None and not len(columns):
            return pd.DataFrame(index=pd.RangeIndex(self.rows))
        if columns is not None:
            missing = [c for c in columns if c not in fields]
            if missing:
                raise KeyError(f"the packed frame has no column(s) {missing}")
            wanted = set(columns)
            options = pa.ipc.IpcReadOptions(
                included_fields=[i for i, c in enumerate(fields) if c in wanted])
        else:
            options = None
        out = pa.ipc.open_file(self._data, options=options).read_all().to_pandas()
        changed = {c: t for c, t in self._dtypes.items() if c in out and out[c].dtype != t}
        return out.astype(changed) if changed else out

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + sys.getsizeof(self._data) + 100 * len(self._dtypes)

    def __getstate__(self) -> tuple[bytes, pd.Series, int]:
        return self._data, self._dtypes, self.rows

    def __setstate__(self, state: tuple[bytes, pd.Series, int]) -> None:
        self._data, self._dtypes, self.rows = state


__all__ = ["PackedFrame"]
