"""``PackedFrame``: the dask timeline's rows held compressed on the workers."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pandas as pd
import pytest

from postmortem_kit.ingest.schema import KIND_DTYPE, LEVEL_DTYPE
from postmortem_kit.timeline.packed import PackedFrame


def events_like(n: int) -> pd.DataFrame:
    """Request and log rows with every dtype the events schema uses, missing values in
    each, and the repetition real logs have (a few services, paths, users)."""
    i = np.arange(n)
    times = pd.Series(pd.Timestamp("2026-11-30 08:00", tz="UTC")
                      + pd.to_timedelta(i * 7, unit="ms"), dtype="datetime64[us, UTC]")
    times[3] = pd.NaT
    frame = pd.DataFrame({
        "timestamp": times,
        "source": pd.Series(["access", "app"], dtype="str").take(i % 2).reset_index(drop=True),
        "kind": pd.Categorical(np.where(i % 2, "log", "request"), dtype=KIND_DTYPE),
        "level": pd.Categorical(np.where(i % 5 == 0, "error", "info"), dtype=LEVEL_DTYPE),
        "message": pd.Series([f"timeout calling db-{k % 3}" if k % 5 == 0 else None
                              for k in i], dtype="str"),
        "line": pd.array(i + 1, dtype="Int64"),
        "path": pd.Series([f"/api/orders/{k % 97}" for k in i], dtype="str"),
        "user": pd.Series([f"u{k % 500}" for k in i], dtype="str"),
        "status": pd.array(np.where(i % 11 == 0, 503, 200), dtype="Int16"),
        "latency_ms": (i % 300).astype("float64"),
    })
    frame.loc[4, "level"] = None
    frame.loc[5, ["status", "line"]] = pd.NA
    frame.loc[6, "latency_ms"] = np.nan
    frame.loc[7, "user"] = None
    return frame


def test_a_packed_frame_gives_back_the_same_values_and_dtypes():
    frame = events_like(5_000)
    pd.testing.assert_frame_equal(PackedFrame(frame).frame(), frame)


def test_an_empty_frame_keeps_its_categories():
    """Arrow gives an empty categorical column no categories back; a rule comparing
    ``level >= "error"`` on an empty partition would raise."""
    empty = events_like(10).iloc[:0]
    back = PackedFrame(empty).frame()
    assert back["level"].dtype == LEVEL_DTYPE and back["kind"].dtype == KIND_DTYPE
    assert not (back["level"] >= "error").any()
    pd.testing.assert_frame_equal(back, empty.reset_index(drop=True))


def test_columns_read_in_blocks_are_packed_as_one_batch():
    """A loader's string columns come in one Arrow chunk per block it read; packed as they
    are, each chunk was a record batch of its own (slower to pack and to unpack)."""
    import pyarrow as pa

    blocks = [events_like(1_000) for _ in range(8)]
    frame = pd.concat(blocks, ignore_index=True)
    assert pa.Table.from_pandas(frame)["path"].num_chunks == 8  # (what a load gives)
    packed = PackedFrame(frame)
    assert pa.ipc.open_file(packed._data).num_record_batches == 1
    pd.testing.assert_frame_equal(packed.frame(), frame)


def test_the_index_is_not_kept():
    frame = events_like(20).iloc[5:15]
    back = PackedFrame(frame).frame()
    assert list(back.index) == list(range(10))
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True))


def test_its_size_is_what_it_holds_compressed_and_it_pickles():
    frame = events_like(50_000)
    packed = PackedFrame(frame)
    held = frame.memory_usage(deep=True).sum()
    # what dask's memory accounting reads (sys.getsizeof), well below the frame's size
    assert sys.getsizeof(packed) < held / 4, (sys.getsizeof(packed), held)
    assert packed.rows == 50_000
    again = pickle.loads(pickle.dumps(packed))
    assert len(pickle.dumps(packed)) < held / 4
    pd.testing.assert_frame_equal(again.frame(), frame)


def test_some_columns_are_unpacked_alone():
    frame = events_like(1_000)
    packed = PackedFrame(frame)
    # in the frame's order, whatever order they are asked in
    pd.testing.assert_frame_equal(packed.frame(["level", "timestamp"]),
                                  frame[["timestamp", "level"]])
    assert packed.frame([]).shape == (1_000, 0)
    with pytest.raises(KeyError, match="host"):
        packed.frame(["timestamp", "host"])
