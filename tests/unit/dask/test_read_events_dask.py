"""``read_events(engine="dask")`` on a real LocalCluster: the pandas path's frame, file by
file, with the same dtypes, rejects and notes, from plain and compressed files."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import shutil
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, UsageError
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.dask import SAMPLE_BYTES, collect, notes, rejected
from postmortem_kit.ingest.schema import CORE_COLUMNS, KIND_DTYPE, LEVEL_DTYPE
from postmortem_kit.sample import evidence_paths

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

REPO = Path(__file__).resolve().parents[3]
INCIDENT = REPO / "data" / "incident"
T0 = 1714557600  # 2024-05-01T10:00:00Z
COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
            ".zst": zstd.compress}


def pandas_load(*args, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(*args, **kw)


@pytest.fixture(scope="module")
def incident_pandas() -> pd.DataFrame:
    return pandas_load(evidence_paths(INCIDENT))


def test_the_sample_incident_loads_as_the_pandas_path_loads_it(dask_client, incident_pandas):
    paths = evidence_paths(INCIDENT)
    events = read_events(paths, engine="dask")
    assert isinstance(events, dd.DataFrame)
    assert events.npartitions == len(paths)  # one partition per file (slack: the folder)
    # the schema, before anything is loaded: the contract's dtypes and categories
    assert events.dtypes["kind"] == KIND_DTYPE
    assert events.dtypes["level"] == LEVEL_DTYPE
    assert list(events.dtypes["level"].categories) == list(LEVEL_DTYPE.categories)
    assert events.dtypes["level"].ordered
    expected = incident_pandas
    for col in expected.columns:
        assert events.dtypes[col] == expected.dtypes[col], col
    got = collect(events, warn=False)
    # the contract's columns first, in order; the sources' own columns in the order the
    # JSONL loader unifies its blocks' schemas, which varies from run to run under load
    # (app.jsonl's "job" and "logger" keys swap places in the pandas path too)
    assert list(got.columns[:7]) == list(expected.columns[:7]) == list(CORE_COLUMNS)
    pd.testing.assert_frame_equal(got, expected, check_like=True)
    assert got.attrs["rejected"] == expected.attrs["rejected"]
    assert got.attrs["notes"] == expected.attrs["notes"]


def test_partitions_are_files_sorted_by_time(dask_client, incident_pandas):
    paths = evidence_paths(INCIDENT)
    events = read_events(paths, engine="dask")
    first = events.get_partition(1).compute()  # access.log
    assert set(first["source"]) == {"access"}
    assert first["timestamp"].is_monotonic_increasing
    assert len(first) == (incident_pandas["source"] == "access").sum()


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_compressed_evidence_loads_as_its_plain_twin(dask_client, tmp_path, suffix,
                                                     incident_pandas):
    for name in ("app.jsonl", "syslog.log"):
        data = (INCIDENT / name).read_bytes()
        (tmp_path / f"{name}{suffix}").write_bytes(COMPRESS[suffix](data))
    events = read_events(sorted(tmp_path.iterdir()), engine="dask")
    got = collect(events, warn=False)
    plain = pandas_load([INCIDENT / n for n in ("app.jsonl", "syslog.log")])
    assert set(got["source"]) == {"app", "syslog"}
    pd.testing.assert_frame_equal(got, plain, check_like=True)  # (column order: above)


def test_rejects_are_collected_per_partition(dask_client, tmp_path):
    good = [json.dumps({"ts": T0 + i, "msg": f"m{i}", "level": "info"}) for i in range(100)]
    (tmp_path / "a.jsonl").write_text("\n".join([*good[:50], "{not json", *good[50:]]) + "\n")
    blob = gzip.compress(("\n".join(good) + "\n").encode())
    (tmp_path / "b.jsonl.gz").write_bytes(blob[: len(blob) - 40])  # cut short
    (tmp_path / "README.md").write_text("# notes\n")
    expected = pandas_load(tmp_path)
    events = read_events(tmp_path, engine="dask")
    bad = rejected(events).compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(bad, expected.attrs["rejected"].frame)
    assert list(bad["file"]) == [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl.gz")]
    assert bad["line"].iloc[0] == 51
    assert list(notes(events).compute()["note"]) == expected.attrs["notes"]
    with pytest.warns(Warning, match="2 rejected record"):
        got = collect(events)
    pd.testing.assert_frame_equal(got, expected, check_like=True)


def test_errors_raise_stops_the_compute_at_the_first_bad_line(dask_client, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"ts": T0, "msg": "ok"}) + "\n{broken\n")
    events = read_events(path, engine="dask", errors="raise")
    with pytest.raises(IngestError, match=r"a\.jsonl:2"):
        events.compute()


def test_a_column_first_seen_past_the_sample_is_reported_not_dropped(dask_client, tmp_path):
    line = json.dumps({"ts": T0, "msg": "x" * 200, "level": "info"}) + "\n"
    n = SAMPLE_BYTES // len(line) + 100
    late = json.dumps({"ts": T0 + 1, "msg": "late", "level": "info", "shard": "7"}) + "\n"
    path = tmp_path / "big.jsonl"
    path.write_text(line * n + late)
    events = read_events(path, engine="dask")
    assert "shard" not in events.columns
    frame, bad = dask.compute(events, rejected(events))
    assert len(frame) == n + 1
    (reason,) = list(bad["reason"])
    assert "['shard'] first appear past the file's first" in reason
    assert list(bad["file"]) == [str(path)]


def test_unknown_engine_is_a_usage_error(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"ts": T0, "msg": "ok"}) + "\n")
    with pytest.raises(ValueError, match='engine= must be "pandas" or "dask"'):
        read_events(path, engine="spark")  # type: ignore[call-overload]


def test_copies_of_one_file_under_two_names_are_two_partitions(dask_client, tmp_path):
    shutil.copy(INCIDENT / "syslog.log", tmp_path / "one.log")
    shutil.copy(INCIDENT / "syslog.log", tmp_path / "two.log")
    events = read_events([tmp_path / "one.log", tmp_path / "two.log", tmp_path / "one.log"],
                         engine="dask")
    assert events.npartitions == 2
    assert sorted(events["source"].unique().compute()) == ["one", "two"]


def test_what_the_folder_walk_leaves_out_is_in_the_notes(dask_client, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"ts": T0, "msg": "ok"}) + "\n")
    (tmp_path / "gone.log").symlink_to(tmp_path / "nowhere.log")  # a broken link
    expected = pandas_load(tmp_path)
    assert expected.attrs["notes"]  # (the walk said something)
    events = read_events(tmp_path, engine="dask")
    assert list(notes(events).compute()["note"]) == expected.attrs["notes"]


def _java_log(n: int) -> bytes:
    """A text log whose records carry stack traces (folded into them), with a line of
    invalid UTF-8, an impossible date and a leading line before the first record (the
    file's header: kept in attrs, not rejected)."""
    out = [b"preamble without a timestamp"]
    for i in range(n):
        ts = f"2024-05-01 10:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d}"
        level = "ERROR" if i % 3 == 0 else "INFO"
        out.append(f"{ts} {level} [main-{i % 4}] com.shop.Checkout - request {i} done".encode())
        if i % 3 == 0:
            out.append(b"java.lang.IllegalStateException: boom " + str(i).encode())
            out += [f"    at com.shop.Checkout.step{k}(Checkout.java:{k + 10})".encode()
                    for k in range(6)]
        if i == 200:
            out.append(b"\xff\xfe not utf-8")
        if i == 300:
            out.append(b"2024-13-45 10:00:00,000 INFO [main] x - a month that is not one")
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("blocksize", [4096, 20_000])
def test_a_plain_file_in_blocks_gives_the_rows_of_the_pandas_path(dask_client, tmp_path,
                                                                   blocksize):
    from postmortem_kit.ingest.dask import file_parts, split_part
    from postmortem_kit.ingest.reader import LoadSettings

    path = tmp_path / "checkout.log"
    path.write_bytes(_java_log(600))
    expected = pandas_load(path)
    assert expected["message"].str.contains("\n    at ").sum() == 200  # folded traces
    assert len(expected.attrs["rejected"]) == 2  # the bad UTF-8 line and the bad date
    events = read_events(path, engine="dask", blocksize=blocksize)
    assert events.npartitions >= path.stat().st_size // blocksize  # one per block
    got = collect(events, warn=False)
    pd.testing.assert_frame_equal(got, expected, check_like=True)
    pd.testing.assert_frame_equal(rejected(events).compute().reset_index(drop=True),
                                  expected.attrs["rejected"].frame)
    # the cuts moved past the stack trace lines they fell in, to a record's first line
    (part,) = file_parts(path, LoadSettings())
    blocks = [p.block for p in split_part(part, LoadSettings(), blocksize)]
    data = path.read_bytes()
    assert all(data[b.start:b.start + 4] == b"2024" for b in blocks[1:])
    cut_in_traces = [k * blocksize for k in range(1, len(data) // blocksize + 1)
                     if data[data.rfind(b"\n", 0, k * blocksize) + 1:].startswith(b"    at")]
    assert cut_in_traces


def test_json_lines_in_blocks_keep_their_line_numbers_and_rejects(dask_client, tmp_path):
    good = [json.dumps({"ts": T0 + i, "msg": f"m{i}", "level": "info"}) for i in range(2000)]
    lines = [*good[:700], "{not json", *good[700:1500], "", *good[1500:]]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n")
    expected = pandas_load(path)
    events = read_events(path, engine="dask", blocksize="16KiB")
    assert events.npartitions > 5
    got = collect(events, warn=False)
    pd.testing.assert_frame_equal(got, expected, check_like=True)
    bad = rejected(events).compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(bad, expected.attrs["rejected"].frame)
    assert list(bad["line"]) == [701]


def test_compressed_files_are_not_cut(dask_client, tmp_path):
    data = _java_log(600)
    (tmp_path / "checkout.log.gz").write_bytes(gzip.compress(data))
    events = read_events(tmp_path, engine="dask", blocksize=4096)
    assert events.npartitions == 1
    (tmp_path / "checkout.log.gz").unlink()
    (tmp_path / "checkout.log").write_bytes(data)
    assert read_events(tmp_path, engine="dask", blocksize=0).npartitions == 1


def test_blocksize_is_for_the_dask_engine(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"ts": T0, "msg": "ok"}) + "\n")
    with pytest.raises(UsageError, match="blocksize"):
        read_events(path, blocksize=1024)
    with pytest.raises(UsageError, match="blocksize"):
        read_events(path, engine="dask", blocksize="lots")


