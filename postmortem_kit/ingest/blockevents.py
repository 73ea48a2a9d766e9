"""Assemble the events frame of a line-oriented file from its blocks.

The ``access`` and ``syslog`` loaders turn each block of matched lines into an Arrow
table; :func:`window` cuts it to ``start=`` / ``end=`` and says when the rest of the file
can be skipped, and :class:`EventBlocks` collects the blocks into one pandas frame.
Arrow, not polars, for the work on each block: a polars query run beside the streaming
reader waits for polars' busy threads, an Arrow kernel does not.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.registry import LoadContext


def window(table: pa.Table, ctx: LoadContext) -> tuple[pa.Table, bool]:
    """The rows of a block's ``table`` from ``ctx.start`` to ``ctx.end`` (inclusive).

    Returns
    -------
    table
        The rows in the window.
    past_end
        Every row is after ``ctx.end``: a log is written in time order, so the rest of
        the file can be left unread.
    """
    ts = table.column("timestamp")
    keep = None
    past_end = False
    if ctx.start is not None:
        keep = pc.greater_equal(ts, pa.scalar(ctx.start.to_pydatetime(), ts.type))
    if ctx.end is not None:
        before_end = pc.less_equal(ts, pa.scalar(ctx.end.to_pydatetime(), ts.type))
        past_end = len(ts) > 0 and not pc.any(before_end).as_py()
        keep = before_end if keep is None else pc.and_(keep, before_end)
    if keep is None or pc.all(keep).as_py():
        return table, past_end
    return table.filter(keep), past_end


class EventBlocks:
    """The blocks' tables, collected for one pandas frame at the end.

    The pandas frame is built once from all the tables, without the second copy of every
    string that a ``pd.concat`` of per-block frames would make. Blocks may differ in their
    optional columns (absent ones are null).

    Parameters
    ----------
    categories
        Columns that hold category codes (integers, null for none) and their dtype.
    """

    def __init__(self, categories: Mapping[str, pd.CategoricalDtype]):
        self.categories = dict(categories)
        self.tables: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        """Keep the rows of one block."""
        if len(table):
            self.tables.append(table)

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


def block_table(parts: list[pa.Table]) -> pa.Table:
    """The tables of one block's line shapes as one, in line order."""
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="permissive").sort_by("line")


def drop_empty(table: pa.Table, names: tuple[str, ...]) -> pa.Table:
    """``table`` without those of ``names`` that are null on every row."""
    empty = [n for n in names if n in table.column_names
             and table.column(n).null_count == len(table)]
    return table.drop_columns(empty) if empty else table
