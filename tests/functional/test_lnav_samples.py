"""Real logs of many layouts (lnav's test suite, ``../shared/samples/lnav``), loaded with
``format="auto"`` and no other hint, checked against what each file says.

Every expected value below was read off the file by eye, not taken from the loader. One
test per layout family: the rendering of the timestamp, what stands before it, what
follows it, multi-line records, multiplexed streams. The samples live beside the
repository (not in a user's clone): the tests skip when they are absent.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "lnav"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"lnav samples not found at {SAMPLES} (not in a user's clone)"
)


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def load(name: str, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(SAMPLES / name, **kw)


def test_glog_level_letter_glued_to_a_month_day_without_year():
    # E0517 15:04:22.619632 1952452992 logging_unittest.cc:253] Log every 3, iteration 19
    ev = load("logfile_glog.0", year=2017)
    assert len(ev) == 7
    assert list(ev["level"]) == ["error", "info", "info", "warning", "info", "info", "error"]
    assert ev["timestamp"][0] == T("2017-05-17T15:04:22.619632Z")
    assert ev["message"][0] == "Log every 3, iteration 19"
    assert ev["thread"][0] == "1952452992"
    assert ev["file"][3] == "logging_unittest.cc:263"
    assert ev["message"][3] == "log_if this"


def test_a_year_assumed_is_said_in_the_warning_and_the_layout():
    with pytest.warns(IngestWarning, match=r"logfile_glog\.0: the lines carry no year: \d{4} "
                                           r"assumed .*pass year="):
        ev = read_events(SAMPLES / "logfile_glog.0")
    report = ev.attrs["layouts"][str(SAMPLES / "logfile_glog.0")]
    assert "no year" in report["year"]
    assert report["pattern"].startswith("<L><timestamp MMDD hh:mm:ss")


def test_colon_separated_level_and_a_folded_continuation_line():
    # 2009-07-20 22:59:27,672:DEBUG:Hello, World!
    #   How are you today?
    ev = load("logfile_multiline.0")
    assert list(ev["level"]) == ["debug", "error"]
    assert list(ev["message"]) == ["Hello, World!\n  How are you today?", "Goodbye, World!"]
    assert list(ev["line"]) == [1, 3]
    assert ev["timestamp"][1] == T("2009-07-20T22:59:30.221Z")


def test_nanosecond_fraction_is_cut_to_microseconds():
    ev = load("logfile_generic_nanos.0")
    assert list(ev["timestamp"]) == [T("2025-01-01T00:00:00.123456Z"),
                                     T("2025-01-01T01:00:00.987654Z")]
    assert list(ev["level"]) == ["info", "warning"]
    assert list(ev["message"]) == ["nano first", "nano second"]


def test_iso_ordinal_dates():
    # 2012-025T10:22:40,672:DEBUG:  and  2014-333T16:56:38,344:WARN:
    ev = load("logfile_yday.0")
    assert list(ev["timestamp"]) == [T("2012-01-25T10:22:40.672Z"), T("2014-11-29T16:56:38.344Z")]
    assert list(ev["level"]) == ["debug", "warning"]


def test_date_command_output_with_a_zone_before_the_year():
    # Wed May 19 12:00:02 UTC 2021 line 2
    ev = load("logfile_block.2")
    assert list(ev["timestamp"]) == [T("2021-05-19T12:00:02Z"), T("2021-05-19T12:00:04Z")]
    assert list(ev["message"]) == ["line 2", "line 4"]


def test_zone_abbreviation_after_the_time_is_its_offset():
    # 2025-04-12 00:14:12.837 CEST [1329108] ERROR:  syntax error ... (CEST = UTC+2)
    ev = load("logfile_postgres.1")
    assert ev["timestamp"][0] == T("2025-04-11T22:14:12.837Z")
    assert ev["message"][0] == 'syntax error at or near "null" at character 510'
    assert ev["thread"][0] == "1329108"  # the [pid] every line has
    assert ev["level"][0] == "error" and ev["level"][2] == "warning"
    assert pd.isna(ev["level"][1]) and ev["message"][1].startswith("STATEMENT:  create table")
    # the CREATE TABLE statement's lines belong to the STATEMENT record (line 2)
    assert ev["line"][1] == 2 and "id smallserial primary key," in ev["message"][1]
    assert len(ev) == 7


def test_ansi_colours_are_removed_and_the_syslog_header_read():
    # Sep 19 09:24:04 Tims-MacBook-Air AMPDeviceDiscoveryAgent[17600]: tid:1d1f - Mux ID ...
    ev = load("logfile_ansi.1", year=2023)
    assert len(ev) == 10 and len(ev.attrs["rejected"]) == 0
    assert ev["timestamp"][0] == T("2023-09-19T09:24:04Z")
    assert ev["host"][0] == "Tims-MacBook-Air"
    assert ev["service"][0] == "AMPDeviceDiscoveryAgent"
    assert ev["pid"][0] == "17600"
    assert ev["message"][0] == "tid:1d1f - Mux ID not found in mapping dictionary"
    assert not ev["message"].str.contains("\x1b").any()


def test_syslog_style_text_with_indented_continuations():
    ev = load("logfile_syslog.3", year=2022)
    assert len(ev) == 7
    assert ev["service"][2] == "syslogd" and ev["host"][2] == "Tims-Air"
    assert ev["message"][2].splitlines() == [
        "Configuration Notice:",
        '\tASL Module "com.apple.cdscheduler" claims selected messages.',
        "\tThose messages may not appear in standard system log files or in the ASL database."]


def test_thread_and_level_before_the_timestamp():
    # MainThread::INFO::2011-12-05 07:04:56,101::vdsm::71::vds::(run) I am the actual vdsm
    ev = load("logfile_vdsm.0").sort_values("line", ignore_index=True)
    assert ev["thread"][0] == "MainThread"
    assert list(ev["level"][:2]) == ["info", "error"]
    assert ev["timestamp"][0] == T("2011-12-05T07:04:56.101Z")
    assert ev["message"][0] == "vdsm::71::vds::(run) I am the actual vdsm 4.9-0"
    # the traceback's lines are folded into the ERROR record
    assert ev["message"][1].splitlines()[1] == 'File "/usr/share/vdsm/vdsm", line 72, in run'


def test_level_then_program_and_pid():
    # 2022-06-02T11:58:12.193Z info vpxd[45715] [Originator@6876 sub=vpxLro ...
    ev = load("logfile_vpxd.0")
    assert ev["level"][0] == "info" and ev["service"][0] == "vpxd"
    assert ev["pid"][0] == "45715"
    assert ev["message"][0].startswith("[Originator@6876 sub=vpxLro opID=7e1280cf] [VpxLRO]")


def test_padded_thread_and_logger_before_a_colon():
    # 2025-01-24T07:00:31,139 INFO [background-preinit       ] Version                  : HV...
    ev = load("logfile_java.1")
    assert ev["thread"][0] == "background-preinit"
    assert ev["service"][0] == "Version"
    assert ev["message"][0] == "HV000001: Hibernate Validator 8.0.1.Final"
    assert ev["timestamp"][0] == T("2025-01-24T07:00:31.139Z")


def test_bracketed_timestamp_then_channel_dot_level():
    # [2023-05-15 18:19:32] local.ERROR: Target class [...] does not exist. {...}
    ev = load("logfile_laravel.0")
    assert len(ev) == 82 and len(ev.attrs["rejected"]) == 0  # 1,414 lines, 82 records
    assert ev["level"][0] == "error" and ev["service"][0] == "local"
    assert ev["message"][0].startswith(r"Target class [Fruitcake\Cors\HandleCors] does not exist.")
    assert ev["message"][0].splitlines()[1] == "[stacktrace]"


def test_single_letter_level_after_an_id():
    # Mar 24 15:17:38.999  000000000264F I shmem.res 262144 262144 1 chassis_msg_svc/...
    ev = load("logfile_cxx.0", year=2020)
    assert ev["timestamp"][0] == T("2020-03-24T15:17:38.999Z")
    assert ev["level"][0] == "info"
    assert ev["message"][0].startswith("shmem.res 262144 262144 1 chassis_msg_svc/")


def test_level_words_of_any_vocabulary_and_a_line_without_one():
    ev = load("logfile_leveltest.0")
    assert [None if pd.isna(v) else v for v in ev["level"]] == [
        "debug", "debug", "debug", "debug", "info", "warning", "critical", None]
    assert ev["message"][4] == "infomessage"
    assert ev["message"][7] == "invalid invalidmessage"  # not a level: kept in the message


def test_time_of_day_alone_after_a_pid_is_dated_from_the_file():
    # 478760 12:21:46.284771 execve("/usr/bin/firefox", ["firefox"], ...
    path = SAMPLES / "logfile_strace_log.2"
    ev = load("logfile_strace_log.2")
    assert len(ev) == 117 and ev["pid"][0] == "478760"
    assert ev["message"][0].startswith('execve("/usr/bin/firefox", ["firefox"]')
    first = ev["timestamp"][0]
    assert (first.hour, first.minute, first.second, first.microsecond) == (12, 21, 46, 284771)
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    assert first <= pd.Timestamp(modified) and first > pd.Timestamp(modified) - pd.Timedelta("1D")


def test_epoch_seconds_after_a_comment_mark():
    # #+1162490366 / ./drive_vt52_curses : the command is the record's message
    ev = load("logfile_tcsh_history.0")
    assert list(ev["timestamp"]) == [T("2006-11-02T17:59:26Z"), T("2006-11-02T17:59:45Z")]
    assert list(ev["message"]) == ["./drive_vt52_curses", "exit"]


def test_docker_compose_output_is_split_by_service():
    # redis-1  | 1:C 25 Apr 2024 05:32:35.018 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
    ev = load("logfile_docker_compose_with_noise.0").sort_values("line", ignore_index=True)
    redis = ev[ev["service"] == "redis-1"].reset_index(drop=True)
    assert redis["timestamp"][0] == T("2024-04-25T05:32:35.018Z")
    assert redis["message"][0] == "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
    assert redis["level"][0] == "notice"  # Redis' "*"
    assert redis["level"][2] == "warning"  # Redis' "#"
    assert list(redis["line"]) == [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 24]
    assert set(redis["time_source"]) == {"own"}
    # two lines carry no service prefix (the file's noise): each rejected, said why
    rejected = ev.attrs["rejected"].set_index("line")["reason"]
    assert list(rejected.index) == [22, 23]
    assert rejected[22] == "a line without the program prefix of this multiplexed log"


def test_a_stream_without_timestamps_takes_the_nearest_timestamped_line():
    # web-1  | WARNING: This is a development server. ... (Flask writes no time)
    ev = load("logfile_docker_compose_with_noise.0").sort_values("line", ignore_index=True)
    web = ev[ev["service"] == "web-1"].reset_index(drop=True)
    assert list(web["line"]) == list(range(1, 11))
    # none before them: the first timestamped line after, line 11
    assert set(web["timestamp"]) == {T("2024-04-25T05:32:35.018Z")}
    assert set(web["time_source"]) == {"line 11"}
    assert web["message"][0] == " * Serving Flask app 'app.py'"
    assert web["level"][2] == "warning"
    assert web["message"][2].startswith("This is a development server. Do not use it")
    assert web["message"][9] == " * Debugger PIN: 593-762-075"


def test_a_line_with_its_own_epoch_time_is_a_record_not_a_continuation():
    # redis-1  | 1:signal-handler (1714024483) Received SIGTERM scheduling shutdown...
    ev = load("logfile_docker_compose_with_noise.0").sort_values("line", ignore_index=True)
    row = ev[ev["line"] == 18].iloc[0]
    assert row["timestamp"] == T("2024-04-25T05:54:43Z")
    assert row["message"] == "Received SIGTERM scheduling shutdown..."
    assert ev[ev["line"] == 17].iloc[0]["message"] == "Ready to accept connections tcp"


def test_a_banner_and_column_titles_before_the_first_record():
    # Time                 Id Command    Argument
    # 2025-08-15T14:04:40.805465Z\t   10 Init DB\ttestdb1
    path = SAMPLES / "logfile_mysql_gen.0"
    ev = load("logfile_mysql_gen.0")
    assert len(ev) == 14 and ev.attrs["rejected"].empty
    assert ev["timestamp"][0] == T("2025-08-15T14:03:50.259438Z")
    assert list(ev["id"][:4]) == ["9", "9", "9", "10"]
    assert list(ev["command"][5:8]) == ["Query", "Init DB", "Query"]
    assert ev["message"][0] == "set global log_output = 'FILE'"
    assert ev["message"][6] == "testdb1"
    report = ev.attrs["layouts"][str(path)]
    assert report["file_header"][0].startswith("/usr/sbin/mysqld, Version: 8.0.43")
    assert report["titles"]["Argument"] == "message"


def test_a_file_without_timestamps_is_dated_by_its_modification_time():
    path = SAMPLES / "logfile_plain.0"
    with pytest.warns(IngestWarning, match=r"no timestamp in any line: every line dated by "
                                           r"the file's modification time .*pass pattern="):
        ev = read_events(path)
    assert list(ev["message"]) == ["Hello, World!", "How are you?", "Goodbye, World!"]
    assert list(ev["line"]) == [1, 2, 3]
    modified = pd.Timestamp(dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC))
    assert set(ev["timestamp"]) == {modified}
    assert set(ev["time_source"]) == {"mtime"}


def test_minutes_and_seconds_take_the_hour_from_the_modification_time():
    # TCF 29:47.191: Server-Properties: {...}   then  TCF 30:04.735: channel server connecting
    path = SAMPLES / "logfile_tcf.0"
    with pytest.warns(IngestWarning, match="the lines carry no hour"):
        ev = read_events(path)
    assert len(ev) == 30 and ev.attrs["rejected"].empty
    first = ev["timestamp"][0]
    assert (first.minute, first.second, first.microsecond) == (29, 47, 191000)
    assert ev["timestamp"][1] - first == pd.Timedelta("17.544s")
    modified = pd.Timestamp(dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC))
    assert first <= modified and first > modified - pd.Timedelta("1h")
    assert ev["message"][1] == "channel server connecting"
    assert ev["message"][0].startswith('Server-Properties: {"Name":"TCF Protocol Logger"')


def test_an_invalid_utf8_line_is_rejected_and_the_record_above_kept():
    # 2015-03-12T23:16:52.071:INFO:com.root:Response :   then XML, line 4 not UTF-8
    ev = load("logfile_invalid_utf8.0")
    assert list(ev["message"]) == ["com.root:Response :\n<tiptop>\n\t<sample>"]
    assert ev["level"][0] == "info"
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [4] and "invalid UTF-8" in rejected["reason"][0]


def test_json_with_the_time_under_an_unusual_name():
    # { "started_at": 1490385986240, "response": { "status": 200, ...
    ev = load("logfile_json3.json")
    assert len(ev) == 3 and len(ev.attrs["rejected"]) == 0
    assert list(ev["timestamp"]) == [T("2017-03-24T20:06:26.240Z"), T("2017-03-24T20:12:47.764Z"),
                                     T("2017-03-24T20:15:31.694Z")]
    assert list(ev["response.status"]) == [200, 500, 400]


def test_json_lines_with_a_logfmt_line_and_a_go_panic_among_them():
    # {"ts": "2013-09-06T22:00:49.124817Z", "lvl": "INFO", "msg": "Shutting down service", ...}
    # timestamp="2013-09-06T22:00:50.123000Z" level="INFO" msg="Hello, World"
    # panic: foo bar failed baz
    #    level1.py:10034  (and two more frames)
    ev = load("logfile_mixed_json2.json")
    assert len(ev) == 14 and len(ev.attrs["rejected"]) == 0
    logfmt = ev[ev["line"] == 4].iloc[0]
    assert logfmt["timestamp"] == T("2013-09-06T22:00:50.123Z")
    assert logfmt["level"] == "info"
    assert logfmt["message"] == ("Hello, World\npanic: foo bar failed baz\n   level1.py:10034"
                                 "\n   level2.py:100\n   level3.py:42")
    assert ev[ev["line"] == 3].iloc[0]["level"] == "info"  # (the JSON records' lvl, kept)
    assert list(ev["line"])[4:6] == [9, 10]


def test_json_with_log4j2_seconds_and_nanoseconds():
    # {"instant":{"epochSecond": 1663977609,"nanoOfSecond": 484000000}, "msg": "Hello, World!"}
    ev = load("logfile_json_subsec.json")
    assert list(ev["timestamp"]) == [T("2022-09-24T00:00:09.484Z"), T("2022-09-24T00:00:19.222Z")]
    assert list(ev["message"]) == ["Hello, World!", "Goodbye, World!"]


def test_zeek_tsv_with_its_directives():
    # #fields ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service ...
    # 1320279554.496300  Cg9xqq3JAcZusspA86  192.168.2.76  52025  208.85.42.28  80  tcp  -
    ev = load("logfile_bro_conn.log.0")
    assert len(ev) == 92 and len(ev.attrs["rejected"]) == 0
    assert ev["timestamp"][0] == T("2011-11-03T00:19:14.4963Z")
    assert ev["uid"][0] == "Cg9xqq3JAcZusspA86"
    assert ev["id.orig_h"][0] == "192.168.2.76" and ev["proto"][0] == "tcp"
    assert set(ev["service"]) == {"conn"}  # the #path
    assert pd.isna(ev["service_raw"][0]) and ev["service_raw"][1] == "http"  # its own field


def test_rfc5424_body_without_its_pri_and_version():
    # 2022-08-27T14:22:01.613Z space01.global-acme.entp NSX 3106 - [abc@6876 comp="abc-edge" ...
    # 2022-08-27T17:22:01.694554+03:00 space01.global-acme.entp CRON 20856 - -  (root) CMD (...
    ev = load("logfile_with_zones.0")
    assert len(ev) == 3 and len(ev.attrs["rejected"]) == 0
    assert list(ev["timestamp"]) == [T("2022-08-27T14:22:01.613Z"),
                                     T("2022-08-27T14:22:01.694554Z"),
                                     T("2022-08-27T14:22:01.888Z")]
    assert list(ev["host"]) == ["space01.global-acme.entp"] * 3
    assert list(ev["service"]) == ["NSX", "CRON", "NSX"]
    assert list(ev["pid"]) == ["3106", "20856", "4828"]
    assert ev["msgid"][2] == "SWITCHING"
    assert ev["message"][2].startswith("dynamic arp entry(")
    assert ev["abc@6876.comp"][0] == "abc-edge"


def test_every_text_sample_reads_the_same_streamed_or_in_blocks(monkeypatch):
    """Streamed, polars matches the layout's regex as it reads (the reader's query); in
    blocks (a compressed file, a load cut by ``start=``/``end=``), the loader matches each
    block itself: every sample the text format reads gives the same events and the same
    rejected lines either way."""
    from postmortem_kit.ingest.formats import text

    compared = []
    for path in sorted(p for p in SAMPLES.iterdir() if p.is_file()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IngestWarning)
            try:
                streamed = read_events(path, year=2024)
            except IngestError:
                continue  # (not a log: the other tests say which files are rejected so)
        layouts = list(streamed.attrs.get("layouts", {}).values())
        if not layouts or layouts[0]["format"] != "text":
            continue
        with monkeypatch.context() as m:
            m.setattr(text, "can_stream", lambda path, ctx: False)
            blocks = load(path.name, year=2024)
        pd.testing.assert_frame_equal(streamed, blocks, obj=path.name)
        assert tuple(streamed.attrs["rejected"]) == tuple(blocks.attrs["rejected"]), path.name
        compared.append(path.name)
    assert len(compared) >= 30, compared