def test_a_partition_gets_the_columns_of_the_others_files_all_missing():
    """``conform``: the columns other files have are added, all missing, with the dtypes
    the samples gave them (as ``pd.concat`` fills them); a column of this file's is cast
    to the samples' dtype; one the samples lacked is reported, not kept."""
    from postmortem_kit.ingest.dask import conform

    meta = pd.DataFrame({
        "timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
        "message": pd.Series([], dtype="str"),
        "labels.team": pd.Series([], dtype="str"),
        "annotations.summary": pd.Series([], dtype="str"),
        "bytes": pd.Series([], dtype="float64"),
        "notifications": pd.Series([], dtype="float64"),
        "line": pd.Series([], dtype="Int64"),
        "level": pd.Series([], dtype=LEVEL_DTYPE),
        "resolved": pd.Series([], dtype="boolean"),
    })
    part = pd.DataFrame({
        "message": pd.Series(["GET /", None, "GET /a"], dtype="str"),
        "timestamp": pd.to_datetime([T0, T0 + 1, T0 + 2], unit="s", utc=True).astype(
            "datetime64[us, UTC]"),
        "bytes": pd.Series([10, 20, 30], dtype="int64"),
        "late": pd.Series(["x", "y", "z"], dtype="str"),
    })
    no_rejects = pd.DataFrame({"file": pd.Series([], dtype="str"),
                               "line": pd.Series([], dtype="Int64"),
                               "reason": pd.Series([], dtype="str"),
                               "text": pd.Series([], dtype="str")})
    out, rejects = conform(part, meta, "access.log", no_rejects)
    assert list(out.columns) == list(meta.columns)
    assert dict(out.dtypes) == dict(meta.dtypes)
    assert out["message"].tolist()[0::2] == ["GET /", "GET /a"] and pd.isna(out["message"][1])
    assert out["bytes"].tolist() == [10.0, 20.0, 30.0]
    for col in ("labels.team", "annotations.summary", "notifications", "line", "level",
                "resolved"):
        assert out[col].isna().all() and len(out[col]) == 3, col
    # a missing column written to later is its own (the missing ones share their values)
    out.loc[0, "labels.team"] = "payments"
    assert pd.isna(out.loc[0, "annotations.summary"])
    assert rejects["file"].tolist() == ["access.log"]
    assert "['late']" in rejects["reason"][0]


