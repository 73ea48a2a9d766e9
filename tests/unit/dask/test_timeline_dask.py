"""``derive_timeline`` of a dask frame on a real LocalCluster: the pandas path's timeline,
attribute by attribute, on the sample incident."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
import warnings
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from postmortem_kit import derive_timeline
from postmortem_kit.ingest import read_events
from postmortem_kit.sample import evidence_paths
from postmortem_kit.sample.suite import SCENARIOS, build
from postmortem_kit.timeline.packed import PackedFrame

REPO = Path(__file__).resolve().parents[3]
INCIDENT = REPO / "data" / "incident"


def assert_same(got: object, expected: object, where: str) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, obj=where)
        assert got.attrs == expected.attrs, where
    elif isinstance(expected, pd.Series):
        assert isinstance(got, pd.Series), where
        assert list(got.index) == list(expected.index), where
        for key in expected.index:
            assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(expected, tuple | list):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys(), where
        for key in expected:
            assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        assert type(got) is type(expected), where
        for f in dataclasses.fields(expected):
            if where.endswith("analysis_span") and f.name == "outside":
                # per row of the frame it was computed on: the rows left out, here
                assert int(got.outside.sum()) == int(expected.outside.sum()), where
                continue
            assert_same(getattr(got, f.name), getattr(expected, f.name), f"{where}.{f.name}")
    elif callable(expected):
        assert got is expected, where
    elif expected is None or expected is pd.NA or (isinstance(expected, float) and
                                                   np.isnan(expected)):
        assert got is expected or (pd.isna(got) if not isinstance(got, pd.Series | pd.DataFrame)
                                   else False), where
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


@pytest.fixture(scope="module")
def incident_paths() -> list[Path]:
    return evidence_paths(INCIDENT)


def on_cluster(client, frame: pd.DataFrame, npartitions: int) -> dd.DataFrame:
    """``frame`` as a dask frame of ``npartitions`` whose pieces are already on the
    workers (``dd.from_pandas`` would put the whole frame into the task graph)."""
    bounds = np.linspace(0, len(frame), npartitions + 1).astype(int)
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(client.scatter(pieces), meta=frame.iloc[:0], verify_meta=False)


def pandas_timeline(paths, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return derive_timeline(read_events(paths), **kw)


def test_the_sample_incident_timeline_is_the_pandas_one(dask_client, incident_paths):
    expected = pandas_timeline(incident_paths)
    assert len(expected.sli) == 2  # the error ratio and the latency both show the impact
    events = read_events(incident_paths, engine="dask")
    got = derive_timeline(events)
    for field in dataclasses.fields(expected):
        assert_same(getattr(got, field.name), getattr(expected, field.name), field.name)
    # and the phases a reader sees, spelled out
    assert list(got.phases["time"]) == list(expected.phases["time"])
    assert got.impact["users_affected"] == expected.impact["users_affected"]


def test_the_impact_window_rows_stay_on_the_workers(dask_client, incident_paths,
                                                     monkeypatch):
    """Of the request rows, the client gets only each SLI's first and last bad row per
    partition (the impact edges' evidence) and the last row: the window's users, failures
    and per-service tallies are counted on the workers."""
    import postmortem_kit.timeline.dask as on_dask

    handed: list[pd.DataFrame] = []
    real = on_dask.assemble

    def spy(events, *args, **kwargs):
        handed.append(events)
        return real(events, *args, **kwargs)

    monkeypatch.setattr(on_dask, "assemble", spy)
    events = read_events(incident_paths, engine="dask")
    tl = derive_timeline(events)
    requests = int((handed[0]["kind"] == "request").sum())
    assert tl.impact["total_requests"] > 1_000  # the window has many
    # two SLIs x (first, last) x partitions, and the last row
    assert requests <= 2 * len(tl.sli) * events.npartitions + 1, requests


def test_the_request_and_log_rows_are_kept_compressed_on_the_workers(
        dask_client, incident_paths, monkeypatch):
    """What the passes read stays on the workers as packed (compressed) partitions: every
    request and log row, in a fraction of its pandas size (at 100M events the rows as
    pandas columns were more than the workers' memory, and spilling them made every pass
    read them back from disk)."""
    import postmortem_kit.timeline.dask as on_dask

    held: list[tuple] = []
    real = on_dask._derive

    def spy(events, rows, *args, **kwargs):
        held.append(dask.compute(*rows[0].parts))
        return real(events, rows, *args, **kwargs)

    monkeypatch.setattr(on_dask, "_derive", spy)
    derive_timeline(read_events(incident_paths, engine="dask"))
    packed = held[0]
    assert all(isinstance(p, PackedFrame) for p in packed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_events(incident_paths)
    assert sum(p.rows for p in packed) == int(whole["kind"].isin(["request", "log"]).sum())
    unpacked = sum(int(p.frame().memory_usage(deep=True).sum()) for p in packed)
    assert sum(sys.getsizeof(p) for p in packed) < unpacked / 3


def test_rows_shifted_by_a_clock_offset_replace_those_they_were_made_from(
        dask_client, monkeypatch):
    """With a clock offset found, the shifted copy of the rows takes the place of the
    rows on the workers instead of doubling them."""
    import postmortem_kit.timeline.dask as on_dask

    events = on_cluster(dask_client, build("skewed_clock", seed=3).events, 2)
    first: list[str] = []
    still: list[set[str]] = []
    derive, refit = on_dask._derive, on_dask._refit

    def spy_derive(events, rows, *args, **kwargs):
        first.extend(p.key for p in rows[0].parts)  # keys only: no reference kept
        return derive(events, rows, *args, **kwargs)

    def spy_refit(bulk, *args, **kwargs):
        assert not set(first) & {p.key for p in bulk.parts}  # a new copy
        deadline = time.monotonic() + 10  # (the release reaches the workers in a while)
        while True:
            held = {k for keys in dask_client.has_what().values() for k in keys}
            if not held & set(first) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        still.append(held & set(first))
        return refit(bulk, *args, **kwargs)

    monkeypatch.setattr(on_dask, "_derive", spy_derive)
    monkeypatch.setattr(on_dask, "_refit", spy_refit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = derive_timeline(events)
    assert tl.clock_offsets == {"access": pd.Timedelta("-4min")}
    assert len(first) == 2 and still == [set()], still


def product_404s_fail_too(rows: pd.DataFrame) -> np.ndarray:
    """5xx, and a product page not found (reads ``path``, beyond the default rule's
    columns)."""
    return ((rows["status"] >= 500) | ((rows["status"] == 404)
                                       & rows["path"].str.startswith("/api/products"))
            ).fillna(False).to_numpy(dtype=bool)


def test_a_users_failure_rule_reads_every_column_on_the_cluster(dask_client, incident_paths):
    """The workers unpack only the columns a pass reads where those are fixed; a user's
    rule may read any, so it gets them all, and the timeline is the pandas one."""
    expected = pandas_timeline(incident_paths, failure=product_404s_fail_too)
    # the rule counts more failures than the default one (it reads the paths)
    assert expected.error_ratio["failures"].sum() > \
        pandas_timeline(incident_paths).error_ratio["failures"].sum()
    got = derive_timeline(read_events(incident_paths, engine="dask"),
                          failure=product_404s_fail_too)
    for field in ("phases", "impact", "error_ratio", "clock_offsets", "signatures"):
        assert_same(getattr(got, field), getattr(expected, field), field)


# each takes a path of its own: clock offsets found and applied, metric SLIs, a latency SLI
# alone, no SLI with impact, two episodes joined, a three-day window
OWN_PATHS = ("skewed_clock", "metrics_only", "latency_only", "no_incident", "two_bursts",
             "long_burn")


@pytest.mark.parametrize("name", OWN_PATHS)
def test_scenario_timelines_are_the_pandas_ones(dask_client, name):
    assert name in SCENARIOS
    scenario = build(name, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = derive_timeline(scenario.events)
    events = on_cluster(dask_client, scenario.events, 3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = derive_timeline(events)
    # what the workers need of the client (settings, spans, small tallies) is small
    assert not [w for w in seen if "large graph" in str(w.message)], name
    for field in dataclasses.fields(expected):
        assert_same(getattr(got, field.name), getattr(expected, field.name), field.name)


def test_a_row_with_a_wrong_year_is_left_out_and_named_as_in_pandas(dask_client):
    events = build("sample_like", seed=1).events
    wrong = events.iloc[[100]].copy()
    wrong["timestamp"] = pd.Timestamp("1970-01-01", tz="UTC")
    events = pd.concat([wrong, events], ignore_index=True)
    with pytest.warns(Warning) as seen:
        expected = derive_timeline(events)
    frame = on_cluster(dask_client, events, 2)
    with pytest.warns(Warning) as told:
        got = derive_timeline(frame)
    assert [str(w.message) for w in told] == [str(w.message) for w in seen]
    assert "1970-01-01T00:00:00Z" in str(told[0].message)
    assert got.analysis_span.left_out == expected.analysis_span.left_out == 1
    assert_same(got.phases, expected.phases, "phases")
    assert_same(got.impact, expected.impact, "impact")


def test_signatures_of_every_level_when_no_error_message_is_in_the_windows(dask_client):
    """Without an error-level message in either window, every message is mined (levels
    "all"), on the cluster too: the messages the workers dropped are read again."""
    events = build("latency_only", seed=3).events.copy()
    errors = events["level"].isin(["error", "critical"]).to_numpy(dtype=bool, na_value=False)
    events.loc[errors, "level"] = "warning"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = derive_timeline(events)
    assert expected.signatures.attrs["levels"] == "all" and len(expected.signatures) > 1
    got = derive_timeline(on_cluster(dask_client, events, 3))
    for field in dataclasses.fields(expected):
        assert_same(getattr(got, field.name), getattr(expected, field.name), field.name)


def _entries(obj: object) -> int:
    """The largest number of rows or items in ``obj`` (a result sent to the client)."""
    if isinstance(obj, pd.DataFrame | pd.Series | np.ndarray):
        return len(obj)
    if isinstance(obj, tuple | list):
        return max((_entries(o) for o in obj), default=0)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return max((_entries(getattr(obj, f.name)) for f in dataclasses.fields(obj)),
                   default=0)
    return 0


def test_the_client_receives_tallies_whose_size_does_not_grow_with_the_rows(
        dask_client, monkeypatch):
    """With clock offsets found and a latency SLI (float latencies: every value distinct),
    every result the workers send has fewer items than a partition has rows: counts per
    bin, per source, per probe, a few rows, never one item per row."""
    scenario = build("skewed_clock", seed=3)
    events = on_cluster(dask_client, scenario.events, 2)
    rows = len(scenario.events) // 2  # ~19,000 per partition
    received: list[tuple[str, int]] = []
    real = dask.compute

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        received.append((sys._getframe(1).f_code.co_name, _entries(out)))
        return out

    monkeypatch.setattr(dask, "compute", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = derive_timeline(events)
    assert tl.clock_offsets == {"access": pd.Timedelta("-4min")}
    assert "p99 latency (requests)" in [s.label for s in tl.sli]
    # the span search's probes (1,024 per quartile, both quartiles at once) are the
    # largest bounded result
    big = [(where, n) for where, n in received if n > 2_100]
    assert rows > 15_000 and not big, big


def test_a_bins_p99_takes_its_values_from_every_partition(dask_client):
    """Each bin's quantile is taken on the workers over the values of every partition:
    the first minute's 100 latencies (1..100 ms) are dealt to three partitions, so no
    partition alone holds its p99 (nearest rank: the 99th smallest, 99 ms)."""
    import postmortem_kit.timeline.dask as on_dask
    from postmortem_kit.timeline.rules import Latency
    from postmortem_kit.timeline.settings import TimelineSettings
    from postmortem_kit.timeline.span import AnalysisSpan

    t0 = pd.Timestamp("2026-11-30 08:00", tz="UTC")
    first = np.arange(1, 101, dtype="float64")  # minute 0: 1..100 ms
    second = np.array([5.0, 7.0, 900.0])  # minute 1: 5, 7 and 900 ms
    latency = np.concatenate([first, second])
    times = [t0 + pd.Timedelta(seconds=0.5 * i) for i in range(100)] + \
        [t0 + pd.Timedelta(seconds=60 + i) for i in range(3)]
    frame = pd.DataFrame({"timestamp": pd.Series(times, dtype="datetime64[us, UTC]"),
                          "kind": "request", "source": "access",
                          "latency_ms": latency, "status": 200, "line": range(103)})
    # dealt round-robin: partition p gets every third request
    parts = [frame.iloc[p::3].reset_index(drop=True) for p in range(3)]
    scattered = dask_client.scatter(parts)
    bulk = on_dask.Rows([dask.delayed(PackedFrame)(p) for p in scattered],
                        frame.iloc[:0]).persist()
    span = AnalysisSpan(times[0], times[-1], (times[0], times[-1]),
                        np.zeros(0, dtype=bool))
    settings = TimelineSettings()
    (measured, median), requests, last = on_dask._measure_all(
        [Latency(quantile=0.99, threshold=80.0), Latency(quantile=0.5, threshold=80.0)],
        bulk, frame.iloc[:0], span, settings)
    assert list(measured.series["value"]) == [99.0, 900.0]
    assert list(measured.series["requests"]) == [100, 3]
    # slower than 80 ms: 81..100 in the first minute, 900 in the second
    assert list(measured.series["failures"]) == [20, 1]
    assert list(median.series["value"]) == [50.0, 7.0]
    assert (requests, last) == (103, times[-1])


def test_order_statistics_of_sorted_partitions_are_exact():
    """``_kths``: the ranks' values among all the partitions' sorted times, narrowed
    together round by round, equal to sorting everything (repeats, an empty partition,
    the first and last rank, two ranks in the same gap)."""
    import postmortem_kit.timeline.dask as on_dask

    rng = np.random.default_rng(7)
    arrays = [np.sort(rng.integers(0, 10**12, size=n)) for n in (5_000, 1, 0, 20_000)]
    arrays.append(np.full(3_000, 424_242, dtype=np.int64))  # one value many times
    everything = np.sort(np.concatenate(arrays))
    ranks = [0, 1, 6_000, 6_001, 14_000, len(everything) - 1]
    low, high = int(everything[0]), int(everything[-1])
    with dask.config.set(scheduler="synchronous"):
        got = on_dask._kths([a for a in arrays], ranks, low, high)
    assert got == [int(everything[r]) for r in ranks]
