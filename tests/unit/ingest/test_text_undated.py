"""Text logs whose lines do not all carry their own time: header lines before the first
record (a banner, a column-title line), the lines of a multiplexed stream that writes no
timestamps, a line of another layout with its own time, files without any timestamp, and
times written without their hour. Each file is written out by hand; the expected values
are read off the lines and the file's modification time set here."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.cli import main
from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def write(tmp_path: Path, body: str, name: str = "app.log",
          mtime: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    if mtime is not None:
        stamp = dt.datetime.fromisoformat(mtime).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def load(path: Path, **kw) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IngestWarning)
        ev = read_events(path, **kw)
    return ev, [str(w.message) for w in caught if issubclass(w.category, IngestWarning)]


# -- header lines ---------------------------------------------------------------------
MYSQL = ("/usr/sbin/mysqld, Version: 8.0.43 ((Ubuntu)). started with:\n"
         "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\n"
         "Time                 Id Command    Argument\n"
         "2025-08-15T14:03:50.259438Z\t    9 Query\tset global log_output = 'FILE'\n"
         "2025-08-15T14:04:35.806005Z\t    9 Quit\t\n"
         "2025-08-15T14:04:40.805465Z\t   10 Init DB\ttestdb1\n"
         "2025-08-15T14:04:40.807102Z\t   10 Field List\ttesttab \n")


def test_a_column_title_line_names_the_fields_of_the_lines_below(tmp_path):
    ev, _ = load(write(tmp_path, MYSQL))
    assert ev.attrs["rejected"].empty
    assert list(ev["line"]) == [4, 5, 6, 7]
    assert ev["timestamp"][0] == T("2025-08-15T14:03:50.259438Z")
    assert list(ev["id"]) == ["9", "9", "10", "10"]
    assert list(ev["command"]) == ["Query", "Quit", "Init DB", "Field List"]
    # the last title names the message: the role is kept
    assert list(ev["message"]) == ["set global log_output = 'FILE'", "", "testdb1", "testtab "]


def test_banner_lines_are_the_files_header_kept_and_said_not_rejected(tmp_path, capsys):
    path = write(tmp_path, MYSQL)
    ev, said = load(path)
    report = ev.attrs["layouts"][str(path)]
    assert report["file_header"] == [
        "/usr/sbin/mysqld, Version: 8.0.43 ((Ubuntu)). started with:",
        "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock",
        "Time                 Id Command    Argument"]
    assert report["titles"] == {"Time": "timestamp", "Id": "id", "Command": "command",
                                "Argument": "message"}
    assert any("3 header line(s) before the first record (lines 1-3) kept in "
               "events.attrs" in s and "the column titles" in s for s in said)
    assert main(["ingest", "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  header    /usr/sbin/mysqld, Version: 8.0.43" in out
    assert "  columns   Time=timestamp, Id=id, Command=command, Argument=message" in out


def test_a_header_without_column_titles_names_nothing(tmp_path):
    path = write(tmp_path, "hello\nhello\nbye\n"
                           "2024-05-01 10:00:00 INFO started\n2024-05-01 10:00:01 INFO ok\n")
    ev, said = load(path)
    assert any("3 header line(s)" in s and "column titles" not in s for s in said)
    assert ev.attrs["rejected"].empty and list(ev["line"]) == [4, 5]
    assert list(ev["message"]) == ["started", "ok"]
    assert ev.attrs["layouts"][str(path)]["file_header"] == ["hello", "hello", "bye"]
    assert "titles" not in ev.attrs["layouts"][str(path)]


def test_a_sentence_before_the_first_record_names_no_column(tmp_path):
    path = write(tmp_path, "Starting application server now\n"
                           "2024-05-01 10:00:00 INFO started the pool\n"
                           "2024-05-01 10:00:01 INFO listening on port 80\n")
    ev, _ = load(path)
    assert list(ev["message"]) == ["started the pool", "listening on port 80"]
    assert "application" not in ev and "server" not in ev
    report = ev.attrs["layouts"][str(path)]
    assert report["file_header"] == ["Starting application server now"]
    assert "titles" not in report


def test_an_indented_first_line_is_the_tail_of_a_cut_record_still_rejected(tmp_path):
    # a rotated file starting inside a stack trace: not a header
    path = write(tmp_path, "\tat com.acme.Foo.bar(Foo.java:12)\n"
                           "\tat com.acme.Main.main(Main.java:3)\n"
                           "2024-05-01 10:00:00 INFO started\n")
    ev, _ = load(path)
    assert list(ev["line"]) == [3]
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [1, 2]
    assert set(rejected["reason"]) == {"text before the first timestamped line"}
    assert "file_header" not in ev.attrs["layouts"][str(path)]


# -- multiplexed streams without timestamps ---------------------------------------------
COMPOSE = ("web-1  |  * Serving Flask app 'app.py'\n"
           "web-1  | WARNING: This is a development server.\n"
           "redis-1  | 1:C 25 Apr 2024 05:32:35.018 * Redis is starting\n"
           "redis-1  | 1:M 25 Apr 2024 05:32:35.022 * Ready to accept connections tcp\n"
           "web-1  | Press CTRL+C to quit\n"
           "redis-1  | 1:signal-handler (1714024483) Received SIGTERM scheduling shutdown...\n"
           "redis-1  | 1:M 25 Apr 2024 05:54:43.946 * User requested shutdown...\n"
           "out of frame line\n"
           "redis-1  | 1:M 25 Apr 2024 05:54:43.948 # Redis is now ready to exit\n")


def test_a_stream_without_timestamps_is_dated_by_the_nearest_timestamped_line(tmp_path):
    path = write(tmp_path, COMPOSE)
    ev, said = load(path)
    ev = ev.sort_values("line", ignore_index=True)
    web = ev[ev["service"] == "web-1"].reset_index(drop=True)
    assert list(web["line"]) == [1, 2, 5]
    assert list(web["message"]) == [" * Serving Flask app 'app.py'",
                                    "This is a development server.", "Press CTRL+C to quit"]
    assert web["level"][1] == "warning" and pd.isna(web["level"][0])
    # none before lines 1-2: the first after (line 3); line 5: the one before (line 4)
    assert list(web["timestamp"]) == [T("2024-04-25T05:32:35.018Z")] * 2 + [
        T("2024-04-25T05:32:35.022Z")]
    assert list(web["time_source"]) == ["line 3", "line 3", "line 4"]
    assert set(ev.loc[ev["service"] == "redis-1", "time_source"]) == {"own"}
    assert any("web-1: 3 line(s) without a timestamp dated by the nearest timestamped line"
               in s for s in said)
    # the line without the prefix stays rejected, with its reason
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [8]
    assert rejected["reason"][0] == "a line without the program prefix of this multiplexed log"
    report = ev.attrs["layouts"][str(path)]
    assert "web-1" in report["undated"]


def test_a_traceback_in_a_stream_without_timestamps_is_one_record(tmp_path):
    body = ("db-1  | 2024-05-01 10:00:00.000 UTC [1] LOG:  database system is ready\n"
            "web-1  | Traceback (most recent call last):\n"
            'web-1  |   File "/app/app.py", line 5, in index\n'
            "db-1  | 2024-05-01 10:00:02.000 UTC [1] LOG:  checkpoint starting\n"
            'web-1  |     raise ValueError("boom")\n'
            "web-1  | ValueError: boom\n"
            "db-1  | 2024-05-01 10:00:03.000 UTC [1] LOG:  checkpoint complete\n")
    ev, _ = load(write(tmp_path, body))
    web = ev[ev["service"] == "web-1"].sort_values("line", ignore_index=True)
    assert list(web["line"]) == [2, 6]
    assert web["message"][0].splitlines() == [
        "Traceback (most recent call last):", '  File "/app/app.py", line 5, in index',
        '    raise ValueError("boom")']
    assert web["message"][1] == "ValueError: boom"
    assert list(web["timestamp"]) == [T("2024-05-01T10:00:00Z"), T("2024-05-01T10:00:02Z")]
    assert list(web["time_source"]) == ["line 1", "line 4"]


def test_a_line_of_another_layout_with_its_own_time_is_a_record(tmp_path):
    ev, _ = load(write(tmp_path, COMPOSE))
    ev = ev.sort_values("line", ignore_index=True)
    row = ev[ev["line"] == 6].iloc[0]
    assert row["timestamp"] == T("2024-04-25T05:54:43Z")  # epoch 1714024483
    assert row["service"] == "redis-1"
    assert row["message"] == "Received SIGTERM scheduling shutdown..."
    before = ev[ev["line"] == 4].iloc[0]
    assert before["message"] == "Ready to accept connections tcp"  # nothing folded into it


def test_stack_traces_and_dates_in_continuations_still_fold(tmp_path):
    body = "".join(f"2024-05-01 09:59:5{i},000 INFO [main] app.Db - tick {i}\n"
                   for i in range(6))
    body += ("2024-05-01 10:00:00,000 ERROR [main] app.Db - query failed\n"
             "Caused by: app.Timeout: deadline 2024-05-01 10:00:01 passed\n"
             "\tat app.Db.run(Db.java:12)\n"
             "select * from t where created > '2019-01-01 00:00:00'\n"
             "2024-05-01 10:00:05,000 INFO [main] app.Db - retry ok\n")
    ev, _ = load(write(tmp_path, body))
    assert list(ev["line"]) == [1, 2, 3, 4, 5, 6, 7, 11]
    # (the deadline is within a second of the records around it: a sentence, not a record)
    assert ev["message"][6].splitlines() == [
        "query failed", "Caused by: app.Timeout: deadline 2024-05-01 10:00:01 passed",
        "\tat app.Db.run(Db.java:12)", "select * from t where created > '2019-01-01 00:00:00'"]


# -- no timestamps at all; times without their hour -------------------------------------
def test_a_file_without_any_timestamp_is_dated_by_its_modification_time(tmp_path, capsys):
    path = write(tmp_path, "Hello, World!\nHow are you?\n\nGoodbye, World!\n",
                 name="plain.txt", mtime="2024-03-01T12:30:00+00:00")
    ev, said = load(path)
    assert list(ev["line"]) == [1, 2, 4]
    assert list(ev["message"]) == ["Hello, World!", "How are you?", "Goodbye, World!"]
    assert set(ev["timestamp"]) == {T("2024-03-01T12:30:00Z")}
    assert set(ev["time_source"]) == {"mtime"}
    assert ev.attrs["rejected"].empty
    (warning,) = [s for s in said if "no timestamp" in s]
    assert "file's modification time (2024-03-01T12:30:00+00:00)" in warning
    assert "pattern=" in warning
    assert main(["ingest", "--explain", str(path)]) == 0
    assert "modification time" in capsys.readouterr().out


def test_binary_bytes_are_still_no_format(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(Exception, match="no format recognises"):
        read_events(path)


def test_minutes_and_seconds_take_date_and_hour_from_the_modification_time(tmp_path):
    path = write(tmp_path, "TCF 58:47.191: server connecting\n"
                           "TCF 59:59.500: server connected\n"
                           "TCF 00:11.474: 0: ---> C 2 RunControl getChildren null <eom>\n",
                 name="tcf.log", mtime="2024-03-01T10:15:00+00:00")
    ev, said = load(path)
    assert list(ev["timestamp"]) == [T("2024-03-01T09:58:47.191Z"),
                                     T("2024-03-01T09:59:59.5Z"),
                                     T("2024-03-01T10:00:11.474Z")]  # the next hour
    assert ev["message"][0] == "server connecting"
    assert ev["message"][2] == "0: ---> C 2 RunControl getChildren null <eom>"
    assert any("no hour" in s and "09:00" in s for s in said)
