"""``ingest/times.py``: the epoch-unit table, the offset rule and ``parse_time``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from postmortem_kit.ingest.times import OFFSET, ZONE, epoch_to_utc, offset_minutes, parse_time

T = pd.Timestamp


@pytest.mark.parametrize(("text", "minutes"), [
    ("Z", 0), ("z", 0), ("UTC", 0), ("GMT", 0), ("+02", 120), ("+0200", 120),
    ("+02:00", 120), ("-07", -420), ("-0730", -450), ("-07:30", -450), ("", None),
    ("EST", -300), ("PDT", -420), ("cest", 120), ("CST", None), ("IST", None),
])
def test_offset_minutes(text, minutes):
    assert offset_minutes(text) == minutes


@pytest.mark.parametrize("text", ["Z", "z", "+02", "+0200", "+02:00", "-07:30"])
def test_every_offset_the_rule_spells_is_read(text):
    assert re.fullmatch(OFFSET, text) and re.fullmatch(ZONE, text)
    assert offset_minutes(text) is not None


def test_a_word_after_a_time_is_not_a_zone():
    # "10:00:00 Zookeeper ..." : the "Z" starts a word, it is no offset
    assert re.match(r"\d\d:\d\d:\d\d\s?" + ZONE, "10:00:00 Zookeeper") is None
    assert re.match(r"\d\d:\d\d:\d\d\s?" + ZONE, "10:00:00 Z [main]") is not None


@pytest.mark.parametrize(("value", "expected"), [
    (1714557600, "2024-05-01T10:00:00Z"),  # seconds
    (1714557600123, "2024-05-01T10:00:00.123Z"),  # milliseconds
    (1714557600123456, "2024-05-01T10:00:00.123456Z"),  # microseconds
    (1714557600123456789, "2024-05-01T10:00:00.123456Z"),  # nanoseconds
    (99_999_999_999, "5138-11-16T09:46:39Z"),  # the largest number read as seconds
])
def test_epoch_unit_guessed_from_magnitude(value, expected):
    assert epoch_to_utc(np.array([value]))[0].as_py() == T(expected).to_pydatetime()


def test_epoch_unit_named_by_the_source_wins_over_the_guess():
    # a text log's epoch-ms group: 1e9 ms is a time in 1970, not seconds in 2001
    got = epoch_to_utc(np.array([1_000_000_000]), unit="ms")[0].as_py()
    assert got == T("1970-01-12T13:46:40Z").to_pydatetime()



@pytest.mark.parametrize(("value", "expected"), [
    (1714557900, T("2024-05-01T10:05:00Z")),
    ("1714557900", T("2024-05-01T10:05:00Z")),
    (1714557900123, T("2024-05-01T10:05:00.123Z")),
    ("1714557900123456", T("2024-05-01T10:05:00.123456Z")),
    ("2024-05-01T12:05:00+02:00", T("2024-05-01T10:05:00Z")),
    ("2024-05-01 10:05:00", T("2024-05-01T10:05:00Z")),
    ("0001-01-01T00:00:00Z", None), ("", None), (None, None), ("soon", None), (True, None),
])
def test_parse_time_reads_iso_and_every_epoch_unit(value, expected):
    assert parse_time(value) == expected


def test_parse_time_reads_naive_text_in_the_given_zone():
    assert parse_time("2024-05-01 12:05:00", tz="Europe/Paris") == T("2024-05-01T10:05:00Z")
