"""``derive_timeline`` of a dask frame on a real LocalCluster: the pandas path's timeline,
attribute by attribute, on the sample incident."""

from __future__ import annotations

import dataclasses
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
    with dask.config.set({"dataframe.convert-string": False}):
        events = dd.from_pandas(scenario.events, npartitions=3, sort=False)
    got = derive_timeline(events)
    for field in dataclasses.fields(expected):
        assert_same(getattr(got, field.name), getattr(expected, field.name), field.name)


def test_a_row_with_a_wrong_year_is_left_out_and_named_as_in_pandas(dask_client):
    events = build("sample_like", seed=1).events
    wrong = events.iloc[[100]].copy()
    wrong["timestamp"] = pd.Timestamp("1970-01-01", tz="UTC")
    events = pd.concat([wrong, events], ignore_index=True)
    with pytest.warns(Warning) as seen:
        expected = derive_timeline(events)
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_pandas(events, npartitions=2, sort=False)
    with pytest.warns(Warning) as told:
        got = derive_timeline(frame)
    assert [str(w.message) for w in told] == [str(w.message) for w in seen]
    assert "1970-01-01T00:00:00Z" in str(told[0].message)
    assert got.analysis_span.left_out == expected.analysis_span.left_out == 1
    assert_same(got.phases, expected.phases, "phases")
    assert_same(got.impact, expected.impact, "impact")
