"""Many events frames into one (``stack_rows``, ``concat_events``): what ``pd.concat``
and a stable sort give, without their memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from postmortem_kit.ingest import read_events, stack
from postmortem_kit.ingest.schema import KIND_DTYPE, LEVEL_DTYPE, concat_events, finalize_events
from postmortem_kit.ingest.stack import SPARSE_MAX_VALUES, sort_rows, stack_rows

T0 = pd.Timestamp("2024-05-01 10:00", tz="UTC")


def times(seconds) -> pd.Series:
    return pd.Series(T0 + pd.to_timedelta(seconds, unit="s"), dtype="datetime64[us, UTC]")


def mixed_frames() -> list[pd.DataFrame]:
    """Frames out of order with each other, with equal times (the sort must be stable), a
    missing time, columns only some frames have, and dtypes pandas upcasts when a frame
    lacks the column (int64 -> float64, bool -> object) or that differ between frames."""
    rng = np.random.default_rng(3)
    n = 3000
    big = pd.DataFrame({
        "timestamp": times(rng.integers(0, 600, n)),
        "message": pd.Series([f"m{i}" for i in range(n)], dtype="str"),
        "count": np.arange(n, dtype="int64"),
        "status": pd.array(rng.integers(200, 600, n), dtype="Int16"),
        "kind": pd.Categorical(["request"] * n),
        "half": pd.Series([f"h{i}" if i % 2 else None for i in range(n)], dtype="str"),
    })
    other = pd.DataFrame({
        "timestamp": times(rng.integers(0, 600, n)),
        "message": pd.Series([f"o{i}" for i in range(n)], dtype="str"),
        "status": pd.array(rng.integers(200, 600, n), dtype="Int16"),
        "kind": pd.Categorical(["log"] * n),
        "error.type": pd.Series(["Timeout" if i == 7 else None for i in range(n)], dtype="str"),
    })
    few = pd.DataFrame({
        "timestamp": times([5, 5, 300]).astype("datetime64[us, UTC]"),
        "message": pd.Series(["alert", "page", "deploy"], dtype="str"),
        "kind": pd.Categorical(["alert", "page", "deploy"]),
        "labels.team": pd.Series(["db", None, "web"], dtype="str"),
        "is_reply": [True, False, True],
        "notifications": np.array([1, 2, 3], dtype="int64"),
        "object_text": pd.Series(["x", 1, None], dtype=object),
    })
    few.loc[1, "timestamp"] = pd.NaT
    empty = big.iloc[:0][["timestamp", "message"]]
    return [big, few, other, empty]


def by_pandas(frames: list[pd.DataFrame], by: str | None) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True, sort=False)
    return out if by is None else out.sort_values(by, kind="stable", ignore_index=True)


@pytest.fixture
def column_at_a_time(monkeypatch):
    """Small frames too are stacked a column at a time (not handed to pandas)."""
    monkeypatch.setattr(stack, "SMALL_ROWS", 0)


@pytest.mark.parametrize("by", [None, "timestamp"])
def test_the_stacked_frame_is_what_concat_and_a_stable_sort_give(column_at_a_time, by):
    stacked = stack_rows(iter(mixed_frames()), by=by)
    pd.testing.assert_frame_equal(stacked, by_pandas(mixed_frames(), by), check_exact=True)


def test_a_sparse_column_has_its_values_on_the_rows_pandas_puts_them(column_at_a_time):
    stacked = stack_rows(mixed_frames(), by="timestamp")
    expected = by_pandas(mixed_frames(), "timestamp")
    for name in ("labels.team", "error.type"):
        assert stacked[name].notna().sum() in (1, 2)
        assert stacked[name].dtype == expected[name].dtype == "str"
        assert stacked.index[stacked[name].notna()].tolist() == \
            expected.index[expected[name].notna()].tolist()
        assert stacked[name].dropna().tolist() == expected[name].dropna().tolist()


def test_a_column_with_many_values_is_stacked_the_same(column_at_a_time):
    n = SPARSE_MAX_VALUES * 70  # more values than a sparse column keeps as chunks
    a = pd.DataFrame({"timestamp": times(np.arange(n)[::-1] % 97),
                      "x": pd.Series([f"v{i}" if i % 60 == 0 else None for i in range(n)],
                                     dtype="str")})
    b = pd.DataFrame({"timestamp": times([3])})
    pd.testing.assert_frame_equal(stack_rows([a, b], by="timestamp"),
                                  by_pandas([a, b], "timestamp"), check_exact=True)


def own_bytes(series: pd.Series, seen: set[int]) -> int:
    """Bytes of the Arrow buffers behind ``series`` that no earlier column used."""
    arrow = series.array.__arrow_array__()
    total = 0
    for chunk in arrow.chunks:
        for buf in chunk.buffers():
            if buf is not None and buf.address not in seen:
                seen.add(buf.address)
                total += buf.size
    return total


def big_and_small(rows: int, extra: int) -> list[pd.DataFrame]:
    """A big log file's frame, and an alerts file's of 3 rows with ``extra`` columns of
    its own."""
    big = finalize_events(pd.DataFrame({
        "timestamp": times(np.arange(rows) // 10),
        "message": pd.Series([f"GET /{i}" for i in range(rows)], dtype="str"),
    }), source="access", kind="request")
    small = finalize_events(pd.DataFrame({
        "timestamp": times([7, 1, 4]),
        "message": pd.Series(["HighErrorRate"] * 3, dtype="str"),
        **{f"labels.k{i}": pd.Series([f"v{i}", None, "w"], dtype="str") for i in range(extra)},
    }), source="alertmanager", kind="alert")
    return [big, small]


def test_a_column_only_a_small_file_has_holds_no_buffer_per_row():
    rows, extra = 200_000, 40
    events = concat_events(big_and_small(rows, extra))
    seen: set[int] = set()
    own = sum(own_bytes(events[f"labels.k{i}"], seen) for i in range(extra))
    # Before: each of the 40 columns had its own offsets (8 bytes a row): 64 MB. Now they
    # share one all-missing array: at most one column's worth.
    assert own <= 9 * (rows + 1) + 1024
    assert events[f"labels.k{extra - 1}"].dropna().tolist() == ["w", f"v{extra - 1}"]
    assert events["kind"].dtype == KIND_DTYPE and events["level"].dtype == LEVEL_DTYPE


def test_a_load_of_several_files_is_the_files_concatenated_and_sorted(column_at_a_time,
                                                                      tmp_path):
    (tmp_path / "app.jsonl").write_text("".join(
        json.dumps({"ts": int(T0.timestamp()) + (i * 7) % 50, "level": "info",
                    "msg": f"m{i}", **({"error.type": "Timeout"} if i == 9 else {})}) + "\n"
        for i in range(400)))
    (tmp_path / "more.jsonl").write_text("".join(
        json.dumps({"ts": int(T0.timestamp()) + i % 30, "level": "warn", "msg": f"x{i}",
                    "pod": f"p{i % 3}"}) + "\n" for i in range(300)))
    (tmp_path / "deploys.csv").write_text(
        "deployed_at,service,version,author\n2024-05-01T10:00:20Z,api,v2,ann\n")
    files = sorted(tmp_path.iterdir())
    expected = pd.concat([read_events(f) for f in files], ignore_index=True, sort=False)
    expected["kind"] = expected["kind"].astype(KIND_DTYPE)
    expected = expected.sort_values("timestamp", kind="stable", ignore_index=True)
    got = read_events(tmp_path)
    expected.attrs = got.attrs = {}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


_PEAK = textwrap.dedent("""
    import json, sys
    import numpy as np, pandas as pd, pyarrow as pa
    from postmortem_kit.ingest.schema import concat_events, finalize_events

    def frame(seed, rows=40_000):
        rng = np.random.default_rng(seed)
        data = {"timestamp": pd.Series(pd.Timestamp("2024-05-01", tz="UTC")
                    + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"),
                    dtype="datetime64[us, UTC]")}
        for c in range(12):
            data[f"c{c}"] = pd.Series([f"value-{c}-{i}" for i in range(rows)], dtype="str")
        return finalize_events(pd.DataFrame(data), source="app", kind="log")

    frames = [frame(seed) for seed in range(6)]
    before = pa.total_allocated_bytes()

    def handed_over():
        while frames:
            yield frames.pop(0)

    out = concat_events(handed_over())
    print(json.dumps({"inputs": before, "output": pa.total_allocated_bytes(),
                      "peak": pa.default_memory_pool().max_memory()}))
