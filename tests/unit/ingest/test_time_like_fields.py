"""Records that spell their time in no usual way: a field named like a point in time, or
log4j2's seconds + nanoseconds pair, is the time; a duration named like a time is not."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from postmortem_kit import read_events
from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest.records.fields import epoch_pairs, time_like_fields


def write(tmp_path, records) -> str:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_names_that_say_a_point_in_time_and_not_a_duration():
    columns = ["msg", "request_time", "upstream_response_time", "meta.createdAt",
               "started_at", "duration", "eventTimestamp", "timeout_ms"]
    assert time_like_fields(columns) == ["started_at", "eventTimestamp", "meta.createdAt"]
    assert epoch_pairs(["instant.epochSecond", "instant.nanoOfSecond", "msg"]) == [
        ("instant", "instant.epochSecond", "instant.nanoOfSecond")]


def test_an_epoch_ms_field_named_started_at_is_the_time(tmp_path):
    events = read_events(write(tmp_path, [
        {"started_at": 1490385986240, "request_time": 0.25, "msg": "a"},
        {"started_at": 1490386367764.0, "request_time": 1.5, "msg": "b"},
    ]))
    assert list(events["timestamp"]) == [pd.Timestamp("2017-03-24 20:06:26.240Z"),
                                         pd.Timestamp("2017-03-24 20:12:47.764Z")]
    assert list(events["request_time"]) == [0.25, 1.5]  # the duration stays a column
    assert len(events.attrs["rejected"]) == 0


def test_log4j2_instant_seconds_and_nanoseconds(tmp_path):
    events = read_events(write(tmp_path, [
        {"instant": {"epochSecond": 1663977609, "nanoOfSecond": 484000000},
         "level": "WARN", "message": "Hello"},
        {"instant": {"epochSecond": 1663977619, "nanoOfSecond": 222000123},
         "level": "ERROR", "message": "Goodbye"},
    ]))
    assert list(events["timestamp"]) == [pd.Timestamp("2022-09-24 00:00:09.484Z"),
                                         pd.Timestamp("2022-09-24 00:00:19.222000Z")]
    assert list(events["level"]) == ["warning", "error"]


def test_a_duration_alone_is_no_time(tmp_path):
    with pytest.warns(IngestWarning, match="2 rejected record"):
        events = read_events(write(tmp_path, [{"request_time": 1490385986, "msg": "x"}] * 2))
    assert len(events) == 0
    assert events.attrs["rejected"]["reason"].str.startswith("no timestamp field").all()


def test_a_time_like_name_whose_values_are_no_times_is_not_taken(tmp_path):
    with pytest.warns(IngestWarning, match="2 rejected record"):
        events = read_events(write(tmp_path, [{"created": "yesterday", "msg": "x"}] * 2))
    assert len(events) == 0
    assert events.attrs["rejected"]["reason"].str.startswith("no timestamp field").all()
