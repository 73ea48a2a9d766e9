"""The ``text`` format: timestamp-prefixed application logs, layout detected per file."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.files import blocks
from postmortem_kit.ingest.formats import access, syslog, text
from postmortem_kit.ingest.lines import columns
from postmortem_kit.ingest.lines.layout import detect_layout
from tests.unit.ingest.reference import assert_numbered, numbered_log

LOGBACK = """\
2024-05-01 10:00:00.101 [main] INFO  com.shop.checkout.App - Started App in 4.2 seconds
2024-05-01 10:00:05.250 [http-nio-8080-exec-3] WARN  com.shop.checkout.PaymentClient - Retrying
2024-05-01 10:00:06.733 [http-nio-8080-exec-3] ERROR com.shop.checkout.PaymentClient - Charge failed
java.lang.IllegalStateException: provider answered 503
\tat com.shop.checkout.PaymentClient.charge(PaymentClient.java:88)
\tat com.shop.checkout.OrderService.place(OrderService.java:41)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)
\t... 12 more
2024-05-01 10:00:07.001 [main] DEBUG com.shop.checkout.App - <script>alert(1)</script> echoed
"""

PYTHON = """\
2024-05-01 10:00:00,123 - checkout.api - INFO - request started
2024-05-01 10:00:00,456 - checkout.api - ERROR - unhandled error
Traceback (most recent call last):
  File "/app/api.py", line 42, in handle
    total = price / qty
