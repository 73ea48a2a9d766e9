"""Fixed-width timestamps read by position (``lines.fixedstamps``), and the text loader
that reads them so: every timestamp that does not fit the file's template still gets the
time the layout's regex gives it."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.lines.fixedstamps import FixedStamp
from postmortem_kit.ingest.lines.stamps import BY_NAME

ISO = BY_NAME["iso8601"].rx


def test_template_and_slots_come_from_the_sample():
    fixed = FixedStamp.from_sample(["2024-05-01 10:00:00,123", "2024-12-31 23:59:59,007"], ISO)
    assert fixed is not None
    assert fixed.slots == {"Y": (0, 4), "m": (5, 2), "d": (8, 2), "H": (11, 2),
                           "M": (14, 2), "S": (17, 2), "f": (20, 3)}


def test_no_template_when_the_sample_varies_or_a_part_is_no_number():
    assert FixedStamp.from_sample(["2024-05-01 10:00:00,123", "2024-05-01 10:00:00,12"],
                                  ISO) is None  # widths differ
    assert FixedStamp.from_sample(["2024-05-01 10:00:00,123", "2024-05-01T10:00:00,123"],
                                  ISO) is None  # separators differ
    assert FixedStamp.from_sample(["Jun 14 15:16:01"], BY_NAME["bsd"].rx) is None  # a name
    assert FixedStamp.from_sample(["10:00:00 PM"], BY_NAME["time"].rx) is None  # AM/PM
    assert FixedStamp.from_sample([], ISO) is None


def test_the_template_regex_takes_only_stamps_that_fit():
    fixed = FixedStamp.from_sample(["2024-05-01 10:00:00.123"], ISO)
    assert fixed is not None
    rx = re.compile(fixed.regex)
    assert rx.fullmatch("2024-12-31 23:59:59.007")
    for other in ("2024-05-01T10:00:00.123", "2024-05-01 10:00:00,123", "2024-05-01 1:00:00.1234",
                  "2024-05-01 10:00:00.1234", "2024-x5-01 10:00:00.123", "2024-05-01 10:00:00a123"):
        assert not rx.fullmatch(other), other
    # RE2 and polars (Rust) read the regex alike
    values = ["2024-12-31 23:59:59.007", "2024-05-01 10:00:00a123"]
    assert pc.match_substring_regex(pa.array(values), "^" + fixed.regex + "$").to_pylist() == [
        True, False]
    assert pl.Series(values).str.contains("^" + fixed.regex + "$").to_list() == [True, False]


def test_in_line_replaces_only_the_timestamp_groups_pattern():
    fixed = FixedStamp.from_sample(["2024-05-01 10:00:00"], ISO)
    line_rx = (r"^[\[(]?(?P<timestamp>(?P<_t_Y>\d{4})-(?:[)\]](?P<_t_m>\d\d))?\(x\))[\])]? "
               r"(?P<level>[A-Z]+) (?P<message>.*)$")
    assert fixed.in_line(line_rx) == (r"^[\[(]?(?P<timestamp>" + fixed.regex + r")[\])]? "
                                      r"(?P<level>[A-Z]+) (?P<message>.*)$")


def test_read_takes_the_digits_of_stamps_of_the_templates_width():
    fixed = FixedStamp.from_sample(["2024-05-01 10:00:00,123"], ISO)
    stamps = pa.array(["2024-12-31 23:59:59,007", None, "2024-05-01 10:00:01,500",
                       "2024-05-01 10:00:00,1234"])  # (the last: another width)
    parts, read = fixed.read(stamps)
    assert read.tolist() == [True, False, True, False]
    assert parts["Y"].tolist() == [2024, -1, 2024, -1]
    assert parts["m"].tolist() == [12, -1, 5, -1]
    assert parts["S"].tolist() == [59, -1, 1, -1]
    assert parts["f"].tolist() == [7000, 0, 500000, 0]  # microseconds
    parts, read = fixed.read(stamps.slice(2, 2))  # a slice reads its own rows
    assert read.tolist() == [True, False] and parts["H"].tolist() == [10, -1]
    parts, read = fixed.read(stamps.slice(0, 1))  # one block of bytes, no gaps
    assert read.tolist() == [True] and parts["d"].tolist() == [31]


def test_nanosecond_fractions_keep_their_microseconds():
    fixed = FixedStamp.from_sample(["2024-05-01 10:00:00.123456789"], ISO)
    parts, fits = fixed.read(pa.array(["2024-05-01 10:00:00.000001999"]))
    assert fits.all() and parts["f"].tolist() == [1]


def test_text_log_times_the_stamps_that_do_not_fit_the_template(tmp_path, monkeypatch):
    # the odd stamps come after the first 1,000 lines, from which the template is taken
    fitting = [f"2024-05-01 10:{s // 60:02d}:{s % 60:02d},{s % 1000:03d} INFO app.main - line {s}"
               for s in range(1100)]
    odd = ["2024-05-01 11:01:00,5 INFO app.main - short fraction",
           "2024-05-01 11:01:01,123+02:00 INFO app.main - with a zone",
           "2024-05-01T11:01:02,250 INFO app.main - with a T",
           "2024-05-01 9:01:03,000 INFO app.main - one-digit hour"]
    path = tmp_path / "app.log"
    path.write_text("\n".join(fitting + odd) + "\n")
    fits = []
    read = FixedStamp.read
    monkeypatch.setattr(FixedStamp, "read", lambda self, stamps, **kw: fits.append(
        read(self, stamps)[1]) or read(self, stamps, **kw))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        events = read_events(path).sort_values("line", ignore_index=True)
    # the template path ran over every block: it read the stamps of the template's width
    # (the 1,100 lines, and the one with a T, whose parts a wider regex captured instead)
    assert np.concatenate(fits).sum() == 1101
    expected = [pd.Timestamp(f"2024-05-01 10:{s // 60:02d}:{s % 60:02d}.{s % 1000:03d}",
                             tz="UTC") for s in range(1100)]
    expected += [pd.Timestamp("2024-05-01 11:01:00.5", tz="UTC"),
                 pd.Timestamp("2024-05-01 09:01:01.123", tz="UTC"),
                 pd.Timestamp("2024-05-01 11:01:02.25", tz="UTC"),
                 pd.Timestamp("2024-05-01 09:01:03", tz="UTC")]
    assert events["timestamp"].tolist() == expected
    assert events["message"].iloc[-4:].tolist() == [
        "short fraction", "with a zone", "with a T", "one-digit hour"]
    assert np.array_equal(events["line"].to_numpy(), np.arange(1, 1105))
