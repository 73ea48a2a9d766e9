"""Many events frames into one, sorted, one column at a time: what ``pd.concat`` and a
stable sort give, without their memory.

A folder of evidence mixes a few big files (access, app, syslog lines) with small ones
(alerts, pages, deploys, a Slack export) that bring dozens of columns of their own.
Concatenated, each of those columns spans every row: as Arrow strings, 8 bytes of offsets
a row even where the value is missing (10M events carried ~95 such columns, 7.6 GB), and
the sort copied the whole frame once more while the files' frames were still held. Here a
``str`` column with few values is built from slices of one shared all-missing array and
its values (a chunked array; dtype, values and order are the ones ``pd.concat`` gives), the
other columns are concatenated and reordered one at a time, and each input column is let
go as soon as the output's column is built."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

# A string column with at most this many values (and values on at most 1 row in
# SPARSE_SHARE) is kept as chunks: two per run of values, so the count bounds the chunks
# that Arrow's kernels then walk.
SPARSE_MAX_VALUES = 1024
SPARSE_SHARE = 64
# Fewer rows than this are concatenated and sorted by pandas: quicker for a few frames of
# a few rows (a column at a time costs ~1 ms a column), and their memory does not matter.
SMALL_ROWS = 50_000


def stack_rows(frames: Iterable[pd.DataFrame], by: str | None = None) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True, sort=False)``, stably sorted by ``by`` when
    given (missing times last), with the same columns, dtypes, values and order.

    The frames are read one column at a time and each input column is dropped once the
    output's is built: the caller that hands over its only references (a generator, or a
    list it drops) holds the inputs and the output together only one column at a time.
    Mostly-missing ``str`` columns share one all-missing buffer (module docstring).

    Parameters
    ----------
    frames
        The frames, in order; their ``attrs`` are not carried over.
    by
        A column to sort by (stable, like ``sort_values(by, kind="stable")``); None keeps
        the frames' order.

    Examples
    --------
    >>> a = pd.DataFrame({"t": [3, 1]})
    >>> b = pd.DataFrame({"t": [2], "note": pd.Series(["x"], dtype="str")})
    >>> stack_rows([a, b], by="t")["note"].tolist()
    [nan, 'x', nan]
    """
    parts = [_own(frame) for frame in frames]
    if not parts:
        return pd.DataFrame()
    if sum(len(p) for p in parts) < SMALL_ROWS or any(
            p.columns.has_duplicates for p in parts):  # (the latter: not a loader's frame)
        out = pd.concat(parts, ignore_index=True, sort=False)
        return out if by is None else out.sort_values(by, kind="stable", ignore_index=True)
    order = None
    if by is not None:
        key = _column(parts, by, drop=False)
        if not key.is_monotonic_increasing:
            order = key.sort_values(kind="stable").index.to_numpy()
        del key
    if len(parts) == 1 and order is None:  # one file, in order (most loads): nothing to do
        return parts[0].reset_index(drop=True)
    # pd.concat's column order and dtypes, which depend on the frames' dtypes only (a
    # taken row, not a slice: a slice of an Arrow column would keep the whole alive).
    # (Not before the early return: Arrow takes from a column of many chunks by
    # concatenating them first, a copy of every string of a loaded file.)
    layout = pd.concat([p.take([0] if len(p) else []) for p in parts],
                       ignore_index=True, sort=False)
    return _build(parts, layout, order)


