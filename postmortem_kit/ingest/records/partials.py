"""Log lines a container runtime wrote in pieces, joined into one record.

Docker's json-file driver and the CRI log format (containerd, CRI-O) cut a line longer
than their buffer (16 KiB) into pieces: Docker's pieces but the last lack the final
``\\n``, CRI's are tagged ``P`` and the last ``F``. Pieces of one stream follow each other
(another stream's lines may come between). :func:`join_partials` joins them, in pandas,
only on the rows that are pieces; the record keeps the time and line of its first piece.
A record whose last piece never came (the process died, the file was rotated) is kept as
far as it goes, with ``partial`` True.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def join_partials(df: pd.DataFrame, ended: pd.Series, by: str = "stream") -> pd.DataFrame:
    """``df`` (in file order) with each run of pieces joined into its first row.

    Parameters
    ----------
    df
        Rows with ``message`` and the column ``by`` (the stream).
    ended
        Per row, whether it ends its record (``F``; a Docker line with its ``\\n``).
    by
        The column naming the stream pieces belong to.

    Returns
    -------
    pandas.DataFrame
        One row per record; ``partial``: whether the record never ended.
    """
    ended = ended.fillna(True).astype(bool)
    if ended.all():
        df["partial"] = False
        return df
    stream = df[by].astype("str").fillna("")
    before_ended = ended.groupby(stream, sort=False).shift(fill_value=True).astype(bool)
    record = before_ended.groupby(stream, sort=False).cumsum()
    in_pieces = ~ended | ~before_ended
    pieces = df.loc[in_pieces]
    keys = [stream[in_pieces], record[in_pieces]]
    joined = pieces["message"].astype("str").fillna("").groupby(keys, sort=False).agg("".join)
    first = pieces.index.to_series().groupby(keys, sort=False).first()
    last_ended = ended[in_pieces].groupby(keys, sort=False).last()
    out = df.loc[~in_pieces | pd.Series(df.index.isin(first.to_numpy()), index=df.index)].copy()
    out["partial"] = False
    out.loc[first.to_numpy(), "message"] = joined.to_numpy()
    out.loc[first.to_numpy(), "partial"] = ~last_ended.to_numpy(dtype=bool)
    return out.reset_index(drop=True) if not np.array_equal(out.index, df.index) else out