""")


def test_concatenating_handed_over_frames_never_holds_inputs_and_output_whole():
    """In a fresh process, so that Arrow's high-water mark is this load's."""
    run = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    sizes = json.loads(run.stdout)
    print(sizes)
    assert sizes["output"] >= 0.8 * sizes["inputs"]  # (the strings are the bulk)
    # Before: the concatenation and its sorted copy were both held with the inputs:
    # a peak of twice the inputs. Now each input column goes as its output is built.
    assert sizes["peak"] <= 1.25 * max(sizes["inputs"], sizes["output"])


def test_sorting_keeps_attrs_and_the_sparse_columns_shared():
    rows, extra = 100_000, 20
    frame = concat_events(big_and_small(rows, extra))
    frame["timestamp"] = frame["timestamp"].iloc[::-1].to_numpy()
    frame.attrs["notes"] = ["a note"]
    got = sort_rows(frame, "timestamp")
    pd.testing.assert_frame_equal(
        got, frame.sort_values("timestamp", kind="stable", ignore_index=True),
        check_exact=True)
    assert got.attrs == {"notes": ["a note"]}
    seen: set[int] = set()
    assert sum(own_bytes(got[f"labels.k{i}"], seen) for i in range(extra)) <= \
        9 * (rows + 1) + 1024