ZeroDivisionError: division by zero
2024-05-01 10:00:01,000 - checkout.db - WARNING - slow query: 1200 ms
"""


def load(path: Path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format=kw.pop("format", "text"), **kw)


def write(tmp_path: Path, body: str, name: str = "app.log") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_logback_levels_threads_loggers_and_messages(tmp_path):
    ev = load(write(tmp_path, LOGBACK))
    assert list(ev["level"]) == ["info", "warning", "error", "debug"]
    assert list(ev["thread"]) == ["main", "http-nio-8080-exec-3", "http-nio-8080-exec-3", "main"]
    assert ev["service"][1] == "com.shop.checkout.PaymentClient"
    assert ev["message"][0] == "Started App in 4.2 seconds"
    assert ev["message"][3] == "<script>alert(1)</script> echoed"
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:05.250Z")


def test_java_stack_trace_is_folded_into_its_record(tmp_path):
    ev = load(write(tmp_path, LOGBACK))
    assert list(ev["line"]) == [1, 2, 3, 10]  # a record's line is its first line
    assert ev["message"][2] == (
        "Charge failed\n"
        "java.lang.IllegalStateException: provider answered 503\n"
        "\tat com.shop.checkout.PaymentClient.charge(PaymentClient.java:88)\n"
        "\tat com.shop.checkout.OrderService.place(OrderService.java:41)\n"
        "Caused by: java.net.SocketTimeoutException: Read timed out\n"
        "\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)\n"
        "\t... 12 more"
    )
    assert len(ev.attrs["rejected"]) == 0


def test_python_logging_default_format_and_traceback(tmp_path):
    ev = load(write(tmp_path, PYTHON))
    assert list(ev["service"]) == ["checkout.api", "checkout.api", "checkout.db"]
    assert list(ev["level"]) == ["info", "error", "warning"]
    assert ev["message"][1].splitlines() == [
        "unhandled error", "Traceback (most recent call last):",
        '  File "/app/api.py", line 42, in handle', "    total = price / qty",
        "ZeroDivisionError: division by zero"]
    assert ev["timestamp"][0] == pd.Timestamp("2024-05-01T10:00:00.123Z")


def test_folding_works_across_read_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 64)  # every few lines a new block
    ev = load(write(tmp_path, LOGBACK * 3)).sort_values("line", ignore_index=True)
    assert list(ev["line"]) == [1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30]
    assert [m.count("\n") for m in ev["message"]] == [0, 0, 6, 0] * 3
    assert ev["message"][6].endswith("\t... 12 more")


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 7, 9])
def test_records_cut_by_streamed_blocks_anywhere_read_as_in_one_block(
        tmp_path, monkeypatch, rows):
    """Streamed in blocks of ``rows`` lines, a block whose next one starts with a record
    is parsed at once, and one whose next starts with a stack trace's line waits for it:
    every record, and every line of its trace, as when the file is one block."""
    path = write(tmp_path, LOGBACK * 3)
    whole = load(path)
    monkeypatch.setattr(columns, "STREAM_ROWS", rows)
    got = load(path)
    pd.testing.assert_frame_equal(got, whole)
    assert sorted(got["line"]) == [1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30]


def test_go_log_without_level(tmp_path):
    ev = load(write(tmp_path, "2009/11/10 23:00:00 listening on :8080\n"
                              "2009/11/10 23:00:01.5 shutting down: signal received\n"))
    assert list(ev["message"]) == ["listening on :8080", "shutting down: signal received"]
    assert ev["level"].isna().all()
    assert ev["timestamp"][1] == pd.Timestamp("2009-11-10T23:00:01.5Z")


def test_apache_error_log_keeps_client_in_the_message(tmp_path):
    ev = load(write(tmp_path, "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n"
                              "[Sun Dec 04 05:15:09 2005] [error] [client 222.166.160.184] "
                              "Directory index forbidden by rule: /var/www/html/\n"))
    assert list(ev["level"]) == ["notice", "error"]
    assert ev["message"][1] == (
        "[client 222.166.160.184] Directory index forbidden by rule: /var/www/html/")
    assert ev["timestamp"][0] == pd.Timestamp("2005-12-04T04:47:44Z")


@pytest.mark.parametrize(
    ("line", "expected"),
    [("2024-05-01T10:00:00.5+02:00 ERROR db down", "2024-05-01T08:00:00.5Z"),
     ("2024-05-01T10:00:00Z info ok", "2024-05-01T10:00:00Z"),
     ("1714557600.25 WARN epoch seconds", "2024-05-01T10:00:00.25Z"),
     ("1714557600250 INFO epoch millis", "2024-05-01T10:00:00.25Z"),
     ("17/06/09 20:10:40 INFO spark.SecurityManager: acls", "2017-06-09T20:10:40Z"),
     ("01-May-2024 10:00:00.123 SEVERE [main] org.apache.catalina.Server x",
      "2024-05-01T10:00:00.123Z")],
)
def test_timestamp_shapes(tmp_path, line, expected):
    ev = load(write(tmp_path, line + "\n"))
    assert ev["timestamp"][0] == pd.Timestamp(expected)


def test_naive_timestamps_are_read_in_tz(tmp_path):
    ev = load(write(tmp_path, "2024-07-01 12:00:00 INFO hello\n"), tz="America/New_York")
    assert ev["timestamp"][0] == pd.Timestamp("2024-07-01T16:00:00Z")


def test_lines_before_the_first_timestamp_are_the_header_not_dropped(tmp_path):
    body = "=== log opened ===\n\n" + PYTHON
    path = write(tmp_path, body)
    ev = load(path)
    assert ev.attrs["rejected"].empty
    assert ev.attrs["layouts"][str(path)]["file_header"] == ["=== log opened ==="]
    assert list(ev["line"]) == [3, 4, 9]


def test_an_impossible_date_is_rejected_with_its_record(tmp_path):
    ev = load(write(tmp_path, "2024-02-30 10:00:00 INFO nope\n2024-03-01 10:00:00 INFO ok\n"))
    assert list(ev["message"]) == ["ok"]
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [1] and "not a valid date" in rejected["reason"][0]


def test_a_file_without_timestamps_is_one_row_per_line_dated_by_the_file(tmp_path):
    path = write(tmp_path, "hello\nworld\n")
    os.utime(path, (1714557600, 1714557600))  # 2024-05-01T10:00:00Z
    ev = load(path)
    assert ev.attrs["rejected"].empty
    assert list(ev["line"]) == [1, 2] and list(ev["message"]) == ["hello", "world"]
    assert set(ev["timestamp"]) == {pd.Timestamp("2024-05-01T10:00:00Z")}


def test_pattern_with_named_groups_replaces_detection(tmp_path):
    body = ("host=web-1 | 2024-05-01 10:00:00 | E | checkout failed\n"
            "host=web-2 | 2024-05-01 10:00:01 | I | ok\n")
    rx = (r"^host=(?P<host>\S+) \| (?P<timestamp>[^|]+?) \| (?P<level>\w) \| (?P<message>.*)$")
    ev = load(write(tmp_path, body), pattern=rx)
    assert list(ev["host"]) == ["web-1", "web-2"]
    assert list(ev["level"]) == ["error", "info"]
    assert list(ev["message"]) == ["checkout failed", "ok"]
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:01Z")


@pytest.mark.parametrize("stream", [True, False])
def test_level_words_go_on_the_scale_block_by_block_unknown_ones_kept_raw(
        tmp_path, monkeypatch, stream):
    """Levels are put on the ordered scale per block: a word no block before used, and
    one the scale does not know (kept in ``level_raw``, the last column), in a later
    block, read as in a file of one block."""
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 256)
    monkeypatch.setattr(columns, "STREAM_ROWS", 7)
    words = ["INFO"] * 20 + ["Warn", "AUDIT", "info", "FATAL"] + ["INFO"] * 10
    body = "".join(f"2024-05-01 10:00:{i:02d} [{w}] n={i}\n" for i, w in enumerate(words))
    if not stream:
        body = body.rstrip("\n")  # (a file without its last newline is read in blocks)
    rx = r"^(?P<timestamp>\S+ \S+) \[(?P<level>\w+)\] (?P<message>.*)$"
    ev = load(write(tmp_path, body), pattern=rx)
    assert list(ev["level"][19:25].astype(object).fillna("NA")) == [
        "info", "warning", "NA", "info", "critical", "info"]
    assert ev["level"].dtype == "category" and ev["level"].cat.ordered
    assert ev["level_raw"].dtype == "str" and list(ev.columns)[-1] == "level_raw"
    assert ev["level_raw"].notna().sum() == 1 and ev["level_raw"][21] == "AUDIT"
    assert ev["line"].tolist() == list(range(1, len(words) + 1))


def test_pattern_without_a_timestamp_group_is_a_clear_error(tmp_path):
    with pytest.raises(IngestError, match=r"\(\?P<timestamp>"):
        load(write(tmp_path, "x\n"), pattern=r"(?P<message>.*)")
    with pytest.raises(IngestError, match="not a valid regex"):
        load(write(tmp_path, "x\n"), pattern=r"(?P<timestamp>[")


def test_layout_detection_is_general_not_per_product():
    spring = ["2024-05-01 10:00:00.101  INFO 4242 --- [           main] c.s.c.App"
              "                         : Started App"]
    lay = detect_layout(pa.array(spring * 3))
    assert (lay.timestamp, lay.header) == ("iso8601", "spring")
    zk = ["2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:"
          "FastLeaderElection@774] - Notification time out: 3200"]
    assert detect_layout(pa.array(zk)).header == "level-thread"


@pytest.mark.parametrize(
    ("body", "owner"),
    [('10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n',
      access),
     ("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown\n", syslog)],
)
def test_sniff_leaves_access_and_syslog_files_to_their_formats(body, owner):
    assert owner.sniff(Path("x.log"), body * 5) > text.sniff(Path("x.log"), body * 5)


def test_sniff_does_not_claim_json_lines():
    jsonl = '{"ts": "2024-05-01T10:00:00Z", "level": "info", "msg": "hi"}\n' * 5
    assert text.sniff(Path("app.log"), jsonl) == 0.0
    assert text.sniff(Path("app.log"), LOGBACK) >= 0.5


def test_start_and_end_cut_the_window_while_streaming(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 128)
    body = "".join(f"2024-05-01 10:00:{s:02d} INFO n={s}\n" for s in range(30))
    ev = load(write(tmp_path, body), start="2024-05-01 10:00:02", end="2024-05-01 10:00:04")
    assert list(ev["message"]) == ["n=2", "n=3", "n=4"]


@pytest.mark.parametrize("bad", [
    {10_000: b"caf\xe9"},  # invalid UTF-8: polars' stream fails, the load starts over
    {3_000: b"nul\x00", 15_000: b"caf\xe9"},  # a NUL (hand-over), then such a failure
    {12_000: b"nul\x00"},  # a NUL alone: streamed up to it, then block by block
])
def test_bad_lines_in_a_big_file_leave_every_other_line_its_number(tmp_path, monkeypatch, bad):
    """polars' streaming reader, failing on a line, hands out later lines under earlier
    numbers before it fails: the text loader must not keep them."""
    monkeypatch.setattr(columns, "STREAM_ROWS", 1000)
    path = numbered_log(tmp_path / "app.log",
                        lambda i: f"2024-05-01 10:00:00,{i % 1000:03d} INFO app - ", bad)
    assert_numbered(read_events(path, progress=False), bad)


def test_a_rejected_line_does_not_make_a_dated_layout_assume_a_year(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(b"2024-05-01 10:00:00,000 INFO app - one\n"
                     b"2024-05-01 10:00:01,000 INFO app - caf\xe9\n"
                     b"2024-05-01 10:00:02,000 INFO app - three\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = read_events(path, progress=False)
    said = [str(w.message) for w in caught]
    assert not [s for s in said if "no year" in s], said
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:00Z"),
                                         pd.Timestamp("2024-05-01T10:00:02Z")]
    assert events.attrs["layouts"][str(path)]["year"] == "in each line"


@pytest.mark.parametrize("rows", [1, 4, 140_000])
def test_the_layouts_regex_runs_in_the_streaming_readers_query(tmp_path, monkeypatch, rows):
    """Streamed, the lines are matched where polars reads them (no regex pass of the
    loader's own), with the same records as the block path, which matches them itself."""
    records = "".join(line + "\n" for line in LOGBACK.splitlines() if line[:1].isdigit())
    path = write(tmp_path, records * 3)
    extract = text.extract_groups
    calls: list[int] = []

    def counted(lines, *args, **kwargs):
        calls.append(len(lines))
        return extract(lines, *args, **kwargs)

    monkeypatch.setattr(text, "extract_groups", counted)
    with monkeypatch.context() as m:
        m.setattr(text, "can_stream", lambda path, ctx: False)
        whole = load(path)
    assert sum(calls) == 12  # (the block path matches every line itself)
    monkeypatch.setattr(columns, "STREAM_ROWS", rows)
    calls.clear()
    got = load(path)
    assert calls == []
    pd.testing.assert_frame_equal(got, whole)