def test_the_workers_run_polars_with_one_thread(dask_client):
    """Worker processes started after the kit's dask module is imported (this session's
    LocalCluster) run polars with one thread, as dask runs BLAS: two workers each with
    polars' pool over every core fought for the cores."""
    import os

    def threads() -> tuple[str | None, int]:
        import polars as pl

        return os.environ.get("POLARS_MAX_THREADS"), pl.thread_pool_size()

    assert set(dask_client.run(threads).values()) == {("1", 1)}


def test_a_file_is_sniffed_once_its_load_takes_the_format_its_sample_found(
        tmp_path, monkeypatch):
    """The sample that fixes the frame's columns finds each file's format; the load of the
    whole file is given it instead of running every format's sniffer again."""
    import postmortem_kit.ingest.reader as reader
    from postmortem_kit.ingest.dask import FilePart, load_part, sample_part
    from postmortem_kit.ingest.reader import LoadSettings

    path = tmp_path / "app.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(json.dumps({"ts": T0 + i, "msg": f"m{i}", "level": "info"}) + "\n"
                      for i in range(50))
    part = FilePart(str(path), str(path), "app", named=False)
    settings = LoadSettings(progress=False)
    rows, fmt = sample_part(part, settings, {})
    assert fmt == "jsonl" and len(rows) == 50

    def no_sniffing(*args, **kwargs):
        raise AssertionError("the format was sniffed again")

    monkeypatch.setattr(reader, "detect_format", no_sniffing)
    events, bad, _ = load_part(replace(part, format=fmt), settings, "report", {})
    assert list(events["message"]) == [f"m{i}" for i in range(50)] and not len(bad)
    with pytest.raises(AssertionError, match="sniffed again"):
        load_part(part, settings, "report", {})
