"""The ``syslog`` format: RFC 3164 (BSD) and RFC 5424 files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import syslog
from postmortem_kit.ingest.lines import match
from tests.unit.ingest.reference import assert_numbered, numbered_log

BSD = (
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4 \n"
    "Jun  4 02:04:59 combo kernel: Linux version 2.6.5-1.358 (bhcompile@bugs.build.redhat.com)\n"
    "Jun 19 04:09:11 combo syslogd 1.4.1: restart.\n"
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n"
)


def load(path: Path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format=kw.pop("format", "syslog"), **kw)


def write(tmp_path: Path, text: str, name: str = "messages") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rfc3164_fields_host_program_pid_and_message(tmp_path):
    ev = load(write(tmp_path, BSD), year=2005).sort_values("line")
    assert list(ev["host"]) == ["combo", "combo", "combo", "mymachine"]
    assert list(ev["service"]) == ["sshd(pam_unix)", "kernel", "syslogd 1.4.1", "su"]
    assert list(ev["pid"].fillna("-")) == ["19939", "-", "-", "-"]
    assert list(ev["message"]) == [
        "authentication failure; rhost=218.188.2.4 ",  # kept exactly, trailing space too
        "Linux version 2.6.5-1.358 (bhcompile@bugs.build.redhat.com)",
        "restart.",
        "'su root' failed for lonvick on /dev/pts/8",
    ]


def test_rfc3164_year_argument_and_single_digit_days(tmp_path):
    ev = load(write(tmp_path, BSD), year=2005).sort_values("line")
    assert list(ev["timestamp"]) == [
        pd.Timestamp("2005-06-14T15:16:01Z"), pd.Timestamp("2005-06-04T02:04:59Z"),
        pd.Timestamp("2005-06-19T04:09:11Z"), pd.Timestamp("2005-10-11T22:14:15Z")]


def test_level_and_facility_come_from_pri_when_present(tmp_path):
    text = ("<34>Oct 11 22:14:15 mymachine su: failed\n"  # auth.crit
            "<13>Oct 11 22:14:16 mymachine app: hello\n"  # user.notice
            "Oct 11 22:14:17 mymachine app: no pri\n")
    ev = load(write(tmp_path, text), year=2024)
    assert list(ev["level"].astype("object").fillna("-")) == ["critical", "notice", "-"]
    assert list(ev["facility"].astype("object").fillna("-")) == ["auth", "user", "-"]


def test_december_to_january_rollover_moves_to_the_next_year(tmp_path):
    text = ("Dec 31 23:59:58 h app: a\n"
            "Jan  1 00:00:01 h app: b\n"
            "Dec 31 23:59:59 h app: c (late writer)\n"
            "Jan  1 00:00:02 h app: d\n")
    ev = load(write(tmp_path, text), year=2023).sort_values("line")
    assert [t.year for t in ev["timestamp"]] == [2023, 2024, 2023, 2024]


def test_year_is_inferred_from_the_file_date_when_not_given(tmp_path):
    path = write(tmp_path, "Dec 30 10:00:00 h app: before new year\nJan  2 10:00:00 h app: after\n")
    mtime = pd.Timestamp("2024-01-05T12:00:00Z").timestamp()
    os.utime(path, (mtime, mtime))
    ev = load(path)
    assert list(ev["timestamp"]) == [pd.Timestamp("2023-12-30T10:00:00Z"),
                                     pd.Timestamp("2024-01-02T10:00:00Z")]


def test_rsyslog_precise_timestamps_keep_their_offset(tmp_path):
    text = "2024-05-01T10:00:00.123456+02:00 web-1 nginx[88]: upstream timed out\n"
    ev = load(write(tmp_path, text))
    assert ev["timestamp"][0] == pd.Timestamp("2024-05-01T08:00:00.123456Z")
    assert (ev["host"][0], ev["service"][0], ev["pid"][0]) == ("web-1", "nginx", "88")


def test_tz_argument_applies_to_bsd_timestamps(tmp_path):
    ev = load(write(tmp_path, "Jul  1 12:00:00 h app: x\n"), year=2024, tz="Europe/Paris")
    assert ev["timestamp"][0] == pd.Timestamp("2024-07-01T10:00:00Z")


def test_rfc5424_structured_data_nilvalue_and_bom(tmp_path):
    text = (
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
        '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
        '\ufeffAn application event log entry...\n'
        '<34>1 2003-10-11T22:14:15.003-07:00 - su - - - \'su root\' failed\n'
        '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - '
        '[a@1 k="v \\"quoted\\" ]"][b@2] %% It\'s time to make the do-nuts.\n'
        '<13>1 2024-05-01T10:00:00Z host app 1 - -\n'
    )
    ev = load(write(tmp_path, text)).sort_values("line")
    assert list(ev["message"]) == ["An application event log entry...", "'su root' failed",
                                   "%% It's time to make the do-nuts.", ""]
    assert ev["structured_data"].iloc[0] == (
        '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]')
    assert ev["structured_data"].iloc[2] == '[a@1 k="v \\"quoted\\" ]"][b@2]'
    # and each parameter as an SD-ID.PARAM column, unescaped
    assert ev["exampleSDID@32473.eventID"].iloc[0] == "1011"
    assert ev["a@1.k"].iloc[2] == 'v "quoted" ]' and pd.isna(ev["a@1.k"].iloc[0])
    assert ev["msgid"].iloc[0] == "ID47" and pd.isna(ev["msgid"].iloc[1])
    assert pd.isna(ev["host"].iloc[1]) and pd.isna(ev["pid"].iloc[1])
    assert ev["service"].iloc[2] == "myproc"
    assert list(ev["level"]) == ["notice", "critical", "notice", "notice"]
    assert ev["timestamp"].iloc[1] == pd.Timestamp("2003-10-12T05:14:15.003Z")
    assert ev["timestamp"].iloc[2] == pd.Timestamp("2003-08-24T12:14:15.000003Z")


def test_bad_lines_are_rejected_with_line_and_reason(tmp_path):
    text = ("Jun 14 15:16:01 combo app: fine\n"
            "this is not syslog at all\n"
            "Feb 30 10:00:00 combo app: impossible date\n"
            "<34>1 - host app - - - no timestamp (NILVALUE)\n"
            "Jun 14 15:16:02 combo app: fine again\n")
    ev = load(write(tmp_path, text), year=2024)
    assert sorted(ev["line"]) == [1, 5]
    rejected = ev.attrs["rejected"].sort_values("line")
    assert list(rejected["line"]) == [2, 3, 4]
    assert "not an RFC 3164 or RFC 5424" in rejected["reason"].iloc[0]
    assert "timestamp" in rejected["reason"].iloc[1]
    assert rejected["text"].iloc[0] == "this is not syslog at all"


def test_start_end_window(tmp_path):
    text = "".join(f"May  1 10:00:{s:02d} h app: n={s}\n" for s in range(10))
    ev = load(write(tmp_path, text), year=2024, start="2024-05-01 10:00:02",
              end="2024-05-01 10:00:04")
    assert list(ev["message"]) == ["n=2", "n=3", "n=4"]


@pytest.mark.parametrize(
    "text",
    ['{"ts": "2024-05-01T10:00:00Z", "level": "info", "msg": "hi"}\n',
     '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n',
     "2024-05-01 10:00:00,123 INFO  [main] com.example.App - started\n"],
)
def test_sniff_stays_low_on_other_formats(text):
    assert syslog.sniff(Path("x.log"), text * 5) < 0.3


def test_sniff_claims_syslog():
    assert syslog.sniff(Path("messages"), BSD) >= 0.85


def test_auto_detection_picks_syslog_over_text(tmp_path):
    ev = load(write(tmp_path, BSD), format="auto", year=2005)
    assert "host" in ev.columns and len(ev) == 4


def test_a_year_written_after_the_time_wins_over_the_argument(tmp_path):
    ev = load(write(tmp_path, "Jun 14 15:16:01 2021 combo app: with a year\n"), year=2005)
    assert ev["timestamp"][0] == pd.Timestamp("2021-06-14T15:16:01Z")
    assert ev["host"][0] == "combo"


def test_rfc5424_level_parameter_fills_level_where_the_pri_is_absent(tmp_path):
    # rsyslog/syslog-ng file templates often drop <PRI>VERSION; the application's own level
    # then travels only in the structured data (a "level"/"severity" parameter).
    text = (
        '2024-05-01T10:00:00Z web-1 checkout 12 - [meta@1 level="ERROR" user="ann"] boom\n'
        '2024-05-01T10:00:01Z web-1 checkout 12 - [meta@1 severity="warn"] slow\n'
        '2024-05-01T10:00:02Z web-1 checkout 12 - - plain\n'
        '<14>1 2024-05-01T10:00:03Z web-1 checkout 12 - [meta@1 level="ERROR"] pri wins\n'
    )
    ev = load(write(tmp_path, text)).sort_values("line")
    assert list(ev["message"]) == ["boom", "slow", "plain", "pri wins"]
    levels = list(ev["level"])
    assert levels[:2] == ["error", "warning"] and pd.isna(levels[2])
    assert levels[3] == "info"  # the PRI's severity (14 = user.info) is the syslog level
    assert ev["meta@1.level"].iloc[0] == "ERROR"  # the parameter is kept as written


@pytest.mark.parametrize("bad", [
    {10_000: b"caf\xe9"},  # invalid UTF-8: polars fails
    {10_000: b"a\x1fb"},  # polars' column separator: it fails too
    {3_000: b"nul\x00", 15_000: b"caf\xe9"},  # a NUL (our hand-over), then a failure
])
def test_bad_lines_past_the_first_batches_leave_every_other_line_its_number(
        tmp_path, monkeypatch, bad):
    """polars' streaming reader, failing on a line (invalid UTF-8, its separator byte),
    hands out later lines under earlier numbers before it fails: the load starts over
    block by block."""
    monkeypatch.setattr(match, "STREAM_ROWS", 1000)
    path = numbered_log(tmp_path / "messages", lambda i: f"Jun 14 15:16:{i % 60:02d} host app[1]: ",
                        bad)
    assert_numbered(load(path, format="syslog", year=2024), bad)
