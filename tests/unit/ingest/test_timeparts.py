"""Timestamps built from regex parts, checked against Python's own datetime arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem_kit.ingest.lines.layout import detect_layout
from postmortem_kit.ingest.lines.stamps import BY_NAME
from postmortem_kit.ingest.lines.timeparts import YearState, assemble, days_from_civil, infer_years

MOMENTS = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 12, 31))

# strftime renderings of the shapes in STAMPS, by stamp name (the expected value comes
# from datetime).
RENDERINGS = [
    ("iso8601", "%Y-%m-%dT%H:%M:%S.%f"),
    ("iso8601", "%Y-%m-%d %I:%M:%S %p"),
    ("iso-ordinal", "%Y-%jT%H:%M:%S.%f"),
    ("db2", "%Y-%m-%d-%H.%M.%S.%f"),
    ("ymd-slash", "%Y/%m/%d %H:%M:%S.%f"),
    ("ymd-dot", "%Y.%m.%d %H:%M:%S"),
    ("ctime", "%a %b %d %H:%M:%S %Y"),
    ("ctime", "%a %b %d %H:%M:%S UTC %Y"),
    ("mon-dd-yyyy", "%b %d, %Y @ %H:%M:%S.%f"),
    ("clf", "%d/%b/%Y:%H:%M:%S +0000"),
    ("dd-mon-yyyy", "%d-%b-%Y %H:%M:%S.%f"),
    ("dd-mon-yyyy", "%d %b %Y %H:%M:%S.%f"),
    ("mm/dd/yyyy", "%m/%d/%Y %H:%M:%S"),
    ("mm/dd/yyyy", "%m/%d/%Y %I:%M:%S %p"),
    ("dd.mm.yyyy", "%d.%m.%Y %H:%M:%S"),
    ("compact", "%Y%m%d-%H:%M:%S"),
]
RENDER = dict(RENDERINGS)  # one rendering per name, for the detection test


@given(st.lists(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
                min_size=1, max_size=50))
def test_days_from_civil_matches_the_proleptic_calendar(dates):
    y = np.array([d.year for d in dates])
    m = np.array([d.month for d in dates])
    d = np.array([d.day for d in dates])
    epoch = dt.date(1970, 1, 1).toordinal()
    assert list(days_from_civil(y, m, d)) == [x.toordinal() - epoch for x in dates]


@settings(max_examples=60)
@given(st.sampled_from(RENDERINGS), st.lists(MOMENTS, min_size=1, max_size=20))
def test_every_timestamp_shape_round_trips(rendering, moments):
    name, fmt = rendering
    rx = BY_NAME[name].rx
    text = pa.array([m.strftime(fmt) for m in moments])
    parts = pc.extract_regex(text, "^" + rx + "$")
    names = [f.name for f in parts.type]
    got = assemble(dict(zip(names, parts.flatten(), strict=True)), tz="UTC")
    keep_us = "%f" in fmt
    want = [pd.Timestamp(m if keep_us else m.replace(microsecond=0), tz="UTC") for m in moments]
    assert list(got) == want


@settings(max_examples=40)
@given(st.sampled_from(sorted(RENDER)), MOMENTS,
       st.sampled_from(["INFO", "WARN", "ERROR", "debug", "[error]"]))
def test_detection_finds_the_shape_and_level_of_any_rendered_line(name, moment, level):
    line = f"{moment.strftime(RENDER[name])} {level} something happened"
    layout = detect_layout(pa.array([line] * 3))
    assert layout is not None and layout.timestamp == name
    found = pc.extract_regex(pa.array([line]), layout.line_rx)[0].as_py()
    assert found["level"] == level.strip("[]")
    assert found["message"] == "something happened"


def test_inferred_years_follow_rollovers_across_blocks():
    state = YearState()
    first = infer_years(np.array([11, 12, 12]), np.array([30, 1, 31]), 2022, state, None)
    second = infer_years(np.array([1, 1, 12, 2]), np.array([1, 2, 31, 1]), 2022, state, None)
    assert list(first) == [2022, 2022, 2022]
    assert list(second) == [2023, 2023, 2022, 2023]


def test_impossible_dates_become_nat():
    parts = {k: pa.array(v) for k, v in
             {"Y": ["2023", "2024"], "m": ["02", "02"], "d": ["29", "29"],
              "H": ["10", "10"], "M": ["00", "00"], "S": ["00", "00"]}.items()}
    got = assemble(parts, tz="UTC")
    assert pd.isna(got[0]) and got[1] == pd.Timestamp("2024-02-29T10:00:00Z")


def test_dates_in_runs_keep_each_rows_own_date():
    """A log's rows share their date in long runs (the dates are computed once per run):
    each row must still get its own date, an impossible one included, where runs change."""
    dates = (["2024-02-28"] * 5 + ["2023-02-29"] * 4 + ["2024-02-29"] * 6 + ["2024-03-01"] * 3
             + ["2024-12-31"] + ["2025-01-01"] * 5)
    seconds = [f"{i % 60:02d}" for i in range(len(dates))]
    parts = {"Y": pa.array([d[:4] for d in dates]), "m": pa.array([d[5:7] for d in dates]),
             "d": pa.array([d[8:] for d in dates]), "H": pa.array(["23"] * len(dates)),
             "M": pa.array(["59"] * len(dates)), "S": pa.array(seconds)}
    got = assemble(parts, tz="UTC")
    expected = [pd.NaT if d == "2023-02-29" else pd.Timestamp(f"{d}T23:59:{s}Z")
                for d, s in zip(dates, seconds, strict=True)]
    assert got.tolist() == expected
    assert got.isna().sum() == 4