def sort_rows(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """``frame.sort_values(by, kind="stable", ignore_index=True)``, its mostly-missing
    ``str`` columns kept as slices of one shared all-missing array (module docstring);
    ``attrs`` are kept, as pandas keeps them."""
    out = stack_rows([frame], by=by)
    out.attrs = copy.deepcopy(frame.attrs)
    return out


def _own(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of the same columns to drop columns from (copy-on-write: nothing copied)."""
    part = frame.copy(deep=False)
    part.attrs = {}
    return part


def _build(parts: list[pd.DataFrame], layout: pd.DataFrame,
           order: np.ndarray | None) -> pd.DataFrame:
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = int(lengths.sum())
    where = None  # where each input row lands in the output
    if order is not None:
        where = np.empty(rows, dtype=np.int64)
        where[order] = np.arange(rows, dtype=np.int64)
    nulls: pa.Array | None = None  # one all-missing array for every sparse column
    columns: dict[str, pd.Series] = {}
    for name in layout.columns:
        dtype = layout[name].dtype
        values = None
        if _arrow_str(dtype) and all(p[name].dtype == dtype for p in parts if name in p):
            found = _values(parts, starts, name, rows)
            if found is not None:
                if nulls is None:
                    nulls = pa.nulls(rows, pa.large_string())
                positions, texts = found
                if where is not None:
                    positions = where[positions]
                    ranked = np.argsort(positions, kind="stable")
                    positions, texts = positions[ranked], texts.take(pa.array(ranked))
                values = pd.Series(type(layout[name].array)(
                    _sparse(rows, positions, texts, nulls), dtype=dtype), copy=False)
                _drop(parts, name)
        if values is None:
            values = _column(parts, name)
            if order is not None:
                values = values.take(order)
        columns[name] = values.reset_index(drop=True)
    out = pd.DataFrame(columns, index=pd.RangeIndex(rows), copy=False)
    out.columns = layout.columns
    return out


def all_missing(dtype: Any, index: pd.Index) -> pd.Series:
    """A column of ``dtype``'s missing value on ``index``, as ``pd.concat`` fills a
    column a frame lacks (a ``str`` column from Arrow's null array: nothing converted)."""
    if _arrow_str(dtype):
        return pd.Series(pd.array(pa.nulls(len(index), pa.large_string()), dtype=dtype),
                         index=index)
    return pd.Series(index=index, dtype=dtype)


def _arrow_str(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _column(parts: list[pd.DataFrame], name: str, *, drop: bool = True) -> pd.Series:
    """Column ``name`` of the frames concatenated, as ``pd.concat`` makes it (missing
    where a frame lacks it), its inputs dropped from ``parts`` unless ``drop`` is False."""
    if len(parts) == 1:  # (a file sorted on its own: no concatenation)
        column = parts[0][name].reset_index(drop=True)
        if drop:
            _drop(parts, name)
        return column
    pieces = [p[[name]] if name in p else pd.DataFrame(index=pd.RangeIndex(len(p)))
              for p in parts]
    if drop:
        _drop(parts, name)
    return pd.concat(pieces, ignore_index=True, sort=False)[name]


def _drop(parts: list[pd.DataFrame], name: str) -> None:
    for p in parts:
        if name in p:
            del p[name]


def _values(parts: list[pd.DataFrame], starts: np.ndarray, name: str,
            rows: int) -> tuple[np.ndarray, pa.Array] | None:
    """The rows (in the concatenation) where ``name`` holds a value, and the values;
    None when there are too many for a sparse column."""
    positions, texts, count = [], [], 0
    for p, start in zip(parts, starts, strict=True):
        if name not in p:
            continue
        present = p[name].notna().to_numpy()
        count += int(present.sum())
        if count > SPARSE_MAX_VALUES or count * SPARSE_SHARE > rows:
            return None
        if present.any():
            at = np.flatnonzero(present)
            positions.append(at + start)
            texts.append(pa.array(p[name].iloc[at].array))
    if not positions:
        return np.empty(0, dtype=np.int64), pa.array([], pa.large_string())
    return (np.concatenate(positions),
            pa.concat_arrays([t.cast(pa.large_string()) for t in texts]))


def _sparse(rows: int, positions: np.ndarray, texts: pa.Array,
            nulls: pa.Array) -> pa.ChunkedArray:
    """A column of ``rows`` rows holding ``texts`` at the sorted ``positions``, missing
    elsewhere: slices of ``nulls`` between runs of values (no buffer of its own)."""
    if not len(positions):
        return pa.chunked_array([nulls.slice(0, rows)], type=pa.large_string())
    chunks = []
    at = 0
    runs = np.flatnonzero(np.diff(positions) != 1) + 1
    for first, end in zip([0, *runs], [*runs, len(positions)], strict=True):
        begin = int(positions[first])
        if begin > at:
            chunks.append(nulls.slice(0, begin - at))
        chunks.append(texts.slice(int(first), int(end - first)))
        at = int(positions[end - 1]) + 1
    if at < rows:
        chunks.append(nulls.slice(0, rows - at))
    return pa.chunked_array(chunks, type=pa.large_string())
