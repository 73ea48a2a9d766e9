"""Assemble the events frame of a line-oriented file from its blocks.

The ``access`` and ``syslog`` loaders turn each block of matched lines into a polars
frame; :func:`window` cuts it to ``start=`` / ``end=`` and says when the rest of the file
can be skipped, and :class:`EventBlocks` collects the blocks into one pandas frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext


def window(frame: pl.DataFrame, ctx: LoadContext) -> tuple[pl.DataFrame, bool]:
    """The rows of a block's ``frame`` from ``ctx.start`` to ``ctx.end`` (inclusive).

    Returns
    -------
    frame
        The rows in the window.
    past_end
        Every row is after ``ctx.end``: a log is written in time order, so the rest of
        the file can be left unread.
    """
    ts = frame.get_column("timestamp")
    keep = None
    past_end = False
    if ctx.start is not None:
        keep = ts >= ctx.start.to_pydatetime()
    if ctx.end is not None:
        before_end = ts <= ctx.end.to_pydatetime()
        past_end = len(ts) > 0 and not before_end.any()
        keep = before_end if keep is None else keep & before_end
    if keep is None or keep.all():
        return frame, past_end
    return frame.filter(keep), past_end


class EventBlocks:
    """The blocks' polars frames, collected for one pandas frame at the end.

    Each block is turned into Arrow as it arrives (while the next block is being
    matched): that is the costly step, a copy of every string out of polars' string
    views. The pandas frame is then built once from all the tables, without the second
    copy of every string that a ``pd.concat`` of per-block frames would make. Blocks may
    differ in their optional columns (absent ones are null).

    Parameters
    ----------
    categories
        Columns that hold category codes (integers, null for none) and their dtype.
    """

    def __init__(self, categories: Mapping[str, pd.CategoricalDtype]):
        self.categories = dict(categories)
        self.tables: list[pa.Table] = []

    def add(self, frame: pl.DataFrame) -> None:
        """Keep the rows of one block."""
        if len(frame):
            self.tables.append(frame.to_arrow())

    def to_pandas(self) -> pd.DataFrame:
        """All rows kept, in the order added, as one pandas frame."""
        if not self.tables:
            return pd.DataFrame({"timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
                                 "message": pd.Series([], dtype="str")})
        table = self.tables[0] if len(self.tables) == 1 else pa.concat_tables(
            self.tables, promote_options="permissive")
        codes = {name: table.column(name) for name in self.categories
                 if name in table.column_names}
        frame = table.drop_columns(list(codes)).to_pandas(types_mapper=_pandas_dtype)
        for name, column in codes.items():
            values = column.fill_null(-1).to_numpy()
            frame[name] = pd.Categorical.from_codes(values, dtype=self.categories[name])
        return frame


_STR = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype


def _pandas_dtype(typ: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return _STR if pa.types.is_string(typ) or pa.types.is_large_string(typ) else None
